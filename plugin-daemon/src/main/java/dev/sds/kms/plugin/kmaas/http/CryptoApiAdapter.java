package dev.sds.kms.plugin.kmaas.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.WrapResult;
import java.util.Objects;
import java.util.OptionalInt;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * The one place that knows the JSON shape of KMaaS's crypto-api (DESIGN.md §2 "KMaaS"), so that a
 * change of the wire format touches only this class:
 *
 * <ul>
 *   <li>{@code POST {url}/api/v1/{tenant}/crypto/encrypt} {@code {"plaintext":"<base64>"}} → {@code
 *       200 {"ciphertext":"<base64>","kek_id":"<id>"}}
 *   <li>{@code POST {url}/api/v1/{tenant}/crypto/decrypt} {@code
 *       {"ciphertext":"<base64>","kek_id":"<id>"}} → {@code 200 {"plaintext":"<base64>"}}
 *   <li>errors: non-2xx {@code {"errors":[{"code":<int>,"message":"<text>"}]}}
 * </ul>
 *
 * <p>Parse failures raise {@link dev.sds.kms.plugin.kmaas.KmaasFailure#PROTOCOL} with a message
 * that names the endpoint and the field, never the body.
 */
public final class CryptoApiAdapter implements ProtocolAdapter {
  private final HttpUrl encryptUrl;
  private final HttpUrl decryptUrl;
  private final Authorization authorization;

  /**
   * @param baseUrl KMaaS base URL, possibly with a path prefix; userinfo, query and fragment are
   *     dropped
   * @param tenant tenant id, path-segment encoded
   */
  public CryptoApiAdapter(HttpUrl baseUrl, String tenant) {
    this(baseUrl, tenant, Authorization.of(null));
  }

  /**
   * @param authorization the {@code Authorization} header of every request (API key, bearer token
   *     or none)
   */
  public CryptoApiAdapter(HttpUrl baseUrl, String tenant, Authorization authorization) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(tenant, "tenant");
    this.encryptUrl = endpoint(baseUrl, tenant, "encrypt");
    this.decryptUrl = endpoint(baseUrl, tenant, "decrypt");
    this.authorization = Objects.requireNonNull(authorization, "authorization");
  }

  @Override
  public WrapResult wrap(byte[] plaintext, KmaasExchange exchange) throws KmaasException {
    return exchange.call(() -> authorize(encryptRequest(plaintext)), this::parseEncryptResponse);
  }

  @Override
  public byte[] unwrap(byte[] ciphertext, String kekId, KmaasExchange exchange)
      throws KmaasException {
    return exchange.call(
        () -> authorize(decryptRequest(ciphertext, kekId)), this::parseDecryptResponse);
  }

  @Override
  public OptionalInt errorCode(byte[] body) {
    return parseErrorCode(body);
  }

  private Request authorize(Request request) throws KmaasException {
    String header = authorization.headerValue();
    return header == null ? request : request.newBuilder().header("Authorization", header).build();
  }

  private static HttpUrl endpoint(HttpUrl baseUrl, String tenant, String operation) {
    // HttpUrl.Builder replaces a trailing empty segment, so "https://h", "https://h/" and
    // "https://h/prefix/" all work.
    return baseUrl
        .newBuilder()
        .username("")
        .password("")
        .query(null)
        .fragment(null)
        .addPathSegment("api")
        .addPathSegment("v1")
        .addPathSegment(tenant)
        .addPathSegment("crypto")
        .addPathSegment(operation)
        .build();
  }

  public HttpUrl encryptUrl() {
    return encryptUrl;
  }

  public HttpUrl decryptUrl() {
    return decryptUrl;
  }

  /** The wrap request, without the Authorization header. */
  public Request encryptRequest(byte[] plaintext) {
    ObjectNode body = JsonWire.object();
    body.put("plaintext", JsonWire.base64(plaintext));
    return JsonWire.post(encryptUrl, body);
  }

  /** The unwrap request, without the Authorization header. */
  public Request decryptRequest(byte[] ciphertext, String kekId) {
    ObjectNode body = JsonWire.object();
    body.put("ciphertext", JsonWire.base64(ciphertext));
    body.put("kek_id", kekId);
    return JsonWire.post(decryptUrl, body);
  }

  /** Parses a 2xx answer of {@code crypto/encrypt}. */
  public WrapResult parseEncryptResponse(byte[] body) throws KmaasException {
    JsonNode root = JsonWire.object(body, encryptUrl);
    byte[] ciphertext = JsonWire.base64Field(root, "ciphertext", encryptUrl);
    String kekId = JsonWire.textField(root, "kek_id", encryptUrl);
    return new WrapResult(ciphertext, kekId);
  }

  /** Parses a 2xx answer of {@code crypto/decrypt}. */
  public byte[] parseDecryptResponse(byte[] body) throws KmaasException {
    return JsonWire.base64Field(JsonWire.object(body, decryptUrl), "plaintext", decryptUrl);
  }

  /**
   * KMaaS's error code ({@code errors[0].code}) from a non-2xx body, if the body has that shape.
   * The error message text is deliberately ignored: it may echo input.
   */
  public OptionalInt parseErrorCode(byte[] body) {
    JsonNode root = JsonWire.tree(body);
    JsonNode code = root == null ? null : root.path("errors").path(0).path("code");
    return code != null && code.canConvertToInt() && code.isIntegralNumber()
        ? OptionalInt.of(code.intValue())
        : OptionalInt.empty();
  }
}
