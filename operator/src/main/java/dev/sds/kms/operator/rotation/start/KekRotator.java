package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.rotation.start.KmaasAdminApi.KmaasAdminException;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;

/**
 * Starts a KEK rotation. The rotation itself (daemons report a new key id, convergence, migration)
 * is then followed by the rotation state machine like one started by anyone else.
 */
public interface KekRotator {

  /** {@code AdminApi} or {@code SeedOnly}, as written to {@code status.rotation.lastStart}. */
  String kind();

  /** One line for a plan: what starting would ask of the key service or the daemons. */
  String describe(KmsPlugin plugin);

  /** Whether starting rolls the daemon pods (one node at a time). */
  boolean rollsDaemons();

  /**
   * Starts a rotation of {@code plugin}'s KEK.
   *
   * @return what was started
   * @throws KmaasAdminException with a one-line message when it could not start
   */
  Started start(KmsPlugin plugin, KubernetesClient client, Instant now) throws KmaasAdminException;

  /**
   * @param kekId the new active KEK (AdminApi), or {@code null}
   * @param seedSuffix the new key id suffix (SeedOnly), or {@code null}
   * @param message one line for the status and the Event
   */
  record Started(String kekId, String seedSuffix, String message) {}
}
