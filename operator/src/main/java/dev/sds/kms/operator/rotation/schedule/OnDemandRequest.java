package dev.sds.kms.operator.rotation.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.ManagedFieldsEntry;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.Optional;

/**
 * A rotation asked for with {@code kubectl annotate kmsp/<name> kms.sds.dev/rotate-now=<token>}.
 * Each new token value is one request; the operator records the token it acted on ({@code
 * status.rotation.handledRotateToken}) and leaves the annotation in place.
 *
 * <p>Who asked and when come from the object's managed fields: the entry that owns {@code
 * f:metadata.f:annotations.f:kms.sds.dev/rotate-now} names the field manager ({@code
 * kubectl-annotate}, {@code kubectl-client-side-apply}, a controller's name) and the time of its
 * last update. Without such an entry (an API server that does not track fields) the requester is
 * {@value #UNKNOWN} and the time is when the operator first saw the token.
 */
public record OnDemandRequest(String token, String requestedBy, Instant requestedAt) {

  public static final String ANNOTATION = "kms.sds.dev/rotate-now";
  public static final String UNKNOWN = "unknown";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The request on {@code plugin}, if its annotation is set and not blank. */
  public static Optional<OnDemandRequest> of(KmsPlugin plugin, Instant firstSeen) {
    Map<String, String> annotations = plugin.getMetadata().getAnnotations();
    String token = annotations == null ? null : annotations.get(ANNOTATION);
    if (token == null || token.isBlank()) {
      return Optional.empty();
    }
    String manager = UNKNOWN;
    Instant at = firstSeen;
    Instant newest = null;
    if (plugin.getMetadata().getManagedFields() != null) {
      for (ManagedFieldsEntry entry : plugin.getMetadata().getManagedFields()) {
        if (!ownsAnnotation(entry)) {
          continue;
        }
        Instant time = time(entry.getTime());
        if (newest == null || (time != null && time.isAfter(newest))) {
          newest = time == null ? Instant.MIN : time;
          manager = entry.getManager() == null ? UNKNOWN : entry.getManager();
          at = time == null ? firstSeen : time;
        }
      }
    }
    return Optional.of(new OnDemandRequest(token.strip(), manager, at));
  }

  private static boolean ownsAnnotation(ManagedFieldsEntry entry) {
    if (entry.getFieldsV1() == null) {
      return false;
    }
    JsonNode fields = JSON.valueToTree(entry.getFieldsV1());
    return fields.path("f:metadata").path("f:annotations").has("f:" + ANNOTATION);
  }

  private static Instant time(String text) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
