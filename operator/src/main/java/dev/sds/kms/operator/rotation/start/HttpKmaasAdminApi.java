package dev.sds.kms.operator.rotation.start;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Base64;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The KMaaS admin API over HTTPS, in the shape the standalone KMaaS ({@code kms-plugin.jar
 * kmaas-server}) serves:
 *
 * <ul>
 *   <li>{@code POST {url}/api/v1/{tenant}/admin/keks/rotate} {@code {}} → {@code {"kek_id", ...}}
 *   <li>{@code POST {url}/api/v1/{tenant}/admin/keks/{kekId}/disable} {@code {}} → 200
 * </ul>
 *
 * with HTTP Basic authentication by the admin key and errors as {@code {"errors": [{"code",
 * "message"}]}}.
 *
 * <p><b>Assumption:</b> the admin API of SDS KMaaS is not public, so this adapter speaks the
 * standalone KMaaS's routes. It is kept apart (only this class knows the routes and bodies) so that
 * another key service's admin API is one new {@link KmaasAdminApi}. Against a key service that
 * offers no admin API, use {@code spec.rotation.rotator: SeedOnly}.
 */
public final class HttpKmaasAdminApi implements KmaasAdminApi {
  static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String tenant;
  private final String authorization;
  private final HttpClient http;

  /**
   * @param url KMaaS base URL ({@code spec.kmaas.url})
   * @param adminKey {@code name:secret}
   * @param caPem PEM certificates to trust, or {@code null} for the JDK's trust store
   */
  public HttpKmaasAdminApi(String url, String tenant, String adminKey, String caPem)
      throws KmaasAdminException {
    this.base = URI.create(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    this.tenant = tenant;
    this.authorization =
        "Basic " + Base64.getEncoder().encodeToString(adminKey.getBytes(StandardCharsets.UTF_8));
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER);
    if (caPem != null) {
      b.sslContext(trusting(caPem));
    }
    this.http = b.build();
  }

  @Override
  public String rotate() throws KmaasAdminException {
    JsonNode body = post("admin/keks/rotate", "create a new KEK for tenant " + tenant);
    JsonNode id = body.get("kek_id");
    if (id == null || !id.isTextual() || id.asText().isEmpty()) {
      throw new KmaasAdminException(
          "KMaaS admin API answered the KEK rotation of tenant " + tenant + " without \"kek_id\"");
    }
    return id.asText();
  }

  @Override
  public void disable(String kekId) throws KmaasAdminException {
    post(
        "admin/keks/" + URLEncoder.encode(kekId, StandardCharsets.UTF_8) + "/disable",
        "disable KEK " + kekId + " of tenant " + tenant);
  }

  private JsonNode post(String route, String what) throws KmaasAdminException {
    URI uri =
        URI.create(
            base + "/api/v1/" + URLEncoder.encode(tenant, StandardCharsets.UTF_8) + "/" + route);
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(TIMEOUT)
            .header("Authorization", authorization)
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}"))
            .build();
    HttpResponse<String> response;
    try {
      response = http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new KmaasAdminException(
          "cannot " + what + ": " + base + " unreachable: " + e.getClass().getSimpleName());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KmaasAdminException("cannot " + what + ": interrupted");
    }
    if (response.statusCode() < 200 || response.statusCode() > 299) {
      throw new KmaasAdminException(
          "cannot "
              + what
              + ": KMaaS admin API answered HTTP "
              + response.statusCode()
              + errorMessage(response.body()));
    }
    try {
      return JSON.readTree(response.body().isEmpty() ? "{}" : response.body());
    } catch (IOException e) {
      throw new KmaasAdminException("cannot " + what + ": KMaaS answered with invalid JSON");
    }
  }

  private static String errorMessage(String body) {
    try {
      JsonNode errors = JSON.readTree(body).path("errors");
      if (errors.isArray() && !errors.isEmpty()) {
        String message = errors.get(0).path("message").asText("");
        if (!message.isEmpty()) {
          return ": " + (message.length() > 200 ? message.substring(0, 200) + "…" : message);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not a JSON error body
    }
    return "";
  }

  private static SSLContext trusting(String pem) throws KmaasAdminException {
    try {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int n = 0;
      for (Certificate c :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(
                  new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
        trust.setCertificateEntry("ca-" + n++, c);
      }
      if (n == 0) {
        throw new KmaasAdminException("the KMaaS CA bundle holds no PEM certificate");
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ssl = SSLContext.getInstance("TLS");
      ssl.init(null, tmf.getTrustManagers(), null);
      return ssl;
    } catch (GeneralSecurityException | IOException e) {
      throw new KmaasAdminException(
          "the KMaaS CA bundle cannot be read as PEM certificates: "
              + e.getClass().getSimpleName());
    }
  }
}
