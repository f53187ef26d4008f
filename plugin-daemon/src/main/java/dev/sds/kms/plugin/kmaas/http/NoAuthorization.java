package dev.sds.kms.plugin.kmaas.http;

/** No Authorization header (KMaaS authenticates by client certificate, or not at all). */
final class NoAuthorization implements Authorization {
  static final NoAuthorization INSTANCE = new NoAuthorization();

  private NoAuthorization() {}

  @Override
  public String headerValue() {
    return null;
  }

  @Override
  public String toString() {
    return "NoAuthorization";
  }
}
