package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.audit.v2.EncryptedDEKSourceType;
import dev.sds.kms.plugin.audit.v2.EncryptedObject;
import dev.sds.kms.plugin.testing.EtcdTestServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import mockwebserver3.Dispatcher;
import mockwebserver3.MockResponse;
import mockwebserver3.MockWebServer;
import mockwebserver3.RecordedRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code kms-plugin audit} against a real etcd filled, through the JSON gateway, with every kind of
 * value kube-apiserver writes: KMS v2 under two key ids, KMS v1, aescbc, aesgcm, secretbox,
 * protobuf and JSON plaintext, malformed KMS v2 and garbage — 1200 secrets, read in pages of 500.
 */
class AuditCommandIT {
  private static final String MARKER = "TOPSECRET-VALUE-MARKER";
  private static final String KEK_A = "kek-20250101T000000Z-aaaaaaaa";
  private static final String KEK_B = "kek-20250601T000000Z-bbbbbbbb";

  @TempDir static Path dir;
  static EtcdTestServer etcd;
  static final List<String> PLAINTEXT_SECRETS = new ArrayList<>();
  static final List<byte[]> STORED_VALUES = new ArrayList<>();

  record Run(int code, String out, String err, AuditCommand command) {}

  @BeforeAll
  static void fill() throws Exception {
    etcd = EtcdTestServer.start(dir);
    Random random = new Random(42);
    Map<byte[], byte[]> entries = new LinkedHashMap<>();
    TreeSet<String> plaintext = new TreeSet<>();
    for (int i = 0; i < 1200; i++) {
      String name = "ns-" + (i % 10) + "/s-" + String.format("%04d", i);
      int r = i % 24;
      byte[] value;
      if (r < 12) {
        value = kmsV2("sds-kms", KEK_A, random);
      } else if (r < 18) {
        value = kmsV2("sds-kms", KEK_B, random);
      } else if (r == 18) {
        value = concat("k8s:enc:kms:v1:old-kms:", bytes(random, 80));
      } else if (r == 19) {
        value = concat("k8s:enc:aescbc:v1:key1:", bytes(random, 64));
      } else if (r == 20) {
        value = concat("k8s\0", (MARKER + "-protobuf-" + i).getBytes(StandardCharsets.UTF_8));
        plaintext.add("secrets/" + name);
      } else if (r == 21) {
        value = ("{\"kind\":\"Secret\",\"data\":\"" + MARKER + "-json-" + i + "\"}").getBytes();
        plaintext.add("secrets/" + name);
      } else if (r == 22) {
        value = concat("garbage-", bytes(random, 40));
      } else if ((i / 24) % 2 == 0) {
        // truncated protobuf: field 1 claims 127 bytes
        value = concat("k8s:enc:kms:v2:sds-kms:", new byte[] {0x0a, 0x7f, 1, 2, 3});
      } else {
        // parses, but without the keyID kube-apiserver requires
        value =
            concat(
                "k8s:enc:kms:v2:sds-kms:",
                EncryptedObject.newBuilder()
                    .setEncryptedData(ByteString.copyFrom(bytes(random, 40)))
                    .setEncryptedDEKSource(ByteString.copyFrom(bytes(random, 32)))
                    .build()
                    .toByteArray());
      }
      entries.put(("/registry/secrets/" + name).getBytes(StandardCharsets.UTF_8), value);
      STORED_VALUES.add(value);
    }
    PLAINTEXT_SECRETS.addAll(plaintext);
    // keys next to the secrets' prefix that must not be counted as secrets
    entries.put(bytes("/registry/secrets"), bytes("{\"not\":\"a secret\"}"));
    entries.put(bytes("/registry/secretsx/ns/y"), bytes("{\"not\":\"a secret\"}"));
    // configmaps
    entries.put(bytes("/registry/configmaps/kube-system/cm-1"), bytes("k8s\0" + MARKER + "-cm"));
    entries.put(
        bytes("/registry/configmaps/kube-system/cm-2"),
        concat("k8s:enc:aesgcm:v1:k2:", bytes(random, 50)));
    entries.put(
        bytes("/registry/configmaps/kube-system/cm-3"),
        concat("k8s:enc:secretbox:v1:sb1:", bytes(random, 50)));
    entries.put(bytes("/registry/configmaps/ns-1/cm-4"), kmsV2("sds-kms", KEK_A, random));
    entries.put(bytes("/registry/configmaps/ns-2/cm-5"), kmsV2("other-kms", KEK_B, random));
    // a custom resource: under its group, cluster-scoped and namespaced, and one under the plural
    entries.put(bytes("/registry/example.com/widgets/ns-1/w1"), kmsV2("sds-kms", KEK_B, random));
    entries.put(bytes("/registry/example.com/widgets/w3"), bytes("k8s\0" + MARKER + "-w3"));
    entries.put(bytes("/registry/widgets/ns-1/w2"), bytes("{\"w\":\"" + MARKER + "\"}"));
    etcd.put(entries);
  }

  @AfterAll
  static void stop() {
    if (etcd != null) {
      etcd.close();
    }
  }

  @Test
  void tableCountsEveryKindPerKeyAcrossPagesAndListsPlaintextNames() {
    Run run = run("--etcd-endpoints", etcd.url().toString(), "--resources", "secrets,configmaps");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.err()).isEmpty();
    assertThat(run.out()).startsWith("secrets: 1200 objects\n");
    // the exact table (columns are as wide as their widest cell)
    String table =
        String.join(
            "\n",
            "secrets: 1200 objects",
            "  KIND      PROVIDER  KEY ID                         COUNT",
            "  kms-v2    sds-kms   " + KEK_A + "    600",
            "  kms-v2    sds-kms   " + KEK_B + "    300",
            "  kms-v1    old-kms   -                                 50",
            "  aescbc    -         key1                              50",
            "  identity  -         -                                100",
            "  unknown   -         -                                100",
            "configmaps: 5 objects",
            "  KIND       PROVIDER   KEY ID                         COUNT",
            "  kms-v2     other-kms  " + KEK_B + "      1",
            "  kms-v2     sds-kms    " + KEK_A + "      1",
            "  aesgcm     -          k2                                 1",
            "  secretbox  -          sb1                                1",
            "  identity   -          -                                  1",
            "plaintext objects: 101");
    assertThat(run.out()).startsWith(table + "\n");
    List<String> names = new ArrayList<>();
    PLAINTEXT_SECRETS.forEach(n -> names.add("  " + n));
    names.add("  configmaps/kube-system/cm-1");
    assertThat(run.out().substring(table.length() + 1).lines().toList()).isEqualTo(names);
    assertNoValues(run.out());
    // 1200 secrets in pages of 500: three range requests; configmaps: one
    assertThat(run.command().gateway.rangeRequests()).isEqualTo(4);
  }

  @Test
  void jsonIsOneObjectWithCountsKeyIdsAndPlaintextNames() throws Exception {
    Run run =
        run(
            "--etcd-endpoints",
            etcd.url().toString(),
            "--resources",
            "secrets,widgets.example.com",
            "-o",
            "json",
            "--page-size",
            "500");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out().strip().lines()).hasSize(1);
    JsonNode json = new ObjectMapper().readTree(run.out());
    StringBuilder expected = new StringBuilder();
    expected.append("{\"resources\":[{\"resource\":\"secrets\",\"total\":1200,\"counts\":[");
    expected.append(count("kms-v2", "sds-kms", KEK_A, 600)).append(',');
    expected.append(count("kms-v2", "sds-kms", KEK_B, 300)).append(',');
    expected.append(count("kms-v1", "old-kms", null, 50)).append(',');
    expected.append(count("aescbc", null, "key1", 50)).append(',');
    expected.append(count("identity", null, null, 100)).append(',');
    expected.append(count("unknown", null, null, 100));
    expected.append("]},{\"resource\":\"widgets.example.com\",\"total\":3,\"counts\":[");
    expected.append(count("kms-v2", "sds-kms", KEK_B, 1)).append(',');
    expected.append(count("identity", null, null, 2));
    expected.append("]}],\"plaintext\":[");
    List<String> names = new ArrayList<>(PLAINTEXT_SECRETS);
    names.add("widgets.example.com/w3");
    names.add("widgets.example.com/ns-1/w2");
    for (int i = 0; i < names.size(); i++) {
      expected.append(i == 0 ? "" : ",").append('"').append(names.get(i)).append('"');
    }
    expected.append("]}");
    assertThat(json).isEqualTo(new ObjectMapper().readTree(expected.toString()));
    assertThat(run.out().strip()).isEqualTo(expected.toString());
    assertNoValues(run.out());
    // secrets: 3 pages; widgets: one range under example.com/widgets/, one under widgets/
    assertThat(run.command().gateway.rangeRequests()).isEqualTo(5);
  }

  @Test
  void pageSizeOneReadsEveryKeyOnceAndNamesAreCapped() throws Exception {
    Run run =
        run(
            "--etcd-endpoints",
            etcd.url().toString(),
            "--resources",
            "configmaps,secrets",
            "--page-size",
            "7",
            "--max-names",
            "3",
            "-o",
            "json");

    assertThat(run.code()).as(run.err()).isZero();
    JsonNode json = new ObjectMapper().readTree(run.out());
    assertThat(json.at("/resources/0/total").asLong()).isEqualTo(5);
    assertThat(json.at("/resources/1/total").asLong()).isEqualTo(1200);
    assertThat(json.get("plaintext").toString())
        .isEqualTo(
            "[\"configmaps/kube-system/cm-1\",\""
                + PLAINTEXT_SECRETS.get(0)
                + "\",\""
                + PLAINTEXT_SECRETS.get(1)
                + "\"]");
    assertThat(json.get("plaintextMore").asLong()).isEqualTo(101 - 3);
    // 5 configmaps: 1 page; 1200 secrets in pages of 7: 172 (the last one holds 3)
    assertThat(run.command().gateway.rangeRequests()).isEqualTo(1 + 172);

    Run table = run("--etcd-endpoints", etcd.url().toString(), "--max-names", "2");
    assertThat(table.out())
        .endsWith(
            "plaintext objects: 100\n  "
                + PLAINTEXT_SECRETS.get(0)
                + "\n  "
                + PLAINTEXT_SECRETS.get(1)
                + "\n  and 98 more\n");
  }

  @Test
  void closedPortIsExit1WithOneLineNamingTheEndpoint() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + port;
    Run run = run("--etcd-endpoints", endpoint, "--timeout", "5s");

    assertThat(run.code()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err().lines()).hasSize(1);
    assertThat(run.err()).startsWith("kms-plugin audit: etcd " + endpoint + "/: ");
  }

  @Test
  void endpointsAreTriedInOrderUntilOneAnswers() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Run run =
        run(
            "--etcd-endpoints",
            "http://127.0.0.1:" + port + "," + etcd.url(),
            "--resources",
            "configmaps");

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("configmaps: 5 objects\n");
  }

  @Test
  void etcd33PathV3betaIsUsedAfterA404() throws Exception {
    List<String> paths = new ArrayList<>();
    try (MockWebServer old = new MockWebServer()) {
      old.setDispatcher(
          new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
              paths.add(request.getTarget());
              if (!request.getTarget().startsWith("/v3beta/")) {
                return new MockResponse.Builder().code(404).body("404 page not found").build();
              }
              String kv =
                  "{\"key\":\""
                      + b64("/registry/secrets/default/old")
                      + "\",\"value\":\""
                      + b64("k8s\0" + MARKER)
                      + "\"}";
              return new MockResponse.Builder()
                  .code(200)
                  .body("{\"header\":{\"revision\":\"7\"},\"kvs\":[" + kv + "],\"count\":\"1\"}")
                  .build();
            }
          });
      old.start();
      Run run = run("--etcd-endpoints", old.url("/").toString(), "-o", "json");

      assertThat(run.code()).as(run.err()).isZero();
      assertThat(run.out().strip())
          .isEqualTo(
              "{\"resources\":[{\"resource\":\"secrets\",\"total\":1,\"counts\":"
                  + "[{\"kind\":\"identity\",\"count\":1}]}],"
                  + "\"plaintext\":[\"secrets/default/old\"]}");
      assertThat(paths).containsExactly("/v3/kv/range", "/v3beta/kv/range");
    }
  }

  @Test
  void etcdErrorIsExit1WithEtcdsMessageOnly() throws Exception {
    try (MockWebServer broken = new MockWebServer()) {
      broken.enqueue(
          new MockResponse.Builder()
              .code(400)
              .body(
                  "{\"error\":\"etcdserver: mvcc: required revision has been compacted\","
                      + "\"code\":11,\"message\":\"etcdserver: mvcc: required revision has been"
                      + " compacted\"}")
              .build());
      broken.start();
      Run run = run("--etcd-endpoints", broken.url("/").toString());

      assertThat(run.code()).isEqualTo(1);
      assertThat(run.err())
          .isEqualTo(
              "kms-plugin audit: etcd "
                  + broken.url("/")
                  + ": HTTP 400: etcdserver: mvcc: required revision has been compacted\n");
    }
  }

  @Test
  void usageErrorsAreExit2() {
    assertThat(run().code()).isEqualTo(2);
    assertThat(run("--etcd-endpoints", "127.0.0.1:2379").code()).isEqualTo(2);
    assertThat(run("--etcd-endpoints", etcd.url().toString(), "-o", "yaml").code()).isEqualTo(2);
    assertThat(run("--etcd-endpoints", etcd.url().toString(), "--page-size", "0").code())
        .isEqualTo(2);
    assertThat(run("--etcd-endpoints", etcd.url().toString(), "--resources", "Secrets").code())
        .isEqualTo(2);
    Run onlyCert =
        run("--etcd-endpoints", etcd.url().toString(), "--etcd-cert", dir.resolve("x").toString());
    assertThat(onlyCert.code()).isEqualTo(2);
    assertThat(onlyCert.err()).contains("--etcd-cert and --etcd-key go together");
    Run missingCa =
        run(
            "--etcd-endpoints",
            etcd.url().toString(),
            "--etcd-cacert",
            dir.resolve("missing-ca.crt").toString());
    assertThat(missingCa.code()).isEqualTo(2);
    assertThat(missingCa.err().lines()).hasSize(1);
    assertThat(missingCa.err()).contains("missing-ca.crt does not exist");
  }

  private static void assertNoValues(String out) {
    assertThat(out).doesNotContain(MARKER).doesNotContain("k8s:enc").doesNotContain("garbage");
    for (byte[] value : STORED_VALUES) {
      assertThat(out).doesNotContain(Base64.getEncoder().encodeToString(value));
    }
  }

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AuditCommand command = new AuditCommand();
    CommandLine cl = new CommandLine(command);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString(), command);
  }

  private static String count(String kind, String provider, String keyId, long n) {
    return "{\"kind\":\""
        + kind
        + "\""
        + (provider == null ? "" : ",\"provider\":\"" + provider + "\"")
        + (keyId == null ? "" : ",\"keyId\":\"" + keyId + "\"")
        + ",\"count\":"
        + n
        + "}";
  }

  /** A value as kube-apiserver's KMS v2 transformer writes it. */
  static byte[] kmsV2(String provider, String keyId, Random random) {
    EncryptedObject object =
        EncryptedObject.newBuilder()
            .setEncryptedData(ByteString.copyFrom(bytes(random, 96)))
            .setKeyID(keyId)
            .setEncryptedDEKSource(ByteString.copyFrom(bytes(random, 60)))
            .putAnnotations("kms.sds.dev/kek", ByteString.copyFromUtf8(keyId))
            .setEncryptedDEKSourceType(EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED)
            .build();
    return concat("k8s:enc:kms:v2:" + provider + ":", object.toByteArray());
  }

  private static byte[] bytes(Random random, int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(bytes(s));
  }

  private static byte[] concat(String prefix, byte[] rest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bytes(prefix));
    out.writeBytes(rest);
    return out.toByteArray();
  }
}
