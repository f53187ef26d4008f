package dev.sds.kms.plugin.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code src/main/dist/jvm.options} is the one place of the daemon's JVM settings: the JVM accepts
 * it, and every launcher of the daemon reads it instead of setting flags of its own.
 */
class JvmOptionsTest {
  private static final Path OPTIONS = Path.of("src", "main", "dist", "jvm.options");

  /** A JVM flag on a launcher's java command line other than the archive it maps. */
  private static final Pattern OWN_FLAG =
      Pattern.compile("(?<![\\w/])-(X(?!X:SharedArchiveFile)[\\w:+=.-]+|D[\\w.]+=)");

  @Test
  void theJvmAcceptsTheFileAndItsBoundsApply() throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process jvm =
        new ProcessBuilder(java, "@" + OPTIONS, "-XX:+PrintFlagsFinal", "-version")
            .redirectErrorStream(true)
            .start();
    String out = new String(jvm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(jvm.waitFor(60, TimeUnit.SECONDS)).isTrue();

    assertThat(jvm.exitValue()).as(out).isZero();
    assertThat(flag(out, "UseSerialGC")).isEqualTo("true");
    assertThat(Long.parseLong(flag(out, "MaxHeapSize"))).isBetween(32L << 20, 192L << 20);
    assertThat(flag(out, "MaxMetaspaceSize")).isNotEqualTo(flag(out, "MaxHeapSize"));
    assertThat(Long.parseLong(flag(out, "MaxDirectMemorySize"))).isPositive();
    assertThat(flag(out, "ExitOnOutOfMemoryError")).isEqualTo("true");
  }

  @Test
  void everyLauncherReadsTheFileAndSetsNoFlagsOfItsOwn() throws IOException {
    assertLauncher("Dockerfile", "\"@/app/jvm.options\"", "ENTRYPOINT");
    assertLauncher("../scripts/run-daemon.sh", "\"@$target/jvm.options\"", "exec java");
    assertLauncher(
        "../config/systemd/sds-kms-plugin.service",
        "@/opt/sds-kms-plugin/jvm.options",
        "ExecStart=");
    assertLauncher(
        "../e2e/src/test/java/dev/sds/kms/e2e/Processes.java", "\"@\" + jvmOptions()", "jvm =");
  }

  private static void assertLauncher(String file, String reference, String commandLinePrefix)
      throws IOException {
    List<String> commandLines =
        Files.readAllLines(Path.of(file)).stream()
            .map(String::strip)
            .filter(line -> line.startsWith(commandLinePrefix) || line.contains(commandLinePrefix))
            .filter(line -> !line.startsWith("#"))
            .toList();
    assertThat(commandLines).as(file).singleElement().asString().contains(reference);
    Matcher own = OWN_FLAG.matcher(commandLines.get(0));
    assertThat(own.find())
        .as(file + " sets a JVM flag of its own: " + commandLines.get(0))
        .isFalse();
  }

  private static String flag(String printFlagsFinal, String name) {
    Matcher m =
        Pattern.compile("\\s" + name + "\\s+=\\s+(\\S+)", Pattern.MULTILINE)
            .matcher(printFlagsFinal);
    assertThat(m.find()).as(name).isTrue();
    return m.group(1);
  }
}
