package dev.sds.kms.plugin.kmaas.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KekStoreTest {

  @TempDir Path dir;

  @Test
  void firstUseCreatesFileWithModes0600And0700() throws Exception {
    Path file = dir.resolve("sub/state.json");
    KekStore store = new KekStore(file);

    KekInfo first = store.ensureTenant("acme");

    assertThat(first.active()).isTrue();
    assertThat(first.id()).matches("kek-\\d{8}T\\d{6}Z-[0-9a-f]{8}");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())))
        .isEqualTo("rwx------");
    assertThat(store.ensureTenant("acme")).isEqualTo(first);
    assertThat(store.tenants()).containsExactly("acme");
  }

  @Test
  void idUsesClockTime() throws Exception {
    Clock clock = Clock.fixed(Instant.parse("2026-11-24T05:47:15.123Z"), ZoneOffset.UTC);
    KekInfo kek = new KekStore(dir.resolve("s.json"), clock).ensureTenant("t");
    assertThat(kek.id()).startsWith("kek-20261124T054715Z-");
    assertThat(kek.created()).isEqualTo(Instant.parse("2026-11-24T05:47:15Z"));
  }

  @Test
  void persistsAndReloadsKeysAndOrder() throws Exception {
    Path file = dir.resolve("state.json");
    KekStore a = new KekStore(file);
    KekInfo k1 = a.ensureTenant("acme");
    KekInfo k2 = a.rotate("acme");
    a.ensureTenant("other");

    KekStore b = new KekStore(file);
    assertThat(b.list("acme"))
        .extracting(KekInfo::id, KekInfo::active)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(k1.id(), false),
            org.assertj.core.groups.Tuple.tuple(k2.id(), true));
    assertThat(b.active("acme").key()).isEqualTo(a.active("acme").key());
    assertThat(b.active("acme").key()).hasSize(32);
    assertThat(b.tenants()).containsExactly("acme", "other");

    JsonNode json = new ObjectMapper().readTree(file.toFile());
    assertThat(json.path("version").asInt()).isEqualTo(1);
    assertThat(json.path("tenants").path("acme").path("keks")).hasSize(2);
    assertThat(
            Base64.getDecoder()
                .decode(json.path("tenants").path("acme").path("keks").get(1).path("key").asText()))
        .isEqualTo(a.active("acme").key());
  }

  @Test
  void rotationByAnotherInstanceIsSeen() throws Exception {
    Path file = dir.resolve("state.json");
    KekStore daemon = new KekStore(file);
    KekInfo first = daemon.ensureTenant("embedded");

    KekInfo rotated = new KekStore(file).rotate("embedded");

    assertThat(rotated.id()).isNotEqualTo(first.id());
    assertThat(daemon.active("embedded").id()).isEqualTo(rotated.id());
    assertThat(daemon.find("embedded", first.id())).isPresent();
  }

  @Test
  void rotateUnknownTenantIsRefused() throws Exception {
    KekStore store = new KekStore(dir.resolve("state.json"));
    assertThatThrownBy(() -> store.rotate("nobody"))
        .isInstanceOf(EngineException.class)
        .extracting(e -> ((EngineException) e).kind())
        .isEqualTo(EngineException.Kind.UNKNOWN_TENANT);
    assertThat(Files.exists(dir.resolve("state.json"))).isFalse();
  }

  @Test
  void invalidTenantNames() {
    assertThat(KekStore.isValidTenant("a.b_c-1")).isTrue();
    assertThat(KekStore.isValidTenant(".")).isFalse();
    assertThat(KekStore.isValidTenant("..")).isFalse();
    assertThat(KekStore.isValidTenant("a/b")).isFalse();
    assertThat(KekStore.isValidTenant("")).isFalse();
    assertThat(KekStore.isValidTenant("x".repeat(65))).isFalse();
    KekStore store = new KekStore(dir.resolve("state.json"));
    assertThatThrownBy(() -> store.ensureTenant(".."))
        .isInstanceOf(EngineException.class)
        .extracting(e -> ((EngineException) e).kind())
        .isEqualTo(EngineException.Kind.BAD_INPUT);
  }

  @Test
  void corruptFileGivesClearMessageWithoutContents() throws Exception {
    Path file = dir.resolve("state.json");
    Files.writeString(file, "{\"version\":1,\"tenants\": SECRETSTUFF");
    KekStore store = new KekStore(file);
    assertThatThrownBy(() -> store.ensureTenant("acme"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining(file.toString())
        .hasMessageContaining("corrupt")
        .hasMessageNotContaining("SECRETSTUFF")
        .extracting(e -> ((EngineException) e).kind())
        .isEqualTo(EngineException.Kind.STORAGE);
  }

  @Test
  void badKeyLengthIsCorrupt() throws Exception {
    Path file = dir.resolve("state.json");
    Files.writeString(
        file,
        "{\"version\":1,\"tenants\":{\"a\":{\"keks\":[{\"id\":\"k1\",\"created\":"
            + "\"2026-01-01T00:00:00Z\",\"key\":\"AAAA\"}]}}}");
    assertThatThrownBy(() -> new KekStore(file).list("a"))
        .isInstanceOf(EngineException.class)
        .hasMessageContaining("32-byte key");
  }

  @Test
  void looseExistingFileIsTightenedTo0600() throws Exception {
    Path file = dir.resolve("state.json");
    new KekStore(file).ensureTenant("acme");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));

    assertThat(new KekStore(file).list("acme")).hasSize(1);

    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file)))
        .isEqualTo("rw-------");
  }

  @Test
  void concurrentRotationsFromTwoInstancesKeepAllKeks() throws Exception {
    Path file = dir.resolve("state.json");
    new KekStore(file).ensureTenant("acme");
    KekStore a = new KekStore(file);
    KekStore b = new KekStore(file);
    int perStore = 10;
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<KekInfo>> results = new ArrayList<>();
    try {
      for (int i = 0; i < perStore; i++) {
        for (KekStore s : List.of(a, b)) {
          results.add(
              pool.submit(
                  () -> {
                    go.await();
                    return s.rotate("acme");
                  }));
        }
      }
      go.countDown();
      List<String> ids = new ArrayList<>();
      for (Future<KekInfo> f : results) {
        ids.add(f.get().id());
      }
      List<KekInfo> all = new KekStore(file).list("acme");
      assertThat(all).hasSize(1 + 2 * perStore);
      assertThat(all).extracting(KekInfo::id).containsAll(ids);
      assertThat(a.list("acme")).isEqualTo(all);
      assertThat(b.list("acme")).isEqualTo(all);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void noTemporaryFilesLeftBehind() throws Exception {
    Path file = dir.resolve("state.json");
    KekStore store = new KekStore(file);
    store.ensureTenant("acme");
    store.rotate("acme");
    try (var files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .containsExactlyInAnyOrder("state.json", "state.json.lock");
    }
    assertThat(Files.readString(file, StandardCharsets.UTF_8)).doesNotContain("\0");
  }
}
