package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.dependent.ReconcileResult;
import io.javaoperatorsdk.operator.processing.dependent.kubernetes.CRUDKubernetesDependentResource;

/**
 * Decides that a dependent of a paused KmsPlugin ({@code spec.paused: true}) is neither created,
 * updated nor deleted: while paused the operator changes nothing in the cluster.
 *
 * <p>Both halves matter. JOSDK deletes a dependent whose reconcile precondition is not met; were
 * {@link NotPausedCondition} used as a precondition without the {@link #delete} guard, pausing
 * would delete the DaemonSet and take the KMS plugin off every control-plane node, and
 * kube-apiserver could no longer decrypt. Removal of the KmsPlugin itself is left to Kubernetes'
 * garbage collection through the owner references.
 */
public abstract class PauseAwareDependentResource<R extends HasMetadata>
    extends CRUDKubernetesDependentResource<R, KmsPlugin> {

  protected PauseAwareDependentResource(Class<R> resourceType) {
    super(resourceType);
  }

  @Override
  public ReconcileResult<R> reconcile(KmsPlugin primary, Context<KmsPlugin> context) {
    if (SpecDefaults.paused(primary)) {
      return ReconcileResult.noOperation(getSecondaryResource(primary, context).orElse(null));
    }
    return super.reconcile(primary, context);
  }

  @Override
  public void delete(KmsPlugin primary, Context<KmsPlugin> context) {
    if (SpecDefaults.paused(primary)) {
      return;
    }
    super.delete(primary, context);
  }
}
