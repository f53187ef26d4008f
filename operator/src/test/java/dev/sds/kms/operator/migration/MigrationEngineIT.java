package dev.sds.kms.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PagingDispatcher;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The in-process migration against a mock API server that really pages and injects faults. */
class MigrationEngineIT {
  static final MigrationTarget SECRETS =
      new MigrationTarget("secrets", "", "v1", "Secret", "secrets", true);
  static final MigrationTarget CONFIGMAPS =
      new MigrationTarget("configmaps", "", "v1", "ConfigMap", "configmaps", true);
  static final MigrationSettings FAST = new MigrationSettings(500, 10_000, 4, 3);
  static final BooleanSupplier NEVER = () -> false;

  private PagingDispatcher api;
  private MockCluster cluster;
  private KubernetesClient client;
  private MigrationEngine engine;

  @BeforeEach
  void startCluster() {
    api = new PagingDispatcher();
    cluster = new MockCluster(api);
    // fabric8 retries 429 and 5xx itself; switched off so that the engine's own handling is tested
    client =
        cluster.newClient(b -> b.editOrNewConfig().withRequestRetryBackoffLimit(0).endConfig());
    engine = new MigrationEngine(client);
  }

  @AfterEach
  void stopCluster() {
    client.close();
    cluster.close();
  }

  @Test
  void everySecretIsRewrittenExactlyOnceWithACheckpointPerPage() {
    seed("Secret", "secrets", 3000, 6);
    seed("ConfigMap", "configmaps", 200, 2);
    Map<String, String> before = resourceVersions("secrets");
    Recorder recorder = new Recorder();

    MigrationResult result = engine.migrate(SECRETS, null, FAST, recorder, NEVER);

    assertThat(result.done()).isTrue();
    assertThat(result.error()).isNull();
    assertThat(result.migrated()).isEqualTo(3000);
    assertThat(result.skipped() + result.failed()).isZero();
    assertThat(recorder.pages).hasSize(6);
    assertThat(recorder.pages.stream().map(p -> p.migrated()).toList())
        .containsExactly(500L, 1000L, 1500L, 2000L, 2500L, 3000L);
    assertThat(recorder.pages.subList(0, 5)).allSatisfy(p -> assertThat(p.token()).isNotNull());
    assertThat(recorder.pages.get(5).token()).isNull();
    assertThat(recorder.results).containsExactly(result);
    Map<String, Integer> updates = api.updates();
    assertThat(updates).hasSize(3000).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    assertThat(updates.keySet()).allMatch(k -> k.startsWith("secrets/"));
    Map<String, String> after = resourceVersions("secrets");
    assertThat(after).hasSize(3000);
    before.forEach((name, version) -> assertThat(after.get(name)).isNotEqualTo(version));

    MigrationResult configMaps = engine.migrate(CONFIGMAPS, null, FAST, recorder, NEVER);
    assertThat(configMaps.migrated()).isEqualTo(200);
    assertThat(recorder.pages).hasSize(7);
  }

  @Test
  void theRewriteKeepsFieldsTheOperatorDoesNotKnow() {
    GenericKubernetesResource secret = secret("a", "odd");
    secret.getMetadata().setLabels(Map.of("team", "blue"));
    secret.setAdditionalProperty("type", "example.com/custom");
    secret.setAdditionalProperty("futureField", Map.of("nested", List.of(1, 2)));
    client.genericKubernetesResources("v1", "Secret").inNamespace("a").resource(secret).create();

    engine.migrate(SECRETS, null, FAST, ProgressListener.NONE, NEVER);

    GenericKubernetesResource stored =
        client.genericKubernetesResources("v1", "Secret").inNamespace("a").withName("odd").get();
    assertThat(api.updates("secrets", "a", "odd")).isEqualTo(1);
    assertThat(stored.getMetadata().getLabels()).containsEntry("team", "blue");
    assertThat(stored.getAdditionalProperties())
        .containsEntry("type", "example.com/custom")
        .containsEntry("futureField", Map.of("nested", List.of(1, 2)))
        .containsEntry("data", Map.of("key", "dmFsdWU="));
  }

  @Test
  void aSecondRunFromThePage2CheckpointRewritesOnlyTheRest() {
    seed("Secret", "secrets", 600, 3);
    MigrationSettings pagesOf200 = FAST.withPageSize(200);
    Recorder recorder = new Recorder();
    BooleanSupplier afterTwoPages = () -> recorder.pages.size() >= 2;

    MigrationResult first = engine.migrate(SECRETS, null, pagesOf200, recorder, afterTwoPages);

    assertThat(first.done()).isFalse();
    assertThat(first.error()).isEqualTo("cancelled");
    assertThat(first.migrated()).isEqualTo(400);
    String checkpoint = recorder.pages.get(1).token();
    assertThat(first.continueToken()).isEqualTo(checkpoint);
    Map<String, Integer> firstUpdates = api.updates();
    api.resetCounts();

    MigrationResult second =
        engine.migrate(SECRETS, checkpoint, pagesOf200, ProgressListener.NONE, NEVER);

    assertThat(second.done()).isTrue();
    assertThat(second.migrated()).isEqualTo(200);
    Map<String, Integer> secondUpdates = api.updates();
    assertThat(secondUpdates).hasSize(200).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
    assertThat(secondUpdates.keySet()).doesNotContainAnyElementsOf(firstUpdates.keySet());
  }

  @Test
  void conflictsAreSkippedWhenSomeoneElseWroteTheObjectAndRetriedWhenNot() {
    seed("Secret", "secrets", 20, 1);
    api.conflict("secrets", "ns-0", "s-0003", 1, true);
    api.conflict("secrets", "ns-0", "s-0007", 2, false);
    api.conflict("secrets", "ns-0", "s-0011", 10, false);

    MigrationResult result =
        engine.migrate(SECRETS, null, FAST.withPageSize(10), ProgressListener.NONE, NEVER);

    assertThat(result.done()).isTrue();
    assertThat(result.migrated()).isEqualTo(18);
    assertThat(result.skipped()).isEqualTo(1);
    assertThat(result.failed()).isEqualTo(1);
    assertThat(result.firstFailures()).containsExactly("ns-0/s-0011");
    assertThat(api.updates("secrets", "ns-0", "s-0003")).isZero();
    assertThat(api.updates("secrets", "ns-0", "s-0007")).isEqualTo(1);
    assertThat(result.succeeded()).isFalse();
  }

  @Test
  void tooManyRequestsWaitsForRetryAfterAndCountsNoFailure() {
    seed("Secret", "secrets", 20, 1);
    api.throttleRequest(5);
    long start = System.nanoTime();

    MigrationResult result =
        engine.migrate(SECRETS, null, FAST.withWorkers(1), ProgressListener.NONE, NEVER);

    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofSeconds(1));
    assertThat(result.migrated()).isEqualTo(20);
    assertThat(result.failed()).isZero();
    assertThat(api.updates()).hasSize(20).allSatisfy((k, v) -> assertThat(v).isEqualTo(1));
  }

  @Test
  void anExpiredContinueTokenRestartsTheListingAndStillReachesEveryObject() {
    seed("Secret", "secrets", 30, 1);
    api.expireContinue(1);

    MigrationResult result =
        engine.migrate(SECRETS, null, FAST.withPageSize(10), ProgressListener.NONE, NEVER);

    assertThat(result.done()).isTrue();
    assertThat(result.failed()).isZero();
    assertThat(result.migrated()).isEqualTo(40);
    assertThat(api.updates()).hasSize(30).allSatisfy((k, v) -> assertThat(v).isPositive());
    assertThat(api.updates("secrets", "ns-0", "s-0000")).isEqualTo(2);
  }

  @Test
  void anObjectDeletedBetweenListAndUpdateIsSkipped() {
    seed("Secret", "secrets", 10, 1);
    api.deleteBeforeUpdate("secrets", "ns-0", "s-0004");

    MigrationResult result = engine.migrate(SECRETS, null, FAST, ProgressListener.NONE, NEVER);

    assertThat(result.done()).isTrue();
    assertThat(result.migrated()).isEqualTo(9);
    assertThat(result.skipped()).isEqualTo(1);
    assertThat(result.failed()).isZero();
  }

  @Test
  void aListingErrorFailsTheResourceAndKeepsTheCheckpoint() {
    seed("Secret", "secrets", 10, 1);
    api.failNextList(500);

    MigrationResult result =
        engine.migrate(SECRETS, "some-token", FAST, ProgressListener.NONE, NEVER);

    assertThat(result.done()).isFalse();
    assertThat(result.error()).contains("listing failed").contains("500");
    assertThat(result.continueToken()).isEqualTo("some-token");
    assertThat(api.updates()).isEmpty();
  }

  @Test
  void theQpsLimitSpacesTheRewrites() {
    seed("Secret", "secrets", 100, 2);
    long start = System.nanoTime();

    MigrationResult result =
        engine.migrate(SECRETS, null, FAST.withQps(200), ProgressListener.NONE, NEVER);

    // 100 evenly spaced permits at 200 a second: at least 99 × 5 ms
    assertThat(Duration.ofNanos(System.nanoTime() - start))
        .isGreaterThanOrEqualTo(Duration.ofMillis(450));
    assertThat(result.migrated()).isEqualTo(100);
  }

  @Test
  void cancellingStopsBetweenObjectsWithoutACheckpoint() {
    seed("Secret", "secrets", 50, 1);
    AtomicBoolean cancelled = new AtomicBoolean();
    AtomicInteger permits = new AtomicInteger();
    MigrationEngine counting =
        new MigrationEngine(
            client,
            qps ->
                () -> {
                  if (permits.incrementAndGet() >= 10) {
                    cancelled.set(true);
                  }
                });
    Recorder recorder = new Recorder();

    MigrationResult result =
        counting.migrate(SECRETS, null, FAST.withWorkers(1), recorder, cancelled::get);

    assertThat(result.done()).isFalse();
    assertThat(result.error()).isEqualTo("cancelled");
    assertThat(result.migrated()).isEqualTo(10);
    assertThat(result.continueToken()).isNull();
    assertThat(recorder.pages).isEmpty();
    assertThat(api.updates()).hasSize(10);
  }

  // ---- helpers

  record Page(String resource, String token, long migrated, long skipped, long failed) {}

  static final class Recorder implements ProgressListener {
    final List<Page> pages = new java.util.concurrent.CopyOnWriteArrayList<>();
    final List<MigrationResult> results = new java.util.concurrent.CopyOnWriteArrayList<>();

    @Override
    public void pageDone(String resource, String token, long migrated, long skipped, long failed) {
      pages.add(new Page(resource, token, migrated, skipped, failed));
    }

    @Override
    public void resourceDone(MigrationResult result) {
      results.add(result);
    }
  }

  private static GenericKubernetesResource secret(String namespace, String name) {
    return new GenericKubernetesResourceBuilder()
        .withApiVersion("v1")
        .withKind("Secret")
        .withNewMetadata()
        .withNamespace(namespace)
        .withName(name)
        .endMetadata()
        .addToAdditionalProperties("data", Map.of("key", "dmFsdWU="))
        .build();
  }

  /** {@code count} objects named {@code s-0000}... spread round-robin over namespaces ns-0... */
  private void seed(String kind, String plural, int count, int namespaces) {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<java.util.concurrent.Future<?>> created = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String namespace = "ns-" + (i % namespaces);
      String name = String.format("%s-%04d", plural.substring(0, 1), i);
      GenericKubernetesResource object = secret(namespace, name);
      object.setKind(kind);
      created.add(
          pool.submit(
              () ->
                  client
                      .genericKubernetesResources("v1", kind)
                      .inNamespace(namespace)
                      .resource(object)
                      .create()));
    }
    try {
      for (var f : created) {
        f.get(60, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      pool.shutdownNow();
    }
  }

  private Map<String, String> resourceVersions(String plural) {
    Map<String, String> versions = new HashMap<>();
    String kind = plural.equals("secrets") ? "Secret" : "ConfigMap";
    client
        .genericKubernetesResources("v1", kind)
        .inAnyNamespace()
        .list()
        .getItems()
        .forEach(
            o ->
                versions.put(
                    o.getMetadata().getNamespace() + "/" + o.getMetadata().getName(),
                    o.getMetadata().getResourceVersion()));
    return versions;
  }
}
