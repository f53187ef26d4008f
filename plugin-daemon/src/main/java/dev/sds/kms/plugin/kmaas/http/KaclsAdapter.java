package dev.sds.kms.plugin.kmaas.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.kmaas.WrapResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.Request;

/**
 * The one place that knows the Google Workspace client-side encryption key service API (KACLS) as
 * the daemon speaks it, so that a change of that wire format touches only this class. {@code {url}}
 * is the KACLS base URL ({@code KACLS_URL}):
 *
 * <ul>
 *   <li>{@code GET {url}/status} → {@code 200 {"server_type":"KACLS","vendor_id","version","name",
 *       "operations_supported":[…]}}
 *   <li>{@code POST {url}/privilegedwrap} {@code {"authentication":"<JWT>","key":"<base64 DEK>",
 *       "resource_name","reason"}} → {@code 200 {"wrapped_key":"<base64>"}}
 *   <li>{@code POST {url}/privilegedunwrap} {@code {"authentication","resource_name","reason",
 *       "wrapped_key"}} → {@code 200 {"key":"<base64 DEK>"}}
 *   <li>errors: non-2xx {@code {"code":<HTTP status>,"message":"<text>","details":"<text>"}}
 * </ul>
 *
 * <p>KACLS names no KEK, so the KEK id comes from {@code /status}: {@link #kekIdForVersion} of its
 * {@code version}, read right before every wrap. Reading it <em>before</em> the wrap means a
 * rotation between the two calls labels the DEK with the older version, never a DEK wrapped by an
 * older key with the newer version (which would let the older key be retired while still in use).
 * The wrap binds the DEK to {@code resource_name} {@code <tenant>/<kekId>} ({@link #resourceName});
 * the unwrap sends the same name, recomputed from the KEK id stored in the ciphertext.
 *
 * <p>The credential is the JWT of a {@link TokenFile} (re-read when the file changes), sent as
 * {@code authentication} in the body; no {@code Authorization} header is sent.
 */
public final class KaclsAdapter implements ProtocolAdapter {

  /** Prefix of every KEK id derived from a KACLS version: crypto-api KEK ids never look alike. */
  public static final String KEK_ID_PREFIX = "kacls-";

  /** Longest {@code /status} version taken verbatim into the KEK id; longer ones are hashed. */
  static final int MAX_VERBATIM_VERSION = 48;

  /** KACLS's limit for {@code resource_name}, in UTF-8 bytes. */
  static final int MAX_RESOURCE_NAME_BYTES = 128;

  /** The {@code reason} of every call: a passthrough JSON string for the key service's logs. */
  static final String REASON = "{\"client\":\"sds-kms-plugin\",\"purpose\":\"kubernetes-kms-v2\"}";

  private static final Pattern VERBATIM_VERSION =
      Pattern.compile("[A-Za-z0-9._-]{1," + MAX_VERBATIM_VERSION + "}");

  private final HttpUrl statusUrl;
  private final HttpUrl wrapUrl;
  private final HttpUrl unwrapUrl;
  private final String tenant;
  private final TokenFile token;

  /**
   * @param baseUrl the KACLS base URL, possibly with a path; userinfo, query and fragment are
   *     dropped
   * @param tenant the KMaaS tenant, part of the key_id and the {@code resource_name}
   * @param tokenFile file holding the JWT sent as {@code authentication}
   */
  public KaclsAdapter(HttpUrl baseUrl, String tenant, Path tokenFile) {
    Objects.requireNonNull(baseUrl, "baseUrl");
    this.tenant = Objects.requireNonNull(tenant, "tenant");
    this.token = new TokenFile(tokenFile);
    this.statusUrl = endpoint(baseUrl, "status");
    this.wrapUrl = endpoint(baseUrl, "privilegedwrap");
    this.unwrapUrl = endpoint(baseUrl, "privilegedunwrap");
  }

  /**
   * The adapter for {@code credentials}, which must be a token file: KACLS authenticates every call
   * with a JWT and has no API keys.
   */
  static KaclsAdapter of(HttpUrl baseUrl, String tenant, KmaasCredentials credentials) {
    if (!(credentials instanceof KmaasCredentials.TokenFile tokenFile)) {
      throw new IllegalArgumentException(
          "--kmaas-protocol kacls needs --kmaas-token-file: KACLS authenticates every call with a"
              + " JWT and takes no API key");
    }
    return new KaclsAdapter(baseUrl, tenant, tokenFile.path());
  }

  private static HttpUrl endpoint(HttpUrl baseUrl, String operation) {
    // HttpUrl.Builder replaces a trailing empty segment: "https://h/kacls" and "…/kacls/" both work
    return baseUrl
        .newBuilder()
        .username("")
        .password("")
        .query(null)
        .fragment(null)
        .addPathSegment(operation)
        .build();
  }

  public HttpUrl statusUrl() {
    return statusUrl;
  }

  public HttpUrl wrapUrl() {
    return wrapUrl;
  }

  public HttpUrl unwrapUrl() {
    return unwrapUrl;
  }

  @Override
  public WrapResult wrap(byte[] plaintext, KmaasExchange exchange) throws KmaasException {
    String kekId = exchange.call(() -> JsonWire.get(statusUrl), this::parseStatusResponse);
    byte[] wrapped =
        exchange.call(() -> wrapRequest(plaintext, kekId, token.token()), this::parseWrapResponse);
    return new WrapResult(wrapped, kekId);
  }

  /**
   * Unwraps a DEK wrapped by {@link #wrap}. A KEK id not made by {@link #kekIdForVersion} (a
   * ciphertext of the crypto-api protocol) fails with {@link KmaasFailure#UNKNOWN_KEK} without a
   * call: KACLS cannot unwrap it.
   */
  @Override
  public byte[] unwrap(byte[] ciphertext, String kekId, KmaasExchange exchange)
      throws KmaasException {
    if (!kekId.startsWith(KEK_ID_PREFIX)
        || tenant.length() + 1 + kekId.length() > MAX_RESOURCE_NAME_BYTES) {
      throw new KmaasException(
          KmaasFailure.UNKNOWN_KEK,
          "KEK "
              + kekId
              + " is not a KACLS key version: the DEK was wrapped by another protocol than"
              + " --kmaas-protocol kacls, which cannot unwrap it");
    }
    return exchange.call(
        () -> unwrapRequest(ciphertext, kekId, token.token()), this::parseUnwrapResponse);
  }

  /** {@code code} of a KACLS structured error reply, if the body is one. */
  @Override
  public OptionalInt errorCode(byte[] body) {
    JsonNode root = JsonWire.tree(body);
    JsonNode code = root == null || !root.isObject() ? null : root.get("code");
    return code != null && code.isIntegralNumber() && code.canConvertToInt()
        ? OptionalInt.of(code.intValue())
        : OptionalInt.empty();
  }

  /** The {@code privilegedwrap} request. */
  public Request wrapRequest(byte[] plaintext, String kekId, String jwt) {
    ObjectNode body = JsonWire.object();
    body.put("authentication", jwt);
    body.put("key", JsonWire.base64(plaintext));
    body.put("reason", REASON);
    body.put("resource_name", resourceName(tenant, kekId));
    return JsonWire.post(wrapUrl, body);
  }

  /** The {@code privilegedunwrap} request. */
  public Request unwrapRequest(byte[] wrappedKey, String kekId, String jwt) {
    ObjectNode body = JsonWire.object();
    body.put("authentication", jwt);
    body.put("reason", REASON);
    body.put("resource_name", resourceName(tenant, kekId));
    body.put("wrapped_key", JsonWire.base64(wrappedKey));
    return JsonWire.post(unwrapUrl, body);
  }

  /**
   * Parses a 2xx answer of {@code /status} into the KEK id of the key service's current version. A
   * {@code server_type} other than {@code KACLS} means {@code --kmaas-url} points elsewhere.
   */
  public String parseStatusResponse(byte[] body) throws KmaasException {
    JsonNode root = JsonWire.object(body, statusUrl);
    JsonNode serverType = root.get("server_type");
    if (serverType != null && !"KACLS".equals(serverType.asText(null))) {
      throw JsonWire.protocol(
          "KMaaS answer from "
              + statusUrl
              + " has a server_type other than \"KACLS\"; is --kmaas-url the KACLS base URL?");
    }
    return kekIdForVersion(JsonWire.textField(root, "version", statusUrl));
  }

  /** Parses a 2xx answer of {@code privilegedwrap}. */
  public byte[] parseWrapResponse(byte[] body) throws KmaasException {
    return JsonWire.base64Field(JsonWire.object(body, wrapUrl), "wrapped_key", wrapUrl);
  }

  /** Parses a 2xx answer of {@code privilegedunwrap}. */
  public byte[] parseUnwrapResponse(byte[] body) throws KmaasException {
    return JsonWire.base64Field(JsonWire.object(body, unwrapUrl), "key", unwrapUrl);
  }

  /**
   * The KEK id for a KACLS {@code /status} version: {@value #KEK_ID_PREFIX} and the version when it
   * is 1 to {@value #MAX_VERBATIM_VERSION} letters, digits, '.', '_' or '-'; otherwise {@value
   * #KEK_ID_PREFIX}{@code sha256-} and the first 32 hex digits of the version's SHA-256. The same
   * version always gives the same id; the id is at most 54 characters.
   */
  public static String kekIdForVersion(String version) {
    String v = version.strip();
    if (VERBATIM_VERSION.matcher(v).matches()) {
      return KEK_ID_PREFIX + v;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(v.getBytes(StandardCharsets.UTF_8));
      return KEK_ID_PREFIX + "sha256-" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is not available", e);
    }
  }

  /**
   * The {@code resource_name} a DEK is wrapped for: {@code <tenant>/<kekId>} (at most 64 + 1 + 54
   * bytes, within KACLS's 128).
   */
  public static String resourceName(String tenant, String kekId) {
    String name = tenant + "/" + kekId;
    if (name.getBytes(StandardCharsets.UTF_8).length > MAX_RESOURCE_NAME_BYTES) {
      throw new IllegalArgumentException(
          "resource_name would be longer than " + MAX_RESOURCE_NAME_BYTES + " bytes");
    }
    return name;
  }

  @Override
  public String toString() {
    return "KaclsAdapter[" + wrapUrl + ", tenant " + tenant + "]";
  }
}
