package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasException;
import java.nio.file.Path;

/** A bearer token (JWT) read from a {@link TokenFile}: {@code Bearer <token>}. */
final class TokenFileAuthorization implements Authorization {
  private final TokenFile file;

  TokenFileAuthorization(Path path) {
    this.file = new TokenFile(path);
  }

  @Override
  public String headerValue() throws KmaasException {
    return "Bearer " + file.token();
  }

  @Override
  public String toString() {
    return "TokenFileAuthorization[" + file.path() + "]";
  }
}
