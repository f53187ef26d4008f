package dev.sds.kms.operator.status;

import java.time.Instant;

/**
 * What one daemon's {@code /status} said, or why it could not be read.
 *
 * @param pod the pod asked
 * @param reachable whether {@code /status} answered with the documented JSON
 * @param healthz the daemon's healthz ({@code "ok"} or its reason); {@code null} when unreachable
 * @param keyId the daemon's key_id; {@code null} when unreachable
 * @param checkedAt when the operator asked
 * @param error why it could not be read (short, secret-free); {@code null} when reachable
 */
public record DaemonReport(
    DaemonPod pod,
    boolean reachable,
    String healthz,
    String keyId,
    Instant checkedAt,
    String error) {

  public boolean healthy() {
    return reachable && "ok".equals(healthz);
  }
}
