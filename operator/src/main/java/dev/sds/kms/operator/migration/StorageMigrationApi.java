package dev.sds.kms.operator.migration;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code storagemigration.k8s.io} API: kube-controller-manager's storage version migrator
 * rewrites a resource for us when the cluster serves it (v1beta1 since Kubernetes 1.35, v1alpha1
 * behind a feature gate before). One {@code StorageVersionMigration} per plugin, resource and
 * target key id.
 */
public final class StorageMigrationApi {
  public static final String GROUP = "storagemigration.k8s.io";
  public static final String KIND = "StorageVersionMigration";
  public static final String PLURAL = "storageversionmigrations";
  private static final List<String> KNOWN_VERSIONS = List.of("v1beta1", "v1alpha1");
  private static final int MAX_NAME = 253;

  /** What the migrator says about one StorageVersionMigration. */
  public enum Phase {
    /** Created, no condition yet. */
    PENDING,
    RUNNING,
    SUCCEEDED,
    FAILED,
    /** Not there (deleted, or never created). */
    MISSING
  }

  /** Phase plus the message of the deciding condition. */
  public record State(Phase phase, String message) {}

  private final KubernetesClient client;
  private final String version;

  private StorageMigrationApi(KubernetesClient client, String version) {
    this.client = client;
    this.version = version;
  }

  /**
   * The API as this cluster serves it (v1beta1 preferred over v1alpha1), or empty when it does not.
   */
  public static Optional<StorageMigrationApi> detect(KubernetesClient client) {
    List<APIGroup> groups =
        Optional.ofNullable(client.getApiGroups()).map(list -> list.getGroups()).orElse(List.of());
    return groups.stream()
        .filter(g -> GROUP.equals(g.getName()))
        .findFirst()
        .flatMap(StorageMigrationApi::knownVersion)
        .map(v -> new StorageMigrationApi(client, v));
  }

  private static Optional<String> knownVersion(APIGroup group) {
    List<String> served =
        group.getVersions() == null
            ? List.of()
            : group.getVersions().stream().map(GroupVersionForDiscovery::getVersion).toList();
    return KNOWN_VERSIONS.stream().filter(served::contains).findFirst();
  }

  public String version() {
    return version;
  }

  /** {@code <plugin>-<resource>-<10 hex digits of SHA-256(toKeyId)>}, a valid object name. */
  public static String migrationName(String plugin, String resource, String toKeyId) {
    String hash = sha256Hex(toKeyId).substring(0, 10);
    String base = (plugin + "-" + resource).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9.-]", "-");
    int room = MAX_NAME - hash.length() - 1;
    if (base.length() > room) {
      base = base.substring(0, room);
    }
    return base + "-" + hash;
  }

  /**
   * Creates the StorageVersionMigration of {@code target} for {@code toKeyId}; one that already
   * exists is left alone.
   *
   * @return its name
   */
  public String create(String plugin, MigrationTarget target, String toKeyId) {
    String name = migrationName(plugin, target.resource(), toKeyId);
    Map<String, Object> resource = new LinkedHashMap<>();
    resource.put("group", target.group());
    if ("v1alpha1".equals(version)) {
      resource.put("version", target.version());
    }
    resource.put("resource", target.plural());
    GenericKubernetesResource migration =
        new GenericKubernetesResourceBuilder()
            .withApiVersion(GROUP + "/" + version)
            .withKind(KIND)
            .withNewMetadata()
            .withName(name)
            .addToLabels("app.kubernetes.io/managed-by", "kms-operator")
            .endMetadata()
            .addToAdditionalProperties("spec", Map.of("resource", resource))
            .build();
    try {
      client.genericKubernetesResources(context()).resource(migration).create();
    } catch (KubernetesClientException e) {
      if (e.getCode() != 409) {
        throw e;
      }
    }
    return name;
  }

  /** Reads the conditions of one StorageVersionMigration. */
  public State state(String name) {
    GenericKubernetesResource migration =
        client.genericKubernetesResources(context()).withName(name).get();
    if (migration == null) {
      return new State(Phase.MISSING, null);
    }
    List<Map<String, Object>> conditions = conditions(migration);
    for (Phase phase : List.of(Phase.FAILED, Phase.SUCCEEDED, Phase.RUNNING)) {
      String type = phase.name().charAt(0) + phase.name().substring(1).toLowerCase(Locale.ROOT);
      Optional<Map<String, Object>> condition =
          conditions.stream()
              .filter(c -> type.equals(c.get("type")) && "True".equals(c.get("status")))
              .findFirst();
      if (condition.isPresent()) {
        Object message = condition.get().get("message");
        return new State(phase, message == null ? null : message.toString());
      }
    }
    return new State(Phase.PENDING, null);
  }

  private ResourceDefinitionContext context() {
    return new ResourceDefinitionContext.Builder()
        .withGroup(GROUP)
        .withVersion(version)
        .withKind(KIND)
        .withPlural(PLURAL)
        .withNamespaced(false)
        .build();
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> conditions(GenericKubernetesResource migration) {
    Object status = migration.getAdditionalProperties().get("status");
    if (!(status instanceof Map<?, ?> statusMap)) {
      return List.of();
    }
    Object conditions = statusMap.get("conditions");
    if (!(conditions instanceof List<?> list)) {
      return List.of();
    }
    return list.stream().filter(Map.class::isInstance).map(c -> (Map<String, Object>) c).toList();
  }

  private static String sha256Hex(String value) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
