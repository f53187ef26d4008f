package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import org.junit.jupiter.api.Test;

class DesiredObjectsTest {

  @Test
  void configMapHoldsTheRenderedConfig() {
    ConfigMap configMap = DesiredConfigMap.of(TestPlugins.full());

    assertThat(configMap.getMetadata().getName()).isEqualTo("prod-kms-plugin");
    assertThat(configMap.getMetadata().getNamespace()).isEqualTo("kms-system");
    assertThat(configMap.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "sds-kms-operator");
    assertThat(configMap.getData())
        .containsOnlyKeys("config.yaml")
        .containsEntry("config.yaml", DaemonConfigRenderer.render(TestPlugins.full()));
  }

  @Test
  void serviceAccountMountsNoToken() {
    ServiceAccount account = DesiredServiceAccount.of(TestPlugins.full());

    assertThat(account.getMetadata().getName()).isEqualTo("prod-kms-plugin");
    assertThat(account.getMetadata().getNamespace()).isEqualTo("kms-system");
    assertThat(account.getAutomountServiceAccountToken()).isFalse();
  }

  @Test
  void namesDeriveFromTheKmsPluginName() {
    KmsPlugin plugin = TestPlugins.minimal();

    assertThat(Names.daemonSet(plugin)).isEqualTo("prod-kms-plugin");
    assertThat(Names.configMap(plugin)).isEqualTo("prod-kms-plugin");
    assertThat(Names.serviceAccount(plugin)).isEqualTo("prod-kms-plugin");
  }

  @Test
  void notPausedConditionFollowsSpecPaused() {
    NotPausedCondition<ConfigMap> condition = new NotPausedCondition<>();
    KmsPlugin plugin = TestPlugins.minimal();

    assertThat(condition.isMet(null, plugin, null)).isTrue();
    plugin.getSpec().setPaused(false);
    assertThat(condition.isMet(null, plugin, null)).isTrue();
    plugin.getSpec().setPaused(true);
    assertThat(condition.isMet(null, plugin, null)).isFalse();
  }
}
