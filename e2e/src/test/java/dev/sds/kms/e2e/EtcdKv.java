package dev.sds.kms.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.etcd.EtcdException;
import dev.sds.kms.plugin.etcd.EtcdGateway;
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
 * The etcd calls kube-apiserver's storage makes: reads through the daemon's {@link EtcdGateway}
 * (the client {@code audit} and {@code recover} use), plus the writes the tests need (put, and a
 * transaction on the mod revision), over etcd's v3 JSON gateway. Keys are strings (as {@code
 * /registry/secrets/ns/name}), values raw bytes.
 */
final class EtcdKv {
  private static final MediaType JSON_TYPE = MediaType.get("application/json");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int PAGE = 500;

  private final HttpUrl url;
  private final OkHttpClient http;
  private final EtcdGateway gateway;

  /**
   * One key with its value and the revision that last wrote it (kube-apiserver's resourceVersion).
   */
  record Entry(String key, byte[] value, long modRevision) {}

  /** One page of a range: entries in key order, whether more follow. */
  record Page(List<Entry> entries, boolean more) {}

  EtcdKv(HttpUrl url, OkHttpClient http) {
    this.url = url;
    this.http = http;
    this.gateway = new EtcdGateway(List.of(url), http);
  }

  HttpUrl url() {
    return url;
  }

  /** {@code key} with its mod revision, or {@code null} when etcd has none. */
  Entry entry(String key) throws IOException {
    try {
      EtcdGateway.KeyValue kv = gateway.get(utf8(key));
      return kv == null ? null : entry(kv);
    } catch (EtcdException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** At most {@code limit} keys in {@code [from, end)}, in key order. */
  Page range(String from, String end, int limit) throws IOException {
    try {
      EtcdGateway.Page page = gateway.range(utf8(from), utf8(end), limit, 0);
      List<Entry> entries = new ArrayList<>();
      for (EtcdGateway.KeyValue kv : page.kvs()) {
        entries.add(entry(kv));
      }
      return new Page(entries, page.more());
    } catch (EtcdException e) {
      throw new IOException(e.getMessage(), e);
    }
  }

  /** The value of {@code key}, or {@code null} when etcd has none. */
  byte[] get(String key) throws IOException {
    Entry e = entry(key);
    return e == null ? null : e.value();
  }

  /** Every key under {@code prefix} with its value, in key order. */
  Map<String, byte[]> scan(String prefix) throws IOException {
    byte[] start = utf8(prefix);
    byte[] end = Arrays.copyOf(start, start.length);
    end[end.length - 1]++;
    Map<String, byte[]> all = new LinkedHashMap<>();
    try {
      boolean more = true;
      while (more) {
        EtcdGateway.Page page = gateway.range(start, end, PAGE, 0);
        byte[] last = null;
        for (EtcdGateway.KeyValue kv : page.kvs()) {
          last = kv.key();
          all.put(new String(last, StandardCharsets.UTF_8), kv.value());
        }
        more = page.more() && last != null;
        if (more) {
          start = Arrays.copyOf(last, last.length + 1); // the next key after the last one
        }
      }
    } catch (EtcdException e) {
      throw new IOException(e.getMessage(), e);
    }
    return all;
  }

  /**
   * Writes {@code key} only if its mod revision is still {@code expected} (0: it does not exist),
   * in one etcd transaction as kube-apiserver's guaranteed update does; the new revision, or -1
   * when someone wrote it since.
   */
  long putIfUnchanged(String key, long expected, byte[] value) throws IOException {
    String k = b64(utf8(key));
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

  void put(String key, byte[] value) throws IOException {
    ObjectNode body = JSON.createObjectNode();
    body.put("key", b64(utf8(key)));
    body.put("value", b64(value));
    post("kv/put", body);
  }

  private static Entry entry(EtcdGateway.KeyValue kv) {
    return new Entry(new String(kv.key(), StandardCharsets.UTF_8), kv.value(), kv.modRevision());
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

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }
}
