package dev.sds.kms.plugin.kmaas.embedded;

import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasDescription;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.WrapResult;
import dev.sds.kms.plugin.kmaas.engine.EngineException;
import dev.sds.kms.plugin.kmaas.engine.EngineResult;
import dev.sds.kms.plugin.kmaas.engine.KekStore;
import dev.sds.kms.plugin.kmaas.engine.KmaasEngine;
import io.grpc.Deadline;
import java.nio.file.Path;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KMaaS logic in-process, for development and demos: KEKs live in a local 0600 state file (see
 * {@link KekStore}), so restarts can still decrypt. Not for production: whoever can read the file
 * has the KEKs.
 *
 * <p>The constructor creates the tenant's first KEK (and the state file) when missing, and fails
 * with {@link IllegalStateException} (message names the file) when the state file cannot be read or
 * written, so a daemon stops at start-up instead of failing every call.
 */
public final class EmbeddedKmaasClient implements KmaasClient {
  private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKmaasClient.class);

  private final KmaasEngine engine;
  private final String tenant;

  /** Uses {@code settings.stateFile()} and {@code settings.tenant()}. */
  public EmbeddedKmaasClient(KmaasSettings settings) {
    this(
        Objects.requireNonNull(settings.stateFile(), "settings.stateFile"),
        Objects.requireNonNull(settings.tenant(), "settings.tenant"));
  }

  public EmbeddedKmaasClient(Path stateFile, String tenant) {
    Objects.requireNonNull(stateFile, "stateFile");
    Objects.requireNonNull(tenant, "tenant");
    if (!KekStore.isValidTenant(tenant)) {
      throw new IllegalArgumentException("invalid KMaaS tenant name");
    }
    this.tenant = tenant;
    this.engine = new KmaasEngine(new KekStore(stateFile));
    LOG.warn(
        "EMBEDDED KMaaS: KEKs are kept in {} on this machine (tenant {}). For development and demos"
            + " only; set KMAAS_URL to use SDS KMaaS in production.",
        engine.store().stateFile(),
        tenant);
    try {
      engine.ensureTenant(tenant);
    } catch (EngineException e) {
      throw new IllegalStateException("embedded KMaaS: " + e.getMessage(), e);
    }
  }

  @Override
  public WrapResult wrap(byte[] plaintext, Deadline deadline) throws KmaasException {
    checkDeadline(deadline);
    try {
      EngineResult.Wrapped w = engine.encrypt(tenant, plaintext);
      return new WrapResult(w.ciphertext(), w.kekId());
    } catch (EngineException e) {
      if (e.kind() == EngineException.Kind.UNKNOWN_TENANT) {
        // the state file was removed or replaced after start: making a new KEK now would leave
        // every ciphertext made so far undecryptable, so refuse until the file is restored
        throw new KmaasException(
            KmaasFailure.SERVER_ERROR,
            "embedded KMaaS: the state file "
                + stateFile()
                + " no longer holds the KEKs of tenant "
                + tenant
                + "; restore it (a new KEK would orphan every existing ciphertext), or delete it"
                + " and restart the daemon to start over",
            e);
      }
      throw map(e);
    }
  }

  @Override
  public byte[] unwrap(byte[] ciphertext, String kekId, Deadline deadline) throws KmaasException {
    checkDeadline(deadline);
    try {
      return engine.decrypt(tenant, ciphertext, kekId);
    } catch (EngineException e) {
      throw map(e);
    }
  }

  @Override
  public KmaasDescription describe() {
    return new KmaasDescription("embedded", null, tenant);
  }

  /** The state file holding the KEKs. */
  public Path stateFile() {
    return engine.store().stateFile();
  }

  @Override
  public void close() {
    // nothing to release: every change is on disk already
  }

  private static void checkDeadline(Deadline deadline) throws KmaasException {
    if (deadline != null && deadline.isExpired()) {
      throw new KmaasException(
          KmaasFailure.TIMEOUT, "deadline expired before the embedded KMaaS call");
    }
  }

  private static KmaasException map(EngineException e) {
    KmaasFailure failure =
        switch (e.kind()) {
          case UNKNOWN_KEK, UNKNOWN_TENANT -> KmaasFailure.UNKNOWN_KEK;
          case KEK_DISABLED -> KmaasFailure.KEK_DISABLED;
          case BAD_INPUT -> KmaasFailure.REJECTED_INPUT;
          case STORAGE -> KmaasFailure.SERVER_ERROR;
        };
    return new KmaasException(failure, "embedded KMaaS: " + e.getMessage(), e);
  }

  @Override
  public String toString() {
    return "EmbeddedKmaasClient[" + engine.store().stateFile() + ", tenant=" + tenant + "]";
  }
}
