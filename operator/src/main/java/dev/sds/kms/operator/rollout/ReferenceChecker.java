package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.rollout.References.Kind;
import dev.sds.kms.operator.rollout.References.Reference;
import dev.sds.kms.operator.status.SpecProblem;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides whether the Secrets and ConfigMaps a KmsPlugin references exist and hold the keys the
 * daemon needs. A daemon pod whose projected volume names a missing object or key never starts
 * ({@code ContainerCreating}), so the operator reports it instead, as {@code SecretNotFound},
 * {@code ConfigMapNotFound}, {@code SecretKeyMissing} or {@code ConfigMapKeyMissing}. Messages name
 * the object, the key and the spec field, never a value.
 */
public final class ReferenceChecker {

  public static final String SECRET_NOT_FOUND = "SecretNotFound";
  public static final String CONFIG_MAP_NOT_FOUND = "ConfigMapNotFound";
  public static final String SECRET_KEY_MISSING = "SecretKeyMissing";
  public static final String CONFIG_MAP_KEY_MISSING = "ConfigMapKeyMissing";

  private final ReferenceLookup lookup;

  public ReferenceChecker(ReferenceLookup lookup) {
    this.lookup = lookup;
  }

  /**
   * Every missing object or key, in the order of {@link References#of}; empty when all is there.
   */
  public List<SpecProblem> check(KmsPlugin plugin) {
    String namespace = plugin.getMetadata().getNamespace();
    List<SpecProblem> problems = new ArrayList<>();
    for (Reference reference : References.of(plugin)) {
      String object = reference.kind().display() + " " + namespace + "/" + reference.name();
      Optional<ReferenceLookup.Referenced> found =
          reference.kind() == Kind.SECRET
              ? lookup.secret(namespace, reference.name())
              : lookup.configMap(namespace, reference.name());
      if (found.isEmpty()) {
        problems.add(
            new SpecProblem(
                reference.kind() == Kind.SECRET ? SECRET_NOT_FOUND : CONFIG_MAP_NOT_FOUND,
                object + " not found (" + reference.nameField() + ")"));
        continue;
      }
      for (String key : reference.keys()) {
        if (!found.get().keys().contains(key)) {
          problems.add(
              new SpecProblem(
                  reference.kind() == Kind.SECRET ? SECRET_KEY_MISSING : CONFIG_MAP_KEY_MISSING,
                  object + " has no key \"" + key + "\" (" + reference.keyField() + ")"));
        }
      }
    }
    return problems;
  }
}
