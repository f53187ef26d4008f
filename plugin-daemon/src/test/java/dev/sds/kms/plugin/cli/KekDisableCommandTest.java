package dev.sds.kms.plugin.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.cli.KekCommandTest.Run;
import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.kmaas.engine.KekStore;
import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kek disable}: offline on a state file and over HTTPS on a standalone KMaaS. */
class KekDisableCommandTest {

  @TempDir Path dir;

  @Test
  void disablesAKekInAStateFileAndListShowsIt() throws Exception {
    Path file = dir.resolve("kek-state.json");
    KekStore store = new KekStore(file);
    KekInfo old = store.ensureTenant("embedded");
    KekInfo active = store.rotate("embedded");

    Run disable =
        KekCommandTest.run(
            "disable", old.id(), "--state-file", file.toString(), "--tenant", "embedded");

    assertThat(disable.code()).as(disable.err()).isZero();
    assertThat(disable.out().strip()).isEqualTo("disabled " + old.id());
    assertThat(new KekStore(file).list("embedded"))
        .extracting(KekInfo::id, KekInfo::disabled)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple(old.id(), true),
            org.assertj.core.api.Assertions.tuple(active.id(), false));
    Run list = KekCommandTest.run("list", "--state-file", file.toString(), "--tenant", "embedded");
    assertThat(list.out().lines().toList().get(1)).startsWith(old.id()).endsWith("no      yes");
  }

  @Test
  void anUnknownKekIsOneLineExit1AndAMissingIdIsUsage() throws Exception {
    Path file = dir.resolve("kek-state.json");
    new KekStore(file).ensureTenant("default");

    Run unknown = KekCommandTest.run("disable", "kek-nope", "--state-file", file.toString());
    Run missing = KekCommandTest.run("disable", "--state-file", file.toString());

    assertThat(unknown.code()).isEqualTo(1);
    assertThat(unknown.err().strip()).isEqualTo("kek disable: tenant default has no KEK kek-nope");
    assertThat(missing.code()).isEqualTo(2);
  }

  @Test
  void disablesAKekOnARunningServer() throws Exception {
    try (StandaloneKmaasServer server =
        new StandaloneKmaasServer(
            StandaloneKmaasServer.Options.of(
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), dir)
                .withTenants(List.of("acme")))) {
      server.start();
      String old = new KekStore(server.stateFile()).list("acme").get(0).id();
      String[] remote = {
        "--tenant",
        "acme",
        "--kmaas-url",
        server.url().toString(),
        "--admin-key-file",
        server.adminKeyFile().toString(),
        "--ca-file",
        server.certificateFile().toString()
      };
      assertThat(KekCommandTest.run(concat("rotate", remote)).code()).isZero();

      Run disable = KekCommandTest.run(concat("disable", concat(old, remote)));

      assertThat(disable.code()).as(disable.err()).isZero();
      assertThat(disable.out().strip()).isEqualTo("disabled " + old);
      Run list = KekCommandTest.run(concat("list", remote));
      assertThat(list.out().lines().toList().get(1)).startsWith(old).endsWith("no      yes");
      Run again = KekCommandTest.run(concat("disable", concat(old, remote)));
      assertThat(again.code()).as("disabling twice is fine").isZero();
      Run unknown = KekCommandTest.run(concat("disable", concat("kek-nope", remote)));
      assertThat(unknown.code()).isEqualTo(1);
      assertThat(unknown.err()).contains("HTTP 404").contains("has no KEK kek-nope");
    }
  }

  private static String[] concat(String first, String... rest) {
    String[] out = new String[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }
}
