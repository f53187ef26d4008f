package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.KmaasProtocol;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.WrapResult;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import dev.sds.kms.plugin.kms.GrpcErrors;
import io.grpc.Deadline;
import io.grpc.Status;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KACLS adapter against the standalone KMaaS over real HTTPS (self-signed certificate): wrap
 * and unwrap, rotation, the {@code resource_name} binding, the token checks and the token file
 * re-read, plus the KACLS routes as a raw HTTP client sees them.
 */
class KaclsStandaloneIT {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final String TENANT = "acme";

  @TempDir Path dir;
  private StandaloneKmaasServer kmaas;
  private HttpKmaasClient client;
  private Path tokenFile;
  private OkHttpClient raw;

  @BeforeEach
  void start() throws Exception {
    kmaas =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                    dir.resolve("kmaas"))
                .withTenants(List.of(TENANT, "beta")));
    kmaas.start();
    tokenFile = dir.resolve("token");
    Files.copy(kmaas.kaclsTokenFile(), tokenFile);
    client = new HttpKmaasClient(settings(TENANT));
    raw =
        KmaasTls.from(kmaas.certificateFile(), null, null, false)
            .applyTo(new OkHttpClient.Builder())
            .build();
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (kmaas != null) {
      kmaas.close();
    }
  }

  private KmaasSettings settings(String tenant) {
    return new KmaasSettings(
        kmaas.kaclsUrl(tenant),
        tenant,
        null,
        kmaas.certificateFile(),
        null,
        null,
        false,
        new KmaasCredentials.TokenFile(tokenFile),
        Duration.ofSeconds(2),
        KmaasProtocol.KACLS);
  }

  @Test
  void wrapsAndUnwrapsAndFollowsAKekRotation() throws Exception {
    byte[] dek = randomBytes(32);
    String activeKek = activeKek();

    WrapResult before = client.wrap(dek, seconds(5));

    assertThat(before.kekId()).isEqualTo("kacls-" + activeKek);
    assertThat(client.unwrap(before.ciphertext(), before.kekId(), seconds(5))).isEqualTo(dek);
    assertThat(kmaas.requestCounts().wraps()).isEqualTo(1);

    String rotated;
    try (KmaasAdminClient admin = adminClient()) {
      rotated = admin.rotate(TENANT).id();
    }
    WrapResult after = client.wrap(dek, seconds(5));

    assertThat(after.kekId()).isEqualTo("kacls-" + rotated).isNotEqualTo(before.kekId());
    assertThat(client.unwrap(after.ciphertext(), after.kekId(), seconds(5))).isEqualTo(dek);
    assertThat(client.unwrap(before.ciphertext(), before.kekId(), seconds(5)))
        .as("the old KEK still unwraps")
        .isEqualTo(dek);
  }

  @Test
  void theGeneratedTokenFileIsPrivateAndAccepted() throws Exception {
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(kmaas.kaclsTokenFile())))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(kmaas.kaclsSigningKeyFile())))
        .isEqualTo("rw-------");
    try (HttpKmaasClient direct =
        new HttpKmaasClient(
            new KmaasSettings(
                kmaas.kaclsUrl(TENANT),
                TENANT,
                null,
                kmaas.certificateFile(),
                null,
                null,
                false,
                new KmaasCredentials.TokenFile(kmaas.kaclsTokenFile()),
                Duration.ofSeconds(2),
                KmaasProtocol.KACLS))) {
      assertThat(direct.wrap(randomBytes(32), seconds(5)).kekId()).startsWith("kacls-kek-");
    }
  }

  @Test
  void aResourceNameOtherThanTheWrapsIsRefusedAsInvalidInput() throws Exception {
    WrapResult wrapped = client.wrap(randomBytes(32), seconds(5));

    KmaasException e =
        failure(() -> client.unwrap(wrapped.ciphertext(), "kacls-someotherversion", seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.REJECTED_INPUT);
    assertThat(GrpcErrors.toStatus(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(e.getMessage()).contains("HTTP 400, KMaaS error code 400");

    Response reply =
        post(
            "privilegedunwrap",
            "{\"authentication\":\""
                + token()
                + "\",\"resource_name\":\"acme/elsewhere\",\"reason\":\"{}\",\"wrapped_key\":\""
                + Base64.getEncoder().encodeToString(wrapped.ciphertext())
                + "\"}");
    JsonNode error = errorReply(reply, 400);
    assertThat(error.path("message").asText()).contains("resource_name");
  }

  @Test
  void anotherTenantCannotUnwrap() throws Exception {
    WrapResult wrapped = client.wrap(randomBytes(32), seconds(5));

    try (HttpKmaasClient beta = new HttpKmaasClient(settings("beta"))) {
      KmaasException e =
          failure(() -> beta.unwrap(wrapped.ciphertext(), wrapped.kekId(), seconds(5)));

      assertThat(e.failure()).isEqualTo(KmaasFailure.UNKNOWN_KEK);
      assertThat(GrpcErrors.toStatus(e).getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
    }
  }

  @Test
  void anExpiredTokenIsRefusedAndANewTokenInTheFileIsPickedUp() throws Exception {
    Files.writeString(tokenFile, kmaas.issueKaclsToken(Instant.now().minusSeconds(60)));

    KmaasException e = failure(() -> client.wrap(randomBytes(32), seconds(5)));

    assertThat(e.failure()).isEqualTo(KmaasFailure.AUTH_REJECTED);
    assertThat(GrpcErrors.toStatus(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(e.getMessage()).contains("HTTP 401, KMaaS error code 401");

    Files.writeString(tokenFile, kmaas.issueKaclsToken(Instant.now().plusSeconds(600)));

    WrapResult wrapped = client.wrap(randomBytes(32), seconds(5));
    assertThat(client.unwrap(wrapped.ciphertext(), wrapped.kekId(), seconds(5))).hasSize(32);
  }

  @Test
  void absentForeignOrUnsignedTokensAreRefused() throws Exception {
    String key = Base64.getEncoder().encodeToString(randomBytes(32));
    String valid = token();
    String[] parts = valid.split("\\.");
    String unsigned = parts[0] + "." + parts[1] + ".";
    String otherPayload =
        parts[0]
            + "."
            + Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"exp\":99999999999}".getBytes(StandardCharsets.UTF_8))
            + "."
            + parts[2];

    assertThat(
            errorReply(post("privilegedwrap", wrapBody(null, key)), 401).path("message").asText())
        .isEqualTo("authentication token is missing");
    for (String bad : List.of("not-a-jwt", unsigned, otherPayload)) {
      assertThat(
              errorReply(post("privilegedwrap", wrapBody(bad, key)), 401).path("message").asText())
          .contains("not a JWT signed by this KMaaS");
    }
    try (Response ok = post("privilegedwrap", wrapBody(valid, key))) {
      assertThat(ok.code()).isEqualTo(200);
      assertThat(JSON.readTree(ok.body().bytes()).path("wrapped_key").asText()).isNotEmpty();
    }
  }

  @Test
  void statusDescribesTheKaclsAndItsCurrentKeyVersion() throws Exception {
    try (Response reply =
        raw.newCall(new Request.Builder().url(kmaas.kaclsUrl(TENANT) + "/status").build())
            .execute()) {
      assertThat(reply.code()).isEqualTo(200);
      JsonNode status = JSON.readTree(reply.body().bytes());
      assertThat(status.path("server_type").asText()).isEqualTo("KACLS");
      assertThat(status.path("vendor_id").asText()).isEqualTo("SDS");
      assertThat(status.path("version").asText()).isEqualTo(activeKek());
      assertThat(status.path("name").asText()).contains(TENANT);
      assertThat(status.path("operations_supported").toString())
          .contains("privilegedwrap")
          .contains("privilegedunwrap");
    }
  }

  @Test
  void routingErrorsUseTheKaclsErrorShape() throws Exception {
    try (Response reply =
        raw.newCall(new Request.Builder().url(kmaas.url() + "/api/v1/nobody/kacls/status").build())
            .execute()) {
      errorReply(reply, 404);
    }
    try (Response reply =
        raw.newCall(new Request.Builder().url(kmaas.kaclsUrl(TENANT) + "/privilegedwrap").build())
            .execute()) {
      errorReply(reply, 405);
      assertThat(reply.header("Allow")).isEqualTo("POST");
    }
    errorReply(post("privilegedwrap", "{not json"), 400);
    errorReply(post("wrap", "{}"), 404);
  }

  // ---------------------------------------------------------------- helpers

  private String activeKek() throws Exception {
    try (KmaasAdminClient admin = adminClient()) {
      return admin.list(TENANT).stream().filter(k -> k.active()).findFirst().orElseThrow().id();
    }
  }

  private KmaasAdminClient adminClient() throws IOException {
    return new KmaasAdminClient(
        kmaas.url(),
        KmaasCredentials.ApiKey.parse(Files.readString(kmaas.adminKeyFile()).strip()),
        kmaas.certificateFile());
  }

  private String token() throws IOException {
    return Files.readString(kmaas.kaclsTokenFile()).strip();
  }

  private static String wrapBody(String token, String keyB64) {
    return "{"
        + (token == null ? "" : "\"authentication\":\"" + token + "\",")
        + "\"key\":\""
        + keyB64
        + "\",\"resource_name\":\"acme/x\",\"reason\":\"{}\"}";
  }

  private Response post(String operation, String body) throws IOException {
    return raw.newCall(
            new Request.Builder()
                .url(kmaas.kaclsUrl(TENANT) + "/" + operation)
                .post(RequestBody.create(body, JSON_TYPE))
                .build())
        .execute();
  }

  /**
   * Asserts a KACLS structured error reply {@code {code, message, details}} with {@code status}.
   */
  private static JsonNode errorReply(Response reply, int status) throws IOException {
    try (reply) {
      assertThat(reply.code()).isEqualTo(status);
      JsonNode body = JSON.readTree(reply.body().bytes());
      assertThat(body.path("code").asInt()).isEqualTo(status);
      assertThat(body.path("message").isTextual()).isTrue();
      assertThat(body.has("details")).isTrue();
      assertThat(body.has("errors")).isFalse();
      return body;
    }
  }

  private static KmaasException failure(
      org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
    Throwable thrown = org.assertj.core.api.Assertions.catchThrowable(call);
    assertThat(thrown).isInstanceOf(KmaasException.class);
    return (KmaasException) thrown;
  }

  private static Deadline seconds(long seconds) {
    return Deadline.after(seconds, TimeUnit.SECONDS);
  }

  private static byte[] randomBytes(int n) {
    byte[] bytes = new byte[n];
    new SecureRandom().nextBytes(bytes);
    return bytes;
  }
}
