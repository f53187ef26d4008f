package dev.sds.kms.operator;

import static dev.sds.kms.operator.testing.RotationScenario.OLD;
import static dev.sds.kms.operator.testing.RotationScenario.WAIT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.migration.StorageMigrationApi;
import dev.sds.kms.operator.testing.ApiRequest;
import dev.sds.kms.operator.testing.Fixtures;
import dev.sds.kms.operator.testing.PagingDispatcher;
import dev.sds.kms.operator.testing.PagingDispatcher.ApiCall;
import dev.sds.kms.operator.testing.PluginEdits;
import dev.sds.kms.operator.testing.RbacPolicy;
import dev.sds.kms.operator.testing.RotationScenario;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The operator's RBAC ({@code config/rbac/}) against what its code really asks the API server. Two
 * replicas with leader election run a full scenario against a mock API server that records every
 * request and refuses (403) whatever the ClusterRole, the leader-election Role and Kubernetes'
 * defaults for every authenticated user do not allow, as a real cluster would: rollout of three
 * KmsPlugins and a spec change, status, an invalid KmsPlugin, a KEK rotation migrated in process
 * and one through {@code storagemigration.k8s.io}, Events, the Lease.
 *
 * <ul>
 *   <li>Every verb the operator used is granted (else it would fail in a real cluster): nothing but
 *       the deliberately ungranted resource below was refused.
 *   <li>Every granted verb is used, or listed in {@link #GRANTED_BUT_NOT_SEEN} with the reason it
 *       is still needed (least privilege).
 * </ul>
 *
 * <p>Migrations rewrite the resources named in {@code spec.rotation.resources} (Secrets by
 * default), so no fixed role can cover every configuration. The ClusterRole grants list and update
 * on Secrets (the default) and on ConfigMaps (granted anyway for the daemon's ConfigMap); any other
 * resource needs a rule added by whoever configures it. Without one the migration of that resource
 * fails visibly: here a KmsPlugin configured to migrate {@code widgets.example.com} ends Failed
 * with a message naming the resource and the 403, and the other KmsPlugins are not affected.
 */
class RbacIT {
  private static final Path RBAC = Path.of("../config/rbac");
  private static final Duration LEASE = Duration.ofSeconds(6);

  /**
   * Why the audit Job's verbs are not seen here: KEK retirement (spec.rotation.retireOldKeys with
   * the audit) needs the admin API and a grace period, which this scenario does not configure;
   * RetirementIT and AutomatedRotationE2E run it.
   */
  private static final String RETIREMENT =
      "spec.rotation.retireOldKeys: the etcd audit Job is created, read and deleted (RetirementIT)";

  /**
   * Granted, not seen in the scenario, and why they stay: only the audit Job's. (Two that were
   * granted before this test existed are gone: kmsplugins/finalizers, which admission wants only
   * for owner references with blockOwnerDeletion, checked below to be unset; and deletes of the
   * dependents, which admission wants only when the owner references of an existing object change,
   * and garbage collection, not the operator, deletes them.)
   */
  static final Map<String, String> GRANTED_BUT_NOT_SEEN =
      Map.of(
          "get batch jobs", RETIREMENT,
          "create batch jobs", RETIREMENT,
          "delete batch jobs", RETIREMENT);

  private static final RbacPolicy EVERY_USER = RbacPolicy.of(RbacPolicy.EVERY_AUTHENTICATED_USER);

  /** What the scenario asks that the role must not grant: the one refusal expected. */
  static final Set<String> REFUSED = Set.of("list example.com widgets");

  private final PagingDispatcher api =
      new PagingDispatcher()
          .serve(
              new PagingDispatcher.Served(
                  StorageMigrationApi.GROUP,
                  "v1beta1",
                  StorageMigrationApi.KIND,
                  StorageMigrationApi.PLURAL,
                  false));
  private final RotationScenario scenario = new RotationScenario(api, 300, 3);
  private final RbacPolicy role =
      RbacPolicy.load(RBAC.resolve("cluster_role.yaml"), RBAC.resolve("leader_election_role.yaml"));
  private final RbacPolicy asKubernetesDecides = role.and(RbacPolicy.EVERY_AUTHENTICATED_USER);

  @AfterEach
  void close() {
    scenario.close();
  }

  @Test
  void theOperatorUsesExactlyTheVerbsItsRoleGrants() {
    api.authorize(call -> !isOperator(call) || asKubernetesDecides.allows(ApiRequest.of(call)));
    scenario.startReplica("replica-a", LEASE);
    scenario.startReplica("replica-b", LEASE);
    scenario.createPlugin("kms", r -> r.setPageSize(100));
    scenario.createPlugin("kms-svm", r -> r.setMigrator("Auto"));
    scenario.createPlugin("kms-widgets", r -> r.setResources(List.of("widgets.example.com")));
    KmsPlugin bad = Fixtures.plugin("bad", scenario.daemons.port());
    bad.getSpec().getKmaas().setUrl("http://kmaas.example:3000");
    scenario.client.resource(bad).create();
    for (String name : List.of("kms", "kms-svm", "kms-widgets")) {
      scenario.awaitKeyId(name, OLD);
    }
    String before = configHash("kms");
    PluginEdits.edit(
        scenario.client,
        "kms",
        p -> {
          p.getSpec().getKmaas().setUrl("https://kmaas-2.example:3000");
          return p;
        });
    await().atMost(WAIT).until(() -> !configHash("kms").equals(before));
    // someone lets the daemon's ServiceAccount mount a token: the operator puts it back
    String account = Fixtures.awaitDaemonSet(scenario.client, "kms").getMetadata().getName();
    scenario
        .client
        .serviceAccounts()
        .inNamespace(Fixtures.NS)
        .withName(account)
        .edit(
            sa -> {
              sa.setAutomountServiceAccountToken(true);
              return sa;
            });
    await()
        .atMost(WAIT)
        .until(
            () ->
                Boolean.FALSE.equals(
                    scenario
                        .client
                        .serviceAccounts()
                        .inNamespace(Fixtures.NS)
                        .withName(account)
                        .get()
                        .getAutomountServiceAccountToken()));

    scenario.rotate();
    playTheStorageVersionMigrator();

    scenario.awaitPhase("kms", "Completed");
    scenario.awaitPhase("kms-svm", "Completed");
    scenario.awaitPhase("kms-widgets", "Failed");
    assertThat(scenario.rotation("kms-widgets").getMessage())
        .contains("widgets.example.com: listing failed: HTTP 403");
    assertThat(Fixtures.condition(scenario.plugin("bad"), "Degraded").getReason())
        .isEqualTo("InvalidSpec");
    assertThat(scenario.client.v1().events().inNamespace(Fixtures.NS).list().getItems())
        .isNotEmpty();

    List<ApiRequest> requests =
        api.calls().stream().filter(RbacIT::isOperator).map(ApiRequest::of).toList();
    Set<String> used = permissions(requests);
    Set<String> refused =
        permissions(
            api.calls().stream()
                .filter(c -> isOperator(c) && c.code() == 403)
                .map(ApiRequest::of)
                .toList());
    assertThat(refused).as("operator requests the role does not allow").isEqualTo(REFUSED);
    Set<String> notGranted =
        requests.stream()
            .filter(r -> !asKubernetesDecides.allows(r))
            .map(ApiRequest::permission)
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(notGranted).isEqualTo(REFUSED);

    Set<String> unused = new TreeSet<>(role.permissions());
    unused.removeAll(used);
    assertThat(unused)
        .as("granted but never used (used: %s)", used)
        .isEqualTo(new TreeSet<>(GRANTED_BUT_NOT_SEEN.keySet()));
    DaemonSet ds = Fixtures.awaitDaemonSet(scenario.client, "kms");
    String name = ds.getMetadata().getName();
    List<HasMetadata> dependents =
        List.of(
            ds,
            scenario.client.configMaps().inNamespace(Fixtures.NS).withName(name).get(),
            scenario.client.serviceAccounts().inNamespace(Fixtures.NS).withName(name).get());
    for (HasMetadata dependent : dependents) {
      assertThat(dependent.getMetadata().getOwnerReferences())
          .as("%s: owner references (blockOwnerDeletion would need kmsplugins/finalizers)", name)
          .singleElement()
          .satisfies(ref -> assertThat(ref.getBlockOwnerDeletion()).isNotEqualTo(Boolean.TRUE));
    }
  }

  /** Kubernetes' storage version migrator: marks every StorageVersionMigration Succeeded. */
  private void playTheStorageVersionMigrator() {
    ResourceDefinitionContext svm =
        new ResourceDefinitionContext.Builder()
            .withGroup(StorageMigrationApi.GROUP)
            .withVersion("v1beta1")
            .withKind(StorageMigrationApi.KIND)
            .withPlural(StorageMigrationApi.PLURAL)
            .withNamespaced(false)
            .build();
    GenericKubernetesResource migration =
        await()
            .atMost(WAIT)
            .until(
                () -> scenario.client.genericKubernetesResources(svm).list().getItems(),
                items -> !items.isEmpty())
            .get(0);
    scenario
        .client
        .genericKubernetesResources(svm)
        .withName(migration.getMetadata().getName())
        .edit(
            m -> {
              m.setAdditionalProperty(
                  "status",
                  Map.of("conditions", List.of(Map.of("type", "Succeeded", "status", "True"))));
              return m;
            });
  }

  private String configHash(String plugin) {
    Map<String, String> annotations =
        Fixtures.awaitDaemonSet(scenario.client, plugin)
            .getSpec()
            .getTemplate()
            .getMetadata()
            .getAnnotations();
    return annotations == null ? "" : annotations.getOrDefault("kms.sds.dev/config-hash", "");
  }

  /**
   * Permissions of resource requests and of non-resource requests outside what every user may do
   * (discovery): the role is about the former.
   */
  private Set<String> permissions(List<ApiRequest> requests) {
    return requests.stream()
        .filter(r -> r.isResourceRequest() || !EVERY_USER.allows(r))
        .map(ApiRequest::permission)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static boolean isOperator(ApiCall call) {
    return call.userAgent() != null && call.userAgent().startsWith("replica-");
  }
}
