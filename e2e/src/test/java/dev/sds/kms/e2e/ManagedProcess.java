package dev.sds.kms.e2e;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One OS process that can be started, restarted, stopped (SIGTERM, then SIGKILL after a grace
 * period) and killed (SIGKILL). Its output is appended to one log file across restarts.
 */
final class ManagedProcess {
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);

  private final String name;
  private final Path log;
  private final List<String> command;
  private Runnable onStart = () -> {};
  private Runnable onExit = () -> {};
  private Process process;

  ManagedProcess(String name, Path log, List<String> command) {
    this.name = name;
    this.log = log;
    this.command = command;
  }

  void onStart(Runnable r) {
    this.onStart = r;
  }

  void onExit(Runnable r) {
    this.onExit = r;
  }

  String name() {
    return name;
  }

  Path log() {
    return log;
  }

  synchronized void start() throws IOException {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(name + " is already running");
    }
    Files.writeString(
        log,
        "==== e2e: starting " + name + ": " + String.join(" ", command) + "\n",
        StandardCharsets.UTF_8,
        java.nio.file.StandardOpenOption.CREATE,
        java.nio.file.StandardOpenOption.APPEND);
    process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    onStart.run();
  }

  /** Waits for a process that ends by itself (a one-off command); its exit code. */
  int awaitExit(Duration timeout) throws InterruptedException {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null) {
      throw new IllegalStateException(name + " was not started");
    }
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(name + " did not end within " + timeout + "; see " + log);
    }
    return p.exitValue();
  }

  synchronized boolean isAlive() {
    return process != null && process.isAlive();
  }

  synchronized long pid() {
    if (process == null) {
      throw new IllegalStateException(name + " was never started");
    }
    return process.pid();
  }

  /**
   * Waits until {@code condition} holds; fails with the log's tail when it does not in time or the
   * process exits meanwhile.
   */
  void awaitUntil(String what, Duration timeout, Callable<Boolean> condition) {
    try {
      await(name + ": " + what)
          .atMost(timeout)
          .pollInterval(Duration.ofMillis(100))
          .ignoreExceptionsMatching(e -> !(e instanceof ProcessExited))
          .until(
              () -> {
                if (!isAlive()) {
                  throw new ProcessExited();
                }
                return condition.call();
              });
    } catch (ConditionTimeoutException | ProcessExited e) {
      String why = isAlive() ? e.getMessage() : name + " exited with " + process.exitValue();
      throw new AssertionError(why + "\n--- tail of " + log + ":\n" + logTail(30), e);
    }
  }

  /** SIGTERM, then SIGKILL when it has not exited within the grace period. */
  void stop() {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null || !p.isAlive()) {
      onExit.run();
      return;
    }
    p.destroy();
    try {
      if (!p.waitFor(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        System.err.println("e2e: " + name + " ignored SIGTERM for " + STOP_GRACE + ": SIGKILL");
        p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    onExit.run();
  }

  /** SIGKILL: no shutdown hook runs, the socket file stays behind. */
  void kill() {
    Process p;
    synchronized (this) {
      p = process;
    }
    if (p == null) {
      return;
    }
    p.destroyForcibly();
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    onExit.run();
  }

  String logTail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Thrown inside the wait so that a dead process ends it at once. */
  private static final class ProcessExited extends RuntimeException {
    ProcessExited() {
      super(null, null, false, false);
    }
  }
}
