package dev.sds.kms.operator.migration;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupList;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.APIResourceList;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Resolves {@code spec.rotation.resources} entries ({@code secrets}, {@code widgets.example.com})
 * through API discovery. One instance per migration run: discovery answers are cached for its
 * lifetime, so a run sees one consistent picture and asks the API server once per group.
 */
public final class MigrationTargetResolver {
  private static final String CORE_GROUP_VERSION = "v1";

  private final KubernetesClient client;
  private final Map<String, MigrationTarget> targets = new ConcurrentHashMap<>();
  private final Map<String, APIResourceList> resourceLists = new ConcurrentHashMap<>();
  private volatile APIGroupList groups;

  public MigrationTargetResolver(KubernetesClient client) {
    this.client = client;
  }

  /**
   * The target for one entry.
   *
   * @throws UnknownResourceException when the cluster does not serve it or it cannot be listed and
   *     updated
   */
  public MigrationTarget resolve(String resource) {
    return targets.computeIfAbsent(resource, this::discover);
  }

  private MigrationTarget discover(String resource) {
    int dot = resource.indexOf('.');
    String plural = dot < 0 ? resource : resource.substring(0, dot);
    String group = dot < 0 ? "" : resource.substring(dot + 1);
    if (plural.isEmpty()) {
      throw new UnknownResourceException(resource, "is not a resource name");
    }
    String groupVersion =
        group.isEmpty() ? CORE_GROUP_VERSION : preferredGroupVersion(resource, group);
    APIResource found =
        resources(groupVersion).stream()
            .filter(r -> plural.equals(r.getName()))
            .findFirst()
            .orElseThrow(
                () ->
                    new UnknownResourceException(
                        resource, "is not served by the cluster (not in " + groupVersion + ")"));
    List<String> verbs = found.getVerbs();
    if (verbs != null
        && !verbs.isEmpty()
        && !(verbs.contains("list") && verbs.contains("update"))) {
      throw new UnknownResourceException(
          resource, "cannot be rewritten: it has no list or update verb");
    }
    String version = groupVersion.substring(groupVersion.indexOf('/') + 1);
    return new MigrationTarget(
        resource,
        group,
        version,
        found.getKind(),
        plural,
        Boolean.TRUE.equals(found.getNamespaced()));
  }

  private String preferredGroupVersion(String resource, String group) {
    APIGroup apiGroup =
        groups().getGroups().stream()
            .filter(g -> group.equals(g.getName()))
            .findFirst()
            .orElseThrow(
                () ->
                    new UnknownResourceException(
                        resource, "is not served by the cluster (no API group " + group + ")"));
    if (apiGroup.getPreferredVersion() != null
        && apiGroup.getPreferredVersion().getGroupVersion() != null) {
      return apiGroup.getPreferredVersion().getGroupVersion();
    }
    return apiGroup.getVersions().stream()
        .findFirst()
        .map(v -> v.getGroupVersion())
        .orElseThrow(
            () -> new UnknownResourceException(resource, "has no served version in " + group));
  }

  private APIGroupList groups() {
    APIGroupList current = groups;
    if (current == null) {
      current = Optional.ofNullable(client.getApiGroups()).orElseGet(APIGroupList::new);
      groups = current;
    }
    return current;
  }

  private List<APIResource> resources(String groupVersion) {
    APIResourceList list =
        resourceLists.computeIfAbsent(
            groupVersion,
            gv -> Optional.ofNullable(client.getApiResources(gv)).orElseGet(APIResourceList::new));
    return list.getResources() == null ? List.of() : list.getResources();
  }
}
