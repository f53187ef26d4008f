package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.Objects;

/**
 * A bearer token (JWT) read from a file: {@code Bearer <token>}. The file is re-read whenever its
 * modification time, size or identity (inode; Kubernetes secret volumes swap a symlink) changes,
 * and cached otherwise.
 */
final class TokenFileAuthorization implements Authorization {
  private final Path path;
  private Stamp cachedStamp;
  private String cachedValue;

  TokenFileAuthorization(Path path) {
    this.path = Objects.requireNonNull(path, "path");
  }

  @Override
  public synchronized String headerValue() throws KmaasException {
    Stamp stamp;
    try {
      stamp = Stamp.of(Files.readAttributes(path, BasicFileAttributes.class));
      if (!stamp.equals(cachedStamp)) {
        String token = Files.readString(path, StandardCharsets.UTF_8).strip();
        if (token.isEmpty()) {
          throw new KmaasException(
              KmaasFailure.AUTH_REJECTED, "KMaaS token file " + path + " is empty");
        }
        if (token.chars().anyMatch(c -> c < 0x21 || c > 0x7e)) {
          throw new KmaasException(
              KmaasFailure.AUTH_REJECTED,
              "KMaaS token file " + path + " holds more than one printable token");
        }
        cachedValue = "Bearer " + token;
        cachedStamp = stamp;
      }
      return cachedValue;
    } catch (IOException e) {
      throw new KmaasException(
          KmaasFailure.AUTH_REJECTED,
          "KMaaS token file " + path + " is unreadable (" + e.getClass().getSimpleName() + ")");
    }
  }

  @Override
  public String toString() {
    return "TokenFileAuthorization[" + path + "]";
  }

  private record Stamp(FileTime modified, long size, Object fileKey) {
    static Stamp of(BasicFileAttributes attributes) {
      return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    }
  }
}
