package dev.sds.kms.plugin.health;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import dev.sds.kms.plugin.testing.FakeKmaas;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The background check decides healthz and key_id; Status only reads what it recorded. */
class KmaasHealthCheckTest {
  private final FakeKmaas kmaas = new FakeKmaas("kek-1");
  private final PluginState state = new PluginState(Clock.systemUTC());
  private final KmaasHealthCheck check =
      new KmaasHealthCheck(
          kmaas,
          new KeyIdScheme("sds", "acme"),
          state,
          Duration.ofSeconds(30),
          Duration.ofSeconds(5));

  @Test
  void aSuccessfulCheckMakesThePluginHealthyWithTheActiveKeksKeyId() {
    assertThat(state.current().healthz()).isEqualTo("KMaaS not checked yet");

    assertThat(check.checkNow()).isTrue();

    PluginState.Snapshot s = state.current();
    assertThat(s.healthz()).isEqualTo("ok");
    assertThat(s.keyId()).isEqualTo("sds:acme/kek-1");
    assertThat(s.kekId()).isEqualTo("kek-1");
    assertThat(s.lastSuccessTime()).isNotNull();
    assertThat(kmaas.wrapCalls).hasValue(1);
    assertThat(kmaas.unwrapCalls).hasValue(1);
  }

  @Test
  void aFailedCheckReportsTheReasonAndKeepsTheKeyId() {
    check.checkNow();
    kmaas.failWith = KmaasFailure.UNREACHABLE;

    assertThat(check.checkNow()).isFalse();

    assertThat(state.current().healthz()).isEqualTo("fake KMaaS fails with unreachable");
    assertThat(state.current().keyId()).isEqualTo("sds:acme/kek-1");
    assertThat(state.current().lastCheckTime()).isAfterOrEqualTo(state.current().lastSuccessTime());
  }

  @Test
  void followsARotationOnTheNextCheck() {
    check.checkNow();
    kmaas.rotate("kek-2");

    check.checkNow();

    assertThat(state.current().keyId()).isEqualTo("sds:acme/kek-2");
  }

  @Test
  void refusesAnOlderKekReportedActiveAgain() {
    check.checkNow();
    kmaas.rotate("kek-2");
    check.checkNow();
    kmaas.rotate("kek-1");

    assertThat(check.checkNow()).isFalse();

    assertThat(state.current().keyId()).isEqualTo("sds:acme/kek-2");
    assertThat(state.current().healthz()).contains("kek-1").contains("refused");
  }

  @Test
  void aKmaasThatAnswersWithAnotherValueIsUnhealthy() {
    kmaas.unwrapAnswer = new byte[32];

    assertThat(check.checkNow()).isFalse();

    assertThat(state.current().healthz()).contains("different value");
  }
}
