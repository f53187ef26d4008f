package dev.sds.kms.plugin.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who this process runs as, for error messages about the socket's directory and group: the owner of
 * {@code /proc/self} is the process's effective uid (Linux; the JDK has no portable API for it).
 */
final class ProcessOwner {
  private ProcessOwner() {}

  /** E.g. {@code "uid 65532"}, or {@code "this process"} when /proc cannot be read. */
  static String describe() {
    try {
      return "uid " + Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return "this process";
    }
  }
}
