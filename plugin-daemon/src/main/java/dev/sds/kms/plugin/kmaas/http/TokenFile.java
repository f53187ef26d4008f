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
 * A token (JWT) read from a file, re-read whenever the file's modification time, size or identity
 * (inode; Kubernetes secret volumes swap a symlink) changes, and cached otherwise. The crypto-api
 * sends it as a bearer header ({@link TokenFileAuthorization}); KACLS sends it in the request body
 * ({@link KaclsAdapter}).
 */
final class TokenFile {
  private final Path path;
  private Stamp cachedStamp;
  private String cachedToken;

  TokenFile(Path path) {
    this.path = Objects.requireNonNull(path, "path");
  }

  Path path() {
    return path;
  }

  /**
   * The token: the file's content without surrounding whitespace.
   *
   * @throws KmaasException ({@link KmaasFailure#AUTH_REJECTED}) when the file is unreadable, empty
   *     or holds more than one printable token; the message names the file, never its content
   */
  synchronized String token() throws KmaasException {
    try {
      Stamp stamp = Stamp.of(Files.readAttributes(path, BasicFileAttributes.class));
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
        cachedToken = token;
        cachedStamp = stamp;
      }
      return cachedToken;
    } catch (IOException e) {
      throw new KmaasException(
          KmaasFailure.AUTH_REJECTED,
          "KMaaS token file " + path + " is unreadable (" + e.getClass().getSimpleName() + ")");
    }
  }

  @Override
  public String toString() {
    return "TokenFile[" + path + "]";
  }

  private record Stamp(FileTime modified, long size, Object fileKey) {
    static Stamp of(BasicFileAttributes attributes) {
      return new Stamp(attributes.lastModifiedTime(), attributes.size(), attributes.fileKey());
    }
  }
}
