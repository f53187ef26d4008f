package dev.sds.kms.plugin.kmaas.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.kmaas.engine.KekStore;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import okhttp3.Credentials;
import okhttp3.HttpUrl;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okhttp3.tls.HandshakeCertificates;

/**
 * Admin calls of the standalone KMaaS ({@link StandaloneKmaasServer}): rotate, list and disable
 * KEKs of a tenant with the admin key. {@link IOException} messages carry the HTTP status and the
 * server's error message (admin-facing, no secrets), never the key.
 */
public final class KmaasAdminClient implements AutoCloseable {
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final MediaType JSON = MediaType.get("application/json");

  private final HttpUrl base;
  private final String authorization;
  private final OkHttpClient http;

  /**
   * @param url base URL, e.g. {@code https://127.0.0.1:3000}
   * @param adminKey the admin key ({@code admin-key} file of the server's state directory)
   * @param caFile PEM CA(s) to trust (e.g. the server's {@code tls.crt}); {@code null}: JDK trust
   */
  public KmaasAdminClient(URI url, KmaasCredentials.ApiKey adminKey, Path caFile)
      throws IOException {
    this(url, adminKey, caFile, null, null);
  }

  /** As above, with a client certificate (PEM) and its PKCS#8 key for a server that wants mTLS. */
  public KmaasAdminClient(
      URI url,
      KmaasCredentials.ApiKey adminKey,
      Path caFile,
      Path clientCertFile,
      Path clientKeyFile)
      throws IOException {
    Objects.requireNonNull(url, "url");
    Objects.requireNonNull(adminKey, "adminKey");
    HttpUrl parsed = HttpUrl.parse(url.toString());
    if (parsed == null || !parsed.isHttps()) {
      throw new IllegalArgumentException("KMaaS URL must be an https:// URL");
    }
    this.base = parsed;
    this.authorization =
        Credentials.basic(adminKey.name(), adminKey.secret(), StandardCharsets.UTF_8);
    OkHttpClient.Builder b =
        new OkHttpClient.Builder()
            .connectTimeout(Duration.ofSeconds(10))
            .callTimeout(Duration.ofSeconds(30))
            .followRedirects(false);
    if (caFile != null || clientCertFile != null) {
      HandshakeCertificates.Builder hc = new HandshakeCertificates.Builder();
      if (caFile != null) {
        for (X509Certificate ca : Pem.readCertificates(caFile)) {
          hc.addTrustedCertificate(ca);
        }
      } else {
        hc.addPlatformTrustedCertificates();
      }
      if (clientCertFile != null) {
        List<X509Certificate> chain = new ArrayList<>();
        hc.heldCertificate(
            Pem.readHeld(clientCertFile, clientKeyFile, chain),
            chain.toArray(new X509Certificate[0]));
      }
      HandshakeCertificates certs = hc.build();
      b.sslSocketFactory(certs.sslSocketFactory(), certs.trustManager());
    }
    this.http = b.build();
  }

  /** Creates a new active KEK for {@code tenant}; returns it. */
  public KekInfo rotate(String tenant) throws IOException {
    JsonNode body =
        call(
            new Request.Builder()
                .url(url(tenant, "keks", "rotate"))
                .post(RequestBody.create("{}", JSON)),
            "rotate KEK of tenant " + tenant);
    return new KekInfo(text(body, "kek_id"), instant(body, "created"), true);
  }

  /** The tenant's KEKs, as the server lists them (oldest first; the last is active). */
  public List<KekInfo> list(String tenant) throws IOException {
    JsonNode body =
        call(new Request.Builder().url(url(tenant, "keks")).get(), "list KEKs of tenant " + tenant);
    JsonNode keks = body.get("keks");
    if (keks == null || !keks.isArray()) {
      throw new IOException("KMaaS answered without a \"keks\" list");
    }
    List<KekInfo> out = new ArrayList<>();
    for (JsonNode k : keks) {
      out.add(
          new KekInfo(
              text(k, "kek_id"),
              instant(k, "created"),
              k.path("active").asBoolean(),
              k.path("disabled").asBoolean(false)));
    }
    return List.copyOf(out);
  }

  /**
   * Disables KEK {@code kekId} of {@code tenant}: KMaaS keeps it but neither encrypts nor decrypts
   * with it any more. Disabling a disabled KEK succeeds.
   */
  public void disable(String tenant, String kekId) throws IOException {
    if (kekId == null || kekId.isEmpty() || kekId.contains("/")) {
      throw new IllegalArgumentException("invalid KEK id");
    }
    call(
        new Request.Builder()
            .url(url(tenant, "keks", kekId, "disable"))
            .post(RequestBody.create("{}", JSON)),
        "disable KEK " + kekId + " of tenant " + tenant);
  }

  @Override
  public void close() {
    http.dispatcher().executorService().shutdown();
    http.connectionPool().evictAll();
  }

  private HttpUrl url(String tenant, String... rest) {
    if (!KekStore.isValidTenant(tenant)) {
      throw new IllegalArgumentException("invalid tenant name");
    }
    HttpUrl.Builder b =
        base.newBuilder().addPathSegments("api/v1").addPathSegment(tenant).addPathSegment("admin");
    for (String s : rest) {
      b.addPathSegment(s);
    }
    return b.build();
  }

  private JsonNode call(Request.Builder request, String what) throws IOException {
    Request r = request.header("Authorization", authorization).build();
    int code;
    String text;
    try (Response response = http.newCall(r).execute()) {
      ResponseBody body = response.body();
      code = response.code();
      text = body == null ? "" : body.string();
    } catch (javax.net.ssl.SSLException e) {
      throw new IOException(
          "cannot "
              + what
              + ": TLS with "
              + base.host()
              + ":"
              + base.port()
              + " failed: "
              + e.getMessage(),
          e);
    } catch (IOException e) {
      throw new IOException("cannot " + what + ": " + base + " unreachable: " + e.getMessage(), e);
    }
    if (code < 200 || code > 299) {
      throw new IOException(
          "cannot " + what + ": KMaaS answered HTTP " + code + errorMessage(text));
    }
    try {
      return MAPPER.readTree(text);
    } catch (IOException e) {
      throw new IOException("cannot " + what + ": KMaaS answered with invalid JSON");
    }
  }

  private static String errorMessage(String body) {
    try {
      JsonNode errors = MAPPER.readTree(body).path("errors");
      if (errors.isArray() && !errors.isEmpty()) {
        String message = errors.get(0).path("message").asText("");
        if (!message.isEmpty()) {
          return ": " + (message.length() > 300 ? message.substring(0, 300) + "…" : message);
        }
      }
    } catch (IOException | RuntimeException e) {
      // no JSON error body
    }
    return "";
  }

  private static String text(JsonNode node, String field) throws IOException {
    JsonNode v = node.get(field);
    if (v == null || !v.isTextual()) {
      throw new IOException("KMaaS answered without \"" + field + "\"");
    }
    return v.asText();
  }

  private static Instant instant(JsonNode node, String field) throws IOException {
    try {
      return Instant.parse(text(node, field));
    } catch (DateTimeParseException e) {
      throw new IOException("KMaaS answered with an invalid \"" + field + "\" time");
    }
  }
}
