package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Toleration;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class DesiredDaemonSetTest {

  private static final Map<String, String> SELECTOR =
      Map.of("app.kubernetes.io/name", "sds-kms-plugin", "app.kubernetes.io/instance", "prod");
  private static final Map<String, String> LABELS =
      Map.of(
          "app.kubernetes.io/name", "sds-kms-plugin",
          "app.kubernetes.io/instance", "prod",
          "app.kubernetes.io/managed-by", "sds-kms-operator",
          "app.kubernetes.io/component", "kms-plugin");

  private final DaemonSet full = DesiredDaemonSet.of(TestPlugins.full());
  private final PodSpec pod = full.getSpec().getTemplate().getSpec();
  private final Container container = pod.getContainers().get(0);

  @Test
  void metadataSelectorAndTemplateLabels() {
    assertThat(full.getMetadata().getName()).isEqualTo("prod-kms-plugin");
    assertThat(full.getMetadata().getNamespace()).isEqualTo("kms-system");
    assertThat(full.getMetadata().getLabels()).isEqualTo(LABELS);
    assertThat(full.getSpec().getSelector().getMatchLabels()).isEqualTo(SELECTOR);
    assertThat(full.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(LABELS);
  }

  @Test
  void rollsOneNodeAtATimeWithoutTwoDaemonsOnANode() {
    var strategy = full.getSpec().getUpdateStrategy();
    assertThat(strategy.getType()).isEqualTo("RollingUpdate");
    assertThat(strategy.getRollingUpdate().getMaxUnavailable()).isEqualTo(new IntOrString(1));
    assertThat(strategy.getRollingUpdate().getMaxSurge()).isEqualTo(new IntOrString(0));
  }

  @Test
  void podPlacementAndIdentity() {
    assertThat(pod.getServiceAccountName()).isEqualTo("prod-kms-plugin");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getPriorityClassName()).isEqualTo("system-cluster-critical");
    assertThat(pod.getHostNetwork()).isNull();
    assertThat(pod.getContainers()).hasSize(1);

    PodSpec defaults = DesiredDaemonSet.of(TestPlugins.minimal()).getSpec().getTemplate().getSpec();
    assertThat(defaults.getPriorityClassName()).isEqualTo("system-node-critical");
    assertThat(defaults.getNodeSelector())
        .isEqualTo(Map.of("node-role.kubernetes.io/control-plane", ""));
    assertThat(defaults.getTolerations())
        .extracting(Toleration::getKey)
        .containsExactly("node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/master");
  }

  @Test
  void containerImageArgsPortAndResources() {
    assertThat(container.getName()).isEqualTo("kms-plugin");
    assertThat(container.getImage()).isEqualTo(TestPlugins.IMAGE);
    assertThat(container.getCommand()).isNullOrEmpty();
    assertThat(container.getArgs())
        .containsExactly("serve", "--config", "/etc/sds-kms-plugin/config.yaml");
    assertThat(container.getPorts())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getName()).isEqualTo("http");
              assertThat(p.getContainerPort()).isEqualTo(9090);
              assertThat(p.getHostPort()).isNull();
            });
    assertThat(container.getResources().getRequests())
        .containsEntry("cpu", new Quantity("50m"))
        .containsEntry("memory", new Quantity("160Mi"));
    assertThat(container.getResources().getLimits())
        .isEqualTo(Map.of("memory", new Quantity("320Mi")));
  }

  @Test
  void probesOnTheHttpPort() {
    assertProbe(container.getReadinessProbe(), "/readyz", 5);
    assertProbe(container.getLivenessProbe(), "/livez", 10);
  }

  private static void assertProbe(Probe probe, String path, int period) {
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort()).isEqualTo(new IntOrString("http"));
    assertThat(probe.getPeriodSeconds()).isEqualTo(period);
    assertThat(probe.getFailureThreshold()).isEqualTo(3);
  }

  @Test
  void runsAsTheNonRootUidOfTheImageLockedDown() {
    SecurityContext security = container.getSecurityContext();
    assertThat(security.getRunAsUser()).isEqualTo(65532L);
    assertThat(security.getRunAsGroup()).isEqualTo(65532L);
    assertThat(security.getRunAsNonRoot()).isTrue();
    assertThat(security.getPrivileged()).isNull();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    // the kubelet gives the projected files this group, so that the uid reads the 0440 Secrets
    assertThat(pod.getSecurityContext().getFsGroup()).isEqualTo(65532L);
    assertThat(pod.getSecurityContext().getRunAsUser()).isNull();
    assertThat(SpecDefaults.RUN_AS_USER).isEqualTo(65532L);
  }

  @Test
  void anInitContainerMakesTheSocketDirectoryTheDaemonsWithChownAndFownerOnly() {
    assertThat(pod.getInitContainers()).singleElement();
    Container init = pod.getInitContainers().get(0);
    assertThat(init.getName()).isEqualTo("socket-dir");
    assertThat(init.getImage()).isEqualTo(TestPlugins.IMAGE);
    assertThat(init.getCommand())
        .containsExactly("/bin/sh", "-c", "chown \"$1\" \"$2\" && chmod 0700 \"$2\"", "socket-dir");
    assertThat(init.getArgs()).containsExactly("65532:65532", "/run/kms");
    assertThat(init.getVolumeMounts())
        .singleElement()
        .satisfies(
            m -> {
              assertThat(m.getName()).isEqualTo("socket");
              assertThat(m.getMountPath()).isEqualTo("/run/kms");
            });
    SecurityContext security = init.getSecurityContext();
    assertThat(security.getRunAsUser()).isZero();
    assertThat(security.getRunAsNonRoot()).isFalse();
    assertThat(security.getPrivileged()).isNull();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getCapabilities().getAdd()).containsExactly("CHOWN", "FOWNER");
    assertThat(security.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(init.getResources().getLimits()).containsKey("memory");
    assertThat(init.getPorts()).isNullOrEmpty();
  }

  @Test
  void runAsUserZeroRunsTheDaemonAsRootWithoutInitContainerOrFsGroup() {
    KmsPlugin root = TestPlugins.full();
    root.getSpec().setRunAsUser(0L);
    PodSpec rootPod = DesiredDaemonSet.of(root).getSpec().getTemplate().getSpec();
    SecurityContext security = rootPod.getContainers().get(0).getSecurityContext();

    assertThat(security.getRunAsUser()).isZero();
    assertThat(security.getRunAsNonRoot()).isNull();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(rootPod.getInitContainers()).isEmpty();
    assertThat(rootPod.getSecurityContext()).isNull();
    assertThat(volume(rootPod, "config").getProjected().getSources().get(1).getSecret().getItems())
        .containsExactly(item("api-key", "credentials/api-key", 0400));
  }

  @Test
  void anotherUidIsTheDaemonsUidGidFsGroupAndTheInitContainersOwner() {
    KmsPlugin other = TestPlugins.minimal();
    other.getSpec().setRunAsUser(10001L);
    PodSpec otherPod = DesiredDaemonSet.of(other).getSpec().getTemplate().getSpec();

    assertThat(otherPod.getContainers().get(0).getSecurityContext().getRunAsUser())
        .isEqualTo(10001L);
    assertThat(otherPod.getContainers().get(0).getSecurityContext().getRunAsGroup())
        .isEqualTo(10001L);
    assertThat(otherPod.getSecurityContext().getFsGroup()).isEqualTo(10001L);
    assertThat(otherPod.getInitContainers().get(0).getArgs())
        .containsExactly("10001:10001", "/var/run/kmsplugin");
  }

  @Test
  void socketDirectoryIsTheSamePathOnTheNodeAndInThePod() {
    Volume socket = volume(pod, "socket");
    assertThat(socket.getHostPath().getPath()).isEqualTo("/run/kms");
    assertThat(socket.getHostPath().getType()).isEqualTo("DirectoryOrCreate");
    assertThat(mount("socket").getMountPath()).isEqualTo("/run/kms");
    assertThat(mount("socket").getReadOnly()).isNull();
    assertThat(DaemonConfigRenderer.settings(TestPlugins.full()))
        .containsEntry("bind", "unix:///run/kms/sds.sock");
  }

  @Test
  void tmpIsAnEmptyDirForTheReadOnlyRootFileSystem() {
    assertThat(volume(pod, "tmp").getEmptyDir()).isNotNull();
    assertThat(mount("tmp").getMountPath()).isEqualTo("/tmp");
  }

  @Test
  void configVolumeProjectsTheConfigAndOnlyTheReferencedKeysWhereTheConfigSaysTheyAre() {
    Volume config = volume(pod, "config");
    assertThat(mount("config").getMountPath()).isEqualTo("/etc/sds-kms-plugin");
    assertThat(mount("config").getReadOnly()).isTrue();
    List<VolumeProjection> sources = config.getProjected().getSources();
    assertThat(sources).hasSize(4);

    assertThat(sources.get(0).getConfigMap().getName()).isEqualTo("prod-kms-plugin");
    assertThat(sources.get(0).getConfigMap().getItems())
        .containsExactly(item("config.yaml", "config.yaml", null));
    assertThat(sources.get(1).getSecret().getName()).isEqualTo("kmaas-credentials");
    assertThat(sources.get(1).getSecret().getItems())
        .containsExactly(item("api-key", "credentials/api-key", 0440));
    assertThat(sources.get(2).getConfigMap().getName()).isEqualTo("kmaas-ca");
    assertThat(sources.get(2).getConfigMap().getItems())
        .containsExactly(item("bundle.pem", "ca/bundle.pem", null));
    assertThat(sources.get(3).getSecret().getName()).isEqualTo("kmaas-client");
    assertThat(sources.get(3).getSecret().getItems())
        .containsExactly(
            item("tls.crt", "client/tls.crt", null), item("tls.key", "client/tls.key", 0440));

    // every file the config names is a projected path under the mount
    Map<String, String> settings = DaemonConfigRenderer.settings(TestPlugins.full());
    List<String> projected =
        sources.stream()
            .flatMap(
                s ->
                    (s.getSecret() != null ? s.getSecret().getItems() : s.getConfigMap().getItems())
                        .stream())
            .map(i -> "/etc/sds-kms-plugin/" + i.getPath())
            .toList();
    assertThat(projected)
        .contains(
            settings.get("kmaas-api-key-file"),
            settings.get("kmaas-ca-file"),
            settings.get("kmaas-client-cert-file"),
            settings.get("kmaas-client-key-file"));
  }

  @Test
  void aCaBundleInASecretIsProjectedFromTheSecret() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getSpec().getKmaas().setCaBundle(new CaBundleRef().withSecretName("ca"));

    List<VolumeProjection> sources =
        volume(DesiredDaemonSet.of(plugin).getSpec().getTemplate().getSpec(), "config")
            .getProjected()
            .getSources();

    assertThat(sources).hasSize(2);
    assertThat(sources.get(1).getSecret().getName()).isEqualTo("ca");
    assertThat(sources.get(1).getSecret().getItems())
        .containsExactly(item("ca.crt", "ca/ca.crt", null));
  }

  @Test
  void theTemplateCarriesTheConfigHash() {
    assertThat(full.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsOnlyKeys("kms.sds.dev/config-hash")
        .hasEntrySatisfying("kms.sds.dev/config-hash", h -> assertThat(h).matches("[0-9a-f]{16}"));
  }

  static Stream<Arguments> changesThatRollThePods() {
    return Stream.of(
        change("kmaas.url", s -> s.getSpec().getKmaas().setUrl("https://other.example")),
        change("kmaas.tenantId", s -> s.getSpec().getKmaas().setTenantId("tenant-b")),
        change("keyId", s -> s.getSpec().setKeyId("prod2")),
        change("image", s -> s.getSpec().setImage("registry.example/sds/kms-plugin:0.2.0")),
        change("logLevel", s -> s.getSpec().setLogLevel("warn")),
        change("healthCheckInterval", s -> s.getSpec().setHealthCheckInterval("2m")),
        change("httpPort", s -> s.getSpec().setHttpPort(9091)),
        change("credentials type", s -> s.getSpec().getKmaas().getCredentials().setType("Token")),
        change(
            "credentials Secret", s -> s.getSpec().getKmaas().getCredentials().setSecretName("x")),
        change("nodeSelector", s -> s.getSpec().setNodeSelector(Map.of("kms", "yes"))),
        change("runAsUser", s -> s.getSpec().setRunAsUser(0L)));
  }

  private static Arguments change(String name, Consumer<KmsPlugin> change) {
    return argumentSet(name, change);
  }

  @ParameterizedTest
  @MethodSource("changesThatRollThePods")
  void aSpecChangeChangesTheConfigHash(Consumer<KmsPlugin> change) {
    KmsPlugin changed = TestPlugins.full();
    change.accept(changed);

    assertThat(configHash(DesiredDaemonSet.of(changed))).isNotEqualTo(configHash(full));
  }

  @Test
  void labelsAnnotationsAndStatusOfTheKmsPluginDoNotChangeTheConfigHash() {
    KmsPlugin changed = TestPlugins.full();
    changed.getMetadata().setLabels(Map.of("team", "platform"));
    changed.getMetadata().setAnnotations(Map.of("note", "hello"));
    changed.getMetadata().setResourceVersion("42");
    changed.getMetadata().setGeneration(7L);
    changed.getSpec().setPaused(true);

    assertThat(DesiredDaemonSet.of(changed)).isEqualTo(full);
  }

  @Test
  void theSameSpecGivesTheSameDaemonSet() {
    assertThat(DesiredDaemonSet.of(TestPlugins.full())).isEqualTo(full);
  }

  @Test
  void withALookupTheStartupReferencesAreHashedAndTheirChangeRollsThePods() {
    DaemonSet before = DesiredDaemonSet.of(TestPlugins.full(), FakeLookup.complete());
    DaemonSet apiKeyChanged =
        DesiredDaemonSet.of(
            TestPlugins.full(), FakeLookup.complete().secret("kmaas-credentials", "9", "api-key"));

    assertThat(before.getSpec().getTemplate().getMetadata().getAnnotations())
        .containsKeys("kms.sds.dev/config-hash", "kms.sds.dev/secret-versions");
    assertThat(configHash(before)).isEqualTo(configHash(full));
    assertThat(secretVersions(apiKeyChanged)).isNotEqualTo(secretVersions(before));
  }

  @Test
  void aTokenSecretChangeDoesNotRollThePodsBecauseTheDaemonReReadsTheToken() {
    KmsPlugin token = TestPlugins.minimal();
    token
        .getSpec()
        .getKmaas()
        .setCredentials(
            new dev.sds.kms.operator.crd.v1alpha1.CredentialsRef()
                .withSecretName("kmaas-credentials")
                .withType("Token"));

    DaemonSet one =
        DesiredDaemonSet.of(token, new FakeLookup().secret("kmaas-credentials", "1", "token"));
    DaemonSet two =
        DesiredDaemonSet.of(token, new FakeLookup().secret("kmaas-credentials", "2", "token"));

    assertThat(two).isEqualTo(one);
    assertThat(one.getSpec().getTemplate().getMetadata().getAnnotations())
        .doesNotContainKey("kms.sds.dev/secret-versions");
  }

  private static String configHash(DaemonSet daemonSet) {
    return daemonSet
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(ConfigHash.CONFIG_HASH);
  }

  private static String secretVersions(DaemonSet daemonSet) {
    return daemonSet
        .getSpec()
        .getTemplate()
        .getMetadata()
        .getAnnotations()
        .get(ConfigHash.REFERENCE_VERSIONS);
  }

  private static Volume volume(PodSpec pod, String name) {
    return pod.getVolumes().stream()
        .filter(v -> v.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private VolumeMount mount(String name) {
    return container.getVolumeMounts().stream()
        .filter(m -> m.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static KeyToPath item(String key, String path, Integer mode) {
    return new KeyToPath(key, mode, path);
  }
}
