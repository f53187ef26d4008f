package dev.sds.kms.plugin.kmaas;

import java.nio.file.Path;
import java.util.Objects;

/** How the daemon authenticates to KMaaS. {@code toString()} never shows a secret. */
public sealed interface KmaasCredentials {

  /** No credentials (the embedded KMaaS, or a KMaaS that authenticates by client certificate). */
  record None() implements KmaasCredentials {}

  /**
   * An SDS KMaaS API key, sent as HTTP Basic {@code base64(name:secret)}. The name may not contain
   * ':'.
   */
  record ApiKey(String name, String secret) implements KmaasCredentials {
    public ApiKey {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(secret, "secret");
      if (name.isEmpty() || name.contains(":")) {
        throw new IllegalArgumentException("API key name must be non-empty and contain no ':'");
      }
      if (secret.isEmpty()) {
        throw new IllegalArgumentException("API key secret must not be empty");
      }
    }

    /** Parses {@code name:secret}; the message never echoes the value. */
    public static ApiKey parse(String value) {
      int colon = value == null ? -1 : value.indexOf(':');
      if (colon <= 0 || colon == value.length() - 1) {
        throw new IllegalArgumentException("must have the form <key-name>:<key-secret>");
      }
      return new ApiKey(value.substring(0, colon), value.substring(colon + 1).strip());
    }

    @Override
    public String toString() {
      return "ApiKey[name=" + name + ", secret=<redacted>]";
    }
  }

  /** A bearer token (JWT) read from a file and re-read whenever the file changes. */
  record TokenFile(Path path) implements KmaasCredentials {
    public TokenFile {
      Objects.requireNonNull(path, "path");
    }
  }
}
