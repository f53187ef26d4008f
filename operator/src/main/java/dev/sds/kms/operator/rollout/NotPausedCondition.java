package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.DependentResource;
import io.javaoperatorsdk.operator.processing.dependent.workflow.Condition;

/**
 * Decides whether the operator may change the dependents: false while {@code spec.paused} is true.
 *
 * <p>As a JOSDK reconcile precondition, a false condition makes the workflow <em>delete</em> a
 * deletable dependent. Use it only on dependents that guard against that, as every {@link
 * PauseAwareDependentResource} does; those dependents already skip their work while paused, so the
 * precondition only makes the pause visible in the workflow result.
 */
public class NotPausedCondition<R> implements Condition<R, KmsPlugin> {

  @Override
  public boolean isMet(
      DependentResource<R, KmsPlugin> dependentResource,
      KmsPlugin primary,
      Context<KmsPlugin> context) {
    return !SpecDefaults.paused(primary);
  }
}
