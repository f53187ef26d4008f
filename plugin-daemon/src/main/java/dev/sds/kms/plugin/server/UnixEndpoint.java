package dev.sds.kms.plugin.server;

import java.nio.file.Path;

/**
 * A gRPC endpoint on a Unix domain socket, as written in {@code BIND_STRING} and in
 * kube-apiserver's EncryptionConfiguration: {@code unix:///var/run/kmsplugin/kms.sock} (a file) or
 * {@code unix:///@name} (Linux abstract namespace, no file).
 */
public record UnixEndpoint(String name, boolean abstractNamespace) {

  private static final String SCHEME = "unix://";
  private static final int MAX_PATH_BYTES = 107; // sun_path is 108 bytes with the NUL

  public static UnixEndpoint parse(String value) {
    if (value == null || !value.startsWith(SCHEME)) {
      throw new IllegalArgumentException(
          "must look like unix:///path/to/kms.sock or unix:///@name, got '" + value + "'");
    }
    String rest = value.substring(SCHEME.length());
    if (!rest.startsWith("/") || rest.length() < 2) {
      throw new IllegalArgumentException(
          "must be an absolute path after unix:// (unix:///path/to/kms.sock), got '" + value + "'");
    }
    boolean isAbstract = rest.startsWith("/@");
    String name = isAbstract ? rest.substring(2) : rest;
    if (name.isEmpty() || name.endsWith("/")) {
      throw new IllegalArgumentException("names no socket, got '" + value + "'");
    }
    if (name.getBytes(java.nio.charset.StandardCharsets.UTF_8).length > MAX_PATH_BYTES) {
      throw new IllegalArgumentException(
          "socket path longer than " + MAX_PATH_BYTES + " bytes, got '" + value + "'");
    }
    return new UnixEndpoint(name, isAbstract);
  }

  /** The socket file ({@code null} for an abstract socket). */
  public Path path() {
    return abstractNamespace ? null : Path.of(name);
  }

  @Override
  public String toString() {
    return abstractNamespace ? SCHEME + "/@" + name : SCHEME + name;
  }
}
