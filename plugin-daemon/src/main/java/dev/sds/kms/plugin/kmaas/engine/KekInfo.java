package dev.sds.kms.plugin.kmaas.engine;

import java.time.Instant;

/**
 * Public facts about one KEK, for listing. Never carries key bytes.
 *
 * @param id the KEK id, e.g. {@code kek-20261124T054715Z-3f9a1c0b}
 * @param created when it was created
 * @param active whether it is the tenant's active (newest) KEK, used for new encryptions
 */
public record KekInfo(String id, Instant created, boolean active) {}
