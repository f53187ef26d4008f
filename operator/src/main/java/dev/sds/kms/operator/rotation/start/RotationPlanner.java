package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginStatus;
import dev.sds.kms.operator.crd.v1alpha1.NodeStatus;
import dev.sds.kms.operator.crd.v1alpha1.PlannedResource;
import dev.sds.kms.operator.crd.v1alpha1.RotationPlan;
import dev.sds.kms.operator.migration.MigrationTarget;
import dev.sds.kms.operator.migration.MigrationTargetResolver;
import dev.sds.kms.operator.migration.UnknownResourceException;
import dev.sds.kms.operator.status.Conditions;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What the next rotation would do, for {@code spec.rotation.dryRun}: which rotator, what it asks of
 * the key service, which nodes' daemons restart (one at a time, in node order), and how many
 * objects per resource the migration would rewrite (counted now by a paged LIST; nothing is
 * written).
 */
public final class RotationPlanner {
  static final long PAGE = 500;

  public RotationPlan plan(
      KmsPlugin plugin,
      KmsPluginStatus next,
      KekRotator rotator,
      List<String> resources,
      StartDecision decision,
      KubernetesClient client,
      Instant now) {
    List<String> nodes = new ArrayList<>();
    if (rotator.rollsDaemons() && next.getNodes() != null) {
      next.getNodes().stream()
          .map(NodeStatus::getNodeName)
          .filter(Objects::nonNull)
          .sorted(Comparator.naturalOrder())
          .forEach(nodes::add);
    }
    List<PlannedResource> objects = new ArrayList<>();
    List<String> parts = new ArrayList<>();
    MigrationTargetResolver resolver = new MigrationTargetResolver(client);
    for (String resource : resources) {
      Long count = count(resolver, resource, client);
      objects.add(new PlannedResource().withResource(resource).withObjects(count));
      parts.add(count == null ? resource + ": cannot be listed" : count + " " + resource);
    }
    RotationPlan plan =
        new RotationPlan()
            .withComputedAt(Conditions.timestamp(now))
            .withTrigger(decision.trigger())
            .withRotator(rotator.kind())
            .withFromKeyId(next.getRotation() == null ? null : next.getRotation().getToKeyId())
            .withKmaasAction(rotator.rollsDaemons() ? null : rotator.describe(plugin))
            .withRollingNodes(nodes.isEmpty() ? null : nodes)
            .withObjects(objects);
    decision.request().ifPresent(r -> plan.withRequestedBy(r.requestedBy()).withToken(r.token()));
    plan.setMessage(
        "the next rotation ("
            + rotator.kind()
            + ") would "
            + rotator.describe(plugin)
            + (nodes.isEmpty() ? "" : " (nodes in order: " + String.join(", ", nodes) + ")")
            + ", then rewrite "
            + String.join(", ", parts));
    return plan;
  }

  /** Objects of {@code resource} now, or {@code null} when it cannot be listed. */
  private static Long count(
      MigrationTargetResolver resolver, String resource, KubernetesClient client) {
    try {
      MigrationTarget target = resolver.resolve(resource);
      MixedOperation<
              GenericKubernetesResource,
              GenericKubernetesResourceList,
              Resource<GenericKubernetesResource>>
          objects = client.genericKubernetesResources(target.context());
      long count = 0;
      String token = null;
      do {
        var options = new ListOptionsBuilder().withLimit(PAGE).withContinue(token).build();
        GenericKubernetesResourceList page =
            target.namespaced() ? objects.inAnyNamespace().list(options) : objects.list(options);
        count += page.getItems().size();
        token = page.getMetadata() == null ? null : page.getMetadata().getContinue();
      } while (token != null && !token.isEmpty());
      return count;
    } catch (UnknownResourceException | KubernetesClientException e) {
      return null;
    }
  }
}
