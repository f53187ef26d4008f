package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.SocketSpec;
import io.fabric8.kubernetes.api.model.Container;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs the DaemonSet's init container command, exactly as {@link SocketDirectoryInit} declares it,
 * on a directory as the kubelet's {@code DirectoryOrCreate} leaves it (root, 0755), as root with
 * only the capabilities the container adds (via util-linux {@code setpriv}): the directory becomes
 * the daemon's, 0700, also on a second run (a pod restart), and neither capability can be dropped.
 * Skipped unless the tests run as root with {@code setpriv} and {@code /bin/sh}.
 */
class SocketDirectoryInitIT {

  @TempDir Path tmp;
  private Path socketDir;
  private Container init;

  @BeforeEach
  void rootAndSetpriv() throws IOException {
    assumeTrue(
        Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")),
        "needs root");
    assumeTrue(
        Stream.of(System.getenv("PATH").split(File.pathSeparator))
            .anyMatch(p -> Files.isExecutable(Path.of(p, "setpriv"))),
        "needs setpriv (util-linux)");
    assumeTrue(Files.isExecutable(Path.of("/bin/sh")), "needs /bin/sh");

    socketDir = Files.createDirectory(tmp.resolve("kmsplugin"));
    Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().setSocket(new SocketSpec().withHostDirectory(socketDir.toString()));
    init = SocketDirectoryInit.containers(plugin).get(0);
  }

  @Test
  void theDeclaredCapabilitiesMakeTheDirectoryTheDaemonsAgainAndAgain() throws Exception {
    List<String> declared = init.getSecurityContext().getCapabilities().getAdd();

    for (int run = 1; run <= 2; run++) {
      Result result = runInit(declared);
      assertThat(result.exitCode()).as("run %d: %s", run, result.output()).isZero();
      assertThat(Files.getAttribute(socketDir, "unix:uid")).isEqualTo(65532);
      assertThat(Files.getAttribute(socketDir, "unix:gid")).isEqualTo(65532);
      assertThat(Files.getPosixFilePermissions(socketDir))
          .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void withoutChownTheOwnerCannotBeChanged() throws Exception {
    Result result = runInit(List.of("FOWNER"));

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.output()).contains("chown").contains("Operation not permitted");
    assertThat(Files.getAttribute(socketDir, "unix:uid")).isEqualTo(0);
  }

  @Test
  void withoutFownerARestartCannotSetTheModeOfTheDirectoryItNoLongerOwns() throws Exception {
    assertThat(runInit(List.of("CHOWN", "FOWNER")).exitCode()).isZero();
    Files.setPosixFilePermissions(socketDir, PosixFilePermissions.fromString("rwxr-xr-x"));

    Result result = runInit(List.of("CHOWN"));

    assertThat(result.exitCode()).isNotZero();
    assertThat(result.output()).contains("chmod").contains("Operation not permitted");
  }

  private record Result(int exitCode, String output) {}

  /** The init container's command and args as root with only {@code capabilities}. */
  private Result runInit(List<String> capabilities) throws Exception {
    String bounding =
        "-all"
            + capabilities.stream()
                .map(c -> ",+" + c.toLowerCase(Locale.ROOT))
                .collect(Collectors.joining());
    List<String> command =
        new ArrayList<>(List.of("setpriv", "--bounding-set", bounding, "--inh-caps", "-all"));
    command.addAll(init.getCommand());
    command.addAll(init.getArgs());
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).as(output).isTrue();
    return new Result(process.exitValue(), output);
  }
}
