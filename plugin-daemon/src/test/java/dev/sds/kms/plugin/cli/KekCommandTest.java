package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.kmaas.engine.KekStore;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KekCommandTest {

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new KekCommand());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @Test
  void rotateAndListAgainstStateFile() throws Exception {
    Path file = dir.resolve("kek-state.json");
    KekStore daemonView = new KekStore(file);
    KekInfo first = daemonView.ensureTenant("embedded");

    Run rotate = run("rotate", "--state-file", file.toString(), "--tenant", "embedded");
    assertThat(rotate.code()).as(rotate.err()).isZero();
    String newId = rotate.out().strip();
    assertThat(newId).matches("kek-\\d{8}T\\d{6}Z-[0-9a-f]{8}").isNotEqualTo(first.id());
    assertThat(daemonView.list("embedded"))
        .extracting(KekInfo::id)
        .containsExactly(first.id(), newId);

    Run list = run("list", "--state-file", file.toString(), "--tenant", "embedded");
    assertThat(list.code()).isZero();
    List<String> lines = list.out().lines().toList();
    assertThat(lines).hasSize(3);
    assertThat(lines.get(0)).startsWith("KEK ID").contains("CREATED").endsWith("ACTIVE  DISABLED");
    assertThat(lines.get(1)).startsWith(first.id()).endsWith("no      no");
    assertThat(lines.get(2)).startsWith(newId).endsWith("yes     no");
  }

  @Test
  void unknownTenantInStateFileIsOneLineExit1() throws Exception {
    Path file = dir.resolve("kek-state.json");
    new KekStore(file).ensureTenant("embedded");
    Run r = run("rotate", "--state-file", file.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).contains("tenant default has no KEKs").contains("embedded");
    assertThat(new KekStore(file).tenants()).containsExactly("embedded");
  }

  @Test
  void missingStateFileIsExit1AndNotCreated() {
    Path file = dir.resolve("nope.json");
    Run r = run("list", "--state-file", file.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("does not exist");
    assertThat(file).doesNotExist();
  }

  @Test
  void usageErrorsAreExit2() {
    assertThat(run("rotate").code()).isEqualTo(2);
    assertThat(run("rotate", "--state-file", "a", "--kmaas-url", "https://x").code()).isEqualTo(2);
    assertThat(run("rotate", "--kmaas-url", "https://x").code()).isEqualTo(2);
    assertThat(run("list", "--state-file", "a", "--tenant", "..").code()).isEqualTo(2);
    assertThat(run("list", "--bogus").code()).isEqualTo(2);
    assertThat(run().code()).isEqualTo(2);
    Run help = run("rotate", "--help");
    assertThat(help.code()).isZero();
    assertThat(help.out()).contains("--state-file").contains("embedded");
  }

  @Test
  void rotateAndListAgainstRunningServer() throws Exception {
    try (StandaloneKmaasServer server =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), dir)
                .withTenants(List.of("default", "acme")))) {
      server.start();
      String[] remote = {
        "--kmaas-url",
        server.url().toString(),
        "--admin-key-file",
        server.adminKeyFile().toString(),
        "--ca-file",
        server.certificateFile().toString()
      };
      Run rotate = run(concat(new String[] {"rotate", "--tenant", "acme"}, remote));
      assertThat(rotate.code()).as(rotate.err()).isZero();
      String newId = rotate.out().strip();

      Run list = run(concat(new String[] {"list", "--tenant", "acme"}, remote));
      assertThat(list.code()).as(list.err()).isZero();
      assertThat(list.out().lines()).hasSize(3);
      assertThat(list.out().lines().toList().get(2)).startsWith(newId).endsWith("yes     no");

      Run wrongKey =
          run(
              "list",
              "--kmaas-url",
              server.url().toString(),
              "--admin-key-file",
              server.apiKeyFile().toString(),
              "--ca-file",
              server.certificateFile().toString());
      assertThat(wrongKey.code()).isEqualTo(1);
      assertThat(wrongKey.err().strip())
          .contains("HTTP 403")
          .doesNotContain(server.apiKey().secret());

      Run unknown = run(concat(new String[] {"list", "--tenant", "zzz"}, remote));
      assertThat(unknown.code()).isEqualTo(1);
      assertThat(unknown.err()).contains("HTTP 404");

      // the offline path sees the server's state file too
      Run offline = run("list", "--state-file", server.stateFile().toString(), "--tenant", "acme");
      assertThat(offline.out()).contains(newId);
    }
  }

  @Test
  void unreachableServerIsExit1() throws Exception {
    Path keyFile = dir.resolve("admin-key");
    Files.writeString(keyFile, "kmaas-admin:secret\n");
    Run r =
        run("list", "--kmaas-url", "https://127.0.0.1:1", "--admin-key-file", keyFile.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.err()).contains("unreachable").doesNotContain("secret");
  }

  private static String[] concat(String[] a, String[] b) {
    String[] out = new String[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
