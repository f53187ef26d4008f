package dev.sds.kms.operator.status;

/**
 * Why the rollout cannot go on as asked: a spec the API server accepted but the operator cannot
 * use, or a referenced object that is missing. Becomes {@code Degraded=True} with this reason.
 *
 * @param reason CamelCase, e.g. {@code SecretNotFound}, {@code InvalidSpec}, {@code
 *     NoMatchingNodes}
 * @param message one sentence a person can act on; never a secret value
 */
public record SpecProblem(String reason, String message) {}
