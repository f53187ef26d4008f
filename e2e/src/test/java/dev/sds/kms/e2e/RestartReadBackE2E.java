package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Scenario 2: stored Secrets survive restarting every daemon and every apiserver cache. */
class RestartReadBackE2E extends E2eBase {

  @Test
  void everySecretReadsBackThroughBothNodesAfterBothDaemonsAndTheApiserverRestart()
      throws Exception {
    List<SecretCorpus.Secret> secrets = SecretCorpus.generate("team-a", 1000);
    ApiserverStorage writer = system.apiserver(system.nodeA);
    writeAll(writer, secrets);
    writer.close();

    long start = System.nanoTime();
    system.nodeA.stop();
    system.nodeB.stop();
    assertThat(system.nodeA.socket()).as("SIGTERM removes the socket").doesNotExist();
    system.startDaemons();
    long restart = System.nanoTime() - start;

    ApiserverStorage viaB = system.apiserver(system.nodeB);
    start = System.nanoTime();
    assertAllReadBack(viaB, secrets);
    long readB = System.nanoTime() - start;
    assertThat(viaB.decryptCalls()).as("one seed to decrypt, then cached").isEqualTo(1);

    ApiserverStorage viaA = system.apiserver(system.nodeA);
    assertAllReadBack(viaA, secrets);
    assertThat(viaA.decryptCalls()).isEqualTo(1);

    System.out.printf(
        "E2E restart: both daemons restarted in %s; %d secrets read back identical through node B"
            + " in %s (%d Decrypt) and node A (%d Decrypt)%n",
        seconds(restart), secrets.size(), seconds(readB), viaB.decryptCalls(), viaA.decryptCalls());
  }
}
