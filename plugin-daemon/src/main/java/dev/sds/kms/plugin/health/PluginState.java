package dev.sds.kms.plugin.health;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What Status, {@code /readyz} and {@code /status} report, kept fresh by {@link KmaasHealthCheck}
 * and by Encrypt results, and read without any remote call.
 *
 * <p>The key_id only moves forward: once KMaaS has reported a newer active KEK, an older one
 * reported again is refused (kube-apiserver must never see key_id flip-flop A→B→A).
 */
public final class PluginState {
  private static final Logger LOG = LoggerFactory.getLogger(PluginState.class);
  private static final int MAX_REMEMBERED_KEKS = 64;

  /**
   * One consistent view.
   *
   * @param healthz {@code "ok"} or a short reason
   * @param keyId current key_id ({@code ""} until KMaaS has been reached once)
   * @param kekId KMaaS id of the active KEK ({@code ""} until known)
   * @param lastCheckTime last background check, successful or not ({@code null}: none yet)
   * @param lastSuccessTime last successful check ({@code null}: none yet)
   */
  public record Snapshot(
      String healthz, String keyId, String kekId, Instant lastCheckTime, Instant lastSuccessTime) {

    public boolean healthy() {
      return HEALTHY.equals(healthz);
    }
  }

  /** The value of {@code healthz} that kube-apiserver takes as healthy. */
  public static final String HEALTHY = "ok";

  private final Clock clock;
  private final List<Consumer<String>> keyIdListeners = new CopyOnWriteArrayList<>();
  private final Set<String> supersededKekIds = new LinkedHashSet<>();
  private volatile Snapshot snapshot = new Snapshot("KMaaS not checked yet", "", "", null, null);

  public PluginState(Clock clock) {
    this.clock = clock;
  }

  public Snapshot current() {
    return snapshot;
  }

  /** Called with the new key_id whenever it changes. */
  public void onKeyIdChange(Consumer<String> listener) {
    keyIdListeners.add(listener);
  }

  /** A background check reached KMaaS and saw {@code kekId} active. */
  public void recordCheckSuccess(String kekId, String keyId) {
    Instant now = clock.instant();
    synchronized (this) {
      boolean accepted = advanceTo(kekId, keyId);
      Snapshot s = snapshot;
      String healthz =
          accepted
              ? HEALTHY
              : "KMaaS reports KEK " + kekId + " active again after " + s.kekId() + " (refused)";
      snapshot =
          new Snapshot(healthz, s.keyId(), s.kekId(), now, accepted ? now : s.lastSuccessTime());
    }
  }

  /** A background check failed; {@code reason} is a short, secret-free sentence. */
  public void recordCheckFailure(String reason) {
    Instant now = clock.instant();
    synchronized (this) {
      Snapshot s = snapshot;
      snapshot = new Snapshot(reason, s.keyId(), s.kekId(), now, s.lastSuccessTime());
    }
  }

  /**
   * An Encrypt was wrapped under {@code kekId}. Returns true when that is (now) the current KEK, so
   * the response's key_id equals what Status reports; false when it is an older, superseded KEK.
   */
  public boolean acceptEncryptKek(String kekId, String keyId) {
    synchronized (this) {
      return advanceTo(kekId, keyId);
    }
  }

  private boolean advanceTo(String kekId, String keyId) {
    Objects.requireNonNull(kekId, "kekId");
    Snapshot s = snapshot;
    if (kekId.equals(s.kekId()) && keyId.equals(s.keyId())) {
      return true;
    }
    if (supersededKekIds.contains(kekId)) {
      LOG.warn(
          "KMaaS reported KEK {} as active after {}; keeping key_id {} (it must not flip-flop)",
          kekId,
          s.kekId(),
          s.keyId());
      return false;
    }
    if (!s.kekId().isEmpty() && !s.kekId().equals(kekId)) {
      remember(s.kekId());
    }
    snapshot = new Snapshot(s.healthz(), keyId, kekId, s.lastCheckTime(), s.lastSuccessTime());
    if (s.keyId().isEmpty()) {
      LOG.info("key_id is {}", keyId);
    } else {
      LOG.info(
          "key_id changed from {} to {} (KMaaS active KEK is now {})", s.keyId(), keyId, kekId);
    }
    keyIdListeners.forEach(listener -> listener.accept(keyId));
    return true;
  }

  private void remember(String kekId) {
    supersededKekIds.add(kekId);
    if (supersededKekIds.size() > MAX_REMEMBERED_KEKS) {
      List<String> ids = new ArrayList<>(supersededKekIds);
      supersededKekIds.remove(ids.get(0));
    }
  }
}
