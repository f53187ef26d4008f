package dev.sds.kms.plugin.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * The table of every setting of {@code serve}: flag, environment variable, YAML key, default and
 * description. It is the single source of the picocli {@code --help} text, of the README reference
 * table ({@link #referenceTable()}) and of the names in error messages.
 *
 * <p>Precedence is flag &gt; environment &gt; YAML file ({@code --config}) &gt; default. The YAML
 * key of a setting is its flag without {@code --}.
 */
public enum Setting {
  CONFIG(
      "--config",
      "KMS_PLUGIN_CONFIG",
      Kind.PATH,
      null,
      "none",
      "YAML file with further settings; keys are the flag names without '--'"
          + " (e.g. kmaas-url: https://kmaas.example:3000)."),
  BIND(
      "--bind",
      "BIND_STRING",
      Kind.VALUE,
      "unix:///tmp/sds-kms-plugin.sock",
      null,
      "gRPC endpoint for kube-apiserver: unix:///path/to/kms.sock or unix:///@abstract-name."),
  SOCKET_GROUP(
      "--socket-group",
      "SOCKET_GROUP",
      Kind.VALUE,
      null,
      "none (socket mode 0600)",
      "Group (name or id) given access to the socket: mode 0660 instead of 0600."),
  KMAAS_URL(
      "--kmaas-url",
      "KMAAS_URL",
      Kind.VALUE,
      null,
      "embedded KMaaS",
      "Base URL of SDS KMaaS, https:// only (e.g. https://kmaas.example:3000)."
          + " Unset: the embedded KMaaS, for development and demos only."),
  KMAAS_PROTOCOL(
      "--kmaas-protocol",
      "KMAAS_PROTOCOL",
      Kind.VALUE,
      "crypto-api",
      null,
      "Wire protocol of the remote KMaaS: crypto-api (SDS KMaaS's crypto/encrypt and"
          + " crypto/decrypt under /api/v1/<tenant>) or kacls (the Google Workspace CSE key service"
          + " API: --kmaas-url is the KACLS base URL; needs --kmaas-token-file; key_id follows"
          + " the KACLS /status version, see docs/kmaas.md)."),
  KMAAS_TENANT(
      "--kmaas-tenant",
      "KMAAS_TENANT_ID",
      Kind.VALUE,
      null,
      "'embedded' with the embedded KMaaS; required with --kmaas-url",
      "KMaaS tenant id: letters, digits, '.', '_', '-'; 1 to 64 characters."),
  KMAAS_API_KEY_FILE(
      "--kmaas-api-key-file",
      "KMAAS_API_KEY_FILE",
      Kind.PATH,
      null,
      "none",
      "File holding the KMaaS API key as KEY_NAME:KEY_SECRET; read at start."),
  KMAAS_API_KEY(
      null,
      "KMAAS_API_KEY",
      Kind.SECRET,
      null,
      "none",
      "KMaaS API key, environment only (secrets do not belong on a command line)."),
  KMAAS_TOKEN_FILE(
      "--kmaas-token-file",
      "KMAAS_TOKEN_FILE",
      Kind.PATH,
      null,
      "none",
      "File holding a bearer token (JWT) for KMaaS; re-read when it changes. Not together with"
          + " an API key. Sent as a bearer header (crypto-api) or as the request's"
          + " authentication (kacls)."),
  KMAAS_CA_FILE(
      "--kmaas-ca-file",
      "KMAAS_CA_FILE",
      Kind.PATH,
      null,
      "JDK trust store",
      "PEM bundle of the CAs trusted for KMaaS; re-read when it changes."),
  KMAAS_CLIENT_CERT_FILE(
      "--kmaas-client-cert-file",
      "KMAAS_CLIENT_CERT_FILE",
      Kind.PATH,
      null,
      "none",
      "PEM client certificate for mutual TLS with KMaaS (with --kmaas-client-key-file); re-read"
          + " when it changes."),
  KMAAS_CLIENT_KEY_FILE(
      "--kmaas-client-key-file",
      "KMAAS_CLIENT_KEY_FILE",
      Kind.PATH,
      null,
      "none",
      "PEM private key of the client certificate (PKCS#8, PKCS#1 RSA or SEC1 EC); re-read when"
          + " it changes."),
  KMAAS_INSECURE_SKIP_VERIFY(
      "--kmaas-insecure-skip-verify",
      "KMAAS_INSECURE_SKIP_VERIFY",
      Kind.BOOLEAN,
      "false",
      null,
      "Do not verify the KMaaS TLS certificate (tests only; logged loudly)."),
  KMAAS_TIMEOUT(
      "--kmaas-timeout",
      "KMAAS_TIMEOUT",
      Kind.VALUE,
      "1s",
      null,
      "Timeout of one HTTP attempt to KMaaS (10ms to 1m)."),
  STATE_FILE(
      "--state-file",
      "KMAAS_STATE_FILE",
      Kind.PATH,
      "~/.sds-kms-plugin/embedded-kmaas.json",
      null,
      "State file (mode 0600) of the embedded KMaaS; only with the embedded KMaaS."),
  KEY_ID(
      "--key-id",
      "KEY_ID",
      Kind.VALUE,
      "sds",
      null,
      "First part of every key_id; change it to force a new seed."
          + " Letters, digits, '.', '_', '-'; 1 to 64 characters."),
  CHECK_INTERVAL(
      "--check-interval",
      "CHECK_INTERVAL",
      Kind.VALUE,
      "30s",
      null,
      "Time between background KMaaS checks while healthy (at least 1s)."),
  CHECK_INTERVAL_FAILING(
      "--check-interval-failing",
      "CHECK_INTERVAL_FAILING",
      Kind.VALUE,
      "5s",
      null,
      "Time between background KMaaS checks after a failure (at least 1s, at most"
          + " --check-interval; the default shrinks to a shorter --check-interval)."),
  DEK_CACHE_SIZE(
      "--dek-cache-size",
      "DEK_CACHE_SIZE",
      Kind.VALUE,
      "1000",
      null,
      "Most unwrapped DEKs kept in memory (0 to 1000000; 0 disables the cache)."),
  DEK_CACHE_TTL(
      "--dek-cache-ttl",
      "DEK_CACHE_TTL",
      Kind.VALUE,
      "1h",
      null,
      "How long an unwrapped DEK is kept in memory (at least 1s)."),
  HTTP_ADDRESS(
      "--http-address",
      "HTTP_ADDRESS",
      Kind.VALUE,
      "127.0.0.1:8083",
      null,
      "Address of /livez, /readyz, /metrics and /status: host:port, [v6-address]:port, or off."),
  LOG_LEVEL(
      "--log-level",
      "LOG_LEVEL",
      Kind.VALUE,
      "info",
      null,
      "Log level: error, warn, info, debug or trace."),
  LOG_FORMAT("--log-format", "LOG_FORMAT", Kind.VALUE, "json", null, "Log format: json or text."),
  SHUTDOWN_GRACE(
      "--shutdown-grace",
      "SHUTDOWN_GRACE",
      Kind.VALUE,
      "10s",
      null,
      "How long SIGTERM waits for in-flight calls before the socket closes.");

  /** How a setting's value is read. */
  public enum Kind {
    /** A plain value. */
    VALUE,
    /** A file path; a leading {@code ~/} means the user's home directory. */
    PATH,
    /** true/false/1/0/yes/no; as a flag, the value may be left out (meaning true). */
    BOOLEAN,
    /** A secret: environment only, never echoed in messages. */
    SECRET
  }

  private final String flag;
  private final String env;
  private final Kind kind;
  private final String defaultValue;
  private final String defaultText;
  private final String description;

  Setting(
      String flag,
      String env,
      Kind kind,
      String defaultValue,
      String defaultText,
      String description) {
    this.flag = flag;
    this.env = env;
    this.kind = kind;
    this.defaultValue = defaultValue;
    this.defaultText = defaultText != null ? defaultText : defaultValue;
    this.description = description;
  }

  /** The command-line flag, e.g. {@code --kmaas-url}; {@code null} for environment-only secrets. */
  public String flag() {
    return flag;
  }

  /** The environment variable, e.g. {@code KMAAS_URL}. */
  public String env() {
    return env;
  }

  /**
   * The key in the {@code --config} YAML file (the flag without {@code --}); {@code null} when the
   * setting cannot be given in the file ({@code --config} itself, secrets).
   */
  public String yamlKey() {
    return flag == null || this == CONFIG ? null : flag.substring(2);
  }

  public Kind kind() {
    return kind;
  }

  /** The raw default value, or {@code null} when there is none or it depends on other settings. */
  public String defaultValue() {
    return defaultValue;
  }

  /** The default as shown to people, e.g. {@code embedded KMaaS}. */
  public String defaultText() {
    return defaultText;
  }

  public String description() {
    return description;
  }

  /** Whether the value must never appear in messages or logs. */
  public boolean secret() {
    return kind == Kind.SECRET;
  }

  /** How messages name the setting: {@code --kmaas-url (KMAAS_URL)}, or {@code KMAAS_API_KEY}. */
  public String label() {
    return flag == null ? env : flag + " (" + env + ")";
  }

  /** The parameter label in {@code --help}, e.g. {@code <duration>}. */
  public String paramLabel() {
    return switch (this) {
      case CONFIG, KMAAS_API_KEY_FILE, KMAAS_TOKEN_FILE, KMAAS_CA_FILE -> "<file>";
      case KMAAS_CLIENT_CERT_FILE, KMAAS_CLIENT_KEY_FILE, STATE_FILE -> "<file>";
      case BIND -> "<unix-endpoint>";
      case SOCKET_GROUP -> "<group>";
      case KMAAS_URL -> "<https-url>";
      case KMAAS_PROTOCOL -> "<crypto-api|kacls>";
      case KMAAS_TENANT -> "<tenant>";
      case KMAAS_API_KEY -> "<key-name>:<key-secret>";
      case KMAAS_INSECURE_SKIP_VERIFY -> "<true|false>";
      case KMAAS_TIMEOUT, CHECK_INTERVAL, CHECK_INTERVAL_FAILING, DEK_CACHE_TTL, SHUTDOWN_GRACE ->
          "<duration>";
      case KEY_ID -> "<name>";
      case DEK_CACHE_SIZE -> "<count>";
      case HTTP_ADDRESS -> "<host:port|off>";
      case LOG_LEVEL -> "<level>";
      case LOG_FORMAT -> "<json|text>";
    };
  }

  /** The description for {@code --help}: the text, then env name and default. */
  public String helpText() {
    return description + " Env: " + env + ". Default: " + defaultText + ".";
  }

  public static Optional<Setting> byFlag(String flag) {
    return Arrays.stream(values()).filter(s -> flag.equals(s.flag)).findFirst();
  }

  public static Optional<Setting> byYamlKey(String key) {
    return Arrays.stream(values()).filter(s -> key.equals(s.yamlKey())).findFirst();
  }

  /** The reference table for the README, in Markdown. */
  public static String referenceTable() {
    StringBuilder out = new StringBuilder();
    out.append("| flag | environment | default | description |\n");
    out.append("|---|---|---|---|\n");
    for (Setting s : values()) {
      out.append("| ")
          .append(s.flag == null ? "(none)" : "`" + s.flag + "`")
          .append(" | `")
          .append(s.env)
          .append("` | ")
          .append(s.defaultText)
          .append(" | ")
          .append(s.description.replace("|", "\\|"))
          .append(" |\n");
    }
    return out.toString();
  }
}
