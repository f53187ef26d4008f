package dev.sds.kms.plugin.bench;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.DecryptResponse;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.KeyManagementServiceGrpc;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import dev.sds.kms.plugin.server.GrpcSocketServer;
import dev.sds.kms.plugin.server.SocketInUseException;
import dev.sds.kms.plugin.server.UnixEndpoint;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.List;

/**
 * The floor a KMS v2 plugin cannot go below: the daemon's own socket server ({@link
 * GrpcSocketServer}, same event loops and limits) with a service that answers every call with fixed
 * bytes and does no crypto and no KMaaS call. Benchmarks divide the daemon's figures by this one's.
 */
public final class BaselineKmsServer implements AutoCloseable {
  /** Sizes like the daemon's answers to a 32-byte seed, so that the bytes moved are comparable. */
  static final int CIPHERTEXT_BYTES = 160;

  static final String KEY_ID = "baseline";

  private final GrpcSocketServer server;

  public BaselineKmsServer(UnixEndpoint endpoint) {
    this.server =
        new GrpcSocketServer(
            endpoint, null, Duration.ofSeconds(1), List.of(new FixedAnswers()), List.of());
  }

  public BaselineKmsServer start() throws IOException, SocketInUseException {
    server.start();
    return this;
  }

  public UnixEndpoint endpoint() {
    return server.endpoint();
  }

  @Override
  public void close() {
    server.close();
  }

  /** Answers with prebuilt messages. */
  private static final class FixedAnswers
      extends KeyManagementServiceGrpc.KeyManagementServiceImplBase {
    private static final StatusResponse STATUS =
        StatusResponse.newBuilder().setVersion("v2").setHealthz("ok").setKeyId(KEY_ID).build();
    private static final EncryptResponse ENCRYPTED =
        EncryptResponse.newBuilder()
            .setCiphertext(ByteString.copyFrom(new byte[CIPHERTEXT_BYTES]))
            .setKeyId(KEY_ID)
            .build();
    private static final DecryptResponse DECRYPTED =
        DecryptResponse.newBuilder().setPlaintext(ByteString.copyFrom(new byte[32])).build();

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> responses) {
      responses.onNext(STATUS);
      responses.onCompleted();
    }

    @Override
    public void encrypt(EncryptRequest request, StreamObserver<EncryptResponse> responses) {
      responses.onNext(ENCRYPTED);
      responses.onCompleted();
    }

    @Override
    public void decrypt(DecryptRequest request, StreamObserver<DecryptResponse> responses) {
      responses.onNext(DECRYPTED);
      responses.onCompleted();
    }
  }
}
