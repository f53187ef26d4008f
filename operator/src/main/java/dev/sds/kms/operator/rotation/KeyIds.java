package dev.sds.kms.operator.rotation;

import dev.sds.kms.operator.crd.v1alpha1.RotationRecord;
import dev.sds.kms.operator.crd.v1alpha1.RotationStatus;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Sorts the key ids the nodes report into current, old (seen before: a flip-flop if reported again)
 * and new (a rotation), from the rotation status and the history.
 */
final class KeyIds {

  /** History phase of a rotation abandoned because a newer key id appeared. */
  static final String SUPERSEDED = "Superseded";

  private final String current;
  private final Set<String> thisRotation;
  private final Set<String> old;

  private KeyIds(String current, Set<String> thisRotation, Set<String> old) {
    this.current = current;
    this.thisRotation = thisRotation;
    this.old = old;
  }

  /**
   * @param current the key id the rotation is at or heading to ({@code toKeyId}), or the last known
   *     one when the status has none
   */
  static KeyIds of(
      RotationStatus status, RotationPhase phase, List<RotationRecord> history, String current) {
    Set<String> thisRotation = new LinkedHashSet<>();
    if (inRotation(phase) && status.getFromKeyId() != null) {
      thisRotation.add(status.getFromKeyId());
      for (RotationRecord r : history) {
        if (!SUPERSEDED.equals(r.getPhase()) || !status.getFromKeyId().equals(r.getFromKeyId())) {
          break;
        }
        thisRotation.add(r.getToKeyId());
      }
    }
    Set<String> old = new LinkedHashSet<>(thisRotation);
    old.add(status.getFromKeyId());
    if (status.getRetirableKeyIds() != null) {
      old.addAll(status.getRetirableKeyIds());
    }
    for (RotationRecord r : history) {
      old.add(r.getFromKeyId());
      old.add(r.getToKeyId());
    }
    old.remove(null);
    old.remove(current);
    thisRotation.remove(current);
    return new KeyIds(current, thisRotation, old);
  }

  private static boolean inRotation(RotationPhase phase) {
    return phase != RotationPhase.Idle && phase != RotationPhase.Completed;
  }

  /**
   * Reported key ids seen before and not expected now. While Detected, the key ids of this rotation
   * (its {@code fromKeyId}, superseded targets) are expected on nodes that have not yet caught up.
   */
  SortedSet<String> flipFlops(Set<String> reported, RotationPhase phase) {
    SortedSet<String> result = new TreeSet<>();
    for (String id : reported) {
      boolean expected = phase == RotationPhase.Detected && thisRotation.contains(id);
      if (old.contains(id) && !expected) {
        result.add(id);
      }
    }
    return result;
  }

  /** Reported key ids never seen before: the newest one becomes the rotation's target. */
  SortedSet<String> unseen(Set<String> reported) {
    SortedSet<String> result = new TreeSet<>();
    for (String id : reported) {
      if (id != null && !id.equals(current) && !old.contains(id)) {
        result.add(id);
      }
    }
    return result;
  }

  /**
   * Key ids that no object uses after a completed migration to {@code current}: this rotation's,
   * then the retirable ones before, then the rest of the history, newest first, at most {@code
   * max}.
   */
  List<String> retirable(int max) {
    List<String> result = new ArrayList<>(old);
    return result.size() > max ? List.copyOf(result.subList(0, max)) : List.copyOf(result);
  }
}
