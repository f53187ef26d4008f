package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.status.SpecProblem;
import org.junit.jupiter.api.Test;

class ReferenceCheckerTest {

  @Test
  void everythingThereIsNoProblem() {
    assertThat(new ReferenceChecker(FakeLookup.complete()).check(TestPlugins.full())).isEmpty();
  }

  @Test
  void noReferencesIsNoProblem() {
    assertThat(new ReferenceChecker(new FakeLookup()).check(TestPlugins.minimal())).isEmpty();
  }

  @Test
  void aMissingCredentialsSecretNamesTheObjectAndTheField() {
    FakeLookup lookup =
        new FakeLookup()
            .configMap("kmaas-ca", "2", "bundle.pem")
            .secret("kmaas-client", "3", "tls.crt", "tls.key");

    assertThat(new ReferenceChecker(lookup).check(TestPlugins.full()))
        .containsExactly(
            new SpecProblem(
                "SecretNotFound",
                "Secret kms-system/kmaas-credentials not found"
                    + " (spec.kmaas.credentials.secretName)"));
  }

  @Test
  void aSecretWithoutTheDefaultKeyOfItsTypeIsSecretKeyMissing() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin
        .getSpec()
        .getKmaas()
        .setCredentials(new CredentialsRef().withSecretName("kmaas-credentials").withType("Token"));
    FakeLookup lookup = new FakeLookup().secret("kmaas-credentials", "1", "api-key");

    assertThat(new ReferenceChecker(lookup).check(plugin))
        .containsExactly(
            new SpecProblem(
                "SecretKeyMissing",
                "Secret kms-system/kmaas-credentials has no key \"token\""
                    + " (spec.kmaas.credentials.key)"));
  }

  @Test
  void aMissingCaConfigMapOrKeyIsReportedAsAConfigMapProblem() {
    FakeLookup withoutCa =
        new FakeLookup()
            .secret("kmaas-credentials", "1", "api-key")
            .secret("kmaas-client", "3", "tls.crt", "tls.key");
    FakeLookup wrongKey = FakeLookup.complete().configMap("kmaas-ca", "2", "ca.crt");

    assertThat(new ReferenceChecker(withoutCa).check(TestPlugins.full()))
        .extracting(SpecProblem::reason, SpecProblem::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "ConfigMapNotFound",
                "ConfigMap kms-system/kmaas-ca not found (spec.kmaas.caBundle.configMapName)"));
    assertThat(new ReferenceChecker(wrongKey).check(TestPlugins.full()))
        .extracting(SpecProblem::reason, SpecProblem::message)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(
                "ConfigMapKeyMissing",
                "ConfigMap kms-system/kmaas-ca has no key \"bundle.pem\""
                    + " (spec.kmaas.caBundle.key)"));
  }

  @Test
  void aCaBundleInASecretIsLookedUpAsASecret() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().getKmaas().setCaBundle(new CaBundleRef().withSecretName("kmaas-ca"));
    FakeLookup onlyAConfigMap = new FakeLookup().configMap("kmaas-ca", "1", "ca.crt");

    assertThat(new ReferenceChecker(onlyAConfigMap).check(plugin))
        .extracting(SpecProblem::reason)
        .containsExactly("SecretNotFound");
  }

  @Test
  void aClientSecretLackingTheKeyIsOneProblemPerMissingKey() {
    FakeLookup lookup = FakeLookup.complete().secret("kmaas-client", "3", "ca.crt");

    assertThat(new ReferenceChecker(lookup).check(TestPlugins.full()))
        .extracting(SpecProblem::message)
        .containsExactly(
            "Secret kms-system/kmaas-client has no key \"tls.crt\""
                + " (spec.kmaas.clientCertificate.secretName)",
            "Secret kms-system/kmaas-client has no key \"tls.key\""
                + " (spec.kmaas.clientCertificate.secretName)");
  }

  @Test
  void everyMissingObjectIsReported() {
    assertThat(new ReferenceChecker(new FakeLookup()).check(TestPlugins.full()))
        .extracting(SpecProblem::reason)
        .containsExactly("SecretNotFound", "ConfigMapNotFound", "SecretNotFound");
  }
}
