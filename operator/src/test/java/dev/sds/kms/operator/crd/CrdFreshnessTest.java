package dev.sds.kms.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The committed CRD copies (crds/ for users, config/crd/ for kustomize) must equal what the build
 * generates from the Java model; scripts/update-crds.sh refreshes them.
 */
class CrdFreshnessTest {

  static final Path GENERATED =
      Path.of("target/classes/META-INF/fabric8/kmsplugins.kms.sds.dev-v1.yml");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../crds/kmsplugins.kms.sds.dev-v1.yml",
        "../config/crd/kmsplugins.kms.sds.dev-v1.yml"
      })
  void committedCopyEqualsGeneratedCrd(String committed) throws IOException {
    assertThat(GENERATED).as("generated CRD (run the build first)").isRegularFile();
    Path copy = Path.of(committed);
    String hint =
        copy.normalize()
            + " is missing or stale: the KmsPlugin model changed. Run scripts/update-crds.sh and"
            + " commit the result.";
    assertThat(copy).as(hint).isRegularFile();
    assertThat(Files.readString(copy)).as(hint).isEqualTo(Files.readString(GENERATED));
  }
}
