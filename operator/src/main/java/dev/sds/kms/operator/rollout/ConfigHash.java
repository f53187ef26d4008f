package dev.sds.kms.operator.rollout;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Decides the annotations on the DaemonSet's pod template that make a configuration change roll the
 * daemon pods, one node at a time ({@code maxUnavailable: 1}).
 *
 * <p>{@value #CONFIG_HASH} covers the rendered {@code config.yaml} and the rest of the pod template
 * (image, volumes, resources, …). A pod template change alone would roll the pods anyway; the
 * config file lives in a ConfigMap, whose change would not, and the daemon reads it only at start.
 * So the hash is what turns a ConfigMap change into a rollout.
 *
 * <p>Content inside referenced Secrets is not in that hash: the operator never reads secret values.
 * The kubelet refreshes the mounted files within about a minute of a Secret change. The daemon
 * re-reads the bearer token file when it changes, so a token rotation needs no restart. It reads
 * the API key, the CA bundle and the client certificate only at start; for those, {@value
 * #REFERENCE_VERSIONS} hashes the resourceVersions of the referenced objects, when a lookup is
 * given, so that changing them rolls the pods too. (The token Secret is left out on purpose, lest
 * every token refresh restart every plugin.)
 */
public final class ConfigHash {

  public static final String CONFIG_HASH = "kms.sds.dev/config-hash";
  public static final String REFERENCE_VERSIONS = "kms.sds.dev/secret-versions";

  /** Hex characters kept of the SHA-256: 64 bits, plenty to tell configurations apart. */
  static final int LENGTH = 16;

  private static final ObjectMapper CANONICAL_JSON =
      JsonMapper.builder()
          .enable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
          .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
          .build();

  private ConfigHash() {}

  /**
   * The config hash: over the config file and the pod template as it is before these annotations
   * are added.
   */
  public static String of(String configYaml, PodTemplateSpec template) {
    try {
      return sha256(configYaml + "\n---\n" + CANONICAL_JSON.writeValueAsString(template));
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The hash over the resourceVersions of the referenced objects that the daemon reads only at
   * start; empty when there are none. An object that does not exist counts as version {@code
   * absent}, so that its creation rolls the pods (which were stuck without it anyway).
   */
  public static Optional<String> ofStartupReferences(KmsPlugin plugin, ReferenceLookup lookup) {
    String namespace = plugin.getMetadata().getNamespace();
    SortedMap<String, String> versions = new TreeMap<>();
    for (References.Reference reference : References.of(plugin)) {
      if (!reference.readAtStart()) {
        continue;
      }
      Optional<ReferenceLookup.Referenced> found =
          reference.kind() == References.Kind.SECRET
              ? lookup.secret(namespace, reference.name())
              : lookup.configMap(namespace, reference.name());
      versions.put(
          reference.kind().display() + "/" + reference.name(),
          found.map(ReferenceLookup.Referenced::resourceVersion).orElse("absent"));
    }
    return versions.isEmpty() ? Optional.empty() : Optional.of(sha256(versions.toString()));
  }

  static String sha256(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest).substring(0, LENGTH);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java platform has SHA-256", e);
    }
  }
}
