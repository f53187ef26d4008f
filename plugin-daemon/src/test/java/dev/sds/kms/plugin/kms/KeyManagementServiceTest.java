package dev.sds.kms.plugin.kms;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.envelope.DekCache;
import dev.sds.kms.plugin.envelope.EnvelopeService;
import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.health.KmaasHealthCheck;
import dev.sds.kms.plugin.health.PluginState;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kms.v2.DecryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptRequest;
import dev.sds.kms.plugin.kms.v2.EncryptResponse;
import dev.sds.kms.plugin.kms.v2.KeyManagementServiceGrpc;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.testing.FakeKmaas;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The KMS v2 service in-process: what kube-apiserver relies on between Status and Encrypt. */
class KeyManagementServiceTest {
  private final FakeKmaas kmaas = new FakeKmaas("kek-1");
  private final KeyIdScheme scheme = new KeyIdScheme("sds", "acme");
  private final PluginState state = new PluginState(Clock.systemUTC());
  private final KmaasHealthCheck check =
      new KmaasHealthCheck(kmaas, scheme, state, Duration.ofSeconds(30), Duration.ofSeconds(5));
  private Server server;
  private ManagedChannel channel;
  private KeyManagementServiceGrpc.KeyManagementServiceBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    EnvelopeService envelope =
        new EnvelopeService(
            kmaas, scheme, new DekCache(100, Duration.ofMinutes(1)), new SecureRandom());
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(new KeyManagementService(envelope, state))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
    stub = KeyManagementServiceGrpc.newBlockingStub(channel);
    check.checkNow();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    check.close();
  }

  @Test
  void encryptAnswersWithTheKeyIdStatusReports() {
    assertThat(status().getKeyId()).isEqualTo("sds:acme/kek-1");

    assertThat(encrypt().getKeyId()).isEqualTo(status().getKeyId());
  }

  @Test
  void anEncryptUnderANewKekMovesStatusForwardBeforeTheNextCheck() {
    kmaas.rotate("kek-2");

    EncryptResponse response = encrypt();

    assertThat(response.getKeyId()).isEqualTo("sds:acme/kek-2");
    assertThat(status().getKeyId()).isEqualTo("sds:acme/kek-2");
  }

  @Test
  void anEncryptWrappedUnderASupersededKekIsRefusedSoKeyIdNeverFlipFlops() {
    kmaas.rotate("kek-2");
    check.checkNow();
    kmaas.rotate("kek-1");

    assertThatThrownBy(this::encrypt)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
    assertThat(status().getKeyId()).isEqualTo("sds:acme/kek-2");
  }

  @Test
  void kmaasFailuresLeaveWithTheirGrpcCode() {
    kmaas.failWith = KmaasFailure.AUTH_REJECTED;

    assertThatThrownBy(this::encrypt)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
  }

  @Test
  void decryptReturnsTheSeed() {
    ByteString seed = ByteString.copyFrom(new byte[32]);
    EncryptResponse encrypted =
        stub.encrypt(EncryptRequest.newBuilder().setPlaintext(seed).setUid("u").build());

    ByteString plaintext =
        stub.decrypt(
                DecryptRequest.newBuilder()
                    .setCiphertext(encrypted.getCiphertext())
                    .setKeyId(encrypted.getKeyId())
                    .build())
            .getPlaintext();

    assertThat(plaintext).isEqualTo(seed);
  }

  private dev.sds.kms.plugin.kms.v2.StatusResponse status() {
    return stub.status(StatusRequest.getDefaultInstance());
  }

  private EncryptResponse encrypt() {
    byte[] seed = new byte[32];
    new SecureRandom().nextBytes(seed);
    return stub.encrypt(
        EncryptRequest.newBuilder().setPlaintext(ByteString.copyFrom(seed)).setUid("u").build());
  }
}
