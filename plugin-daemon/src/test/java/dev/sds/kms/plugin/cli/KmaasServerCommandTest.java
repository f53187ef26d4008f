package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class KmaasServerCommandTest {

  @TempDir Path dir;

  @Test
  void runsUntilStoppedAndPrintsOneLine() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "# comment\ntok-1\n\n");
    KmaasServerCommand cmd = new KmaasServerCommand();
    CommandLine cl = new CommandLine(cmd);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    CompletableFuture<Integer> exit =
        CompletableFuture.supplyAsync(
            () ->
                cl.execute(
                    "--listen", "127.0.0.1:0",
                    "--state-dir", dir.resolve("state").toString(),
                    "--tenant", "acme",
                    "--tenant", "beta",
                    "--hostname", "kmaas.test",
                    "--token-file", tokens.toString()));
    try {
      await().atMost(Duration.ofSeconds(20)).until(() -> cmd.server() != null || exit.isDone());
      assertThat(exit).as(err.toString()).isNotDone();
      StandaloneKmaasServer server = cmd.server();
      await().atMost(Duration.ofSeconds(5)).until(() -> out.toString().contains("\n"));
      assertThat(out.toString().strip())
          .isEqualTo(
              "KMaaS listening on "
                  + server.url()
                  + " (tenants: acme, beta); CA certificate: "
                  + server.certificateFile()
                  + "; API key file: "
                  + server.apiKeyFile()
                  + "; KACLS: "
                  + server.url()
                  + "/api/v1/acme/kacls with token file "
                  + server.kaclsTokenFile());
      assertThat(server.options().tokens()).containsExactly("tok-1");
      try (KmaasAdminClient admin =
          new KmaasAdminClient(
              server.url(),
              KekCommand.readAdminKey(server.adminKeyFile()),
              server.certificateFile())) {
        assertThat(admin.list("beta")).hasSize(1);
      }
    } finally {
      cmd.stop();
    }
    assertThat(exit.get()).isZero();
  }

  @Test
  void badOptionsAreExit2() {
    for (String[] args :
        new String[][] {
          {"--listen", "nonsense"},
          {"--listen", "127.0.0.1:99999"},
          {"--tenant", ".."},
          {"--tls-cert-file", "x.crt"},
          {"--unknown"}
        }) {
      CommandLine cl = new CommandLine(new KmaasServerCommand());
      cl.setErr(new PrintWriter(new StringWriter(), true));
      cl.setOut(new PrintWriter(new StringWriter(), true));
      assertThat(cl.execute(args)).as(String.join(" ", args)).isEqualTo(2);
    }
  }

  @Test
  void listenConverter() {
    var c = new KmaasServerCommand.ListenAddressConverter();
    assertThat(c.convert("127.0.0.1:3000")).isEqualTo(new InetSocketAddress("127.0.0.1", 3000));
    assertThat(c.convert("[::1]:3000").getAddress().isLoopbackAddress()).isTrue();
    assertThat(c.convert(":3000").getAddress().isAnyLocalAddress()).isTrue();
  }

  @Test
  void startFailureIsExit1() throws Exception {
    Path state = dir.resolve("state");
    Files.createDirectories(state);
    Files.writeString(state.resolve(StandaloneKmaasServer.STATE_FILE), "corrupt");
    CommandLine cl = new CommandLine(new KmaasServerCommand());
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err, true));
    assertThat(cl.execute("--listen", "127.0.0.1:0", "--state-dir", state.toString())).isEqualTo(1);
    assertThat(err.toString()).contains("cannot start").contains("corrupt");
  }
}
