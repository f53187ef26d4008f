package dev.sds.kms.plugin.kmaas.engine;

import java.time.Instant;

/**
 * Public facts about one KEK, for listing. Never carries key bytes.
 *
 * @param id the KEK id, e.g. {@code kek-20261124T054715Z-3f9a1c0b}
 * @param created when it was created
 * @param active whether it is the tenant's active (newest) KEK, used for new encryptions
 * @param disabled whether it was disabled (retired): it neither encrypts nor decrypts
 */
public record KekInfo(String id, Instant created, boolean active, boolean disabled) {

  /** A KEK that is not disabled. */
  public KekInfo(String id, Instant created, boolean active) {
    this(id, created, active, false);
  }
}
