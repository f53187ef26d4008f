package dev.sds.kms.plugin.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UnixEndpointTest {

  @Test
  void parsesASocketFile() {
    UnixEndpoint e = UnixEndpoint.parse("unix:///var/run/kmsplugin/kms.sock");

    assertThat(e.abstractNamespace()).isFalse();
    assertThat(e.path()).isEqualTo(Path.of("/var/run/kmsplugin/kms.sock"));
    assertThat(e).hasToString("unix:///var/run/kmsplugin/kms.sock");
  }

  @Test
  void parsesAnAbstractSocketLikeKubeApiserver() {
    UnixEndpoint e = UnixEndpoint.parse("unix:///@kms-plugin");

    assertThat(e.abstractNamespace()).isTrue();
    assertThat(e.name()).isEqualTo("kms-plugin");
    assertThat(e.path()).isNull();
    assertThat(e).hasToString("unix:///@kms-plugin");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "/tmp/kms.sock",
        "tcp://127.0.0.1:80",
        "unix://relative.sock",
        "unix:///",
        "unix:///@",
        "unix:///tmp/dir/"
      })
  void refusesWhatIsNotAUnixSocketEndpoint(String value) {
    assertThatThrownBy(() -> UnixEndpoint.parse(value))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unix://");
  }

  @Test
  void refusesAPathLongerThanTheKernelAllows() {
    String longPath = "unix:///" + "d/".repeat(60) + "kms.sock";

    assertThatThrownBy(() -> UnixEndpoint.parse(longPath)).hasMessageContaining("longer than 107");
  }
}
