package dev.sds.kms.plugin.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PluginStateTest {
  private final PluginState state =
      new PluginState(Clock.fixed(Instant.parse("2026-11-24T06:00:00Z"), ZoneOffset.UTC));

  @Test
  void beforeTheFirstCheckTheStateIsUnhealthyWithAnEmptyKeyId() {
    assertThat(state.current().healthy()).isFalse();
    assertThat(state.current().keyId()).isEmpty();
    assertThat(state.current().healthz()).isEqualTo("KMaaS not checked yet");
  }

  @Test
  void aSuccessfulCheckMakesItHealthyWithTheKeyIdOfTheActiveKek() {
    state.recordCheckSuccess("kek-1", "sds:t/kek-1");

    assertThat(state.current())
        .extracting(
            PluginState.Snapshot::healthz,
            PluginState.Snapshot::keyId,
            PluginState.Snapshot::kekId,
            PluginState.Snapshot::lastSuccessTime)
        .containsExactly("ok", "sds:t/kek-1", "kek-1", Instant.parse("2026-11-24T06:00:00Z"));
  }

  @Test
  void aFailedCheckKeepsTheKeyIdSoReadsContinueAndReportsTheReason() {
    state.recordCheckSuccess("kek-1", "sds:t/kek-1");
    state.recordCheckFailure("KMaaS unreachable: connection refused");

    assertThat(state.current().healthz()).isEqualTo("KMaaS unreachable: connection refused");
    assertThat(state.current().keyId()).isEqualTo("sds:t/kek-1");
    assertThat(state.current().lastSuccessTime()).isNotNull();
  }

  @Test
  void rotationMovesTheKeyIdForwardAndNotifiesListeners() {
    List<String> seen = new ArrayList<>();
    state.onKeyIdChange(seen::add);
    state.recordCheckSuccess("kek-1", "sds:t/kek-1");
    state.recordCheckSuccess("kek-1", "sds:t/kek-1");
    state.recordCheckSuccess("kek-2", "sds:t/kek-2");

    assertThat(seen).containsExactly("sds:t/kek-1", "sds:t/kek-2");
    assertThat(state.current().keyId()).isEqualTo("sds:t/kek-2");
  }

  @Test
  void anOlderKekReportedAgainIsRefusedSoTheKeyIdNeverFlipFlops() {
    state.recordCheckSuccess("kek-1", "sds:t/kek-1");
    state.recordCheckSuccess("kek-2", "sds:t/kek-2");

    state.recordCheckSuccess("kek-1", "sds:t/kek-1");

    assertThat(state.current().keyId()).isEqualTo("sds:t/kek-2");
    assertThat(state.current().healthy()).isFalse();
    assertThat(state.current().healthz()).contains("kek-1").contains("refused");
    assertThat(state.acceptEncryptKek("kek-1", "sds:t/kek-1")).isFalse();
    assertThat(state.acceptEncryptKek("kek-2", "sds:t/kek-2")).isTrue();
  }

  @Test
  void anEncryptUnderANewerKekAdvancesTheKeyIdBeforeTheNextCheck() {
    state.recordCheckSuccess("kek-1", "sds:t/kek-1");

    assertThat(state.acceptEncryptKek("kek-2", "sds:t/kek-2")).isTrue();

    assertThat(state.current().keyId()).isEqualTo("sds:t/kek-2");
  }
}
