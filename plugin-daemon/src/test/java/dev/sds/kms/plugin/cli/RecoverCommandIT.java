package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.server.UnixEndpoint;
import dev.sds.kms.plugin.storage.GrpcKmsV2Plugin;
import dev.sds.kms.plugin.storage.KmsV2Transformer;
import dev.sds.kms.plugin.storage.k8s.ObjectMeta;
import dev.sds.kms.plugin.storage.k8s.Secret;
import dev.sds.kms.plugin.storage.k8s.TypeMeta;
import dev.sds.kms.plugin.storage.k8s.Unknown;
import dev.sds.kms.plugin.testing.EtcdTestServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kms-plugin recover} end to end: a real etcd holds Secrets written the way kube-apiserver
 * writes them (Kubernetes protobuf, sealed by the storage envelope with seeds the real daemon
 * encrypted over its socket, against the standalone KMaaS over HTTPS), some under a KEK that KMaaS
 * has rotated away from since; recover reads them back with KMaaS reached directly, with the
 * daemon's settings — from the running etcd and from an etcd snapshot.
 */
class RecoverCommandIT {
  private static final String TENANT = "acme";
  private static final String PASSWORD = "pw-" + HexFormat.of().formatHex(random(12));
  private static final String TOKEN = "tok-" + HexFormat.of().formatHex(random(12));
  private static final byte[] BINARY = {0, 1, 2, (byte) 0xfe, (byte) 0xff};

  @TempDir static Path dir;
  static EtcdTestServer etcd;
  static StandaloneKmaasServer kmaas;
  static Daemon daemon;
  static String socket;
  static String oldKeyId;
  static String newKeyId;

  @BeforeAll
  static void writeSecretsAsKubeApiserverDoes() throws Exception {
    etcd = EtcdTestServer.start(Files.createDirectories(dir.resolve("etcd")));
    kmaas =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                    new InetSocketAddress("127.0.0.1", 0), dir.resolve("kmaas"))
                .withTenants(List.of(TENANT)));
    kmaas.start();
    socket = "unix://" + dir.resolve("kms.sock");
    Map<String, String> flags = new java.util.HashMap<>(kmaasFlagMap());
    flags.put("--bind", socket);
    flags.put("--http-address", "off");
    flags.put("--check-interval", "1s");
    flags.put("--check-interval-failing", "1s");
    flags.put("--log-format", "text");
    daemon = Daemon.start(ConfigLoader.load(flags, Map.of()));

    try (KmsV2Client client = new KmsV2Client(UnixEndpoint.parse(socket), Duration.ofSeconds(5))) {
      KmsV2Transformer apiserver =
          new KmsV2Transformer("sds-kms", new GrpcKmsV2Plugin(client), new SecureRandom());
      oldKeyId = client.stub().status(StatusRequest.getDefaultInstance()).getKeyId();
      put(apiserver, oldKeyId, "prod", "db", Map.of("password", utf8(PASSWORD), "bin", BINARY));

      String newKek;
      try (KmaasAdminClient admin = adminClient()) {
        newKek = admin.rotate(TENANT).id();
      }
      await()
          .atMost(Duration.ofSeconds(15))
          .until(
              () ->
                  client
                      .stub()
                      .status(StatusRequest.getDefaultInstance())
                      .getKeyId()
                      .endsWith("/" + newKek));
      newKeyId = client.stub().status(StatusRequest.getDefaultInstance()).getKeyId();
      put(apiserver, newKeyId, "team-a", "api", Map.of("token", utf8(TOKEN)));
    }
    etcd.put("/registry/secrets/legacy/plain", protobufSecret("legacy", "plain", "k", "v"));
    etcd.put(
        "/registry/secrets/legacy/old-aes",
        "k8s:enc:aescbc:v1:key1:0123456789abcdef".getBytes(StandardCharsets.US_ASCII));
    etcd.put(
        "/registry/secrets/prod/moved", etcdValue("/registry/secrets/prod/db")); // AAD mismatch
  }

  @AfterAll
  static void stop() {
    if (daemon != null) {
      daemon.close();
    }
    if (kmaas != null) {
      kmaas.close();
    }
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void namesTheKeysButPrintsNoValueUnlessAsked() {
    Cli cli = new Cli();
    int code = cli.command("recover", args("-n", "prod", "db"));

    assertThat(code).as(cli.err.toString()).isZero();
    assertThat(cli.out.toString())
        .contains("secret prod/db")
        .contains("etcd key:  /registry/secrets/prod/db")
        .contains("kms-v2, provider sds-kms, key id " + oldKeyId)
        .contains("protobuf encoded")
        .contains("type:      Opaque")
        .contains("password (" + PASSWORD.length() + " bytes)")
        .contains("bin (5 bytes)")
        .doesNotContain(PASSWORD);
    assertThat(cli.err.toString())
        .contains("WARNING: break-glass read of secret prod/db")
        .contains("KMaaS " + kmaas.url() + " tenant " + TENANT)
        .contains("values not shown")
        .doesNotContain(PASSWORD);
  }

  @Test
  void showsValuesOfSecretsUnderTheOldAndTheNewKek() {
    Cli cli = new Cli();
    assertThat(cli.command("recover", args("--show-values", "-n", "prod", "db")))
        .as(cli.err.toString())
        .isZero();
    assertThat(cli.out.toString())
        .contains("password: " + PASSWORD)
        .contains("bin: base64:" + Base64.getEncoder().encodeToString(BINARY));
    assertThat(cli.err.toString()).contains("Its VALUES follow on stdout");

    Cli other = new Cli();
    assertThat(other.command("recover", args("--show-values", "--namespace", "team-a", "api")))
        .as(other.err.toString())
        .isZero();
    assertThat(other.out.toString()).contains("key id " + newKeyId).contains("token: " + TOKEN);
    assertThat(newKeyId).isNotEqualTo(oldKeyId);
  }

  @Test
  void writesARestorableManifestToANew0600FileAndNeverOverwritesIt() throws Exception {
    Path file = dir.resolve("prod-db.json");
    Cli cli = new Cli();
    assertThat(cli.command("recover", args("-n", "prod", "db", "--output", file.toString())))
        .as(cli.err.toString())
        .isZero();

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    JsonNode manifest = new ObjectMapper().readTree(file.toFile());
    assertThat(manifest.path("kind").asText()).isEqualTo("Secret");
    assertThat(manifest.path("metadata").path("namespace").asText()).isEqualTo("prod");
    assertThat(manifest.path("metadata").path("name").asText()).isEqualTo("db");
    assertThat(manifest.path("metadata").path("labels").path("app").asText()).isEqualTo("db");
    assertThat(manifest.path("type").asText()).isEqualTo("Opaque");
    assertThat(Base64.getDecoder().decode(manifest.path("data").path("password").asText()))
        .asString()
        .isEqualTo(PASSWORD);
    assertThat(cli.out.toString()).doesNotContain(PASSWORD);
    assertThat(cli.err.toString()).contains("wrote the decrypted Secret to " + file);

    Cli again = new Cli();
    assertThat(again.command("recover", args("-n", "prod", "db", "--output", file.toString())))
        .isEqualTo(2);
    assertThat(again.err.toString()).contains("--output: " + file + " exists");
  }

  @Test
  void decryptsThroughARunningPluginToo() {
    Cli cli = new Cli();
    int code =
        cli.command(
            "recover",
            "--etcd-endpoints",
            etcd.url().toString(),
            "--plugin-endpoint",
            socket,
            "--show-values",
            "-n",
            "prod",
            "db");
    assertThat(code).as(cli.err.toString()).isZero();
    assertThat(cli.out.toString()).contains("password: " + PASSWORD);
    assertThat(cli.err.toString()).contains("The plugin at " + socket);
  }

  @Test
  void readsAPlaintextSecretAsItIs() {
    Cli cli = new Cli();
    assertThat(cli.command("recover", args("--show-values", "-n", "legacy", "plain")))
        .as(cli.err.toString())
        .isZero();
    assertThat(cli.out.toString()).contains("identity (plaintext in etcd)").contains("k: v");
  }

  @Test
  void aWrongNameOrNamespaceIsAClearError() {
    Cli cli = new Cli();
    assertThat(cli.command("recover", args("-n", "prod", "nope"))).isEqualTo(1);
    assertThat(cli.err.toString())
        .contains(
            "kms-plugin recover: secret prod/nope not found in etcd"
                + " (no key /registry/secrets/prod/nope)");

    Cli ns = new Cli();
    assertThat(ns.command("recover", args("-n", "prd", "db"))).isEqualTo(1);
    assertThat(ns.err.toString())
        .contains("etcd holds no Secret in namespace prd at all: check --namespace and --prefix");

    Cli bad = new Cli();
    assertThat(bad.command("recover", args("-n", "prod", "Not_A_Name"))).isEqualTo(2);
    assertThat(bad.err.toString()).contains("NAME: not a Secret name");
  }

  @Test
  void refusesWhatItCannotDecryptWithOneLine() {
    Cli aes = new Cli();
    assertThat(aes.command("recover", args("-n", "legacy", "old-aes"))).isEqualTo(1);
    assertThat(aes.err.toString())
        .contains("stored with aescbc key key1; recover decrypts only KMS v2 values");

    Cli moved = new Cli();
    assertThat(moved.command("recover", args("-n", "prod", "moved"))).isEqualTo(1);
    assertThat(moved.err.toString())
        .contains("/registry/secrets/prod/moved: data does not authenticate under its seed");

    Cli provider = new Cli();
    assertThat(provider.command("recover", args("--provider", "other", "-n", "prod", "db")))
        .isEqualTo(1);
    assertThat(provider.err.toString()).contains("stored by KMS provider sds-kms, not other");
  }

  @Test
  void aKmaasThatRefusesTheCredentialsIsNamed() throws Exception {
    Path wrongKey = dir.resolve("wrong-api-key");
    Files.writeString(wrongKey, "kms-plugin:not-the-key\n");
    Cli cli = new Cli();
    int code =
        cli.command(
            "recover",
            "--etcd-endpoints",
            etcd.url().toString(),
            "--kmaas-url",
            kmaas.url().toString(),
            "--kmaas-tenant",
            TENANT,
            "--kmaas-ca-file",
            kmaas.certificateFile().toString(),
            "--kmaas-api-key-file",
            wrongKey.toString(),
            "-n",
            "prod",
            "db");
    assertThat(code).isEqualTo(1);
    assertThat(cli.err.toString())
        .contains("/registry/secrets/prod/db: KMaaS could not unwrap the seed's DEK:")
        .doesNotContain("not-the-key");
  }

  @Test
  void badSettingsStopWithExitCode2() {
    Cli both = new Cli();
    assertThat(
            both.command(
                "recover",
                "--etcd-endpoints",
                etcd.url().toString(),
                "--etcd-snapshot",
                "/nonexistent",
                "db"))
        .isEqualTo(2);
    assertThat(both.err.toString()).contains("give either --etcd-endpoints");

    Cli url = new Cli();
    assertThat(url.command("recover", "--etcd-endpoints", "127.0.0.1:2379", "db")).isEqualTo(2);
    assertThat(url.err.toString())
        .contains("--etcd-endpoints: not an http:// or https:// URL: 127.0.0.1:2379");

    Cli tenant = new Cli();
    assertThat(
            tenant.command(
                "recover",
                "--etcd-endpoints",
                etcd.url().toString(),
                "--kmaas-url",
                kmaas.url().toString(),
                "db"))
        .isEqualTo(2);
    assertThat(tenant.err.toString()).contains("--kmaas-tenant");

    Cli embedded = new Cli();
    assertThat(
            embedded.command(
                "recover",
                "--etcd-endpoints",
                etcd.url().toString(),
                "--state-file",
                dir.resolve("no-such-state.json").toString(),
                "db"))
        .isEqualTo(2);
    assertThat(embedded.err.toString()).contains("does not exist; recover reads");
    assertThat(Files.exists(dir.resolve("no-such-state.json"))).isFalse();
  }

  @Test
  void readsASnapshotThroughATemporaryEtcdAndLeavesNothingBehind() throws Exception {
    Path snapshot = dir.resolve("etcd.snapshot");
    ProcessBuilder saveCommand =
        new ProcessBuilder(
                binDir() == null ? "etcdctl" : binDir().resolve("etcdctl").toString(),
                "--endpoints",
                etcd.url().toString(),
                "snapshot",
                "save",
                snapshot.toString())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("snapshot-save.log").toFile());
    saveCommand.environment().put("ETCDCTL_API", "3");
    Process save;
    try {
      save = saveCommand.start();
    } catch (java.io.IOException e) {
      throw new AssertionError(
          "etcdctl is not installed: the snapshot test needs it. Install it with"
              + " `apt-get install -y etcd-client` (scripts/test.sh does)",
          e);
    }
    assertThat(save.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(save.exitValue()).as(Files.readString(dir.resolve("snapshot-save.log"))).isZero();
    Path work = Files.createDirectories(dir.resolve("work"));

    Cli cli = new Cli();
    List<String> command = new ArrayList<>(List.of("--etcd-snapshot", snapshot.toString()));
    command.addAll(List.of("--work-dir", work.toString(), "--show-values", "-n", "prod", "db"));
    command.addAll(kmaasFlags());
    if (binDir() != null) {
      command.addAll(List.of("--etcd-bin-dir", binDir().toString()));
    }
    int code = cli.command("recover", command.toArray(String[]::new));

    assertThat(code).as(cli.err.toString()).isZero();
    assertThat(cli.out.toString()).contains("password: " + PASSWORD);
    assertThat(cli.err.toString()).contains("serving it with a temporary etcd on loopback");
    try (Stream<Path> left = Files.list(work)) {
      assertThat(left).as("the restored data is deleted").isEmpty();
    }
  }

  // --- helpers ---

  /**
   * Where etcd's tools are when ETCD_BIN names another etcd (as EtcdTestServer honours), else null.
   */
  private static Path binDir() {
    String configured = System.getenv("ETCD_BIN");
    return configured == null || configured.isBlank() ? null : Path.of(configured).getParent();
  }

  /** recover against the running etcd with the daemon's KMaaS settings, then {@code rest}. */
  private static String[] args(String... rest) {
    List<String> all = new ArrayList<>(List.of("--etcd-endpoints", etcd.url().toString()));
    all.addAll(kmaasFlags());
    all.addAll(List.of(rest));
    return all.toArray(String[]::new);
  }

  private static List<String> kmaasFlags() {
    List<String> flags = new ArrayList<>();
    kmaasFlagMap().forEach((k, v) -> flags.addAll(List.of(k, v)));
    return flags;
  }

  private static Map<String, String> kmaasFlagMap() {
    return Map.of(
        "--kmaas-url", kmaas.url().toString(),
        "--kmaas-tenant", TENANT,
        "--kmaas-ca-file", kmaas.certificateFile().toString(),
        "--kmaas-api-key-file", kmaas.apiKeyFile().toString());
  }

  private static void put(
      KmsV2Transformer apiserver,
      String keyId,
      String namespace,
      String name,
      Map<String, byte[]> data)
      throws Exception {
    String key = "/registry/secrets/" + namespace + "/" + name;
    etcd.put(key, apiserver.encode(key, protobufSecret(namespace, name, data), keyId));
  }

  private static byte[] etcdValue(String key) throws Exception {
    try (okhttp3.Response r =
        new okhttp3.OkHttpClient()
            .newCall(
                new okhttp3.Request.Builder()
                    .url(etcd.url().resolve("/v3/kv/range"))
                    .post(
                        okhttp3.RequestBody.create(
                            "{\"key\":\"" + Base64.getEncoder().encodeToString(utf8(key)) + "\"}",
                            okhttp3.MediaType.get("application/json")))
                    .build())
            .execute()) {
      JsonNode kv = new ObjectMapper().readTree(r.body().string()).path("kvs").get(0);
      return Base64.getDecoder().decode(kv.path("value").asText());
    }
  }

  private static byte[] protobufSecret(String namespace, String name, String k, String v) {
    return protobufSecret(namespace, name, Map.of(k, utf8(v)));
  }

  /** {@code k8s\0} + runtime.Unknown{v1 Secret, raw = Secret}, as kube-apiserver stores it. */
  private static byte[] protobufSecret(String namespace, String name, Map<String, byte[]> data) {
    Secret.Builder secret =
        Secret.newBuilder()
            .setMetadata(
                ObjectMeta.newBuilder()
                    .setName(name)
                    .setNamespace(namespace)
                    .putLabels("app", name))
            .setType("Opaque");
    data.forEach((k, v) -> secret.putData(k, ByteString.copyFrom(v)));
    byte[] unknown =
        Unknown.newBuilder()
            .setTypeMeta(TypeMeta.newBuilder().setApiVersion("v1").setKind("Secret"))
            .setRaw(secret.build().toByteString())
            .build()
            .toByteArray();
    byte[] out = new byte[4 + unknown.length];
    System.arraycopy("k8s\0".getBytes(StandardCharsets.US_ASCII), 0, out, 0, 4);
    System.arraycopy(unknown, 0, out, 4, unknown.length);
    return out;
  }

  private static KmaasAdminClient adminClient() throws Exception {
    return new KmaasAdminClient(
        kmaas.url(),
        KmaasCredentials.ApiKey.parse(Files.readString(kmaas.adminKeyFile()).strip()),
        kmaas.certificateFile());
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new SecureRandom().nextBytes(b);
    return b;
  }
}
