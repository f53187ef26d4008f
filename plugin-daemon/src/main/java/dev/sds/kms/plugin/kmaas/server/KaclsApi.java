package dev.sds.kms.plugin.kmaas.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.engine.EngineException;
import dev.sds.kms.plugin.kmaas.engine.EngineResult;
import dev.sds.kms.plugin.kmaas.engine.KmaasEngine;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The KACLS routes of the standalone KMaaS (the Google Workspace client-side encryption key service
 * API, the subset a KMS plugin needs), on the same {@link KmaasEngine} and KEKs as the crypto-api:
 *
 * <ul>
 *   <li>{@code GET .../status} → {@code {"server_type":"KACLS","vendor_id","version","name",
 *       "operations_supported"}}; {@code version} is the tenant's active KEK id, so a rotation
 *       changes it
 *   <li>{@code POST .../privilegedwrap} {@code {"authentication","key","resource_name","reason",
 *       "perimeter_id"}} → {@code {"wrapped_key"}}
 *   <li>{@code POST .../privilegedunwrap} {@code {"authentication","resource_name","reason",
 *       "wrapped_key"}} → {@code {"key"}}
 * </ul>
 *
 * <p>{@code wrapped_key} is {@code 0x01 || len(kekId) || kekId || engine ciphertext}, the engine
 * ciphertext bound to the context {@code "kacls" NUL resource_name}: it unwraps only with the
 * {@code resource_name} it was wrapped for, and never as a crypto-api ciphertext (nor the reverse).
 * {@code authentication} must be a JWT this KMaaS signed that has not expired ({@link
 * KaclsTokens}). Failures are {@link RequestFailure}s: 401 token, 400 input (including a {@code
 * resource_name} that does not match), 404 unknown KEK.
 */
final class KaclsApi {
  static final int MAX_KEY_BYTES = 128;
  static final int MAX_RESOURCE_NAME_BYTES = 128;
  static final int MAX_REASON_BYTES = 1024;
  static final int MAX_PERIMETER_ID_BYTES = 1024;
  static final int MAX_WRAPPED_KEY_BYTES = 1024;
  static final String VENDOR = "SDS";

  private static final byte FORMAT = 1;
  private static final byte[] CONTEXT_LABEL = "kacls".getBytes(StandardCharsets.US_ASCII);

  private final KmaasEngine engine;
  private final KaclsTokens tokens;

  KaclsApi(KmaasEngine engine, KaclsTokens tokens) {
    this.engine = engine;
    this.tokens = tokens;
  }

  ObjectNode status(String tenant) throws EngineException {
    ObjectNode out = RequestJson.MAPPER.createObjectNode();
    out.put("server_type", "KACLS");
    out.put("vendor_id", VENDOR);
    out.put("version", engine.active(tenant).id());
    out.put("name", "SDS KMaaS standalone (test double), tenant " + tenant);
    out.putArray("operations_supported")
        .add("privilegedwrap")
        .add("privilegedunwrap")
        .add("status");
    return out;
  }

  ObjectNode privilegedWrap(String tenant, JsonNode req) throws RequestFailure, EngineException {
    tokens.verify(RequestJson.text(req, "authentication", false, Integer.MAX_VALUE));
    byte[] key = RequestJson.base64(req, "key");
    if (key.length == 0 || key.length > MAX_KEY_BYTES) {
      throw new RequestFailure(400, "\"key\" must be 1 to " + MAX_KEY_BYTES + " bytes");
    }
    String resourceName = resourceName(req);
    RequestJson.text(req, "reason", false, MAX_REASON_BYTES);
    RequestJson.text(req, "perimeter_id", false, MAX_PERIMETER_ID_BYTES);
    EngineResult.Wrapped wrapped = engine.encrypt(tenant, key, context(resourceName));
    Arrays.fill(key, (byte) 0);
    ObjectNode out = RequestJson.MAPPER.createObjectNode();
    out.put("wrapped_key", Base64.getEncoder().encodeToString(encode(wrapped)));
    return out;
  }

  ObjectNode privilegedUnwrap(String tenant, JsonNode req) throws RequestFailure, EngineException {
    tokens.verify(RequestJson.text(req, "authentication", false, Integer.MAX_VALUE));
    byte[] wrappedKey = RequestJson.base64(req, "wrapped_key");
    String resourceName = resourceName(req);
    RequestJson.text(req, "reason", false, MAX_REASON_BYTES);
    if (wrappedKey.length > MAX_WRAPPED_KEY_BYTES
        || wrappedKey.length < 2
        || wrappedKey[0] != FORMAT
        || wrappedKey.length < 2 + (wrappedKey[1] & 0xff) + KmaasEngine.MIN_CIPHERTEXT_BYTES) {
      throw new RequestFailure(400, "\"wrapped_key\" is not a key this KMaaS wrapped");
    }
    int idLength = wrappedKey[1] & 0xff;
    String kekId = new String(wrappedKey, 2, idLength, StandardCharsets.US_ASCII);
    if (!KeyIdScheme.isValidKekId(kekId)) {
      throw new RequestFailure(400, "\"wrapped_key\" is not a key this KMaaS wrapped");
    }
    byte[] ciphertext = Arrays.copyOfRange(wrappedKey, 2 + idLength, wrappedKey.length);
    byte[] key;
    try {
      key = engine.decrypt(tenant, ciphertext, kekId, context(resourceName));
    } catch (EngineException e) {
      if (e.kind() == EngineException.Kind.BAD_INPUT) {
        throw new RequestFailure(
            400,
            "\"wrapped_key\" does not unwrap for this resource_name (it was wrapped for another"
                + " one, or altered)");
      }
      throw e;
    }
    ObjectNode out = RequestJson.MAPPER.createObjectNode();
    out.put("key", Base64.getEncoder().encodeToString(key));
    Arrays.fill(key, (byte) 0);
    return out;
  }

  private static String resourceName(JsonNode req) throws RequestFailure {
    String name = RequestJson.text(req, "resource_name", true, MAX_RESOURCE_NAME_BYTES);
    if (name.isEmpty()) {
      throw new RequestFailure(400, "\"resource_name\" must not be empty");
    }
    return name;
  }

  /** The engine context: {@code "kacls" NUL resource_name}. */
  private static byte[] context(String resourceName) {
    byte[] name = resourceName.getBytes(StandardCharsets.UTF_8);
    byte[] context = new byte[CONTEXT_LABEL.length + 1 + name.length];
    System.arraycopy(CONTEXT_LABEL, 0, context, 0, CONTEXT_LABEL.length);
    System.arraycopy(name, 0, context, CONTEXT_LABEL.length + 1, name.length);
    return context;
  }

  private static byte[] encode(EngineResult.Wrapped wrapped) {
    byte[] id = wrapped.kekId().getBytes(StandardCharsets.US_ASCII);
    byte[] ct = wrapped.ciphertext();
    byte[] out = new byte[2 + id.length + ct.length];
    out[0] = FORMAT;
    out[1] = (byte) id.length;
    System.arraycopy(id, 0, out, 2, id.length);
    System.arraycopy(ct, 0, out, 2 + id.length, ct.length);
    return out;
  }
}
