package dev.sds.kms.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The etcd calls kube-apiserver's storage makes, over etcd's v3 JSON gateway: put, get and a paged
 * prefix range. Keys are strings (as {@code /registry/secrets/ns/name}), values raw bytes.
 */
final class EtcdKv {
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 500;

  private final HttpUrl url;
  private final OkHttpClient http;

  /**
   * One key with its value and the revision that last wrote it (kube-apiserver's resourceVersion).
   */
  record Entry(String key, byte[] value, long modRevision) {}

  /** One page of a range: entries in key order, whether more follow. */
  record Page(List<Entry> entries, boolean more) {}

  EtcdKv(HttpUrl url, OkHttpClient http) {
    this.url = url;
    this.http = http;
  }

  HttpUrl url() {
    return url;
  }

  /** {@code key} with its mod revision, or {@code null} when etcd has none. */
  Entry entry(String key) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("key", b64(key.getBytes(StandardCharsets.UTF_8)));
    JsonNode kvs = post("kv/range", body).path("kvs");
    return kvs.isEmpty() ? null : entry(kvs.get(0));
  }

  /** At most {@code limit} keys in {@code [from, end)}, in key order. */
  Page range(String from, String end, int limit) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("key", b64(from.getBytes(StandardCharsets.UTF_8)));
    body.put("range_end", b64(end.getBytes(StandardCharsets.UTF_8)));
    body.put("limit", limit);
    JsonNode answer = post("kv/range", body);
    List<Entry> entries = new ArrayList<>();
    for (JsonNode kv : answer.path("kvs")) {
      entries.add(entry(kv));
    }
    return new Page(entries, answer.path("more").asBoolean(false));
  }

  /**
   * Writes {@code key} only if its mod revision is still {@code expected} (0: it does not exist),
   * in one etcd transaction as kube-apiserver's guaranteed update does; the new revision, or -1
   * when someone wrote it since.
   */
  long putIfUnchanged(String key, long expected, byte[] value) throws IOException {
    String k = b64(key.getBytes(StandardCharsets.UTF_8));
    ObjectNode body = JSON.createObjectNode();
    ObjectNode compare = body.putArray("compare").addObject();
    compare.put("key", k);
    compare.put("result", "EQUAL");
    compare.put("target", "MOD");
    compare.put("mod_revision", expected);
    ObjectNode put = body.putArray("success").addObject().putObject("request_put");
    put.put("key", k);
    put.put("value", b64(value));
    JsonNode answer = post("kv/txn", body);
    return answer.path("succeeded").asBoolean(false)
        ? answer.path("header").path("revision").asLong()
        : -1;
  }

  private static Entry entry(JsonNode kv) {
    return new Entry(
        new String(Base64.getDecoder().decode(kv.path("key").asText()), StandardCharsets.UTF_8),
        Base64.getDecoder().decode(kv.path("value").asText("")),
        kv.path("mod_revision").asLong());
  }

  void put(String key, byte[] value) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("key", b64(key.getBytes(StandardCharsets.UTF_8)));
    body.put("value", b64(value));
    post("kv/put", body);
  }

  /** The value of {@code key}, or {@code null} when etcd has none. */
  byte[] get(String key) throws IOException {
    byte[] k = key.getBytes(StandardCharsets.UTF_8);
    ObjectNode body = JSON.createObjectNode();
    body.put("key", b64(k));
    JsonNode kvs = post("kv/range", body).path("kvs");
    return kvs.isEmpty() ? null : Base64.getDecoder().decode(kvs.get(0).path("value").asText(""));
  }

  /** Every key under {@code prefix} with its value, in key order. */
  Map<String, byte[]> scan(String prefix) throws IOException {
    byte[] start = prefix.getBytes(StandardCharsets.UTF_8);
    byte[] end = Arrays.copyOf(start, start.length);
    end[end.length - 1]++;
    Map<String, byte[]> all = new LinkedHashMap<>();
    boolean more = true;
    while (more) {
      ObjectNode body = JSON.createObjectNode();
      body.put("key", b64(start));
      body.put("range_end", b64(end));
      body.put("limit", PAGE);
      JsonNode answer = post("kv/range", body);
      byte[] last = null;
      for (JsonNode kv : answer.path("kvs")) {
        last = Base64.getDecoder().decode(kv.path("key").asText());
        all.put(
            new String(last, StandardCharsets.UTF_8),
            Base64.getDecoder().decode(kv.path("value").asText("")));
      }
      more = answer.path("more").asBoolean(false) && last != null;
      if (more) {
        start = Arrays.copyOf(last, last.length + 1); // the next key after the last one
      }
    }
    return all;
  }

  private JsonNode post(String method, ObjectNode body) throws IOException {
    Request request =
        new Request.Builder()
            .url(url.newBuilder().addPathSegment("v3").addPathSegments(method).build())
            .post(RequestBody.create(JSON.writeValueAsBytes(body), JSON_TYPE))
            .build();
    try (Response r = http.newCall(request).execute()) {
      String text = r.body().string();
      if (!r.isSuccessful()) {
        throw new IOException("etcd /v3/" + method + ": HTTP " + r.code() + " " + text);
      }
      return JSON.readTree(text);
    }
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
