package dev.sds.kms.plugin.kms;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.envelope.EnvelopeService;
import dev.sds.kms.plugin.envelope.SealedSeed;
import dev.sds.kms.plugin.health.PluginState;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.DecryptResponse;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.KeyManagementServiceGrpc;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * kube-apiserver's KMS v2 service. Status answers from {@link PluginState}; Encrypt and Decrypt
 * delegate to {@link EnvelopeService} within the caller's deadline. Every failure leaves through
 * {@link GrpcErrors}.
 */
public final class KeyManagementService
    extends KeyManagementServiceGrpc.KeyManagementServiceImplBase {
  private static final Logger LOG = LoggerFactory.getLogger(KeyManagementService.class);

  /** The KMS API version kube-apiserver requires in StatusResponse. */
  public static final String KMS_API_VERSION = "v2";

  /** Used when a caller sets no deadline: kube-apiserver's default KMS timeout. */
  static final Duration DEFAULT_DEADLINE = Duration.ofSeconds(3);

  /** Time kept back from the caller's deadline to send the answer. */
  static final Duration REPLY_MARGIN = Duration.ofMillis(200);

  private final EnvelopeService envelope;
  private final PluginState state;

  public KeyManagementService(EnvelopeService envelope, PluginState state) {
    this.envelope = envelope;
    this.state = state;
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> responses) {
    PluginState.Snapshot snapshot = state.current();
    responses.onNext(
        StatusResponse.newBuilder()
            .setVersion(KMS_API_VERSION)
            .setHealthz(snapshot.healthz())
            .setKeyId(snapshot.keyId())
            .build());
    responses.onCompleted();
  }

  @Override
  public void encrypt(EncryptRequest request, StreamObserver<EncryptResponse> responses) {
    byte[] plaintext = request.getPlaintext().toByteArray();
    try {
      SealedSeed sealed = envelope.seal(plaintext, deadline());
      if (!state.acceptEncryptKek(sealed.kekId(), sealed.keyId())) {
        throw new StaleKekException(
            "KMaaS wrapped with KEK "
                + sealed.kekId()
                + ", older than the current key_id "
                + state.current().keyId()
                + "; try again");
      }
      LOG.debug("encrypt uid={} key_id={}", request.getUid(), sealed.keyId());
      responses.onNext(
          EncryptResponse.newBuilder()
              .setCiphertext(ByteString.copyFrom(sealed.ciphertext()))
              .setKeyId(sealed.keyId())
              .build());
      responses.onCompleted();
    } catch (Exception e) {
      fail("encrypt", request.getUid(), e, responses);
    } finally {
      Arrays.fill(plaintext, (byte) 0);
    }
  }

  @Override
  public void decrypt(DecryptRequest request, StreamObserver<DecryptResponse> responses) {
    byte[] plaintext = null;
    try {
      Map<String, byte[]> annotations = new HashMap<>();
      request.getAnnotationsMap().forEach((k, v) -> annotations.put(k, v.toByteArray()));
      plaintext =
          envelope.open(
              request.getCiphertext().toByteArray(), request.getKeyId(), annotations, deadline());
      LOG.debug("decrypt uid={} key_id={}", request.getUid(), request.getKeyId());
      responses.onNext(
          DecryptResponse.newBuilder().setPlaintext(ByteString.copyFrom(plaintext)).build());
      responses.onCompleted();
    } catch (Exception e) {
      fail("decrypt", request.getUid(), e, responses);
    } finally {
      if (plaintext != null) {
        Arrays.fill(plaintext, (byte) 0);
      }
    }
  }

  private static void fail(String method, String uid, Exception e, StreamObserver<?> responses) {
    io.grpc.Status status = GrpcErrors.toStatus(e);
    if (status.getCode() == io.grpc.Status.Code.INTERNAL) {
      LOG.error("{} uid={} failed unexpectedly", method, uid, e);
    } else if (e instanceof KmaasException) {
      LOG.warn("{} uid={} failed: {} {}", method, uid, status.getCode(), status.getDescription());
    } else {
      LOG.debug("{} uid={} refused: {} {}", method, uid, status.getCode(), status.getDescription());
    }
    responses.onError(status.asRuntimeException());
  }

  /**
   * The caller's deadline less {@link #REPLY_MARGIN}, so that a KMaaS failure reaches
   * kube-apiserver as its own code (UNAVAILABLE, PERMISSION_DENIED…) before the caller gives up.
   */
  private static Deadline deadline() {
    Deadline deadline = Context.current().getDeadline();
    if (deadline == null) {
      deadline = Deadline.after(DEFAULT_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
    }
    return deadline.offset(-REPLY_MARGIN.toMillis(), TimeUnit.MILLISECONDS);
  }
}
