package dev.sds.kms.e2e;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Owns every process and server a test starts, and stops them all in {@link #close()} (called from
 * {@code @AfterAll}, also after a failure), newest first. A JVM shutdown hook kills whatever is
 * still alive as a last resort (a test JVM killed by Surefire's timeout, Ctrl-C).
 */
final class Processes implements AutoCloseable {
  private static final Set<ManagedProcess> LIVE = ConcurrentHashMap.newKeySet();
  private static final Set<AutoCloseable> LIVE_OTHERS = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  LIVE.forEach(ManagedProcess::kill);
                  LIVE_OTHERS.forEach(Processes::closeQuietly);
                },
                "e2e-process-reaper"));
  }

  private final Path logDir;
  private final Deque<AutoCloseable> owned = new ArrayDeque<>();

  /**
   * Processes of one test class, logging under {@code target/e2e-logs/<test>/}, which is emptied
   * first: nothing (etcd data, KMaaS state) carries over from an earlier run.
   */
  Processes(String test) throws IOException {
    this.logDir = Path.of(System.getProperty("e2e.logs", "target/e2e-logs")).resolve(test);
    deleteTree(logDir);
    Files.createDirectories(logDir);
  }

  /** Deletes {@code dir} and everything under it, if it exists. */
  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  Path logDir() {
    return logDir;
  }

  /**
   * A {@code java -jar kms-plugin.jar <args>} process, not yet started; its output goes to {@code
   * <logDir>/<name>.log} (appended across restarts).
   */
  synchronized ManagedProcess javaJar(String name, List<String> args) {
    ManagedProcess p = new ManagedProcess(name, logDir.resolve(name + ".log"), javaCommand(args));
    p.onStart(() -> LIVE.add(p));
    p.onExit(() -> LIVE.remove(p));
    owned.push(p::stop);
    return p;
  }

  /**
   * Any other program ({@code command}: the executable and its arguments), not yet started; its
   * output goes to {@code <logDir>/<name>.log}.
   */
  synchronized ManagedProcess command(String name, List<String> command) {
    ManagedProcess p = new ManagedProcess(name, logDir.resolve(name + ".log"), command);
    p.onStart(() -> LIVE.add(p));
    p.onExit(() -> LIVE.remove(p));
    owned.push(p::stop);
    return p;
  }

  /** Closes {@code resource} with the processes (and from the shutdown hook if still open). */
  synchronized <T extends AutoCloseable> T track(T resource) {
    LIVE_OTHERS.add(resource);
    owned.push(
        () -> {
          LIVE_OTHERS.remove(resource);
          resource.close();
        });
    return resource;
  }

  /** The runnable daemon jar that plugin-daemon's package phase writes. */
  static Path pluginJar() {
    Path jar =
        Path.of(System.getProperty("kms.plugin.jar", "../plugin-daemon/target/kms-plugin.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(
          jar.toAbsolutePath()
              + " is missing: build it first (./mvnw -B -pl e2e -am verify builds it)");
    }
    return jar.toAbsolutePath().normalize();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static List<String> javaCommand(List<String> args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // the shipped JVM settings (small, quick-starting JVMs: up to six share a 2-CPU CI machine)
    List<String> jvm = List.of(java, "@" + jvmOptions(), "-jar", pluginJar().toString());
    return concat(jvm, args);
  }

  /** The daemon's JVM settings, which plugin-daemon's build copies beside the jar. */
  static Path jvmOptions() {
    Path options = pluginJar().resolveSibling("jvm.options");
    if (!Files.isRegularFile(options)) {
      throw new AssertionError(
          options + " is missing: build it first (./mvnw -B -pl e2e -am verify builds it)");
    }
    return options;
  }

  private static List<String> concat(List<String> a, List<String> b) {
    List<String> all = new java.util.ArrayList<>(a);
    all.addAll(b);
    return List.copyOf(all);
  }

  @Override
  public synchronized void close() {
    while (!owned.isEmpty()) {
      closeQuietly(owned.pop());
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      System.err.println("e2e cleanup: " + e);
    }
  }
}
