package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scenario 4: one node's daemon dies with SIGKILL. The other node serves reads and writes; the
 * killed one restarts over the stale socket file it left and serves again.
 */
class DaemonCrashE2E extends E2eBase {

  @Test
  void otherNodeServesWhileOneDaemonIsKilledAndTheKilledOneRestartsOverItsStaleSocket()
      throws Exception {
    List<SecretCorpus.Secret> before = SecretCorpus.generate("team-a", 100);
    List<SecretCorpus.Secret> during = SecretCorpus.generate("team-b", 100);
    writeAll(system.apiserver(system.nodeA), before);

    system.nodeA.kill();
    assertThat(system.nodeA.isAlive()).isFalse();
    assertThat(system.nodeA.socket()).as("SIGKILL leaves the socket file").exists();

    ApiserverStorage viaB = system.apiserver(system.nodeB);
    long start = System.nanoTime();
    assertAllReadBack(viaB, before);
    writeAll(viaB, during);
    assertAllReadBack(viaB, during);
    long servedByB = System.nanoTime() - start;

    start = System.nanoTime();
    system.nodeA.start();
    long restart = System.nanoTime() - start;
    ApiserverStorage viaA = system.apiserver(system.nodeA);
    assertAllReadBack(viaA, before);
    assertAllReadBack(viaA, during);
    viaA.put("/registry/secrets/team-a/after-restart", "{}".getBytes());
    assertThat(viaA.get("/registry/secrets/team-a/after-restart")).isEqualTo("{}".getBytes());
    assertThat(system.nodeB.readyz()).isEqualTo(200);

    System.out.printf(
        "E2E daemon crash: node A SIGKILLed; node B read %d and wrote+read %d secrets in %s;"
            + " node A restarted over its stale socket in %s and read all %d%n",
        before.size(),
        during.size(),
        seconds(servedByB),
        seconds(restart),
        before.size() + during.size());
  }
}
