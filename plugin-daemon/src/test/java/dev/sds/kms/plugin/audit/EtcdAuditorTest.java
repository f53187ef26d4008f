package dev.sds.kms.plugin.audit;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.etcd.EtcdGateway;
import java.nio.charset.StandardCharsets;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import org.junit.jupiter.api.Test;

class EtcdAuditorTest {
  private static EtcdAuditor auditor(String prefix) {
    return new EtcdAuditor(
        new EtcdGateway(List.of(HttpUrl.get("http://127.0.0.1:1")), new OkHttpClient()),
        prefix,
        10,
        10);
  }

  @Test
  void prefixEndIsThePrefixWithItsLastByteIncremented() {
    assertThat(EtcdAuditor.prefixEnd(bytes("/registry/secrets/")))
        .isEqualTo(bytes("/registry/secrets0"));
    assertThat(EtcdAuditor.prefixEnd(new byte[] {'a', (byte) 0xff})).isEqualTo(bytes("b"));
    assertThat(EtcdAuditor.prefixEnd(new byte[] {(byte) 0xff})).isEqualTo(new byte[] {0});
    assertThat(EtcdAuditor.successor(bytes("/a"))).isEqualTo(new byte[] {'/', 'a', 0});
  }

  @Test
  void coreResourcesLiveUnderTheirPluralGroupedOnesUnderGroupAndPlural() {
    assertThat(auditor("/registry").keyPrefixes("secrets")).containsExactly("/registry/secrets/");
    assertThat(auditor("/registry/").keyPrefixes("widgets.example.com"))
        .containsExactly("/registry/example.com/widgets/", "/registry/widgets/");
    assertThat(auditor("custom").keyPrefixes("configmaps")).containsExactly("/custom/configmaps/");
    assertThat(auditor("/").keyPrefixes("secrets")).containsExactly("/secrets/");
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
