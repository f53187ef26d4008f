package dev.sds.kms.e2e;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Finds Debian's {@code promtool} and {@code prometheus} (package {@code prometheus}; {@code
 * scripts/test.sh} installs it) or those named by {@code PROMTOOL_BIN} / {@code PROMETHEUS_BIN},
 * and runs promtool. A missing binary fails the test with a message saying how to install it.
 */
final class PrometheusBinaries {

  /** What a promtool run printed (stdout and stderr together) and its exit code. */
  record Result(int exitCode, String output) {}

  private PrometheusBinaries() {}

  static String promtool() {
    return find("promtool", "PROMTOOL_BIN");
  }

  static String prometheus() {
    return find("prometheus", "PROMETHEUS_BIN");
  }

  /** Runs {@code promtool args…} in {@code dir}; at most a minute. */
  static Result promtool(Path dir, String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(promtool());
    command.addAll(List.of(args));
    Path output = Files.createTempFile("promtool-", ".out");
    try {
      Process p =
          new ProcessBuilder(command)
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(output.toFile())
              .start();
      if (!p.waitFor(1, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new AssertionError("promtool " + String.join(" ", args) + " did not finish in 1m");
      }
      return new Result(p.exitValue(), Files.readString(output, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(output);
    }
  }

  private static String find(String binary, String variable) {
    String configured = System.getenv(variable);
    if (configured != null && !configured.isBlank()) {
      if (!Files.isExecutable(Path.of(configured))) {
        throw new AssertionError(variable + "=" + configured + " is not an executable " + binary);
      }
      return configured;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    for (String dir : (path + File.pathSeparator + "/usr/bin").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, binary);
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
    }
    throw new AssertionError(
        binary
            + " is not installed: the monitoring tests run Prometheus's own tools. Install"
            + " Debian's prometheus package with `apt-get install -y prometheus` (scripts/test.sh"
            + " does) or set "
            + variable);
  }
}
