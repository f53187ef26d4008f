package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasException;

/**
 * The {@code Authorization} header value sent to KMaaS. Implementations never show it in {@code
 * toString()}.
 */
public interface Authorization {

  /**
   * The header value, or {@code null} for no header.
   *
   * @throws KmaasException ({@link dev.sds.kms.plugin.kmaas.KmaasFailure#AUTH_REJECTED}) when the
   *     credential cannot be produced, for example an empty or unreadable token file
   */
  String headerValue() throws KmaasException;

  /** The header for {@code credentials}: API key → Basic, token file → Bearer, none → no header. */
  static Authorization of(KmaasCredentials credentials) {
    if (credentials == null || credentials instanceof KmaasCredentials.None) {
      return NoAuthorization.INSTANCE;
    }
    if (credentials instanceof KmaasCredentials.ApiKey apiKey) {
      return new ApiKeyAuthorization(apiKey);
    }
    if (credentials instanceof KmaasCredentials.TokenFile tokenFile) {
      return new TokenFileAuthorization(tokenFile.path());
    }
    throw new IllegalArgumentException("unsupported credentials " + credentials.getClass());
  }
}
