package dev.sds.kms.plugin.kmaas.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The JWTs the standalone KMaaS accepts as KACLS {@code authentication}: HS256 (HMAC-SHA256) under
 * a 256-bit key generated into the state directory on first start, with an {@code exp} claim that
 * has not passed. A real KACLS verifies its identity provider's signature (RS256 against the
 * issuer's JWKS) and checks {@code iss} and {@code aud} too; this test double checks only what the
 * plugin's behaviour depends on: the token is there, was issued by this KMaaS, and has not expired.
 *
 * <p>Rejections are {@link RequestFailure}s with status 401 and a message that never repeats the
 * token.
 */
final class KaclsTokens {
  static final String ISSUER = "sds-kmaas-standalone";
  static final String AUDIENCE = "kacls";

  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Base64.Encoder B64URL = Base64.getUrlEncoder().withoutPadding();
  private static final Base64.Decoder B64URL_DECODER = Base64.getUrlDecoder();
  private static final String HEADER =
      B64URL.encodeToString("{\"alg\":\"HS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
  private static final int KEY_BYTES = 32;

  private final byte[] key;
  private final Clock clock;

  private KaclsTokens(byte[] key, Clock clock) {
    this.key = key;
    this.clock = clock;
  }

  /** The signing key of {@code keyFile} (base64url), created (0600) when the file is missing. */
  static KaclsTokens loadOrCreate(Path keyFile, SecureRandom random, Clock clock)
      throws IOException {
    if (Files.exists(keyFile)) {
      SecureFiles.tighten(keyFile);
      byte[] key;
      try {
        key = B64URL_DECODER.decode(Files.readString(keyFile, StandardCharsets.US_ASCII).strip());
      } catch (IllegalArgumentException e) {
        key = new byte[0];
      }
      if (key.length != KEY_BYTES) {
        throw new IOException(keyFile + " must hold one base64url 256-bit key");
      }
      return new KaclsTokens(key, clock);
    }
    byte[] key = new byte[KEY_BYTES];
    random.nextBytes(key);
    SecureFiles.write(keyFile, B64URL.encodeToString(key) + "\n", false);
    return new KaclsTokens(key, clock);
  }

  /** A token for {@code subject} that expires at {@code expiry}. */
  String issue(String subject, Instant expiry) {
    ObjectNode claims = MAPPER.createObjectNode();
    claims.put("iss", ISSUER);
    claims.put("aud", AUDIENCE);
    claims.put("email", subject);
    claims.put("iat", clock.instant().getEpochSecond());
    claims.put("exp", expiry.getEpochSecond());
    String payload;
    try {
      payload = B64URL.encodeToString(MAPPER.writeValueAsBytes(claims));
    } catch (IOException e) {
      throw new IllegalStateException("cannot serialise JWT claims", e);
    }
    String signingInput = HEADER + "." + payload;
    return signingInput + "." + B64URL.encodeToString(sign(signingInput));
  }

  /**
   * Accepts {@code jwt} or throws a 401 {@link RequestFailure} saying why: missing, not a JWT
   * signed by this KMaaS, without {@code exp}, or expired.
   */
  void verify(String jwt) throws RequestFailure {
    Instant expiry = expiry(jwt);
    if (!expiry.isAfter(clock.instant())) {
      throw new RequestFailure(401, "authentication token has expired");
    }
  }

  /** When a token this KMaaS signed expires; empty when it is not such a token. */
  Optional<Instant> validUntil(String jwt) {
    try {
      return Optional.of(expiry(jwt));
    } catch (RequestFailure e) {
      return Optional.empty();
    }
  }

  private Instant expiry(String jwt) throws RequestFailure {
    if (jwt == null || jwt.isBlank()) {
      throw new RequestFailure(401, "authentication token is missing");
    }
    String[] parts = jwt.strip().split("\\.", -1);
    RequestFailure foreign =
        new RequestFailure(401, "authentication token is not a JWT signed by this KMaaS (HS256)");
    if (parts.length != 3) {
      throw foreign;
    }
    JsonNode header;
    JsonNode claims;
    byte[] signature;
    try {
      header = MAPPER.readTree(B64URL_DECODER.decode(parts[0]));
      claims = MAPPER.readTree(B64URL_DECODER.decode(parts[1]));
      signature = B64URL_DECODER.decode(parts[2]);
    } catch (IOException | IllegalArgumentException e) {
      throw foreign;
    }
    if (header == null
        || !header.isObject()
        || !"HS256".equals(header.path("alg").asText())
        || !MessageDigest.isEqual(signature, sign(parts[0] + "." + parts[1]))) {
      throw foreign;
    }
    JsonNode exp = claims == null ? null : claims.get("exp");
    long seconds;
    if (exp != null && exp.isIntegralNumber() && exp.canConvertToLong()) {
      seconds = exp.longValue();
    } else if (exp != null && exp.isTextual() && exp.textValue().matches("\\d{1,12}")) {
      seconds = Long.parseLong(exp.textValue()); // the CSE reference documents exp as a string
    } else {
      throw new RequestFailure(401, "authentication token has no numeric exp claim");
    }
    return Instant.ofEpochSecond(seconds);
  }

  private byte[] sign(String signingInput) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HMAC-SHA256 is not available", e);
    }
  }

  @Override
  public String toString() {
    return "KaclsTokens[key=<redacted>]";
  }
}
