package dev.sds.kms.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.testing.Fixtures;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A KmsPlugin whose spec does not fit the model is read as unreadable, never as a failure. */
class SpecJsonTest {
  private final KubernetesSerialization json = new KubernetesSerialization();

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "{\"httpPort\":\"eighty\"}|spec.httpPort cannot be read (it must be an integer)",
        "{\"paused\":{\"yes\":1}}|spec.paused cannot be read (it must be true or false)",
        "{\"rotation\":\"fast\"}|spec.rotation cannot be read (it must be an object)",
        "{\"tolerations\":{\"a\":1}}|spec.tolerations cannot be read (it must be a list)",
        "{\"rotation\":{\"pageSize\":[1]}}|spec.rotation.pageSize cannot be read (it must be an integer)",
        "{\"resources\":{\"limits\":{\"memory\":\"\"}}}|spec.resources.limits.memory cannot be read",
        "{\"kmaas\":{\"url\":{\"a\":\"b\"}}}|spec.kmaas.url cannot be read (it must be a string)"
      })
  void aSpecOfTheWrongShapeIsUnreadableNamingTheFieldNotTheValue(String spec, String reason) {
    KmsPlugin plugin = read(spec);

    assertThat(plugin.getMetadata().getName()).isEqualTo("p");
    assertThat(plugin.getSpec().unreadable()).startsWith(reason);
    assertThat(plugin.getSpec().unreadable()).doesNotContain("eighty", "yes", "fast", "\"b\"");
  }

  @Test
  void anUnreadableSpecIsWrittenBackAsItWasStored() {
    String spec = "{\"httpPort\":\"eighty\",\"image\":\"x\"}";
    KmsPlugin plugin = read(spec);

    String written = json.asJson(plugin);

    assertThat(json.unmarshal(written, Map.class).get("spec"))
        .isEqualTo(Map.of("httpPort", "eighty", "image", "x"));
    assertThat(json.unmarshal(written, KmsPlugin.class).getSpec().unreadable())
        .isEqualTo(plugin.getSpec().unreadable());
  }

  @Test
  void aReadableSpecIsReadAndWrittenAsBefore() {
    KmsPlugin plugin = Fixtures.plugin("p", 8083);
    plugin.getSpec().setRotation(new RotationSpec().withPageSize(7).withResources(List.of("a")));

    KmsPlugin copy = json.unmarshal(json.asJson(plugin), KmsPlugin.class);

    assertThat(copy.getSpec().unreadable()).isNull();
    assertThat(copy.getSpec()).isEqualTo(plugin.getSpec());
    assertThat(json.asJson(copy.getSpec())).isEqualTo(json.asJson(plugin.getSpec()));
  }

  private KmsPlugin read(String spec) {
    return json.unmarshal(
        "{\"apiVersion\":\"kms.sds.dev/v1alpha1\",\"kind\":\"KmsPlugin\","
            + "\"metadata\":{\"name\":\"p\",\"namespace\":\"ns\"},\"spec\":"
            + spec
            + "}",
        KmsPlugin.class);
  }
}
