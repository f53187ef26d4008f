package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmaasSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginSpec;
import dev.sds.kms.operator.crd.v1alpha1.SocketSpec;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.TolerationBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Decides the effective value of every optional spec field: the value given, or the default. It is
 * the one place for defaults, including those the CRD schema cannot express (node selector,
 * tolerations, resources, the credentials key by type) and those it does express, because a spec
 * that did not pass through an API server (tests, the CRUD mock server, old API servers) has no
 * schema defaults applied.
 *
 * <p>An unset ({@code null}) field takes the default; a field set to an empty map or list is taken
 * as given (an empty {@code nodeSelector} means every node). Maps and lists returned are new
 * copies.
 */
public final class SpecDefaults {

  public static final String CONTROL_PLANE_LABEL = "node-role.kubernetes.io/control-plane";
  public static final String LEGACY_MASTER_TAINT = "node-role.kubernetes.io/master";

  public static final String SOCKET_HOST_DIRECTORY = "/var/run/kmsplugin";
  public static final String SOCKET_FILE_NAME = "kms.sock";
  public static final String PROVIDER_NAME = "sds-kms";
  public static final String KEY_ID = "sds";
  public static final String PRIORITY_CLASS_NAME = "system-node-critical";
  public static final String HEALTH_CHECK_INTERVAL = "30s";
  public static final String LOG_LEVEL = "info";
  public static final int HTTP_PORT = 8083;

  /**
   * The daemon image's {@code USER} (plugin-daemon/Dockerfile): the "nonroot" uid of distroless.
   */
  public static final long RUN_AS_USER = 65532L;

  public static final String PROTOCOL_CRYPTO_API = "crypto-api";
  public static final String PROTOCOL_KACLS = "kacls";

  public static final String CREDENTIALS_API_KEY = "ApiKey";
  public static final String CREDENTIALS_TOKEN = "Token";
  public static final String API_KEY_KEY = "api-key";
  public static final String TOKEN_KEY = "token";
  public static final String CA_BUNDLE_KEY = "ca.crt";

  public static final String CPU_REQUEST = "50m";
  public static final String MEMORY_REQUEST = "160Mi";
  public static final String MEMORY_LIMIT = "320Mi";

  private SpecDefaults() {}

  /** Default: {@code node-role.kubernetes.io/control-plane: ""}. */
  public static Map<String, String> nodeSelector(KmsPlugin plugin) {
    Map<String, String> given = spec(plugin).getNodeSelector();
    Map<String, String> selector = new LinkedHashMap<>();
    if (given != null) {
      selector.putAll(given);
    } else {
      selector.put(CONTROL_PLANE_LABEL, "");
    }
    return selector;
  }

  /** Default: tolerate the control-plane taints (current and legacy), NoSchedule, Exists. */
  public static List<Toleration> tolerations(KmsPlugin plugin) {
    List<Toleration> given = spec(plugin).getTolerations();
    List<Toleration> tolerations = new ArrayList<>();
    if (given != null) {
      given.forEach(t -> tolerations.add(new TolerationBuilder(t).build()));
    } else {
      tolerations.add(controlPlaneToleration(CONTROL_PLANE_LABEL));
      tolerations.add(controlPlaneToleration(LEGACY_MASTER_TAINT));
    }
    return tolerations;
  }

  private static Toleration controlPlaneToleration(String key) {
    return new TolerationBuilder()
        .withKey(key)
        .withOperator("Exists")
        .withEffect("NoSchedule")
        .build();
  }

  /** Default: requests cpu 50m, memory 160Mi; limit memory 320Mi (no CPU limit: no throttling). */
  public static ResourceRequirements resources(KmsPlugin plugin) {
    ResourceRequirements given = spec(plugin).getResources();
    if (given != null) {
      return new ResourceRequirementsBuilder(given).build();
    }
    return new ResourceRequirementsBuilder()
        .addToRequests("cpu", new Quantity(CPU_REQUEST))
        .addToRequests("memory", new Quantity(MEMORY_REQUEST))
        .addToLimits("memory", new Quantity(MEMORY_LIMIT))
        .build();
  }

  /**
   * Default {@code /var/run/kmsplugin}; a trailing {@code /} is dropped. The same path on the node
   * and in the container.
   */
  public static String socketHostDirectory(KmsPlugin plugin) {
    SocketSpec socket = spec(plugin).getSocket();
    String dir = socket == null ? null : socket.getHostDirectory();
    if (dir == null) {
      return SOCKET_HOST_DIRECTORY;
    }
    while (dir.length() > 1 && dir.endsWith("/")) {
      dir = dir.substring(0, dir.length() - 1);
    }
    return dir;
  }

  /** Default {@code kms.sock}. */
  public static String socketFileName(KmsPlugin plugin) {
    SocketSpec socket = spec(plugin).getSocket();
    return orDefault(socket == null ? null : socket.getFileName(), SOCKET_FILE_NAME);
  }

  /** The socket's path, e.g. {@code /var/run/kmsplugin/kms.sock}, on the node and in the pod. */
  public static String socketPath(KmsPlugin plugin) {
    return socketHostDirectory(plugin) + "/" + socketFileName(plugin);
  }

  /** Default {@code sds-kms}. */
  public static String providerName(KmsPlugin plugin) {
    return orDefault(spec(plugin).getProviderName(), PROVIDER_NAME);
  }

  /** Default {@code sds}. */
  public static String keyId(KmsPlugin plugin) {
    return orDefault(spec(plugin).getKeyId(), KEY_ID);
  }

  /** Default {@code system-node-critical}. */
  public static String priorityClassName(KmsPlugin plugin) {
    return orDefault(spec(plugin).getPriorityClassName(), PRIORITY_CLASS_NAME);
  }

  /** Default {@code 30s}. */
  public static String healthCheckInterval(KmsPlugin plugin) {
    return orDefault(spec(plugin).getHealthCheckInterval(), HEALTH_CHECK_INTERVAL);
  }

  /** Default {@code info}. */
  public static String logLevel(KmsPlugin plugin) {
    return orDefault(spec(plugin).getLogLevel(), LOG_LEVEL);
  }

  /** Default 8083. */
  public static int httpPort(KmsPlugin plugin) {
    Integer port = spec(plugin).getHttpPort();
    return port != null ? port : HTTP_PORT;
  }

  /** Default 65532 ({@link #RUN_AS_USER}); 0 is root. */
  public static long runAsUser(KmsPlugin plugin) {
    Long uid = spec(plugin).getRunAsUser();
    return uid != null ? uid : RUN_AS_USER;
  }

  /** Default false. */
  public static boolean paused(KmsPlugin plugin) {
    return Boolean.TRUE.equals(spec(plugin).getPaused());
  }

  /** The KMaaS wire protocol: {@code crypto-api} (default) or {@code kacls}. */
  public static String protocol(KmsPlugin plugin) {
    return orDefault(kmaas(plugin).getProtocol(), PROTOCOL_CRYPTO_API);
  }

  /** {@code ApiKey} (default) or {@code Token}; {@code null} when no credentials are referenced. */
  public static String credentialsType(KmsPlugin plugin) {
    CredentialsRef credentials = kmaas(plugin).getCredentials();
    return credentials == null ? null : orDefault(credentials.getType(), CREDENTIALS_API_KEY);
  }

  /**
   * The Secret key of the credentials: as given, else {@code token} for {@code Token} and {@code
   * api-key} otherwise; {@code null} when no credentials are referenced.
   */
  public static String credentialsKey(KmsPlugin plugin) {
    CredentialsRef credentials = kmaas(plugin).getCredentials();
    if (credentials == null) {
      return null;
    }
    if (credentials.getKey() != null) {
      return credentials.getKey();
    }
    return CREDENTIALS_TOKEN.equals(credentialsType(plugin)) ? TOKEN_KEY : API_KEY_KEY;
  }

  /** The CA bundle's key, default {@code ca.crt}; {@code null} when no CA bundle is referenced. */
  public static String caBundleKey(KmsPlugin plugin) {
    CaBundleRef ca = kmaas(plugin).getCaBundle();
    return ca == null ? null : orDefault(ca.getKey(), CA_BUNDLE_KEY);
  }

  static KmsPluginSpec spec(KmsPlugin plugin) {
    return plugin.getSpec() != null ? plugin.getSpec() : new KmsPluginSpec();
  }

  static KmaasSpec kmaas(KmsPlugin plugin) {
    KmaasSpec kmaas = spec(plugin).getKmaas();
    return kmaas != null ? kmaas : new KmaasSpec();
  }

  private static String orDefault(String value, String fallback) {
    return Objects.requireNonNullElse(value, fallback);
  }
}
