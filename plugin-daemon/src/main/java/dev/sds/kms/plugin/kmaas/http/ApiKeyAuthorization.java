package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/** An SDS KMaaS API key as HTTP Basic: {@code Basic base64(name:secret)}. */
final class ApiKeyAuthorization implements Authorization {
  private final String name;
  private final String value;

  ApiKeyAuthorization(KmaasCredentials.ApiKey apiKey) {
    this.name = apiKey.name();
    String pair = apiKey.name() + ":" + apiKey.secret();
    this.value =
        "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public String headerValue() {
    return value;
  }

  @Override
  public String toString() {
    return "ApiKeyAuthorization[name=" + name + ", secret=<redacted>]";
  }
}
