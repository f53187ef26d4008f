package dev.sds.kms.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PagingDispatcher;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The storagemigration.k8s.io path, against the CRUD mock (no migrator runs there). */
class StorageMigrationApiTest {
  private static final MigrationTarget SECRETS =
      new MigrationTarget("secrets", "", "v1", "Secret", "secrets", true);

  private final PagingDispatcher api = new PagingDispatcher();
  private MockCluster cluster;

  @AfterEach
  void close() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private StorageMigrationApi served(String... versions) {
    for (String version : versions) {
      api.serve(
          new PagingDispatcher.Served(
              StorageMigrationApi.GROUP,
              version,
              StorageMigrationApi.KIND,
              StorageMigrationApi.PLURAL,
              false));
    }
    cluster = new MockCluster(api);
    return StorageMigrationApi.detect(cluster.client()).orElseThrow();
  }

  @Test
  void absentWhenTheClusterDoesNotServeIt() {
    cluster = new MockCluster(api);
    assertThat(StorageMigrationApi.detect(cluster.client())).isEmpty();
  }

  @Test
  void prefersV1beta1AndCreatesAMigrationWithGroupAndResourceOnly() {
    StorageMigrationApi svm = served("v1alpha1", "v1beta1");
    assertThat(svm.version()).isEqualTo("v1beta1");

    String name = svm.create("kms", SECRETS, "kek-2");

    assertThat(name).matches("kms-secrets-[0-9a-f]{10}");
    assertThat(spec(name, "v1beta1"))
        .isEqualTo(Map.of("resource", Map.of("group", "", "resource", "secrets")));
    assertThat(svm.state(name).phase()).isEqualTo(StorageMigrationApi.Phase.PENDING);
  }

  @Test
  void v1alpha1CarriesTheVersionToo() {
    StorageMigrationApi svm = served("v1alpha1");

    String name = svm.create("kms", SECRETS, "kek-2");

    assertThat(spec(name, "v1alpha1"))
        .isEqualTo(Map.of("resource", Map.of("group", "", "version", "v1", "resource", "secrets")));
  }

  @Test
  void creatingTwiceIsHarmlessAndANewKeyIdMakesANewMigration() {
    StorageMigrationApi svm = served("v1beta1");

    String first = svm.create("kms", SECRETS, "kek-2");

    assertThat(svm.create("kms", SECRETS, "kek-2")).isEqualTo(first);
    assertThat(svm.create("kms", SECRETS, "kek-3")).isNotEqualTo(first);
  }

  @Test
  void readsTheConditionsTheMigratorSets() {
    StorageMigrationApi svm = served("v1beta1");
    String name = svm.create("kms", SECRETS, "kek-2");

    setConditions(name, List.of(condition("Running", "True", null)));
    assertThat(svm.state(name).phase()).isEqualTo(StorageMigrationApi.Phase.RUNNING);

    setConditions(
        name,
        List.of(condition("Running", "False", null), condition("Succeeded", "True", "all done")));
    assertThat(svm.state(name))
        .isEqualTo(new StorageMigrationApi.State(StorageMigrationApi.Phase.SUCCEEDED, "all done"));

    setConditions(name, List.of(condition("Failed", "True", "etcd unavailable")));
    assertThat(svm.state(name).phase()).isEqualTo(StorageMigrationApi.Phase.FAILED);
    assertThat(svm.state("kms-gone").phase()).isEqualTo(StorageMigrationApi.Phase.MISSING);
  }

  @Test
  void namesAreValidAndDependOnTheKeyId() {
    assertThat(StorageMigrationApi.migrationName("KMS", "widgets.example.com", "k1"))
        .matches("kms-widgets\\.example\\.com-[0-9a-f]{10}")
        .isNotEqualTo(StorageMigrationApi.migrationName("KMS", "widgets.example.com", "k2"));
    assertThat(StorageMigrationApi.migrationName("p".repeat(300), "secrets", "k1")).hasSize(253);
  }

  private ResourceDefinitionContext context(String version) {
    return new ResourceDefinitionContext.Builder()
        .withGroup(StorageMigrationApi.GROUP)
        .withVersion(version)
        .withKind(StorageMigrationApi.KIND)
        .withPlural(StorageMigrationApi.PLURAL)
        .withNamespaced(false)
        .build();
  }

  private Object spec(String name, String version) {
    return cluster
        .client()
        .genericKubernetesResources(context(version))
        .withName(name)
        .get()
        .getAdditionalProperties()
        .get("spec");
  }

  private void setConditions(String name, List<Map<String, Object>> conditions) {
    var migrations = cluster.client().genericKubernetesResources(context("v1beta1"));
    GenericKubernetesResource migration = migrations.withName(name).get();
    migration.setAdditionalProperty("status", Map.of("conditions", conditions));
    migrations.resource(migration).update();
  }

  private static Map<String, Object> condition(String type, String status, String message) {
    return message == null
        ? Map.of("type", type, "status", status)
        : Map.of("type", type, "status", status, "message", message);
  }
}
