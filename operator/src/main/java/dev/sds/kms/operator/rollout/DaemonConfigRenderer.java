package dev.sds.kms.operator.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.rotation.start.SeedGenerationRotator;
import java.io.UncheckedIOException;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Decides the daemon's {@code config.yaml} (the {@code --config} file of {@code serve}; keys are
 * the daemon's flag names without {@code --}) from the effective spec: where it serves the socket
 * and its HTTP endpoints, which KMaaS it uses, and the paths where the referenced Secrets and
 * ConfigMaps are mounted. No secret value ever appears in it — only file paths.
 *
 * <p>The output is deterministic (keys sorted, every value a double-quoted string), so that its
 * hash changes only when a setting does.
 */
public final class DaemonConfigRenderer {

  // The daemon's YAML keys (plugin-daemon Setting.yamlKey()).
  static final String BIND = "bind";
  static final String KMAAS_URL = "kmaas-url";
  static final String KMAAS_TENANT = "kmaas-tenant";
  static final String KMAAS_PROTOCOL = "kmaas-protocol";
  static final String KMAAS_API_KEY_FILE = "kmaas-api-key-file";
  static final String KMAAS_TOKEN_FILE = "kmaas-token-file";
  static final String KMAAS_CA_FILE = "kmaas-ca-file";
  static final String KMAAS_CLIENT_CERT_FILE = "kmaas-client-cert-file";
  static final String KMAAS_CLIENT_KEY_FILE = "kmaas-client-key-file";
  static final String KEY_ID = "key-id";
  static final String CHECK_INTERVAL = "check-interval";
  static final String HTTP_ADDRESS = "http-address";
  static final String LOG_LEVEL = "log-level";
  static final String LOG_FORMAT = "log-format";

  private static final YAMLMapper YAML =
      YAMLMapper.builder()
          .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
          // every value double-quoted: a key id such as 1e3 or yes stays a string for any reader
          .disable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
          .build();

  private DaemonConfigRenderer() {}

  /** The settings, sorted by key; for a spec that {@link SpecValidator} accepts. */
  public static SortedMap<String, String> settings(KmsPlugin plugin) {
    SortedMap<String, String> settings = new TreeMap<>();
    settings.put(BIND, "unix://" + SpecDefaults.socketPath(plugin));
    settings.put(KMAAS_URL, SpecDefaults.kmaas(plugin).getUrl());
    settings.put(KMAAS_TENANT, SpecDefaults.kmaas(plugin).getTenantId());
    String protocol = SpecDefaults.protocol(plugin);
    if (!SpecDefaults.PROTOCOL_CRYPTO_API.equals(protocol)) {
      // only when not the daemon's default: the config hash, and so the pods, of every existing
      // KmsPlugin stay as they are when the operator is upgraded
      settings.put(KMAAS_PROTOCOL, protocol);
    }
    // spec.keyId, with the suffix of the last SeedOnly rotation (status.rotation.seedSuffix)
    settings.put(KEY_ID, SeedGenerationRotator.effectiveKeyIdPrefix(plugin));
    settings.put(CHECK_INTERVAL, SpecDefaults.healthCheckInterval(plugin));
    settings.put(LOG_LEVEL, SpecDefaults.logLevel(plugin));
    settings.put(LOG_FORMAT, "json");
    // The pod's own address, without host networking: the operator reads /status on the pod IP
    // and the kubelet probes /livez and /readyz there.
    settings.put(HTTP_ADDRESS, "0.0.0.0:" + SpecDefaults.httpPort(plugin));
    String credentialsType = SpecDefaults.credentialsType(plugin);
    if (credentialsType != null) {
      String file = DaemonPaths.credentialsFile(SpecDefaults.credentialsKey(plugin));
      settings.put(
          SpecDefaults.CREDENTIALS_TOKEN.equals(credentialsType)
              ? KMAAS_TOKEN_FILE
              : KMAAS_API_KEY_FILE,
          file);
    }
    String caKey = SpecDefaults.caBundleKey(plugin);
    if (caKey != null) {
      settings.put(KMAAS_CA_FILE, DaemonPaths.caFile(caKey));
    }
    if (SpecDefaults.kmaas(plugin).getClientCertificate() != null) {
      settings.put(KMAAS_CLIENT_CERT_FILE, DaemonPaths.clientCertFile());
      settings.put(KMAAS_CLIENT_KEY_FILE, DaemonPaths.clientKeyFile());
    }
    settings.values().removeIf(v -> v == null);
    return settings;
  }

  /** The {@code config.yaml} text: one {@code key: value} line per setting, sorted by key. */
  public static String render(KmsPlugin plugin) {
    try {
      return YAML.writeValueAsString(settings(plugin));
    } catch (JsonProcessingException e) {
      // A map of strings always serialises; this would be a bug in Jackson.
      throw new UncheckedIOException(e);
    }
  }
}
