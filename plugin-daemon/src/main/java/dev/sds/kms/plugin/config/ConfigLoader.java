package dev.sds.kms.plugin.config;

import static dev.sds.kms.plugin.config.Setting.BIND;
import static dev.sds.kms.plugin.config.Setting.CHECK_INTERVAL;
import static dev.sds.kms.plugin.config.Setting.CHECK_INTERVAL_FAILING;
import static dev.sds.kms.plugin.config.Setting.CONFIG;
import static dev.sds.kms.plugin.config.Setting.DEK_CACHE_SIZE;
import static dev.sds.kms.plugin.config.Setting.DEK_CACHE_TTL;
import static dev.sds.kms.plugin.config.Setting.HTTP_ADDRESS;
import static dev.sds.kms.plugin.config.Setting.KEY_ID;
import static dev.sds.kms.plugin.config.Setting.KMAAS_API_KEY;
import static dev.sds.kms.plugin.config.Setting.KMAAS_API_KEY_FILE;
import static dev.sds.kms.plugin.config.Setting.KMAAS_CA_FILE;
import static dev.sds.kms.plugin.config.Setting.KMAAS_CLIENT_CERT_FILE;
import static dev.sds.kms.plugin.config.Setting.KMAAS_CLIENT_KEY_FILE;
import static dev.sds.kms.plugin.config.Setting.KMAAS_INSECURE_SKIP_VERIFY;
import static dev.sds.kms.plugin.config.Setting.KMAAS_PROTOCOL;
import static dev.sds.kms.plugin.config.Setting.KMAAS_TENANT;
import static dev.sds.kms.plugin.config.Setting.KMAAS_TIMEOUT;
import static dev.sds.kms.plugin.config.Setting.KMAAS_TOKEN_FILE;
import static dev.sds.kms.plugin.config.Setting.KMAAS_URL;
import static dev.sds.kms.plugin.config.Setting.LOG_FORMAT;
import static dev.sds.kms.plugin.config.Setting.LOG_LEVEL;
import static dev.sds.kms.plugin.config.Setting.SHUTDOWN_GRACE;
import static dev.sds.kms.plugin.config.Setting.SOCKET_GROUP;
import static dev.sds.kms.plugin.config.Setting.STATE_FILE;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasProtocol;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.server.UnixEndpoint;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Builds the {@link DaemonConfig} of {@code serve} from flags, environment and the optional YAML
 * file named by {@code --config} / {@code KMS_PLUGIN_CONFIG}, in that order of precedence, then the
 * defaults of {@link Setting}. Every value is validated; the first bad one stops loading with a
 * one-line {@link ConfigException} naming the setting.
 *
 * <p>Typical use in a picocli command:
 *
 * <pre>{@code
 * ConfigLoader.addOptions(serveSpec);                 // when building the command
 * DaemonConfig config = ConfigLoader.load(ConfigLoader.flagsFrom(parseResult), System.getenv());
 * }</pre>
 */
public final class ConfigLoader {

  /** Tenant of the embedded KMaaS unless one is given. */
  public static final String EMBEDDED_TENANT = "embedded";

  private static final Duration MIN_CHECK_INTERVAL = Duration.ofSeconds(1);
  private static final Duration MIN_KMAAS_TIMEOUT = Duration.ofMillis(10);
  private static final Duration MAX_KMAAS_TIMEOUT = Duration.ofMinutes(1);
  private static final Duration MIN_DEK_CACHE_TTL = Duration.ofSeconds(1);
  private static final int MAX_DEK_CACHE_SIZE = 1_000_000;

  /** Settings that only make sense with a remote KMaaS. */
  private static final List<Setting> REMOTE_ONLY =
      List.of(
          KMAAS_PROTOCOL,
          KMAAS_API_KEY_FILE,
          KMAAS_API_KEY,
          KMAAS_TOKEN_FILE,
          KMAAS_CA_FILE,
          KMAAS_CLIENT_CERT_FILE,
          KMAAS_CLIENT_KEY_FILE);

  /**
   * The settings that say how to reach KMaaS (and the YAML file that may hold them): what {@code
   * kms-plugin recover} takes, so that it reaches KMaaS exactly as the daemon does.
   */
  public static final List<Setting> KMAAS_SETTINGS =
      List.of(
          CONFIG,
          KMAAS_URL,
          KMAAS_TENANT,
          KMAAS_API_KEY_FILE,
          KMAAS_API_KEY,
          KMAAS_TOKEN_FILE,
          KMAAS_CA_FILE,
          KMAAS_CLIENT_CERT_FILE,
          KMAAS_CLIENT_KEY_FILE,
          KMAAS_INSECURE_SKIP_VERIFY,
          KMAAS_TIMEOUT,
          STATE_FILE);

  private ConfigLoader() {}

  /**
   * Loads and validates only the {@link #KMAAS_SETTINGS}, with the same precedence, defaults and
   * messages as {@link #load}; the other settings are not read (a YAML file shared with {@code
   * serve} may hold them).
   *
   * @throws ConfigException naming the first bad setting
   */
  public static KmaasSettings loadKmaas(Map<String, String> flags, Map<String, String> env)
      throws ConfigException {
    return kmaas(resolve(flags, env));
  }

  /**
   * Loads and validates the configuration.
   *
   * @param flags the flags the user gave, keyed by flag name with {@code --} (e.g. {@code
   *     "--kmaas-url"}); see {@link #flagsFrom}. A {@code null} value of a boolean flag means true.
   * @param env the environment (e.g. {@code System.getenv()}); only the variables of {@link
   *     Setting} are read. A variable that is set but empty is an error, not "unset".
   * @throws ConfigException naming the first bad setting
   * @throws IllegalArgumentException when {@code flags} holds a key that is no flag of {@link
   *     Setting} (a programming error)
   */
  public static DaemonConfig load(Map<String, String> flags, Map<String, String> env)
      throws ConfigException {
    SettingValues values = resolve(flags, env);

    UnixEndpoint endpoint = values.required(BIND, ValueParsers::endpoint);
    String socketGroup = values.optional(SOCKET_GROUP, ValueParsers::group);
    KmaasSettings kmaas = kmaas(values);
    String keyIdPrefix = values.required(KEY_ID, ValueParsers::name);
    Duration checkInterval =
        values.required(CHECK_INTERVAL, ValueParsers.duration(MIN_CHECK_INTERVAL, null));
    Duration checkIntervalFailing =
        values.required(CHECK_INTERVAL_FAILING, ValueParsers.duration(MIN_CHECK_INTERVAL, null));
    if (!values.isSet(CHECK_INTERVAL_FAILING)
        && checkIntervalFailing.compareTo(checkInterval) > 0) {
      checkIntervalFailing = checkInterval; // the default must not contradict a short interval
    }
    if (checkIntervalFailing.compareTo(checkInterval) > 0) {
      throw new ConfigException(
          CHECK_INTERVAL_FAILING,
          CHECK_INTERVAL_FAILING.label()
              + ": "
              + Durations.format(checkIntervalFailing)
              + " is longer than "
              + CHECK_INTERVAL.label()
              + " "
              + Durations.format(checkInterval)
              + "; checks after a failure must not be rarer than healthy ones");
    }
    int dekCacheSize =
        values.required(DEK_CACHE_SIZE, ValueParsers.intRange(0, MAX_DEK_CACHE_SIZE));
    Duration dekCacheTtl =
        values.required(DEK_CACHE_TTL, ValueParsers.duration(MIN_DEK_CACHE_TTL, null));
    InetSocketAddress httpAddress = values.required(HTTP_ADDRESS, ValueParsers::httpAddress);
    String logLevel =
        values.required(LOG_LEVEL, ValueParsers.choice("error", "warn", "info", "debug", "trace"));
    String logFormat = values.required(LOG_FORMAT, ValueParsers.choice("json", "text"));
    Duration shutdownGrace = values.required(SHUTDOWN_GRACE, ValueParsers.duration(null, null));

    return new DaemonConfig(
        endpoint,
        socketGroup,
        kmaas,
        keyIdPrefix,
        checkInterval,
        checkIntervalFailing,
        dekCacheSize,
        dekCacheTtl,
        httpAddress,
        logLevel,
        logFormat,
        shutdownGrace);
  }

  /** Applies precedence flag &gt; environment &gt; YAML file. Defaults are applied on access. */
  private static SettingValues resolve(Map<String, String> flags, Map<String, String> env)
      throws ConfigException {
    Map<Setting, SettingValues.Raw> fromFlags = new EnumMap<>(Setting.class);
    for (Map.Entry<String, String> flag : flags.entrySet()) {
      Setting setting =
          Setting.byFlag(flag.getKey())
              .orElseThrow(() -> new IllegalArgumentException("no such flag: " + flag.getKey()));
      String value = flag.getValue();
      if (value == null && setting.kind() == Setting.Kind.BOOLEAN) {
        value = "true";
      }
      fromFlags.put(setting, new SettingValues.Raw(value, "flag"));
    }
    Map<Setting, SettingValues.Raw> fromEnv = new EnumMap<>(Setting.class);
    for (Setting setting : Setting.values()) {
      String value = env.get(setting.env());
      if (value != null) {
        fromEnv.put(setting, new SettingValues.Raw(value, "environment"));
      }
    }

    Map<Setting, SettingValues.Raw> raws = new EnumMap<>(Setting.class);
    SettingValues configOnly =
        new SettingValues(fromFlags.containsKey(CONFIG) ? fromFlags : fromEnv);
    Path configFile = configOnly.optional(CONFIG, ValueParsers::readableFile);
    if (configFile != null) {
      String origin = "file " + configFile;
      YamlSettings.read(configFile)
          .forEach((setting, value) -> raws.put(setting, new SettingValues.Raw(value, origin)));
    }
    raws.putAll(fromEnv);
    raws.putAll(fromFlags);
    return new SettingValues(raws);
  }

  private static KmaasSettings kmaas(SettingValues values) throws ConfigException {
    URI url = values.optional(KMAAS_URL, ValueParsers::httpsUrl);
    boolean remote = url != null;
    if (remote) {
      if (values.isSet(STATE_FILE)) {
        throw new ConfigException(
            STATE_FILE,
            STATE_FILE.label()
                + ": only applies to the embedded KMaaS, but "
                + KMAAS_URL.label()
                + " is set; remove one of them");
      }
    } else {
      for (Setting setting : REMOTE_ONLY) {
        if (values.isSet(setting)) {
          throw onlyRemote(setting);
        }
      }
      if (values.required(KMAAS_INSECURE_SKIP_VERIFY, ValueParsers::bool)) {
        throw onlyRemote(KMAAS_INSECURE_SKIP_VERIFY);
      }
    }

    String tenant = values.optional(KMAAS_TENANT, ValueParsers::tenant);
    if (tenant == null) {
      if (remote) {
        throw new ConfigException(
            KMAAS_TENANT,
            KMAAS_TENANT.label() + ": is required when " + KMAAS_URL.label() + " is set");
      }
      tenant = EMBEDDED_TENANT;
    }

    KmaasProtocol protocol = values.required(KMAAS_PROTOCOL, ValueParsers::protocol);
    KmaasCredentials credentials = credentials(values);
    if (protocol == KmaasProtocol.KACLS) {
      requireKaclsCredentials(values, credentials);
    }
    Path caFile = values.optional(KMAAS_CA_FILE, ValueParsers::readableFile);
    Path clientCert = values.optional(KMAAS_CLIENT_CERT_FILE, ValueParsers::readableFile);
    Path clientKey = values.optional(KMAAS_CLIENT_KEY_FILE, ValueParsers::readableFile);
    if ((clientCert == null) != (clientKey == null)) {
      Setting missing = clientCert == null ? KMAAS_CLIENT_CERT_FILE : KMAAS_CLIENT_KEY_FILE;
      Setting given = clientCert == null ? KMAAS_CLIENT_KEY_FILE : KMAAS_CLIENT_CERT_FILE;
      throw new ConfigException(
          missing, missing.label() + ": is required when " + given.label() + " is set");
    }
    boolean insecureSkipVerify = values.required(KMAAS_INSECURE_SKIP_VERIFY, ValueParsers::bool);
    Duration callTimeout =
        values.required(KMAAS_TIMEOUT, ValueParsers.duration(MIN_KMAAS_TIMEOUT, MAX_KMAAS_TIMEOUT));
    Path stateFile = remote ? null : values.required(STATE_FILE, ValueParsers::writablePath);

    return new KmaasSettings(
        url,
        tenant,
        stateFile,
        caFile,
        clientCert,
        clientKey,
        insecureSkipVerify,
        credentials,
        callTimeout,
        protocol);
  }

  /** KACLS sends a JWT in every request body and knows no API keys. */
  private static void requireKaclsCredentials(SettingValues values, KmaasCredentials credentials)
      throws ConfigException {
    for (Setting apiKey : List.of(KMAAS_API_KEY_FILE, KMAAS_API_KEY)) {
      if (values.isSet(apiKey)) {
        throw new ConfigException(
            apiKey,
            apiKey.label()
                + ": KACLS ("
                + KMAAS_PROTOCOL.label()
                + " kacls) takes no API key; give its JWT with "
                + KMAAS_TOKEN_FILE.label());
      }
    }
    if (!(credentials instanceof KmaasCredentials.TokenFile)) {
      throw new ConfigException(
          KMAAS_TOKEN_FILE,
          KMAAS_TOKEN_FILE.label()
              + ": is required with "
              + KMAAS_PROTOCOL.label()
              + " kacls (KACLS authenticates every call with a JWT in the request body)");
    }
  }

  private static ConfigException onlyRemote(Setting setting) {
    return new ConfigException(
        setting,
        setting.label()
            + ": only applies to a remote KMaaS, but "
            + KMAAS_URL.label()
            + " is not set (embedded KMaaS); set it or remove this setting");
  }

  /** At most one of: API key (file or environment), token file. */
  private static KmaasCredentials credentials(SettingValues values) throws ConfigException {
    if (values.isSet(KMAAS_API_KEY_FILE) && values.isSet(KMAAS_API_KEY)) {
      throw new ConfigException(
          KMAAS_API_KEY,
          KMAAS_API_KEY_FILE.label()
              + " and "
              + KMAAS_API_KEY.label()
              + ": give the API key only once");
    }
    Setting apiKeySetting = values.isSet(KMAAS_API_KEY) ? KMAAS_API_KEY : KMAAS_API_KEY_FILE;
    if (values.isSet(apiKeySetting) && values.isSet(KMAAS_TOKEN_FILE)) {
      throw new ConfigException(
          KMAAS_TOKEN_FILE,
          apiKeySetting.label()
              + " and "
              + KMAAS_TOKEN_FILE.label()
              + ": give either an API key or a token file, not both");
    }
    KmaasCredentials.ApiKey fromFile =
        values.optional(KMAAS_API_KEY_FILE, ValueParsers::apiKeyFile);
    if (fromFile != null) {
      return fromFile;
    }
    KmaasCredentials.ApiKey fromEnv = values.optional(KMAAS_API_KEY, ValueParsers::apiKey);
    if (fromEnv != null) {
      return fromEnv;
    }
    Path tokenFile = values.optional(KMAAS_TOKEN_FILE, ValueParsers::readableFile);
    return tokenFile != null
        ? new KmaasCredentials.TokenFile(tokenFile)
        : new KmaasCredentials.None();
  }

  /**
   * Adds one String-typed picocli option per setting that has a flag (boolean settings take an
   * optional value: {@code --kmaas-insecure-skip-verify} means true), with the description, env
   * name and default from {@link Setting}. Environment-only settings are listed in the footer.
   * Picocli does not apply defaults: {@link #load} does, so that it can tell what was given.
   */
  public static void addOptions(CommandSpec spec) {
    addOptions(spec, List.of(Setting.values()));
  }

  /** {@link #addOptions(CommandSpec)} for some settings only, e.g. {@link #KMAAS_SETTINGS}. */
  public static void addOptions(CommandSpec spec, List<Setting> settings) {
    List<String> envOnly = new ArrayList<>();
    for (Setting setting : settings) {
      if (setting.flag() == null) {
        envOnly.add("  " + setting.env() + "=" + setting.paramLabel());
        envOnly.add("      " + setting.description());
        envOnly.add("      Default: " + setting.defaultText() + ".");
        continue;
      }
      OptionSpec.Builder option =
          OptionSpec.builder(setting.flag())
              .type(String.class)
              .paramLabel(setting.paramLabel())
              .description(setting.helpText());
      if (setting.kind() == Setting.Kind.BOOLEAN) {
        option.arity("0..1").fallbackValue("true");
      } else {
        option.arity("1");
      }
      spec.addOption(option.build());
    }
    if (!envOnly.isEmpty()) {
      List<String> footer = new ArrayList<>(List.of(spec.usageMessage().footer()));
      footer.add("Environment only:");
      footer.addAll(envOnly);
      spec.usageMessage().footer(footer.toArray(String[]::new));
    }
  }

  /**
   * The setting flags the user actually gave, keyed by flag name with {@code --}, for {@link
   * #load}. Looks at {@code result} and its chosen subcommands, so it works whether the options
   * were added to the top command or to a subcommand such as {@code serve}.
   */
  public static Map<String, String> flagsFrom(CommandLine.ParseResult result) {
    Map<String, String> flags = new LinkedHashMap<>();
    for (CommandLine.ParseResult r = result; r != null; r = r.subcommand()) {
      for (Setting setting : Setting.values()) {
        if (setting.flag() != null && r.hasMatchedOption(setting.flag())) {
          String value = r.matchedOptionValue(setting.flag(), (String) null);
          if (value == null && setting.kind() == Setting.Kind.BOOLEAN) {
            value = "true";
          }
          flags.put(setting.flag(), value == null ? "" : value);
        }
      }
    }
    return flags;
  }
}
