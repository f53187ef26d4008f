package dev.sds.kms.operator.rotation.schedule;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.testing.Fixtures;
import io.fabric8.kubernetes.api.model.FieldsV1;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntryBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class OnDemandRequestTest {
  private static final Instant NOW = Instant.parse("2026-11-25T12:00:00Z");

  @Test
  void noAnnotationOrABlankOneIsNoRequest() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    assertThat(OnDemandRequest.of(plugin, NOW)).isEmpty();
    plugin.getMetadata().setAnnotations(Map.of(OnDemandRequest.ANNOTATION, " "));
    assertThat(OnDemandRequest.of(plugin, NOW)).isEmpty();
  }

  @Test
  void theRequesterIsTheNewestManagerOfTheAnnotation() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    plugin.getMetadata().setAnnotations(Map.of(OnDemandRequest.ANNOTATION, "ticket-42"));
    plugin
        .getMetadata()
        .setManagedFields(
            List.of(
                entry("kubectl-client-side-apply", "2026-11-20T08:00:00Z", "f:spec"),
                entry("kubectl-annotate", "2026-11-25T11:59:00Z", "annotation"),
                entry("old-script", "2026-11-24T09:00:00Z", "annotation")));

    OnDemandRequest request = OnDemandRequest.of(plugin, NOW).orElseThrow();

    assertThat(request.token()).isEqualTo("ticket-42");
    assertThat(request.requestedBy()).isEqualTo("kubectl-annotate");
    assertThat(request.requestedAt()).isEqualTo(Instant.parse("2026-11-25T11:59:00Z"));
  }

  @Test
  void withoutManagedFieldsTheRequesterIsUnknownAndTheTimeWhenFirstSeen() {
    KmsPlugin plugin = Fixtures.plugin("kms", 8083);
    plugin.getMetadata().setAnnotations(Map.of(OnDemandRequest.ANNOTATION, "now"));

    OnDemandRequest request = OnDemandRequest.of(plugin, NOW).orElseThrow();

    assertThat(request.requestedBy()).isEqualTo(OnDemandRequest.UNKNOWN);
    assertThat(request.requestedAt()).isEqualTo(NOW);
  }

  private static ManagedFieldsEntry entry(String manager, String time, String owns) {
    FieldsV1 fields = new FieldsV1();
    if (owns.equals("annotation")) {
      fields.setAdditionalProperty(
          "f:metadata",
          Map.of("f:annotations", Map.of("f:" + OnDemandRequest.ANNOTATION, Map.of())));
    } else {
      fields.setAdditionalProperty(owns, Map.of());
    }
    return new ManagedFieldsEntryBuilder()
        .withManager(manager)
        .withOperation("Update")
        .withTime(time)
        .withFieldsType("FieldsV1")
        .withFieldsV1(fields)
        .build();
  }
}
