package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.testing.EtcdTestServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code audit --result-file}: the report as one JSON line in a file (in the operator's audit Job:
 * the container's termination message), besides the normal output; nothing when etcd is not read.
 */
class AuditResultFileIT {
  @TempDir Path dir;
  private EtcdTestServer etcd;

  @BeforeEach
  void start() throws Exception {
    etcd = EtcdTestServer.start(Files.createDirectories(dir.resolve("etcd")));
    Random random = new Random(7);
    Map<byte[], byte[]> entries = new LinkedHashMap<>();
    entries.put(
        bytes("/registry/secrets/a/s1"), AuditCommandIT.kmsV2("sds-kms", "sds:acme/kek-1", random));
    entries.put(
        bytes("/registry/secrets/a/s2"), AuditCommandIT.kmsV2("sds-kms", "sds:acme/kek-2", random));
    entries.put(bytes("/registry/secrets/a/s3"), bytes("k8s\0plain"));
    etcd.put(entries);
  }

  @AfterEach
  void stop() {
    etcd.close();
  }

  @Test
  void theResultFileHoldsTheJsonReportWhateverTheOutputFormat() throws Exception {
    Path result = dir.resolve("termination-log");

    AuditCommandIT.Run run =
        AuditCommandIT.run(
            "--etcd-endpoints",
            etcd.url().toString(),
            "--max-names",
            "0",
            "--result-file",
            result.toString());

    assertThat(run.code()).as(run.err()).isZero();
    assertThat(run.out()).startsWith("secrets: 3 objects"); // the table still goes to stdout
    String text = Files.readString(result);
    assertThat(text.lines()).hasSize(1);
    JsonNode json = new ObjectMapper().readTree(text);
    assertThat(json.path("resources").get(0).path("total").asLong()).isEqualTo(3);
    assertThat(json.path("resources").get(0).path("counts").toString())
        .contains(
            "{\"kind\":\"kms-v2\",\"provider\":\"sds-kms\",\"keyId\":\"sds:acme/kek-1\",\"count\":1}")
        .contains("{\"kind\":\"identity\",\"count\":1}");
    assertThat(json.path("plaintextMore").asLong()).isEqualTo(1);
    assertThat(text).doesNotContain("plain\"").doesNotContain("s3");
  }

  @Test
  void nothingIsWrittenWhenEtcdCannotBeRead() {
    Path result = dir.resolve("termination-log");

    AuditCommandIT.Run run =
        AuditCommandIT.run(
            "--etcd-endpoints", "http://127.0.0.1:1", "--result-file", result.toString());

    assertThat(run.code()).isEqualTo(1);
    assertThat(result).doesNotExist();
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
