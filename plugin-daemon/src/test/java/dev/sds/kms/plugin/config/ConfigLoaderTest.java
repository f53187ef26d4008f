package dev.sds.kms.plugin.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasProtocol;
import dev.sds.kms.plugin.server.UnixEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;

class ConfigLoaderTest {

  private static final String URL = "https://kmaas.example:3000";
  private static final String SECRET = "s3cr3t-VALUE-never-shown";

  @TempDir Path tmp;
  private Path caFile;
  private Path certFile;
  private Path keyFile;
  private Path tokenFile;
  private Path apiKeyFile;

  @BeforeEach
  void files() throws IOException {
    caFile = Files.writeString(tmp.resolve("ca.pem"), "ca");
    certFile = Files.writeString(tmp.resolve("client.pem"), "cert");
    keyFile = Files.writeString(tmp.resolve("client-key.pem"), "key");
    tokenFile = Files.writeString(tmp.resolve("token.jwt"), "eyJ...");
    apiKeyFile = Files.writeString(tmp.resolve("api-key"), "plugin:" + SECRET + "\n");
  }

  private static DaemonConfig load(Map<String, String> flags, Map<String, String> env)
      throws ConfigException {
    return ConfigLoader.load(flags, env);
  }

  @Test
  void defaults() throws ConfigException {
    DaemonConfig config = load(Map.of(), Map.of());

    assertThat(config.endpoint()).isEqualTo(UnixEndpoint.parse("unix:///tmp/sds-kms-plugin.sock"));
    assertThat(config.socketGroup()).isNull();
    assertThat(config.kmaas().embedded()).isTrue();
    assertThat(config.kmaas().tenant()).isEqualTo("embedded");
    assertThat(config.kmaas().stateFile())
        .isEqualTo(Path.of(System.getProperty("user.home"), ".sds-kms-plugin/embedded-kmaas.json"));
    assertThat(config.kmaas().credentials()).isEqualTo(new KmaasCredentials.None());
    assertThat(config.kmaas().caFile()).isNull();
    assertThat(config.kmaas().clientCertFile()).isNull();
    assertThat(config.kmaas().insecureSkipVerify()).isFalse();
    assertThat(config.kmaas().callTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.keyIdPrefix()).isEqualTo("sds");
    assertThat(config.checkInterval()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.checkIntervalFailing()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.dekCacheSize()).isEqualTo(1000);
    assertThat(config.dekCacheTtl()).isEqualTo(Duration.ofHours(1));
    assertThat(config.httpAddress()).isEqualTo(new InetSocketAddress("127.0.0.1", 8083));
    assertThat(config.logLevel()).isEqualTo("info");
    assertThat(config.logFormat()).isEqualTo("json");
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void aCheckIntervalShorterThanTheDefaultFailingIntervalAlsoShortensThatOne()
      throws ConfigException {
    DaemonConfig config = load(Map.of("--check-interval", "2s"), Map.of());

    assertThat(config.checkInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.checkIntervalFailing()).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void remoteKmaasWithEverything() throws ConfigException {
    Map<String, String> env = new HashMap<>();
    env.put("KMAAS_URL", URL + "/");
    env.put("KMAAS_TENANT_ID", "acme");
    env.put("KMAAS_API_KEY", "plugin:" + SECRET);
    env.put("KMAAS_CA_FILE", caFile.toString());
    env.put("KMAAS_CLIENT_CERT_FILE", certFile.toString());
    env.put("KMAAS_CLIENT_KEY_FILE", keyFile.toString());
    env.put("KMAAS_TIMEOUT", "2s500ms");
    env.put("SOCKET_GROUP", "kms");
    env.put("BIND_STRING", "unix:///@sds-kms");
    env.put("HTTP_ADDRESS", "[::1]:9090");
    env.put("LOG_LEVEL", "DEBUG");
    env.put("LOG_FORMAT", "text");

    DaemonConfig config = load(Map.of(), env);

    assertThat(config.kmaas().embedded()).isFalse();
    assertThat(config.kmaas().url()).isEqualTo(URI.create(URL));
    assertThat(config.kmaas().tenant()).isEqualTo("acme");
    assertThat(config.kmaas().stateFile()).isNull();
    assertThat(config.kmaas().credentials())
        .isEqualTo(new KmaasCredentials.ApiKey("plugin", SECRET));
    assertThat(config.kmaas().caFile()).isEqualTo(caFile);
    assertThat(config.kmaas().clientCertFile()).isEqualTo(certFile);
    assertThat(config.kmaas().clientKeyFile()).isEqualTo(keyFile);
    assertThat(config.kmaas().callTimeout()).isEqualTo(Duration.ofMillis(2500));
    assertThat(config.socketGroup()).isEqualTo("kms");
    assertThat(config.endpoint().abstractNamespace()).isTrue();
    assertThat(config.httpAddress()).isEqualTo(new InetSocketAddress("::1", 9090));
    assertThat(config.logLevel()).isEqualTo("debug");
    assertThat(config.logFormat()).isEqualTo("text");
  }

  @Test
  void apiKeyFileIsReadAtLoad() throws ConfigException {
    DaemonConfig config =
        load(
            Map.of(
                "--kmaas-url",
                URL,
                "--kmaas-tenant",
                "acme",
                "--kmaas-api-key-file",
                apiKeyFile.toString()),
            Map.of());
    assertThat(config.kmaas().credentials())
        .isEqualTo(new KmaasCredentials.ApiKey("plugin", SECRET));
  }

  @Test
  void tokenFile() throws ConfigException {
    DaemonConfig config =
        load(
            Map.of(),
            Map.of(
                "KMAAS_URL",
                URL,
                "KMAAS_TENANT_ID",
                "acme",
                "KMAAS_TOKEN_FILE",
                tokenFile.toString()));
    assertThat(config.kmaas().credentials()).isEqualTo(new KmaasCredentials.TokenFile(tokenFile));
  }

  @Test
  void protocolIsCryptoApiUnlessKaclsIsChosen() throws ConfigException {
    Map<String, String> env = Map.of("KMAAS_URL", URL, "KMAAS_TENANT_ID", "acme");
    assertThat(load(Map.of(), env).kmaas().protocol()).isEqualTo(KmaasProtocol.CRYPTO_API);
    assertThat(load(Map.of(), Map.of()).kmaas().protocol()).isEqualTo(KmaasProtocol.CRYPTO_API);

    DaemonConfig kacls =
        load(
            Map.of("--kmaas-protocol", "KACLS"),
            Map.of(
                "KMAAS_URL",
                URL + "/kacls",
                "KMAAS_TENANT_ID",
                "acme",
                "KMAAS_TOKEN_FILE",
                tokenFile.toString()));

    assertThat(kacls.kmaas().protocol()).isEqualTo(KmaasProtocol.KACLS);
    assertThat(kacls.kmaas().credentials()).isEqualTo(new KmaasCredentials.TokenFile(tokenFile));
    assertThat(kacls.kmaas().url()).isEqualTo(URI.create(URL + "/kacls"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"off", "OFF"})
  void httpAddressOff(String off) throws ConfigException {
    assertThat(load(Map.of("--http-address", off), Map.of()).httpAddress()).isNull();
  }

  @ParameterizedTest
  @CsvSource({"true, true", "1, true", "yes, true", "YES, true", "false, false", "0, false"})
  void booleans(String text, boolean expected) throws ConfigException {
    DaemonConfig config =
        load(
            Map.of(),
            Map.of(
                "KMAAS_URL", URL, "KMAAS_TENANT_ID", "acme", "KMAAS_INSECURE_SKIP_VERIFY", text));
    assertThat(config.kmaas().insecureSkipVerify()).isEqualTo(expected);
  }

  @Test
  void insecureSkipVerifyFalseIsFineWithoutUrl() throws ConfigException {
    assertThat(
            load(Map.of("--kmaas-insecure-skip-verify", "false"), Map.of())
                .kmaas()
                .insecureSkipVerify())
        .isFalse();
  }

  @Test
  void stateFileExpandsHome() throws ConfigException {
    assertThat(load(Map.of("--state-file", "~/x/state.json"), Map.of()).kmaas().stateFile())
        .isEqualTo(Path.of(System.getProperty("user.home"), "x/state.json"));
  }

  @Test
  void withoutAHomeDirectoryTildeIsRefusedAndARemoteKmaasNeedsNone() throws ConfigException {
    // what the JVM sets for a uid without a passwd entry (the daemon image's 65532)
    String home = System.getProperty("user.home");
    System.setProperty("user.home", "?");
    try {
      assertThatThrownBy(() -> load(Map.of(), Map.of()))
          .isInstanceOf(ConfigException.class)
          .hasMessage(
              "--state-file (KMAAS_STATE_FILE): \"~/.sds-kms-plugin/embedded-kmaas.json\" starts"
                  + " with ~ but this user has no home directory (a uid without a passwd entry);"
                  + " give an absolute path");
      assertThat(
              load(Map.of("--state-file", "/var/lib/kms/state.json"), Map.of()).kmaas().stateFile())
          .isEqualTo(Path.of("/var/lib/kms/state.json"));
      assertThat(
              load(Map.of(), Map.of("KMAAS_URL", URL, "KMAAS_TENANT_ID", "acme"))
                  .kmaas()
                  .embedded())
          .isFalse();
    } finally {
      System.setProperty("user.home", home);
    }
  }

  // ---- precedence ----

  @ParameterizedTest(name = "flag={0} env={1} yaml={2} -> {3}")
  @CsvSource({
    "from-flag, from-env, from-yaml, from-flag",
    "from-flag,         , from-yaml, from-flag",
    "from-flag, from-env,          , from-flag",
    "         , from-env, from-yaml, from-env",
    "         , from-env,          , from-env",
    "         ,         , from-yaml, from-yaml",
    "         ,         ,          , sds",
  })
  void precedence(String flag, String envValue, String yaml, String expected)
      throws IOException, ConfigException {
    Map<String, String> flags = new HashMap<>();
    Map<String, String> env = new HashMap<>();
    if (flag != null) {
      flags.put("--key-id", flag);
      flags.put("--check-interval", "7s");
    }
    if (envValue != null) {
      env.put("KEY_ID", envValue);
      env.put("CHECK_INTERVAL", "2m");
    }
    StringBuilder file = new StringBuilder("log-level: warn\n");
    if (yaml != null) {
      file.append("key-id: ").append(yaml).append("\ncheck-interval: 1h\n");
    }
    env.put("KMS_PLUGIN_CONFIG", Files.writeString(tmp.resolve("c.yaml"), file).toString());

    DaemonConfig config = load(flags, env);

    assertThat(config.keyIdPrefix()).isEqualTo(expected);
    Duration expectedInterval =
        switch (expected) {
          case "from-flag" -> Duration.ofSeconds(7);
          case "from-env" -> Duration.ofMinutes(2);
          case "from-yaml" -> Duration.ofHours(1);
          default -> Duration.ofSeconds(30);
        };
    assertThat(config.checkInterval()).isEqualTo(expectedInterval);
    assertThat(config.logLevel()).isEqualTo("warn");
  }

  @Test
  void configFlagBeatsConfigEnv() throws IOException, ConfigException {
    Path fromFlag = Files.writeString(tmp.resolve("flag.yaml"), "key-id: flagfile\n");
    Path fromEnv = Files.writeString(tmp.resolve("env.yaml"), "key-id: envfile\n");
    DaemonConfig config =
        load(
            Map.of("--config", fromFlag.toString()),
            Map.of("KMS_PLUGIN_CONFIG", fromEnv.toString()));
    assertThat(config.keyIdPrefix()).isEqualTo("flagfile");
  }

  // ---- YAML ----

  @Test
  void yamlFileWithManyKeys() throws IOException, ConfigException {
    Path file =
        Files.writeString(
            tmp.resolve("kms.yaml"),
            """
            # comment
            bind: unix:///run/kms/kms.sock
            kmaas-url: https://kmaas.example:3000/base/
            kmaas-tenant: acme
            kmaas-token-file: %s
            kmaas-insecure-skip-verify: yes
            dek-cache-size: 0
            dek-cache-ttl: 10m
            http-address: "off"
            shutdown-grace: PT1M
            """
                .formatted(tokenFile));

    DaemonConfig config = load(Map.of("--config", file.toString()), Map.of());

    assertThat(config.endpoint().path()).isEqualTo(Path.of("/run/kms/kms.sock"));
    assertThat(config.kmaas().url()).isEqualTo(URI.create("https://kmaas.example:3000/base"));
    assertThat(config.kmaas().credentials()).isEqualTo(new KmaasCredentials.TokenFile(tokenFile));
    assertThat(config.kmaas().insecureSkipVerify()).isTrue();
    assertThat(config.dekCacheSize()).isZero();
    assertThat(config.dekCacheTtl()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.httpAddress()).isNull();
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void emptyYamlFileIsFine() throws IOException, ConfigException {
    Path file = Files.writeString(tmp.resolve("empty.yaml"), "# nothing\n");
    assertThat(load(Map.of("--config", file.toString()), Map.of()).keyIdPrefix()).isEqualTo("sds");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "kmaas-ur: https://x          | unknown key \"kmaas-ur\" in ",
        "config: other.yaml           | unknown key \"config\" in ",
        "kmaas-api-key: a:b           | unknown key \"kmaas-api-key\" in ",
        "key-id: a\\nkey-id: b         | key \"key-id\" appears twice in ",
        "key-id: [a, b]               | key \"key-id\" in ",
        "- key-id                     | must hold a map of settings",
        "key-id: a: b                 | is not valid YAML (line 1",
      })
  void yamlFileErrors(String content, String expected) throws IOException {
    Path file = Files.writeString(tmp.resolve("bad.yaml"), content.replace("\\n", "\n"));

    assertThatThrownBy(() -> load(Map.of(), Map.of("KMS_PLUGIN_CONFIG", file.toString())))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("--config (KMS_PLUGIN_CONFIG): ")
        .hasMessageContaining(expected)
        .hasMessageContaining(file.toString())
        .message()
        .doesNotContain("\n");
  }

  @Test
  void badValueInYamlNamesTheFile() throws IOException {
    Path file = Files.writeString(tmp.resolve("kms.yaml"), "check-interval: 5x\n");
    assertThatThrownBy(() -> load(Map.of("--config", file.toString()), Map.of()))
        .hasMessage(
            "--check-interval (CHECK_INTERVAL) [file "
                + file
                + "]: \"5x\" is not a duration (examples: 500ms, 30s, 5m, 1h)");
  }

  @Test
  void missingConfigFile() {
    Path missing = tmp.resolve("nope.yaml");
    assertThatThrownBy(() -> load(Map.of("--config", missing.toString()), Map.of()))
        .hasMessage("--config (KMS_PLUGIN_CONFIG): \"" + missing + "\" does not exist");
  }

  // ---- bad values ----

  static Stream<Arguments> badValues() {
    return Stream.of(
        bad(Setting.CHECK_INTERVAL, "is not a duration", "CHECK_INTERVAL", "5x"),
        bad(Setting.CHECK_INTERVAL, "shorter than the minimum 1s", "CHECK_INTERVAL", "500ms"),
        bad(
            Setting.CHECK_INTERVAL_FAILING,
            "10s is longer than --check-interval (CHECK_INTERVAL) 5s",
            "CHECK_INTERVAL",
            "5s",
            "CHECK_INTERVAL_FAILING",
            "10s"),
        bad(Setting.CHECK_INTERVAL_FAILING, "minimum 1s", "CHECK_INTERVAL_FAILING", "0"),
        bad(Setting.KMAAS_URL, "only https://", "KMAAS_URL", "http://kmaas:3000", "TENANT", "a"),
        bad(Setting.KMAAS_URL, "not an https:// URL", "KMAAS_URL", "kmaas.example:3000"),
        bad(Setting.KMAAS_URL, "user info", "KMAAS_URL", "https://u:" + SECRET + "@kmaas"),
        bad(Setting.KMAAS_TENANT, "is required when --kmaas-url", "KMAAS_URL", URL),
        bad(Setting.KMAAS_TENANT, "\"..\" is not a tenant id", "KMAAS_TENANT_ID", ".."),
        bad(Setting.KMAAS_TENANT, "\"a/b\" is not a name", "KMAAS_TENANT_ID", "a/b"),
        bad(Setting.KEY_ID, "\"my key\" is not a name", "KEY_ID", "my key"),
        bad(Setting.KEY_ID, "is not a name", "KEY_ID", "x".repeat(65)),
        bad(Setting.BIND, "\"tcp://0:1\" is not a socket endpoint", "BIND_STRING", "tcp://0:1"),
        bad(Setting.HTTP_ADDRESS, "is not host:port", "HTTP_ADDRESS", "8083"),
        bad(Setting.HTTP_ADDRESS, "needs brackets", "HTTP_ADDRESS", "::1:8083"),
        bad(Setting.HTTP_ADDRESS, "no port", "HTTP_ADDRESS", "127.0.0.1:70000"),
        bad(Setting.HTTP_ADDRESS, "has no host", "HTTP_ADDRESS", ":8083"),
        bad(
            Setting.DEK_CACHE_SIZE,
            "\"-1\" is out of range (0 to 1000000)",
            "DEK_CACHE_SIZE",
            "-1"),
        bad(Setting.DEK_CACHE_SIZE, "out of range", "DEK_CACHE_SIZE", "1000001"),
        bad(Setting.DEK_CACHE_SIZE, "not a whole number", "DEK_CACHE_SIZE", "lots"),
        bad(Setting.DEK_CACHE_TTL, "minimum 1s", "DEK_CACHE_TTL", "0"),
        bad(Setting.KMAAS_TIMEOUT, "maximum 1m", "KMAAS_TIMEOUT", "5m", "URL", URL, "TENANT", "a"),
        bad(
            Setting.KMAAS_API_KEY_FILE,
            "does not exist",
            "KMAAS_API_KEY_FILE",
            "/nonexistent/api-key",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_API_KEY_FILE,
            "does not hold an API key of the form <key-name>:<key-secret>",
            "KMAAS_API_KEY_FILE",
            "${tmp}/no-colon-key",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_API_KEY,
            "KMAAS_API_KEY: must have the form <key-name>:<key-secret>",
            "KMAAS_API_KEY",
            SECRET,
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_TOKEN_FILE,
            "KMAAS_API_KEY and --kmaas-token-file (KMAAS_TOKEN_FILE): give either",
            "KMAAS_API_KEY",
            "plugin:" + SECRET,
            "KMAAS_TOKEN_FILE",
            "${tmp}/token.jwt",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_API_KEY,
            "--kmaas-api-key-file (KMAAS_API_KEY_FILE) and KMAAS_API_KEY: give the API key only",
            "KMAAS_API_KEY",
            "plugin:" + SECRET,
            "KMAAS_API_KEY_FILE",
            "${tmp}/api-key",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_CLIENT_KEY_FILE,
            "is required when --kmaas-client-cert-file (KMAAS_CLIENT_CERT_FILE) is set",
            "KMAAS_CLIENT_CERT_FILE",
            "${tmp}/client.pem",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(Setting.KMAAS_API_KEY, "only applies to a remote KMaaS", "KMAAS_API_KEY", "a:b"),
        bad(
            Setting.KMAAS_CA_FILE,
            "only applies to a remote KMaaS",
            "KMAAS_CA_FILE",
            "${tmp}/ca.pem"),
        bad(
            Setting.KMAAS_INSECURE_SKIP_VERIFY,
            "only applies to a remote KMaaS",
            "KMAAS_INSECURE_SKIP_VERIFY",
            "true"),
        bad(
            Setting.STATE_FILE,
            "only applies to the embedded KMaaS",
            "KMAAS_STATE_FILE",
            "${tmp}/s.json",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_CA_FILE,
            "does not exist",
            "KMAAS_CA_FILE",
            "/no/ca.pem",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(Setting.LOG_LEVEL, "\"verbose\" is not one of error, warn", "LOG_LEVEL", "verbose"),
        bad(Setting.LOG_FORMAT, "\"xml\" is not one of json, text", "LOG_FORMAT", "xml"),
        bad(
            Setting.KMAAS_INSECURE_SKIP_VERIFY,
            "\"maybe\" is not a boolean",
            "KMAAS_INSECURE_SKIP_VERIFY",
            "maybe",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_PROTOCOL,
            "\"soap\" is not one of crypto-api, kacls",
            "KMAAS_PROTOCOL",
            "soap",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_PROTOCOL,
            "only applies to a remote KMaaS",
            "KMAAS_PROTOCOL",
            "kacls",
            "KMAAS_TOKEN_FILE",
            "${tmp}/token.jwt"),
        bad(
            Setting.KMAAS_TOKEN_FILE,
            "is required with --kmaas-protocol (KMAAS_PROTOCOL) kacls (KACLS authenticates every"
                + " call with a JWT in the request body)",
            "KMAAS_PROTOCOL",
            "kacls",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_API_KEY_FILE,
            "--kmaas-api-key-file (KMAAS_API_KEY_FILE): KACLS (--kmaas-protocol (KMAAS_PROTOCOL)"
                + " kacls) takes no API key; give its JWT with --kmaas-token-file",
            "KMAAS_PROTOCOL",
            "kacls",
            "KMAAS_API_KEY_FILE",
            "${tmp}/api-key",
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(
            Setting.KMAAS_API_KEY,
            "takes no API key",
            "KMAAS_PROTOCOL",
            "kacls",
            "KMAAS_API_KEY",
            "plugin:" + SECRET,
            "URL",
            URL,
            "TENANT",
            "a"),
        bad(Setting.SOCKET_GROUP, "not a group name", "SOCKET_GROUP", "a b"),
        bad(Setting.KEY_ID, "must not be empty", "KEY_ID", ""),
        bad(Setting.SHUTDOWN_GRACE, "is negative", "SHUTDOWN_GRACE", "PT-1S"));
  }

  /** A case: the setting at fault, a part of the message, then env name/value pairs. */
  private static Arguments bad(Setting setting, String expected, String... envPairs) {
    Map<String, String> env = new LinkedHashMap<>();
    for (int i = 0; i < envPairs.length; i += 2) {
      String name =
          switch (envPairs[i]) {
            case "URL" -> "KMAAS_URL";
            case "TENANT" -> "KMAAS_TENANT_ID";
            default -> envPairs[i];
          };
      env.put(name, envPairs[i + 1]);
    }
    return Arguments.of(setting, expected, env);
  }

  @ParameterizedTest(name = "[{index}] {0}: {1}")
  @MethodSource("badValues")
  void badValueFromEnvironment(Setting setting, String expected, Map<String, String> envTemplate)
      throws IOException {
    Files.writeString(tmp.resolve("no-colon-key"), SECRET + "\n");
    Map<String, String> env = new HashMap<>();
    envTemplate.forEach((k, v) -> env.put(k, v.replace("${tmp}", tmp.toString())));

    assertThatThrownBy(() -> load(Map.of(), env))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.setting()).contains(setting))
        .hasMessageContaining(setting.label())
        .hasMessageContaining(setting.env())
        .hasMessageContaining(expected)
        .message()
        .doesNotContain(SECRET)
        .doesNotContain("\n");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(
      strings = {"--kmaas-url", "--key-id", "--bind", "--check-interval", "--kmaas-timeout"})
  void emptyFlagIsAnError(String flag) {
    Setting setting = Setting.byFlag(flag).orElseThrow();
    assertThatThrownBy(() -> load(Map.of(flag, ""), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(flag + " (" + setting.env() + "): must not be empty");
  }

  @Test
  void flagValueIsNamedInMessage() {
    assertThatThrownBy(() -> load(Map.of("--check-interval", "5x"), Map.of()))
        .hasMessage(
            "--check-interval (CHECK_INTERVAL): \"5x\" is not a duration (examples: 500ms, 30s,"
                + " 5m, 1h)");
  }

  @Test
  void unknownFlagKeyIsAProgrammingError() {
    assertThatThrownBy(() -> load(Map.of("--kmaas-api-key", "a:b"), Map.of()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  // ---- picocli ----

  @Command(name = "serve", mixinStandardHelpOptions = true)
  static final class Serve {}

  private static CommandLine commandLine() {
    CommandLine cmd = new CommandLine(new Serve());
    ConfigLoader.addOptions(cmd.getCommandSpec());
    return cmd;
  }

  @Test
  void flagsFromPicocliParse() throws ConfigException {
    CommandLine.ParseResult result =
        commandLine()
            .parseArgs(
                "--kmaas-url",
                URL,
                "--kmaas-tenant=acme",
                "--kmaas-insecure-skip-verify",
                "--key-id",
                "prod",
                "--http-address=off");

    Map<String, String> flags = ConfigLoader.flagsFrom(result);

    assertThat(flags)
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "--kmaas-url", URL,
                "--kmaas-tenant", "acme",
                "--kmaas-insecure-skip-verify", "true",
                "--key-id", "prod",
                "--http-address", "off"));
    DaemonConfig config = ConfigLoader.load(flags, Map.of("KEY_ID", "from-env"));
    assertThat(config.kmaas().url()).isEqualTo(URI.create(URL));
    assertThat(config.kmaas().insecureSkipVerify()).isTrue();
    assertThat(config.keyIdPrefix()).isEqualTo("prod");
    assertThat(config.httpAddress()).isNull();
  }

  @ParameterizedTest
  @CsvSource({"--kmaas-insecure-skip-verify=false, false", "--kmaas-insecure-skip-verify=no, no"})
  void booleanFlagWithValue(String arg, String value) {
    CommandLine.ParseResult result = commandLine().parseArgs(arg, "--log-level", "warn");
    assertThat(ConfigLoader.flagsFrom(result))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of("--kmaas-insecure-skip-verify", value, "--log-level", "warn"));
  }

  @Test
  void noFlagsGivenMeansEmptyMap() {
    assertThat(ConfigLoader.flagsFrom(commandLine().parseArgs())).isEmpty();
  }

  @Test
  void helpListsEverySettingWithItsEnvName() {
    String help = commandLine().getUsageMessage(CommandLine.Help.Ansi.OFF);
    for (Setting setting : Setting.values()) {
      assertThat(help).contains(setting.env());
      if (setting.flag() != null) {
        assertThat(help).contains(setting.flag());
      }
    }
    assertThat(help).contains("Default: embedded KMaaS.").contains("Environment only:");
  }

  @Test
  void referenceTableHasEveryEnvName() {
    String table = Setting.referenceTable();
    for (Setting setting : Setting.values()) {
      assertThat(table).contains("`" + setting.env() + "`");
    }
  }
}
