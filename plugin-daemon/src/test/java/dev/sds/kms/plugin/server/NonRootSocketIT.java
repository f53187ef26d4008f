package dev.sds.kms.plugin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.kms.v2.StatusRequest;
import dev.sds.kms.plugin.kms.v2.StatusResponse;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The claim behind the non-root deployments (docs/SECURITY.md, "Least privilege"), checked with the
 * real daemon process and its real Unix socket: the daemon runs as uid {@value #DAEMON_UID} (no
 * passwd entry, as in the image) and serves from a directory that uid owns; a root client with the
 * default capabilities (kube-apiserver in a kubeadm static pod; here the test JVM) calls it; a
 * client of another uid is refused, and so is root without {@code CAP_DAC_OVERRIDE}; with {@code
 * --socket-group} a member of that group gets in. A directory, group or stale socket the uid may
 * not use stops the start with a message that says what to change.
 *
 * <p>The daemon and the other clients are child JVMs (the daemon's {@code serve} and {@code probe}
 * with {@code jvm.options}) started through {@code setpriv} with another uid, so the test needs
 * root and util-linux's {@code setpriv}; it is skipped without them. Its classpath is linked into a
 * directory those uids can read ({@code ~/.m2} is not).
 */
class NonRootSocketIT {
  private static final int DAEMON_UID = 65532;
  private static final int APISERVER_GID = 65533;
  private static final int OTHER_UID = 65531;
  private static final String MAIN_CLASS = "dev.sds.kms.plugin.cli.KmsPluginCli";

  @TempDir static Path shared;
  private static String classpath;
  private static Path jvmOptions;

  @TempDir Path dir;
  private final List<Process> daemons = new ArrayList<>();

  @BeforeAll
  static void requireRootAndSetpriv() throws IOException {
    assumeTrue(
        ProcessOwner.describe().equals("uid 0"), "needs root (to start processes as other uids)");
    assumeTrue(
        Stream.of(System.getenv("PATH").split(File.pathSeparator))
            .anyMatch(p -> Files.isExecutable(Path.of(p, "setpriv"))),
        "needs setpriv (util-linux)");
    classpath = readableClasspath(shared.resolve("cp"));
    // the daemon's shipped JVM settings (copied to target/ at process-resources)
    jvmOptions = shared.resolve("jvm.options");
    linkOrCopy(Path.of("target", "jvm.options"), jvmOptions);
  }

  @BeforeEach
  void openTheTestDirectory() throws IOException {
    openUp(dir); // the other uids reach their directories inside it
  }

  @AfterEach
  void stopDaemons() throws InterruptedException {
    for (Process daemon : daemons) {
      daemon.destroy(); // SIGTERM: setpriv exec'd the JVM, so this reaches the daemon
      if (!daemon.waitFor(20, TimeUnit.SECONDS)) {
        daemon.destroyForcibly();
      }
    }
  }

  @Test
  void aNonRootDaemonServesRootAndRefusesOtherUids() throws Exception {
    Path run = ownedDirectory("run", DAEMON_UID, DAEMON_UID, "rwx------");
    Path socket = run.resolve("kms.sock");
    Path state = ownedDirectory("state", DAEMON_UID, DAEMON_UID, "rwx------").resolve("kek.json");

    Process daemon = startDaemon(List.of("--clear-groups"), socket, state);
    awaitServing(daemon, socket);

    // what it created is its own, mode 0600: the socket and the embedded KMaaS state
    assertThat(Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(DAEMON_UID);
    assertThat(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    assertThat(Files.getAttribute(state, "unix:uid")).isEqualTo(DAEMON_UID);
    assertThat(Files.getPosixFilePermissions(state))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));

    // root with the default capabilities (CAP_DAC_OVERRIDE): this JVM, like kube-apiserver
    assertThat(status(socket).getHealthz()).isEqualTo("ok");
    // another uid, and root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH, are refused
    assertRefused(probe(socket, "--reuid", OTHER_UID, "--regid", OTHER_UID, "--clear-groups"));
    assertRefused(probe(socket, "--bounding-set", "-dac_override,-dac_read_search"));
  }

  @Test
  void withSocketGroupAMemberOfTheGroupIsAdmitted() throws Exception {
    // the rootless-apiserver layout the deployments document: directory 0750 and socket 0660 of
    // the daemon's own group, which kube-apiserver joins (supplementalGroups)
    Path run = ownedDirectory("run", DAEMON_UID, DAEMON_UID, "rwxr-x---");
    Path socket = run.resolve("kms.sock");
    Path state = ownedDirectory("state", DAEMON_UID, DAEMON_UID, "rwx------").resolve("kek.json");

    Process daemon =
        startDaemon(
            List.of("--clear-groups"), socket, state, "--socket-group", String.valueOf(DAEMON_UID));
    awaitServing(daemon, socket);

    assertThat(Files.getAttribute(socket, "unix:gid", LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(DAEMON_UID);
    assertThat(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS))
        .isEqualTo(PosixFilePermissions.fromString("rw-rw----"));
    ProbeRun member =
        probe(
            socket,
            "--reuid",
            OTHER_UID,
            "--regid",
            OTHER_UID,
            "--groups",
            String.valueOf(DAEMON_UID));
    assertThat(member.exitCode()).as(member.output()).isZero();
    assertThat(member.output()).contains("PASS: unix://" + socket);
    assertRefused(probe(socket, "--reuid", OTHER_UID, "--regid", OTHER_UID, "--clear-groups"));
  }

  @Test
  void aDirectoryTheUidMayNotWriteStopsTheStartWithWhatToChange() throws Exception {
    Path run = ownedDirectory("run", 0, 0, "rwxr-xr-x"); // what kubelet's DirectoryOrCreate makes
    Path state = ownedDirectory("state", DAEMON_UID, DAEMON_UID, "rwx------").resolve("kek.json");

    String log = failedStart(startDaemon(List.of("--clear-groups"), run.resolve("k.sock"), state));

    assertThat(log)
        .contains(
            "cannot start: cannot create the socket in "
                + run
                + ": uid 65532 may not write there (owner uid 0, group 0, mode rwxr-xr-x); make the"
                + " directory owned by the daemon's user");
  }

  @Test
  void aTmpDirTheUidMayNotWriteStopsTheStartWithWhatToChange() throws Exception {
    // a read-only root file system without an emptyDir on /tmp: netty cannot extract its library
    Path run = ownedDirectory("run", DAEMON_UID, DAEMON_UID, "rwx------");
    Path state = ownedDirectory("state", DAEMON_UID, DAEMON_UID, "rwx------").resolve("kek.json");
    Path tmp = ownedDirectory("tmp", 0, 0, "rwxr-xr-x");

    String log =
        failedStart(
            startDaemon(
                List.of("--clear-groups"),
                List.of("-Djava.io.tmpdir=" + tmp),
                run.resolve("kms.sock"),
                state));

    assertThat(log)
        .contains("cannot start: netty epoll is not available")
        .contains(
            "netty extracts its native library to "
                + tmp
                + " (java.io.tmpdir), which must be writable by uid 65532 and not mounted noexec");
  }

  @Test
  void aSocketGroupTheUidIsNotAMemberOfStopsTheStartWithWhatToChange() throws Exception {
    // --socket-group naming kube-apiserver's group instead, without the daemon being a member
    Path run = ownedDirectory("run", DAEMON_UID, DAEMON_UID, "rwx------");
    Path state = ownedDirectory("state", DAEMON_UID, DAEMON_UID, "rwx------").resolve("kek.json");
    Path socket = run.resolve("kms.sock");

    String log =
        failedStart(
            startDaemon(
                List.of("--clear-groups"),
                socket,
                state,
                "--socket-group",
                String.valueOf(APISERVER_GID)));

    assertThat(log)
        .contains(
            "cannot start: cannot give the socket unix://"
                + socket
                + " to --socket-group 65533: uid 65532 is not a member of that group")
        .contains("supplementalGroups");
    assertThat(socket).doesNotExist(); // removed on the failed start
  }

  @Test
  void aSocketLeftByRootIsNeitherTakenOverNorRemoved() throws Exception {
    // e.g. a daemon that ran as root before crashed: the non-root daemon cannot tell whether it
    // is live, so it refuses to start and says so
    Path run = ownedDirectory("run", DAEMON_UID, DAEMON_UID, "rwx------");
    Path state = ownedDirectory("state", DAEMON_UID, DAEMON_UID, "rwx------").resolve("kek.json");
    Path socket = run.resolve("kms.sock");
    try (ServerSocketChannel crashed = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      crashed.bind(UnixDomainSocketAddress.of(socket));
    }
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));

    String log = failedStart(startDaemon(List.of("--clear-groups"), socket, state));

    assertThat(log)
        .contains(
            "cannot start: cannot tell whether a daemon is serving on unix://"
                + socket
                + ": uid 65532 may not connect to it (owner uid 0, group 0, mode rw-------,")
        .contains("if no daemon uses it, remove the file");
    assertThat(Files.getAttribute(socket, "unix:uid", LinkOption.NOFOLLOW_LINKS)).isEqualTo(0);
  }

  // ---- the daemon and clients as other uids ----

  private Process startDaemon(List<String> groups, Path socket, Path state, String... extra)
      throws IOException {
    return startDaemon(groups, List.of(), socket, state, extra);
  }

  private Process startDaemon(
      List<String> groups, List<String> jvmFlags, Path socket, Path state, String... extra)
      throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--reuid",
                String.valueOf(DAEMON_UID),
                "--regid",
                String.valueOf(DAEMON_UID)));
    command.addAll(groups);
    command.addAll(java(jvmFlags));
    command.addAll(
        List.of(
            "serve",
            "--bind",
            "unix://" + socket,
            "--state-file",
            state.toString(),
            "--http-address",
            "127.0.0.1:0",
            "--log-format",
            "text"));
    command.addAll(List.of(extra));
    Process daemon =
        new ProcessBuilder(command)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("daemon.log").toFile())
            .start();
    daemons.add(daemon);
    return daemon;
  }

  private void awaitServing(Process daemon, Path socket) {
    await()
        .atMost(Duration.ofSeconds(60))
        .until(() -> !daemon.isAlive() || Files.exists(socket, LinkOption.NOFOLLOW_LINKS));
    assertThat(daemon.isAlive()).as(this::daemonLog).isTrue();
  }

  private String failedStart(Process daemon) throws Exception {
    assertThat(daemon.waitFor(60, TimeUnit.SECONDS)).as(this::daemonLog).isTrue();
    assertThat(daemon.exitValue()).as(this::daemonLog).isEqualTo(1);
    return daemonLog();
  }

  private String daemonLog() {
    try {
      return Files.readString(dir.resolve("daemon.log"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(no daemon log: " + e + ")";
    }
  }

  private record ProbeRun(int exitCode, String output) {}

  /** {@code kms-plugin probe} in a child JVM started through {@code setpriv <options>}. */
  private ProbeRun probe(Path socket, Object... setprivOptions) throws Exception {
    List<String> command = new ArrayList<>(List.of("setpriv"));
    Stream.of(setprivOptions).map(String::valueOf).forEach(command::add);
    command.addAll(java());
    command.addAll(List.of("probe", "--endpoint", "unix://" + socket));
    Process client =
        new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(client.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
    return new ProbeRun(client.exitValue(), output);
  }

  private static void assertRefused(ProbeRun run) {
    assertThat(run.exitCode()).as(run.output()).isEqualTo(1);
    assertThat(run.output()).contains("Permission denied").doesNotContain("PASS");
  }

  private static StatusResponse status(Path socket) {
    try (KmsV2Client client =
        new KmsV2Client(UnixEndpoint.parse("unix://" + socket), Duration.ofSeconds(5))) {
      return client.stub().status(StatusRequest.getDefaultInstance());
    }
  }

  private static List<String> java() {
    return java(List.of());
  }

  private static List<String> java(List<String> jvmFlags) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "@" + jvmOptions));
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", classpath, MAIN_CLASS));
    return command;
  }

  private Path ownedDirectory(String name, int uid, int gid, String mode) throws IOException {
    Path d = Files.createDirectory(dir.resolve(name));
    Files.setAttribute(d, "unix:uid", uid);
    Files.setAttribute(d, "unix:gid", gid);
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
    return d;
  }

  // ---- a classpath the other uids can read ----

  /**
   * This JVM's classpath (target/classes and the dependency jars) linked or copied under {@code
   * into}, every directory on the way world-searchable. Surefire puts the real classpath in {@code
   * java.class.path} of the forked JVM.
   */
  private static String readableClasspath(Path into) throws IOException {
    openUp(into.getParent());
    Files.createDirectories(into);
    openUp(into);
    List<String> entries = new ArrayList<>();
    int n = 0;
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      Path source = Path.of(entry).toAbsolutePath();
      if (!Files.exists(source)) {
        continue;
      }
      Path target = into.resolve(n++ + "-" + source.getFileName());
      if (Files.isDirectory(source)) {
        copyTree(source, target);
      } else {
        linkOrCopy(source, target);
      }
      entries.add(target.toString());
    }
    return String.join(File.pathSeparator, entries);
  }

  private static void copyTree(Path source, Path target) throws IOException {
    try (Stream<Path> files = Files.walk(source)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        Path copy = target.resolve(source.relativize(file).toString());
        if (Files.isDirectory(file)) {
          Files.createDirectories(copy);
          openUp(copy);
        } else {
          linkOrCopy(file, copy);
        }
      }
    }
  }

  /** A hard link where the file is world-readable already (no data copied), else a copy. */
  private static void linkOrCopy(Path source, Path target) throws IOException {
    if (Files.getPosixFilePermissions(source).contains(PosixFilePermission.OTHERS_READ)) {
      try {
        Files.createLink(target, source);
        return;
      } catch (FileSystemException | UnsupportedOperationException e) {
        // another file system: copy
      }
    }
    Files.copy(source, target);
    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
  }

  private static void openUp(Path directory) throws IOException {
    Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
