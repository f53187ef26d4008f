package dev.sds.kms.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.storage.StorageException;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Secrets API of a kube-apiserver whose storage is a real etcd through {@link ApiserverStorage}
 * (the KMS v2 envelope); every other request goes to {@code others} (the operator tests' CRUD
 * mock). Secrets are stored as their JSON (without resourceVersion, which is etcd's mod revision of
 * the key, as in kube-apiserver):
 *
 * <ul>
 *   <li>LIST (all namespaces or one) ranges over {@code /registry/secrets/} in key order, decrypts
 *       every value, honours {@code limit} and answers a continue token (the last key);
 *   <li>GET decrypts one value;
 *   <li>PUT checks the resourceVersion against the stored mod revision (409 when stale), then
 *       stores the object again sealed under the CURRENT seed: a no-op update keeps the stored
 *       plaintext byte for byte and only re-encrypts it, which is what the operator's migration
 *       relies on; the write is an etcd transaction on the mod revision;
 *   <li>POST creates (409 when it exists).
 * </ul>
 *
 * Watches of Secrets are not served (the operator reads Secrets with GET and LIST only).
 */
final class EtcdSecretsApi extends Dispatcher {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String PREFIX = "/registry/secrets/";
  private static final Pattern LIST = Pattern.compile("^/api/v1/(?:namespaces/([^/]+)/)?secrets$");
  private static final Pattern OBJECT =
      Pattern.compile("^/api/v1/namespaces/([^/]+)/secrets/([^/]+)$");

  private final ApiserverStorage storage;
  private final EtcdKv etcd;
  private final Dispatcher others;
  private final Map<String, AtomicInteger> updates = new ConcurrentHashMap<>();
  private final List<String> errors = new CopyOnWriteArrayList<>();

  EtcdSecretsApi(ApiserverStorage storage, EtcdKv etcd, Dispatcher others) {
    this.storage = storage;
    this.etcd = etcd;
    this.others = others;
  }

  /** Successful PUTs per etcd key. */
  Map<String, Integer> updates() {
    Map<String, Integer> copy = new LinkedHashMap<>();
    updates.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /** Requests that failed inside this API (500s), with their cause. */
  List<String> errors() {
    return List.copyOf(errors);
  }

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String full = request.getPath();
    int q = full.indexOf('?');
    String path = q < 0 ? full : full.substring(0, q);
    Map<String, String> query = q < 0 ? Map.of() : query(full.substring(q + 1));
    Matcher list = LIST.matcher(path);
    Matcher object = OBJECT.matcher(path);
    if (!list.matches() && !object.matches()) {
      return others.dispatch(request);
    }
    String method = request.getMethod();
    try {
      if (query.containsKey("watch")) {
        return status(405, "MethodNotAllowed", "this test API does not watch secrets");
      }
      if (list.matches() && "GET".equals(method)) {
        return list(list.group(1), query);
      }
      if (list.matches() && "POST".equals(method) && list.group(1) != null) {
        return create(list.group(1), request.getUtf8Body());
      }
      if (object.matches() && "GET".equals(method)) {
        return get(object.group(1), object.group(2));
      }
      if (object.matches() && "PUT".equals(method)) {
        return update(object.group(1), object.group(2), request.getUtf8Body());
      }
      return status(405, "MethodNotAllowed", method + " " + path);
    } catch (IOException | StorageException | RuntimeException e) {
      errors.add(method + " " + path + ": " + e);
      return status(500, "InternalError", e.toString());
    }
  }

  private MockResponse list(String namespace, Map<String, String> query)
      throws IOException, StorageException {
    String prefix = namespace == null ? PREFIX : PREFIX + namespace + "/";
    String end = prefix.substring(0, prefix.length() - 1) + (char) ('/' + 1);
    String from = prefix;
    String token = query.get("continue");
    if (token != null && !token.isEmpty()) {
      // the next key after the last one listed
      from = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8) + "\0";
    }
    int limit = Integer.parseInt(query.getOrDefault("limit", "0"));
    EtcdKv.Page page = etcd.range(from, end, limit);
    ObjectNode answer = JSON.createObjectNode();
    answer.put("kind", "SecretList");
    answer.put("apiVersion", "v1");
    ObjectNode meta = answer.putObject("metadata");
    ArrayNode items = answer.putArray("items");
    long revision = 0;
    for (EtcdKv.Entry e : page.entries()) {
      items.add(object(e));
      revision = Math.max(revision, e.modRevision());
    }
    meta.put("resourceVersion", String.valueOf(revision));
    if (page.more() && !page.entries().isEmpty()) {
      String last = page.entries().get(page.entries().size() - 1).key();
      meta.put(
          "continue",
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(last.getBytes(StandardCharsets.UTF_8)));
    }
    return json(200, answer);
  }

  private MockResponse get(String namespace, String name) throws IOException, StorageException {
    EtcdKv.Entry e = etcd.entry(key(namespace, name));
    return e == null ? notFound(name) : json(200, object(e));
  }

  private MockResponse create(String namespace, String body) throws IOException, StorageException {
    ObjectNode object = (ObjectNode) JSON.readTree(body);
    ((ObjectNode) object.path("metadata")).put("namespace", namespace);
    ((ObjectNode) object.path("metadata")).remove("resourceVersion");
    String key = key(namespace, object.path("metadata").path("name").asText());
    byte[] plaintext = JSON.writeValueAsBytes(object);
    long revision = etcd.putIfUnchanged(key, 0, storage.encode(key, plaintext));
    if (revision < 0) {
      return status(409, "AlreadyExists", key + " already exists");
    }
    ((ObjectNode) object.path("metadata")).put("resourceVersion", String.valueOf(revision));
    return json(201, object);
  }

  private MockResponse update(String namespace, String name, String body)
      throws IOException, StorageException {
    String key = key(namespace, name);
    EtcdKv.Entry current = etcd.entry(key);
    if (current == null) {
      return notFound(name);
    }
    ObjectNode wanted = (ObjectNode) JSON.readTree(body);
    String version = wanted.path("metadata").path("resourceVersion").asText("");
    if (!version.equals(String.valueOf(current.modRevision()))) {
      return status(
          409,
          "Conflict",
          "Operation cannot be fulfilled on secrets \""
              + name
              + "\": the object has been modified; please apply your changes to the latest"
              + " version and try again");
    }
    byte[] stored = storage.decode(key, current.value());
    ((ObjectNode) wanted.path("metadata")).remove("resourceVersion");
    // an update that changes nothing stores the same plaintext again, under the current seed
    byte[] plaintext =
        JSON.readTree(stored).equals(wanted) ? stored : JSON.writeValueAsBytes(wanted);
    long revision = etcd.putIfUnchanged(key, current.modRevision(), storage.encode(key, plaintext));
    if (revision < 0) {
      return status(409, "Conflict", "the object has been modified");
    }
    updates.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    return json(200, object(new EtcdKv.Entry(key, null, revision), plaintext));
  }

  private ObjectNode object(EtcdKv.Entry e) throws IOException, StorageException {
    return object(e, storage.decode(e.key(), e.value()));
  }

  private static ObjectNode object(EtcdKv.Entry e, byte[] plaintext) throws IOException {
    ObjectNode object = (ObjectNode) JSON.readTree(plaintext);
    ((ObjectNode) object.path("metadata")).put("resourceVersion", String.valueOf(e.modRevision()));
    return object;
  }

  private static String key(String namespace, String name) {
    return PREFIX + namespace + "/" + name;
  }

  private static MockResponse notFound(String name) {
    return status(404, "NotFound", "secrets \"" + name + "\" not found");
  }

  private static MockResponse json(int code, JsonNode body) throws IOException {
    return new MockResponse().setResponseCode(code).setBody(JSON.writeValueAsString(body));
  }

  private static MockResponse status(int code, String reason, String message) {
    ObjectNode s = JSON.createObjectNode();
    s.put("kind", "Status");
    s.put("apiVersion", "v1");
    s.putObject("metadata");
    s.put("status", "Failure");
    s.put("code", code);
    s.put("reason", reason);
    s.put("message", message);
    return new MockResponse().setResponseCode(code).setBody(s.toString());
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }
}
