package dev.sds.kms.plugin.kmaas.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Strict reading of standalone KMaaS request bodies; every problem is a 400 {@link RequestFailure}.
 */
final class RequestJson {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private RequestJson() {}

  /** The body as a JSON object. */
  static JsonNode object(byte[] body) throws RequestFailure {
    JsonNode node;
    try {
      node = MAPPER.readTree(body);
    } catch (IOException e) {
      throw new RequestFailure(400, "request body is not valid JSON");
    }
    if (node == null || !node.isObject()) {
      throw new RequestFailure(400, "request body must be a JSON object");
    }
    return node;
  }

  /** The base64 string field {@code field}, decoded. */
  static byte[] base64(JsonNode req, String field) throws RequestFailure {
    JsonNode value = req.get(field);
    if (value == null || !value.isTextual()) {
      throw new RequestFailure(400, "\"" + field + "\" must be a base64 string");
    }
    try {
      return Base64.getDecoder().decode(value.asText());
    } catch (IllegalArgumentException e) {
      throw new RequestFailure(400, "\"" + field + "\" is not valid base64");
    }
  }

  /**
   * The string field {@code field} of at most {@code maxBytes} UTF-8 bytes; {@code null} when it is
   * absent and not {@code required}.
   */
  static String text(JsonNode req, String field, boolean required, int maxBytes)
      throws RequestFailure {
    JsonNode value = req.get(field);
    if (value == null || value.isNull()) {
      if (required) {
        throw new RequestFailure(400, "\"" + field + "\" is required");
      }
      return null;
    }
    if (!value.isTextual()) {
      throw new RequestFailure(400, "\"" + field + "\" must be a string");
    }
    if (value.textValue().getBytes(StandardCharsets.UTF_8).length > maxBytes) {
      throw new RequestFailure(400, "\"" + field + "\" is longer than " + maxBytes + " bytes");
    }
    return value.textValue();
  }
}
