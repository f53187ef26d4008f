package dev.sds.kms.operator.migration;

import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Objects;

/**
 * A resource to rewrite, as the API server serves it.
 *
 * @param resource the entry of {@code spec.rotation.resources} it came from ({@code secrets},
 *     {@code widgets.example.com})
 * @param group API group; empty for the core group
 * @param version the group's preferred version
 * @param kind kind of one object
 * @param plural plural name in URLs
 * @param namespaced whether objects live in namespaces
 */
public record MigrationTarget(
    String resource, String group, String version, String kind, String plural, boolean namespaced) {

  public MigrationTarget {
    Objects.requireNonNull(resource, "resource");
    group = group == null ? "" : group;
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(plural, "plural");
  }

  /** {@code v1} for the core group, {@code group/version} otherwise. */
  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** What fabric8's generic client needs to address the objects. */
  public ResourceDefinitionContext context() {
    return new ResourceDefinitionContext.Builder()
        .withGroup(group)
        .withVersion(version)
        .withKind(kind)
        .withPlural(plural)
        .withNamespaced(namespaced)
        .build();
  }
}
