package dev.sds.kms.plugin.recover;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.Response;

/**
 * An etcd snapshot made readable: restored into a fresh 0700 directory with etcd's own tool ({@code
 * etcdutl snapshot restore}, or {@code etcdctl snapshot restore} where there is no etcdutl, as with
 * etcd 3.4) and served by a temporary single-member etcd on loopback (plain HTTP, free ports, its
 * own member name and cluster, so it never joins or disturbs a real cluster). {@link #close()}
 * stops it and deletes the directory. The restored data is what the snapshot holds: values stay
 * encrypted on disk.
 */
public final class SnapshotEtcd implements AutoCloseable {
  private static final String MEMBER = "kms-recover";
  private static final int ATTEMPTS = 3;

  /**
   * The etcd binaries: {@code etcd} and the restore tool.
   *
   * @param etcdutl whether {@code restoreTool} is etcdutl (else etcdctl with ETCDCTL_API=3)
   */
  public record Binaries(Path etcd, Path restoreTool, boolean etcdutl) {

    /**
     * Looks in {@code dir}, or on the PATH when it is {@code null}: etcd, then etcdutl, else
     * etcdctl.
     *
     * @throws RecoverException naming what is missing
     */
    public static Binaries find(Path dir) throws RecoverException {
      List<Path> dirs = new ArrayList<>();
      if (dir != null) {
        dirs.add(dir);
      } else {
        for (String d : System.getenv().getOrDefault("PATH", "/usr/bin:/bin").split(":")) {
          if (!d.isEmpty()) {
            dirs.add(Path.of(d));
          }
        }
        dirs.add(Path.of("/usr/local/bin"));
        dirs.add(Path.of("/usr/bin"));
      }
      String where = dir != null ? "in " + dir : "on the PATH (or give --etcd-bin-dir)";
      Path etcd = first(dirs, "etcd");
      if (etcd == null) {
        throw new RecoverException(
            "no etcd binary " + where + "; reading a snapshot starts a temporary etcd");
      }
      Path etcdutl = first(dirs, "etcdutl");
      if (etcdutl != null) {
        return new Binaries(etcd, etcdutl, true);
      }
      Path etcdctl = first(dirs, "etcdctl");
      if (etcdctl == null) {
        throw new RecoverException(
            "neither etcdutl nor etcdctl " + where + "; one of them restores the snapshot");
      }
      return new Binaries(etcd, etcdctl, false);
    }

    private static Path first(List<Path> dirs, String name) {
      for (Path d : dirs) {
        Path candidate = d.resolve(name);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return candidate;
        }
      }
      return null;
    }
  }

  private final Path workDir;
  private final Process process;
  private final HttpUrl url;

  private SnapshotEtcd(Path workDir, Process process, HttpUrl url) {
    this.workDir = workDir;
    this.process = process;
    this.url = url;
  }

  /**
   * Restores {@code snapshot} under {@code parent} and starts etcd on it.
   *
   * @param skipHashCheck for a {@code member/snap/db} file copied from a data directory (it has no
   *     snapshot hash)
   * @param timeout for the restore, and again for etcd to answer
   * @throws RecoverException when the snapshot cannot be restored or etcd does not start, with the
   *     tool's last log line
   */
  public static SnapshotEtcd start(
      Path snapshot, boolean skipHashCheck, Binaries binaries, Path parent, Duration timeout)
      throws RecoverException {
    if (!Files.isRegularFile(snapshot) || !Files.isReadable(snapshot)) {
      throw new RecoverException("--etcd-snapshot: " + snapshot + " is not a readable file");
    }
    for (int attempt = 1; ; attempt++) {
      Path work;
      try {
        work =
            Files.createTempDirectory(
                parent,
                "kms-recover-",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (IOException e) {
        throw new RecoverException("cannot create a work directory in " + parent + ": " + e, e);
      }
      try {
        return startIn(work, snapshot, skipHashCheck, binaries, timeout);
      } catch (PortTaken e) {
        deleteTree(work);
        if (attempt == ATTEMPTS) {
          throw new RecoverException("temporary etcd: " + e.getMessage());
        }
      } catch (RecoverException | RuntimeException e) {
        deleteTree(work);
        throw e;
      }
    }
  }

  private static SnapshotEtcd startIn(
      Path work, Path snapshot, boolean skipHashCheck, Binaries binaries, Duration timeout)
      throws RecoverException, PortTaken {
    String peer = "http://127.0.0.1:" + freePort();
    String client = "http://127.0.0.1:" + freePort();
    Path data = work.resolve("data");
    List<String> restore = new ArrayList<>();
    restore.addAll(
        List.of(
            binaries.restoreTool().toString(),
            "snapshot",
            "restore",
            snapshot.toString(),
            "--data-dir",
            data.toString(),
            "--name",
            MEMBER,
            "--initial-cluster",
            MEMBER + "=" + peer,
            "--initial-cluster-token",
            MEMBER + "-" + Instant.now().toEpochMilli(),
            "--initial-advertise-peer-urls",
            peer));
    if (skipHashCheck) {
      restore.add("--skip-hash-check");
    }
    Path restoreLog = work.resolve("restore.log");
    ProcessBuilder restoreProcess = new ProcessBuilder(restore);
    if (!binaries.etcdutl()) {
      restoreProcess.environment().put("ETCDCTL_API", "3");
    }
    int code = run(restoreProcess, restoreLog, timeout);
    if (code != 0) {
      throw new RecoverException(
          "restoring the snapshot with "
              + binaries.restoreTool().getFileName()
              + " failed (exit "
              + code
              + "): "
              + lastLine(restoreLog));
    }
    Path etcdLog = work.resolve("etcd.log");
    Process etcd;
    try {
      etcd =
          new ProcessBuilder(
                  binaries.etcd().toString(),
                  "--name",
                  MEMBER,
                  "--data-dir",
                  data.toString(),
                  "--listen-client-urls",
                  client,
                  "--advertise-client-urls",
                  client,
                  "--listen-peer-urls",
                  peer,
                  "--initial-advertise-peer-urls",
                  peer,
                  "--log-level",
                  "warn")
              .redirectErrorStream(true)
              .redirectOutput(etcdLog.toFile())
              .start();
    } catch (IOException e) {
      throw new RecoverException("cannot start " + binaries.etcd() + ": " + e.getMessage(), e);
    }
    HttpUrl url = HttpUrl.get(client);
    SnapshotEtcd started = new SnapshotEtcd(work, etcd, url);
    try {
      started.awaitHealthy(timeout, etcdLog);
      return started;
    } catch (RecoverException | PortTaken | RuntimeException e) {
      started.stop();
      throw e;
    }
  }

  /** The client URL of the temporary etcd, e.g. {@code http://127.0.0.1:40123}. */
  public HttpUrl url() {
    return url;
  }

  private void awaitHealthy(Duration timeout, Path log) throws RecoverException, PortTaken {
    OkHttpClient http =
        new OkHttpClient.Builder()
            .callTimeout(Duration.ofSeconds(2))
            .retryOnConnectionFailure(false)
            .build();
    try {
      Instant deadline = Instant.now().plus(timeout);
      while (true) {
        if (!process.isAlive()) {
          String last = lastLine(log);
          if (logContains(log, "address already in use")) {
            throw new PortTaken(last);
          }
          throw new RecoverException(
              "temporary etcd exited with " + process.exitValue() + ": " + last);
        }
        if (healthy(http)) {
          return;
        }
        if (Instant.now().isAfter(deadline)) {
          throw new RecoverException(
              "temporary etcd did not answer on " + url + " within " + timeout.toSeconds() + " s");
        }
        try {
          process.waitFor(100, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new RecoverException("interrupted while waiting for the temporary etcd");
        }
      }
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private boolean healthy(OkHttpClient http) {
    Request request = new Request.Builder().url(url.resolve("/health")).build();
    try (Response r = http.newCall(request).execute()) {
      return r.code() == 200 && r.body().string().contains("true");
    } catch (IOException e) {
      return false;
    }
  }

  private static int run(ProcessBuilder builder, Path log, Duration timeout)
      throws RecoverException {
    try {
      Process p = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        throw new RecoverException(
            builder.command().get(0) + " did not finish within " + timeout.toSeconds() + " s");
      }
      return p.exitValue();
    } catch (IOException e) {
      throw new RecoverException(
          "cannot run " + builder.command().get(0) + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RecoverException("interrupted while restoring the snapshot");
    }
  }

  /** The last non-empty line of a tool's log (etcd logs no values), bounded. */
  private static String lastLine(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      for (int i = lines.size() - 1; i >= 0; i--) {
        String line = lines.get(i).strip();
        if (!line.isEmpty()) {
          return line.length() > 300 ? line.substring(0, 300) + "…" : line;
        }
      }
      return "(no output)";
    } catch (IOException | UncheckedIOException e) {
      return "(no log)";
    }
  }

  private static boolean logContains(Path log, String text) {
    try {
      return Files.readString(log).contains(text);
    } catch (IOException | UncheckedIOException e) {
      return false;
    }
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void stop() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /** Stops the temporary etcd and deletes the restored data. */
  @Override
  public void close() {
    stop();
    deleteTree(workDir);
  }

  private static void deleteTree(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException e) {
      // best effort: the directory is 0700 under the work directory
    }
  }

  /** etcd could not bind one of its free ports (another process took it first): try again. */
  private static final class PortTaken extends Exception {
    PortTaken(String message) {
      super(message, null, false, false);
    }
  }
}
