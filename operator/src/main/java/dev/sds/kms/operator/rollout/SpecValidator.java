package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.ClientCertificateRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmaasSpec;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.SocketSpec;
import dev.sds.kms.operator.status.SpecProblem;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Decides whether a spec can be rolled out as it is, without looking at the cluster: every rule the
 * CRD schema checks (so that a spec that bypassed the schema — tests, an old API server, a CRD
 * installed without validation — is still caught) and the rules the schema cannot check (a duration
 * the daemon accepts and at least 1s, a socket path short enough for a Unix socket, a socket
 * directory that does not hide the container's own files, a name short enough for a label).
 *
 * <p>Each problem has reason {@code InvalidSpec} and a message that names the field and what it
 * must be, never the value given (a value may be long or sensitive).
 */
public final class SpecValidator {

  public static final String REASON = "InvalidSpec";

  /** Longest path a Unix socket address holds ({@code sun_path} is 108 bytes with the NUL). */
  static final int MAX_SOCKET_PATH_BYTES = 107;

  /** Longest label value: {@code metadata.name} becomes {@code app.kubernetes.io/instance}. */
  static final int MAX_NAME_LENGTH = 63;

  private static final Pattern IMAGE = Pattern.compile("^\\S+$");
  private static final Pattern PROVIDER_NAME =
      Pattern.compile("^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$");
  private static final Pattern HTTPS_URL = Pattern.compile("^https://[^\\s/?#@]+(/[^\\s?#@]*)?$");
  private static final Pattern NAME_64 = Pattern.compile("^[A-Za-z0-9._-]{1,64}$");
  private static final Pattern SOCKET_FILE = Pattern.compile("^[A-Za-z0-9._-]{1,100}$");
  private static final Pattern OBJECT_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final Pattern DATA_KEY = Pattern.compile("^[-._a-zA-Z0-9]{1,253}$");
  private static final Pattern DURATION =
      Pattern.compile(
          "^(?:(?<h>\\d{1,9})h)?(?:(?<m>\\d{1,9})m)?(?:(?<s>\\d{1,12})s)?(?:(?<ms>\\d{1,15})ms)?$");
  private static final Set<String> LOG_LEVELS = Set.of("error", "warn", "info", "debug", "trace");
  private static final Set<String> CREDENTIAL_TYPES =
      Set.of(SpecDefaults.CREDENTIALS_API_KEY, SpecDefaults.CREDENTIALS_TOKEN);
  private static final Set<String> PROTOCOLS =
      Set.of(SpecDefaults.PROTOCOL_CRYPTO_API, SpecDefaults.PROTOCOL_KACLS);
  private static final Set<String> POLICIES = Set.of("Automatic", "Manual");
  private static final Set<String> MIGRATORS = Set.of("Auto", "InProcess");

  /** A {@code spec.rotation.resources} entry: a plural, then the API group if not core. */
  private static final Pattern RESOURCE =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

  /** Limits of the CRD schema on spec.rotation (RotationSpec's @Min/@Max). */
  static final int MAX_PAGE_SIZE = 10_000;

  static final int MAX_QPS = 10_000;
  static final int MAX_WORKERS = 64;

  /** Container paths a socket directory must neither be, contain, nor lie inside. */
  private static final List<String> RESERVED_DIRS =
      List.of(
          DaemonPaths.CONFIG_DIR,
          DaemonPaths.TMP_DIR,
          DaemonPaths.APP_DIR,
          "/proc",
          "/sys",
          "/dev");

  private SpecValidator() {}

  /** Every problem of the spec, in field order; empty when it can be rolled out. */
  public static List<SpecProblem> validate(KmsPlugin plugin) {
    List<SpecProblem> problems = new ArrayList<>();
    String name = plugin.getMetadata() == null ? null : plugin.getMetadata().getName();
    if (name != null && name.length() > MAX_NAME_LENGTH) {
      problems.add(
          problem(
              "metadata.name must be at most 63 characters (it becomes the"
                  + " app.kubernetes.io/instance label)"));
    }
    KmsPluginSpec spec = plugin.getSpec();
    if (spec == null) {
      problems.add(problem("spec must be set"));
      return problems;
    }
    if (spec.unreadable() != null) {
      problems.add(problem(spec.unreadable()));
      return problems;
    }
    image(spec.getImage(), problems);
    providerName(spec.getProviderName(), problems);
    kmaas(spec.getKmaas(), problems);
    protocol(plugin, problems);
    if (spec.getKeyId() != null && !NAME_64.matcher(spec.getKeyId()).matches()) {
      problems.add(problem("spec.keyId must be 1 to 64 letters, digits, '.', '_' or '-'"));
    }
    socket(plugin, spec.getSocket(), problems);
    healthCheckInterval(spec.getHealthCheckInterval(), problems);
    if (spec.getLogLevel() != null && !LOG_LEVELS.contains(spec.getLogLevel())) {
      problems.add(problem("spec.logLevel must be one of error, warn, info, debug, trace"));
    }
    if (spec.getHttpPort() != null && (spec.getHttpPort() < 1024 || spec.getHttpPort() > 65535)) {
      problems.add(problem("spec.httpPort must be between 1024 and 65535"));
    }
    if (spec.getRunAsUser() != null
        && (spec.getRunAsUser() < 0 || spec.getRunAsUser() > Integer.MAX_VALUE)) {
      problems.add(problem("spec.runAsUser must be between 0 and 2147483647"));
    }
    if (spec.getPriorityClassName() != null && !isObjectName(spec.getPriorityClassName())) {
      problems.add(problem("spec.priorityClassName must be a valid PriorityClass name"));
    }
    resources(spec.getResources(), problems);
    problems.addAll(validateRotation(plugin));
    return problems;
  }

  /**
   * The problems of {@code spec.rotation} alone: while there is one, the operator neither starts
   * nor continues a migration (it could not run it as asked).
   */
  public static List<SpecProblem> validateRotation(KmsPlugin plugin) {
    List<SpecProblem> problems = new ArrayList<>();
    if (plugin.getSpec() != null && plugin.getSpec().unreadable() != null) {
      problems.add(problem(plugin.getSpec().unreadable()));
      return problems;
    }
    RotationSpec rotation = plugin.getSpec() == null ? null : plugin.getSpec().getRotation();
    if (rotation == null) {
      return problems;
    }
    if (rotation.getPolicy() != null && !POLICIES.contains(rotation.getPolicy())) {
      problems.add(problem("spec.rotation.policy must be Automatic or Manual"));
    }
    if (rotation.getMigrator() != null && !MIGRATORS.contains(rotation.getMigrator())) {
      problems.add(problem("spec.rotation.migrator must be Auto or InProcess"));
    }
    if (rotation.getConvergenceDelay() != null
        && parseDuration(rotation.getConvergenceDelay()) == null) {
      problems.add(
          problem(
              "spec.rotation.convergenceDelay must be a duration such as 5m or 1h30m (units h, m,"
                  + " s, ms, largest first)"));
    }
    range(rotation.getPageSize(), "spec.rotation.pageSize", MAX_PAGE_SIZE, problems);
    range(rotation.getQps(), "spec.rotation.qps", MAX_QPS, problems);
    range(rotation.getWorkers(), "spec.rotation.workers", MAX_WORKERS, problems);
    if (rotation.getResources() != null) {
      Set<String> seen = new HashSet<>();
      for (String resource : rotation.getResources()) {
        if (resource == null || resource.length() > 253 || !RESOURCE.matcher(resource).matches()) {
          problems.add(
              problem(
                  "spec.rotation.resources entries must be a lower-case plural resource name,"
                      + " followed by .<API group> unless core (secrets, widgets.example.com)"));
          break;
        }
        if (!seen.add(resource)) {
          problems.add(problem("spec.rotation.resources must not name a resource twice"));
          break;
        }
      }
    }
    RotationSpecValidator.validate(rotation, plugin.getSpec().getKeyId(), problems);
    return problems;
  }

  private static void range(Integer value, String field, int max, List<SpecProblem> problems) {
    if (value != null && (value < 1 || value > max)) {
      problems.add(problem(field + " must be between 1 and " + max));
    }
  }

  private static void resources(ResourceRequirements resources, List<SpecProblem> problems) {
    if (resources == null) {
      return;
    }
    quantities(resources.getRequests(), "spec.resources.requests", problems);
    quantities(resources.getLimits(), "spec.resources.limits", problems);
  }

  private static void quantities(
      Map<String, Quantity> quantities, String field, List<SpecProblem> problems) {
    if (quantities == null) {
      return;
    }
    for (Map.Entry<String, Quantity> entry : quantities.entrySet()) {
      if (!isQuantity(entry.getValue())) {
        problems.add(
            problem(field + "." + entry.getKey() + " must be a quantity such as 100m or 320Mi"));
      }
    }
  }

  private static boolean isQuantity(Quantity quantity) {
    if (quantity == null || quantity.getAmount() == null || quantity.getAmount().isEmpty()) {
      return false;
    }
    try {
      Quantity.getAmountInBytes(quantity);
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static void image(String image, List<SpecProblem> problems) {
    if (image == null || image.isEmpty()) {
      problems.add(problem("spec.image must be set"));
    } else if (!IMAGE.matcher(image).matches()) {
      problems.add(problem("spec.image must not contain whitespace"));
    }
  }

  private static void providerName(String providerName, List<SpecProblem> problems) {
    if (providerName == null) {
      return;
    }
    if (providerName.contains(":")) {
      problems.add(
          problem(
              "spec.providerName must not contain ':' (kube-apiserver uses ':' as the separator"
                  + " in stored values)"));
    } else if (!PROVIDER_NAME.matcher(providerName).matches()) {
      problems.add(
          problem(
              "spec.providerName must be 1 to 63 letters, digits, '.', '_' or '-', starting and"
                  + " ending with a letter or digit"));
    }
  }

  private static void kmaas(KmaasSpec kmaas, List<SpecProblem> problems) {
    if (kmaas == null) {
      problems.add(problem("spec.kmaas must be set"));
      return;
    }
    String url = kmaas.getUrl();
    if (url == null || url.isEmpty()) {
      problems.add(problem("spec.kmaas.url must be set"));
    } else if (!HTTPS_URL.matcher(url).matches()) {
      problems.add(
          problem(
              "spec.kmaas.url must be an https:// URL (e.g. https://kmaas.example:3000), without"
                  + " user info, query or fragment"));
    }
    String tenant = kmaas.getTenantId();
    if (tenant == null || tenant.isEmpty()) {
      problems.add(problem("spec.kmaas.tenantId must be set"));
    } else if (!NAME_64.matcher(tenant).matches()) {
      problems.add(problem("spec.kmaas.tenantId must be 1 to 64 letters, digits, '.', '_' or '-'"));
    } else if (tenant.equals(".") || tenant.equals("..")) {
      problems.add(problem("spec.kmaas.tenantId must not be . or .."));
    }
    credentials(kmaas.getCredentials(), problems);
    caBundle(kmaas.getCaBundle(), problems);
    clientCertificate(kmaas.getClientCertificate(), problems);
  }

  /** A known protocol; {@code kacls} sends a JWT with every call, so it needs a Token. */
  private static void protocol(KmsPlugin plugin, List<SpecProblem> problems) {
    if (plugin.getSpec().getKmaas() == null) {
      return;
    }
    String protocol = SpecDefaults.protocol(plugin);
    if (!PROTOCOLS.contains(protocol)) {
      problems.add(problem("spec.kmaas.protocol must be crypto-api or kacls"));
    } else if (protocol.equals(SpecDefaults.PROTOCOL_KACLS)
        && !SpecDefaults.CREDENTIALS_TOKEN.equals(SpecDefaults.credentialsType(plugin))) {
      problems.add(
          problem(
              "spec.kmaas.protocol kacls needs spec.kmaas.credentials with type Token (KACLS"
                  + " authenticates every call with a JWT)"));
    }
  }

  private static void credentials(CredentialsRef credentials, List<SpecProblem> problems) {
    if (credentials == null) {
      return;
    }
    objectName(
        credentials.getSecretName(), "spec.kmaas.credentials.secretName", "Secret", problems);
    if (credentials.getType() != null && !CREDENTIAL_TYPES.contains(credentials.getType())) {
      problems.add(problem("spec.kmaas.credentials.type must be ApiKey or Token"));
    }
    dataKey(credentials.getKey(), "spec.kmaas.credentials.key", problems);
  }

  private static void caBundle(CaBundleRef ca, List<SpecProblem> problems) {
    if (ca == null) {
      return;
    }
    boolean configMap = ca.getConfigMapName() != null;
    boolean secret = ca.getSecretName() != null;
    if (configMap == secret) {
      problems.add(
          problem("spec.kmaas.caBundle must set exactly one of configMapName and secretName"));
    } else if (configMap) {
      objectName(ca.getConfigMapName(), "spec.kmaas.caBundle.configMapName", "ConfigMap", problems);
    } else {
      objectName(ca.getSecretName(), "spec.kmaas.caBundle.secretName", "Secret", problems);
    }
    dataKey(ca.getKey(), "spec.kmaas.caBundle.key", problems);
  }

  private static void clientCertificate(ClientCertificateRef client, List<SpecProblem> problems) {
    if (client != null) {
      objectName(
          client.getSecretName(), "spec.kmaas.clientCertificate.secretName", "Secret", problems);
    }
  }

  private static void socket(KmsPlugin plugin, SocketSpec socket, List<SpecProblem> problems) {
    if (socket == null) {
      return;
    }
    boolean valid = true;
    String dir = socket.getHostDirectory();
    if (dir != null) {
      if (!dir.startsWith("/") || dir.chars().anyMatch(Character::isWhitespace)) {
        problems.add(problem("spec.socket.hostDirectory must be an absolute path without spaces"));
        valid = false;
      } else if (List.of(dir.split("/")).contains("..")) {
        problems.add(problem("spec.socket.hostDirectory must not contain '..'"));
        valid = false;
      } else if (overlapsReserved(SpecDefaults.socketHostDirectory(plugin))) {
        problems.add(
            problem(
                "spec.socket.hostDirectory must not be /, nor be, contain or lie inside "
                    + String.join(", ", RESERVED_DIRS)));
        valid = false;
      }
    }
    String file = socket.getFileName();
    if (file != null
        && (!SOCKET_FILE.matcher(file).matches() || file.equals(".") || file.equals(".."))) {
      problems.add(
          problem("spec.socket.fileName must be 1 to 100 letters, digits, '.', '_' or '-'"));
      valid = false;
    }
    int length = SpecDefaults.socketPath(plugin).getBytes(StandardCharsets.UTF_8).length;
    if (valid && length > MAX_SOCKET_PATH_BYTES) {
      problems.add(
          problem(
              "spec.socket.hostDirectory and spec.socket.fileName make a socket path of "
                  + length
                  + " bytes; a Unix socket path holds at most "
                  + MAX_SOCKET_PATH_BYTES));
    }
  }

  private static boolean overlapsReserved(String dir) {
    if (dir.equals("/")) {
      return true;
    }
    for (String reserved : RESERVED_DIRS) {
      if (dir.equals(reserved)
          || dir.startsWith(reserved + "/")
          || reserved.startsWith(dir + "/")) {
        return true;
      }
    }
    return false;
  }

  private static void healthCheckInterval(String interval, List<SpecProblem> problems) {
    if (interval == null) {
      return;
    }
    Duration duration = parseDuration(interval);
    if (duration == null) {
      problems.add(
          problem(
              "spec.healthCheckInterval must be a duration such as 30s, 5m or 1h30m (units h, m,"
                  + " s, ms, largest first)"));
    } else if (duration.compareTo(Duration.ofSeconds(1)) < 0) {
      problems.add(problem("spec.healthCheckInterval must be at least 1s"));
    }
  }

  /**
   * The duration grammar the daemon reads ({@code 500ms}, {@code 30s}, {@code 1h30m}); {@code null}
   * when it is not one. Stricter than the schema's pattern, which accepts e.g. {@code 30s5m}.
   */
  public static Duration parseDuration(String text) {
    Matcher m = DURATION.matcher(text);
    if (text.isEmpty() || !m.matches()) {
      return null;
    }
    try {
      return Duration.ofHours(number(m.group("h")))
          .plusMinutes(number(m.group("m")))
          .plusSeconds(number(m.group("s")))
          .plusMillis(number(m.group("ms")));
    } catch (ArithmeticException e) {
      return null;
    }
  }

  private static long number(String digits) {
    return digits == null ? 0 : Long.parseLong(digits);
  }

  private static void objectName(
      String name, String field, String kind, List<SpecProblem> problems) {
    if (name == null || name.isEmpty()) {
      problems.add(problem(field + " must be set"));
    } else if (!isObjectName(name)) {
      problems.add(problem(field + " must be a valid " + kind + " name"));
    }
  }

  private static boolean isObjectName(String name) {
    return name.length() <= 253 && OBJECT_NAME.matcher(name).matches();
  }

  private static void dataKey(String key, String field, List<SpecProblem> problems) {
    if (key != null
        && (!DATA_KEY.matcher(key).matches() || key.equals(".") || key.startsWith(".."))) {
      problems.add(
          problem(field + " must be letters, digits, '-', '_' or '.', and not start with '..'"));
    }
  }

  private static SpecProblem problem(String message) {
    return new SpecProblem(REASON, message);
  }
}
