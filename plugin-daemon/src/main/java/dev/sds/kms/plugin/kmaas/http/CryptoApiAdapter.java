package dev.sds.kms.plugin.kmaas.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.WrapResult;
import java.io.IOException;
import java.util.Base64;
import java.util.Objects;
import java.util.OptionalInt;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

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
 * <p>Parse failures raise {@link KmaasFailure#PROTOCOL} with a message that names the endpoint and
 * the field, never the body.
 */
public final class CryptoApiAdapter {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final ObjectMapper MAPPER = new ObjectMapper();

  private final HttpUrl encryptUrl;
  private final HttpUrl decryptUrl;

  /**
   * @param baseUrl KMaaS base URL, possibly with a path prefix; userinfo, query and fragment are
   *     dropped
   * @param tenant tenant id, path-segment encoded
   */
  public CryptoApiAdapter(HttpUrl baseUrl, String tenant) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    Objects.requireNonNull(tenant, "tenant");
    this.encryptUrl = endpoint(baseUrl, tenant, "encrypt");
    this.decryptUrl = endpoint(baseUrl, tenant, "decrypt");
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

  /** The wrap request; the caller adds the Authorization header. */
  public Request encryptRequest(byte[] plaintext) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("plaintext", Base64.getEncoder().encodeToString(plaintext));
    return post(encryptUrl, body);
  }

  /** The unwrap request; the caller adds the Authorization header. */
  public Request decryptRequest(byte[] ciphertext, String kekId) {
    ObjectNode body = MAPPER.createObjectNode();
    body.put("ciphertext", Base64.getEncoder().encodeToString(ciphertext));
    body.put("kek_id", kekId);
    return post(decryptUrl, body);
  }

  private static Request post(HttpUrl url, ObjectNode body) {
    byte[] json;
    try {
      json = MAPPER.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialise a JSON object node", e);
    }
    return new Request.Builder()
        .url(url)
        .header("Accept", "application/json")
        .post(RequestBody.create(json, JSON))
        .build();
  }

  /** Parses a 2xx answer of {@code crypto/encrypt}. */
  public WrapResult parseEncryptResponse(byte[] body) throws KmaasException {
    JsonNode root = parse(body, encryptUrl);
    byte[] ciphertext = base64Field(root, "ciphertext", encryptUrl);
    String kekId = textField(root, "kek_id", encryptUrl);
    return new WrapResult(ciphertext, kekId);
  }

  /** Parses a 2xx answer of {@code crypto/decrypt}. */
  public byte[] parseDecryptResponse(byte[] body) throws KmaasException {
    return base64Field(parse(body, decryptUrl), "plaintext", decryptUrl);
  }

  /**
   * KMaaS's error code ({@code errors[0].code}) from a non-2xx body, if the body has that shape.
   * The error message text is deliberately ignored: it may echo input.
   */
  public OptionalInt parseErrorCode(byte[] body) {
    try {
      JsonNode code = MAPPER.readTree(body).path("errors").path(0).path("code");
      return code.canConvertToInt() && code.isIntegralNumber()
          ? OptionalInt.of(code.intValue())
          : OptionalInt.empty();
    } catch (IOException | RuntimeException e) {
      return OptionalInt.empty();
    }
  }

  private static JsonNode parse(byte[] body, HttpUrl url) throws KmaasException {
    JsonNode root;
    try {
      root = body == null || body.length == 0 ? null : MAPPER.readTree(body);
    } catch (IOException e) {
      root = null;
    }
    if (root == null || !root.isObject()) {
      throw protocol("KMaaS answer from " + url + " is not a JSON object");
    }
    return root;
  }

  private static String textField(JsonNode root, String name, HttpUrl url) throws KmaasException {
    JsonNode node = root.get(name);
    if (node == null || !node.isTextual() || node.textValue().isEmpty()) {
      throw protocol("KMaaS answer from " + url + " lacks a non-empty string \"" + name + "\"");
    }
    return node.textValue();
  }

  private static byte[] base64Field(JsonNode root, String name, HttpUrl url) throws KmaasException {
    String text = textField(root, name, url);
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw protocol("KMaaS answer from " + url + " has a \"" + name + "\" that is not base64");
    }
  }

  private static KmaasException protocol(String message) {
    return new KmaasException(KmaasFailure.PROTOCOL, message);
  }
}
