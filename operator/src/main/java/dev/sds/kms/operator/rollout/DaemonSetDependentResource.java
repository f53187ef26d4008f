package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.javaoperatorsdk.operator.api.reconciler.Context;

/**
 * The daemon's DaemonSet, as {@link DesiredDaemonSet} decides it, with the resourceVersions of the
 * referenced Secrets and ConfigMaps looked up through {@link #referenceLookup}.
 */
public class DaemonSetDependentResource extends PauseAwareDependentResource<DaemonSet> {

  public DaemonSetDependentResource() {
    super(DaemonSet.class);
  }

  @Override
  protected DaemonSet desired(KmsPlugin primary, Context<KmsPlugin> context) {
    return DesiredDaemonSet.of(primary, referenceLookup(context));
  }

  /**
   * How referenced objects are found: a GET each through the API. Override to read an informer
   * cache instead. Note that only a reconcile (an event or a reschedule) re-reads them: watch
   * Secrets and ConfigMaps, or reschedule, for a changed API key to roll the pods promptly.
   */
  protected ReferenceLookup referenceLookup(Context<KmsPlugin> context) {
    return ReferenceLookup.using(context.getClient());
  }
}
