package dev.sds.kms.plugin.config;

import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasProtocol;
import dev.sds.kms.plugin.server.UnixEndpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One small parser per kind of value. Each takes the stripped, non-empty raw text and either
 * returns the value or throws {@link IllegalArgumentException} whose message says what is wrong
 * without repeating the value (the caller adds the setting's name and, unless it is secret or the
 * parser throws {@link Redacted}, the value in quotes).
 */
final class ValueParsers {

  /** A parser of one setting's raw text. */
  @FunctionalInterface
  interface ValueParser<T> {
    T parse(String raw);
  }

  /** Thrown when the raw value must not be echoed (it may hold a secret). */
  static final class Redacted extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    Redacted(String message) {
      super(message);
    }
  }

  private static final Pattern GROUP = Pattern.compile("[A-Za-z_][A-Za-z0-9._-]{0,31}|\\d{1,10}");
  private static final Pattern PORT = Pattern.compile("\\d{1,5}");
  private static final int MAX_SECRET_FILE_BYTES = 64 * 1024;

  private ValueParsers() {}

  static ValueParser<Duration> duration(Duration min, Duration max) {
    return raw -> {
      Duration d = Durations.parse(raw);
      if (min != null && d.compareTo(min) < 0) {
        throw new IllegalArgumentException("is shorter than the minimum " + Durations.format(min));
      }
      if (max != null && d.compareTo(max) > 0) {
        throw new IllegalArgumentException("is longer than the maximum " + Durations.format(max));
      }
      return d;
    };
  }

  static KmaasProtocol protocol(String raw) {
    return KmaasProtocol.byName(raw)
        .orElseThrow(() -> new IllegalArgumentException("is not one of crypto-api, kacls"));
  }

  static boolean bool(String raw) {
    return switch (raw.toLowerCase(Locale.ROOT)) {
      case "true", "yes", "1" -> true;
      case "false", "no", "0" -> false;
      default -> throw new IllegalArgumentException("is not a boolean (true/false, yes/no, 1/0)");
    };
  }

  static ValueParser<Integer> intRange(int min, int max) {
    return raw -> {
      long n;
      try {
        n = Long.parseLong(raw);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("is not a whole number");
      }
      if (n < min || n > max) {
        throw new IllegalArgumentException("is out of range (" + min + " to " + max + ")");
      }
      return (int) n;
    };
  }

  static ValueParser<String> choice(String... allowed) {
    Set<String> set = Set.of(allowed);
    return raw -> {
      String lower = raw.toLowerCase(Locale.ROOT);
      if (!set.contains(lower)) {
        throw new IllegalArgumentException("is not one of " + String.join(", ", allowed));
      }
      return lower;
    };
  }

  /** KEY_ID: {@link KeyIdScheme#NAME}. */
  static String name(String raw) {
    if (!KeyIdScheme.NAME.matcher(raw).matches()) {
      throw new IllegalArgumentException(
          "is not a name of 1 to 64 letters, digits, '.', '_' or '-'");
    }
    return raw;
  }

  /** A tenant id: {@link KeyIdScheme#NAME}, and not a path step (it goes into the URL path). */
  static String tenant(String raw) {
    name(raw);
    if (raw.equals(".") || raw.equals("..")) {
      throw new IllegalArgumentException("is not a tenant id (it becomes part of the URL path)");
    }
    return raw;
  }

  static String group(String raw) {
    if (!GROUP.matcher(raw).matches()) {
      throw new IllegalArgumentException("is not a group name or numeric group id");
    }
    return raw;
  }

  static UnixEndpoint endpoint(String raw) {
    try {
      return UnixEndpoint.parse(raw);
    } catch (IllegalArgumentException e) {
      String message = e.getMessage();
      String echo = ", got '" + raw + "'";
      if (message.endsWith(echo)) {
        message = message.substring(0, message.length() - echo.length());
      }
      throw new IllegalArgumentException("is not a socket endpoint: " + message);
    }
  }

  /** The KMaaS base URL: https only, no user info, query or fragment; trailing '/' removed. */
  static URI httpsUrl(String raw) {
    if (raw.contains("@")) {
      throw new Redacted(
          "must not contain user info ('@'); give credentials with KMAAS_API_KEY,"
              + " --kmaas-api-key-file or --kmaas-token-file");
    }
    URI uri;
    try {
      uri = new URI(raw);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("is not a URL (example: https://kmaas.example:3000)");
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (scheme.equals("http")) {
      throw new IllegalArgumentException(
          "uses http://; only https:// is allowed (KMaaS calls carry keys and credentials)");
    }
    if (!scheme.equals("https") || uri.isOpaque()) {
      throw new IllegalArgumentException(
          "is not an https:// URL (example: https://kmaas.example:3000)");
    }
    if (uri.getHost() == null) {
      throw new IllegalArgumentException("has no host name");
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new IllegalArgumentException("must not have a query or fragment");
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
    return URI.create("https://" + uri.getRawAuthority().replaceAll(":\\d*$", "") + port + path);
  }

  /** {@code host:port}, {@code [v6-address]:port} or {@code off} ({@code null}). */
  static InetSocketAddress httpAddress(String raw) {
    if (raw.equalsIgnoreCase("off")) {
      return null;
    }
    String host;
    String port;
    if (raw.startsWith("[")) {
      int close = raw.indexOf(']');
      if (close < 0 || close + 1 >= raw.length() || raw.charAt(close + 1) != ':') {
        throw badAddress();
      }
      host = raw.substring(1, close);
      port = raw.substring(close + 2);
      if (!host.contains(":")) {
        throw new IllegalArgumentException("has brackets around something that is not IPv6");
      }
    } else {
      int colon = raw.lastIndexOf(':');
      if (colon < 0) {
        throw badAddress();
      }
      host = raw.substring(0, colon);
      port = raw.substring(colon + 1);
      if (host.contains(":")) {
        throw new IllegalArgumentException("needs brackets around an IPv6 address: [::1]:8083");
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException(
          "has no host (use 0.0.0.0 or [::] to listen on all interfaces)");
    }
    if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
      throw new IllegalArgumentException("has no port from 0 to 65535");
    }
    InetSocketAddress address = new InetSocketAddress(host, Integer.parseInt(port));
    if (address.isUnresolved()) {
      throw new IllegalArgumentException("names a host that cannot be resolved");
    }
    return address;
  }

  private static IllegalArgumentException badAddress() {
    return new IllegalArgumentException("is not host:port, [v6-address]:port or off");
  }

  /**
   * A path; a leading {@code ~/} is the user's home directory. Need not exist. A uid without a
   * passwd entry (the daemon image's 65532) has no home directory: the JVM sets {@code user.home}
   * to {@code ?}, and {@code ~} is then refused rather than read as the relative path {@code ?}.
   */
  static Path path(String raw) {
    String expanded = raw;
    if (raw.equals("~")) {
      expanded = home();
    } else if (raw.startsWith("~/")) {
      expanded = home() + raw.substring(1);
    }
    try {
      return Path.of(expanded);
    } catch (InvalidPathException e) {
      throw new IllegalArgumentException("is not a valid path");
    }
  }

  private static String home() {
    String home = System.getProperty("user.home", "");
    if (home.isEmpty() || home.equals("?")) {
      throw new IllegalArgumentException(
          "starts with ~ but this user has no home directory (a uid without a passwd entry);"
              + " give an absolute path");
    }
    return home;
  }

  /** A path that is not a directory (it may not exist yet). */
  static Path writablePath(String raw) {
    Path p = path(raw);
    if (Files.isDirectory(p)) {
      throw new IllegalArgumentException("is a directory, not a file");
    }
    return p;
  }

  /** A regular file that exists and is readable now. */
  static Path readableFile(String raw) {
    Path p = path(raw);
    if (!Files.exists(p)) {
      throw new IllegalArgumentException("does not exist");
    }
    if (Files.isDirectory(p)) {
      throw new IllegalArgumentException("is a directory, not a file");
    }
    if (!Files.isReadable(p)) {
      throw new IllegalArgumentException("is not readable");
    }
    return p;
  }

  /** A file holding {@code name:secret}; the message never shows the file's content. */
  static KmaasCredentials.ApiKey apiKeyFile(String raw) {
    Path p = readableFile(raw);
    String content;
    try {
      if (Files.size(p) > MAX_SECRET_FILE_BYTES) {
        throw new IllegalArgumentException("is larger than 64 KiB; it should hold one API key");
      }
      content = Files.readString(p, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot be read (" + e.getClass().getSimpleName() + ")");
    }
    try {
      return KmaasCredentials.ApiKey.parse(content.strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "does not hold an API key of the form <key-name>:<key-secret>");
    }
  }

  /** {@code KMAAS_API_KEY}: {@code name:secret}; the caller never echoes the value. */
  static KmaasCredentials.ApiKey apiKey(String raw) {
    return KmaasCredentials.ApiKey.parse(raw);
  }
}
