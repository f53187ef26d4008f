package dev.sds.kms.plugin.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * A read-only client of etcd's v3 JSON gateway ({@code POST /v3/kv/range}), the HTTP face every
 * etcd ≥ 3.3 serves on its client port. etcd 3.3 serves it under {@code /v3beta/}: an endpoint that
 * answers 404 under {@code /v3/} is asked under {@code /v3beta/}. Endpoints are tried in order
 * until one answers; the one that answered is asked first next time.
 *
 * <p>No jetcd: its gRPC and Netty versions would not converge with the daemon's. Thread-safe.
 */
public final class EtcdGateway {
  private static final MediaType JSON = MediaType.get("application/json");
  private static final List<String> API_PATHS = List.of("v3", "v3beta");
  private static final int MAX_MESSAGE = 200;

  /**
   * One key and its value, as stored.
   *
   * @param modRevision the revision that last wrote the key (kube-apiserver's resourceVersion)
   */
  public record KeyValue(byte[] key, byte[] value, long modRevision) {}

  /**
   * One page of a range.
   *
   * @param more whether etcd holds more keys in the range after the last one
   * @param revision the store revision the page was read at
   */
  public record Page(List<KeyValue> kvs, boolean more, long revision) {}

  private final List<HttpUrl> endpoints;
  private final OkHttpClient http;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<HttpUrl, String> apiPath = new ConcurrentHashMap<>();
  private final AtomicInteger rangeRequests = new AtomicInteger();
  private volatile int preferred;

  public EtcdGateway(List<HttpUrl> endpoints, OkHttpClient http) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no etcd endpoint");
    }
    this.endpoints = List.copyOf(endpoints);
    this.http = http;
  }

  /**
   * Keys in {@code [start, end)} with their values, at most {@code limit}, in key order.
   *
   * @param revision the revision to read at, or 0 for the newest
   */
  public Page range(byte[] start, byte[] end, int limit, long revision) throws EtcdException {
    ObjectNode body = json.createObjectNode();
    body.put("key", Base64.getEncoder().encodeToString(start));
    body.put("range_end", Base64.getEncoder().encodeToString(end));
    body.put("limit", limit);
    body.put("keys_only", false);
    if (revision > 0) {
      body.put("revision", revision);
    }
    rangeRequests.incrementAndGet();
    JsonNode answer = post("kv/range", body);
    List<KeyValue> kvs = new ArrayList<>();
    for (JsonNode kv : answer.path("kvs")) {
      kvs.add(keyValue(kv));
    }
    long rev = answer.path("header").path("revision").asLong(0);
    return new Page(kvs, answer.path("more").asBoolean(false), rev);
  }

  /** The newest value of exactly {@code key}, or {@code null} when etcd holds no such key. */
  public KeyValue get(byte[] key) throws EtcdException {
    ObjectNode body = json.createObjectNode();
    body.put("key", Base64.getEncoder().encodeToString(key));
    rangeRequests.incrementAndGet();
    JsonNode kvs = post("kv/range", body).path("kvs");
    return kvs.isEmpty() ? null : keyValue(kvs.get(0));
  }

  private static KeyValue keyValue(JsonNode kv) {
    return new KeyValue(
        Base64.getDecoder().decode(kv.path("key").asText("")),
        Base64.getDecoder().decode(kv.path("value").asText("")),
        kv.path("mod_revision").asLong(0));
  }

  /** How many range requests this client sent (paging is observable in tests). */
  public int rangeRequests() {
    return rangeRequests.get();
  }

  private JsonNode post(String method, ObjectNode body) throws EtcdException {
    byte[] bytes;
    try {
      bytes = json.writeValueAsBytes(body);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < endpoints.size(); i++) {
      int index = (preferred + i) % endpoints.size();
      HttpUrl endpoint = endpoints.get(index);
      try {
        JsonNode answer = post(endpoint, method, bytes);
        preferred = index;
        return answer;
      } catch (Unavailable e) {
        failures.add(endpoint + ": " + e.getMessage());
      }
    }
    if (failures.size() == 1) {
      throw new EtcdException("etcd " + failures.get(0));
    }
    throw new EtcdException("no etcd endpoint answered: " + String.join("; ", failures));
  }

  /** One endpoint: its remembered API path, else /v3/ then /v3beta/ on 404. */
  private JsonNode post(HttpUrl endpoint, String method, byte[] body)
      throws Unavailable, EtcdException {
    String known = apiPath.get(endpoint);
    List<String> paths = known != null ? List.of(known) : API_PATHS;
    for (String path : paths) {
      HttpUrl url = endpoint.newBuilder().addPathSegment(path).addPathSegments(method).build();
      Request request = new Request.Builder().url(url).post(RequestBody.create(body, JSON)).build();
      try (Response response = http.newCall(request).execute()) {
        if (response.code() == 404) {
          continue;
        }
        String text = response.body().string();
        if (response.code() >= 500) {
          throw new Unavailable("HTTP " + response.code() + errorMessage(text));
        }
        if (!response.isSuccessful()) {
          throw new EtcdException(
              "etcd " + endpoint + ": HTTP " + response.code() + errorMessage(text));
        }
        apiPath.put(endpoint, path);
        try {
          return json.readTree(text);
        } catch (IOException e) {
          throw new Unavailable("answer of /" + path + "/" + method + " is not JSON");
        }
      } catch (IOException e) {
        throw new Unavailable(oneLine(String.valueOf(e.getMessage())));
      }
    }
    throw new Unavailable(
        "not an etcd v3 JSON gateway (404 on /v3/" + method + " and /v3beta/" + method + ")");
  }

  /** etcd's {@code {"error": …, "message": …}} as ": message"; never echoes anything else. */
  private String errorMessage(String text) {
    try {
      JsonNode node = json.readTree(text);
      String message = node.path("message").asText(node.path("error").asText(""));
      return message.isEmpty() ? "" : ": " + oneLine(message);
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static String oneLine(String s) {
    String flat = s.replaceAll("\\s+", " ").strip();
    return flat.length() > MAX_MESSAGE ? flat.substring(0, MAX_MESSAGE) + "…" : flat;
  }

  /** The endpoint did not answer usefully; the next one may. */
  private static final class Unavailable extends Exception {
    Unavailable(String message) {
      super(message, null, false, false);
    }
  }
}
