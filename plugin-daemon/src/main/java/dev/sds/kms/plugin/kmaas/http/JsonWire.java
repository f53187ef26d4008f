package dev.sds.kms.plugin.kmaas.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import java.io.IOException;
import java.util.Base64;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.Request;
import okhttp3.RequestBody;

/**
 * JSON on the wire, for the {@link ProtocolAdapter}s: request bodies out, strict reading of answers
 * in. Parse failures raise {@link KmaasFailure#PROTOCOL} naming the endpoint and the field, never
 * the body.
 */
final class JsonWire {
  static final ObjectMapper MAPPER = new ObjectMapper();
  private static final MediaType JSON = MediaType.get("application/json");

  private JsonWire() {}

  static ObjectNode object() {
    return MAPPER.createObjectNode();
  }

  static String base64(byte[] bytes) {
    return Base64.getEncoder().encodeToString(bytes);
  }

  /** {@code POST url} with a JSON body; no credentials. */
  static Request post(HttpUrl url, ObjectNode body) {
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

  /** {@code GET url} accepting JSON; no credentials. */
  static Request get(HttpUrl url) {
    return new Request.Builder().url(url).header("Accept", "application/json").get().build();
  }

  /** The body as a JSON object, else {@link KmaasFailure#PROTOCOL}. */
  static JsonNode object(byte[] body, HttpUrl url) throws KmaasException {
    JsonNode root = tree(body);
    if (root == null || !root.isObject()) {
      throw protocol("KMaaS answer from " + url + " is not a JSON object");
    }
    return root;
  }

  /** The body as JSON, or {@code null} when it is empty or not JSON. */
  static JsonNode tree(byte[] body) {
    try {
      return body == null || body.length == 0 ? null : MAPPER.readTree(body);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  static String textField(JsonNode root, String name, HttpUrl url) throws KmaasException {
    JsonNode node = root.get(name);
    if (node == null || !node.isTextual() || node.textValue().isEmpty()) {
      throw protocol("KMaaS answer from " + url + " lacks a non-empty string \"" + name + "\"");
    }
    return node.textValue();
  }

  static byte[] base64Field(JsonNode root, String name, HttpUrl url) throws KmaasException {
    String text = textField(root, name, url);
    try {
      return Base64.getDecoder().decode(text);
    } catch (IllegalArgumentException e) {
      throw protocol("KMaaS answer from " + url + " has a \"" + name + "\" that is not base64");
    }
  }

  static KmaasException protocol(String message) {
    return new KmaasException(KmaasFailure.PROTOCOL, message);
  }
}
