package dev.sds.kms.operator.rotation;

import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What the reconciler observed in this reconciliation: everything {@link RotationStateMachine}
 * decides from, besides the previous {@code status.rotation}.
 *
 * @param currentKeyId the key id every ready node reports, or {@code null} when they disagree or
 *     none is ready
 * @param readyNodeKeyIds the distinct key ids the ready nodes report
 * @param allReadyNodesAgree at least one node is ready and every ready node reports {@code
 *     currentKeyId}
 * @param apiserversSeeNewKey whether every kube-apiserver's latest key id (from its metrics) is
 *     {@code currentKeyId}; empty when the metrics cannot be read, and then only the nodes and the
 *     convergence delay count
 * @param migration the state of the migration toward {@code status.rotation.toKeyId}
 * @param spec {@code spec.rotation}; {@code null} and {@code null} fields mean the defaults
 *     (Automatic, 5m)
 * @param now the time of this reconciliation
 * @param previousKnownKeyId the key id the operator recorded as current before this reconciliation
 *     ({@code status.currentKeyId} of the previous status, else the newest {@code
 *     history[].toKeyId}), or {@code null}; used only while {@code status.rotation} has no {@code
 *     toKeyId} yet
 * @param history {@code status.history} before this reconciliation, newest first
 */
public record RotationInputs(
    String currentKeyId,
    Set<String> readyNodeKeyIds,
    boolean allReadyNodesAgree,
    Optional<Boolean> apiserversSeeNewKey,
    MigrationState migration,
    RotationSpec spec,
    Instant now,
    String previousKnownKeyId,
    List<RotationRecord> history) {

  public RotationInputs {
    readyNodeKeyIds =
        Objects.requireNonNullElse(readyNodeKeyIds, Set.<String>of()).stream()
            .filter(Objects::nonNull)
            .collect(Collectors.toUnmodifiableSet());
    apiserversSeeNewKey = Objects.requireNonNullElse(apiserversSeeNewKey, Optional.empty());
    migration = Objects.requireNonNullElse(migration, MigrationState.notStarted());
    spec = Objects.requireNonNullElse(spec, new RotationSpec());
    Objects.requireNonNull(now, "now");
    history =
        Objects.requireNonNullElse(history, List.<RotationRecord>of()).stream()
            .filter(Objects::nonNull)
            .toList();
  }
}
