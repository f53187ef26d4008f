package dev.sds.kms.operator.rollout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.params.provider.Arguments.argumentSet;

import dev.sds.kms.operator.crd.v1alpha1.CaBundleRef;
import dev.sds.kms.operator.crd.v1alpha1.ClientCertificateRef;
import dev.sds.kms.operator.crd.v1alpha1.CredentialsRef;
import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.crd.v1alpha1.SocketSpec;
import dev.sds.kms.operator.status.SpecProblem;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.ResourceRequirementsBuilder;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class SpecValidatorTest {

  @Test
  void aMinimalSpecIsValid() {
    assertThat(SpecValidator.validate(TestPlugins.minimal())).isEmpty();
  }

  @Test
  void aFullSpecIsValid() {
    assertThat(SpecValidator.validate(TestPlugins.full())).isEmpty();
  }

  @Test
  void kaclsWithATokenIsValid() {
    KmsPlugin plugin = TestPlugins.full();
    plugin.getSpec().getKmaas().withProtocol("kacls").getCredentials().setType("Token");

    assertThat(SpecValidator.validate(plugin)).isEmpty();
  }

  @Test
  void aMissingSpecIsOneProblem() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.setSpec(null);

    assertThat(SpecValidator.validate(plugin))
        .containsExactly(new SpecProblem("InvalidSpec", "spec must be set"));
  }

  static Stream<Arguments> badSpecs() {
    return Stream.of(
        bad("no image", s -> s.setImage(null), "spec.image must be set"),
        bad("image with a space", s -> s.setImage("a b"), "spec.image must not contain whitespace"),
        bad(
            "providerName with ':'",
            s -> s.setProviderName("sds:kms"),
            "spec.providerName must not contain ':'"),
        bad(
            "providerName ending in '-'",
            s -> s.setProviderName("sds-"),
            "spec.providerName must be"),
        bad("no kmaas", s -> s.setKmaas(null), "spec.kmaas must be set"),
        bad("no url", s -> s.getKmaas().setUrl(null), "spec.kmaas.url must be set"),
        bad(
            "http url",
            s -> s.getKmaas().setUrl("http://kmaas.example"),
            "spec.kmaas.url must be an https:// URL"),
        bad(
            "url with user info",
            s -> s.getKmaas().setUrl("https://u:p@kmaas.example"),
            "spec.kmaas.url must be an https:// URL"),
        bad(
            "url with a query",
            s -> s.getKmaas().setUrl("https://kmaas.example/?a=b"),
            "spec.kmaas.url must be an https:// URL"),
        bad("no tenant", s -> s.getKmaas().setTenantId(null), "spec.kmaas.tenantId must be set"),
        bad(
            "tenant with '/'",
            s -> s.getKmaas().setTenantId("a/b"),
            "spec.kmaas.tenantId must be 1 to 64"),
        bad(
            "tenant of 65 chars",
            s -> s.getKmaas().setTenantId("t".repeat(65)),
            "spec.kmaas.tenantId must be 1 to 64"),
        bad(
            "tenant '.'",
            s -> s.getKmaas().setTenantId("."),
            "spec.kmaas.tenantId must not be . or .."),
        bad(
            "tenant '..'",
            s -> s.getKmaas().setTenantId(".."),
            "spec.kmaas.tenantId must not be . or .."),
        bad(
            "credentials without a Secret",
            s -> s.getKmaas().setCredentials(new CredentialsRef()),
            "spec.kmaas.credentials.secretName must be set"),
        bad(
            "credentials Secret name in capitals",
            s -> s.getKmaas().setCredentials(new CredentialsRef().withSecretName("Creds")),
            "spec.kmaas.credentials.secretName must be a valid Secret name"),
        bad(
            "unknown protocol",
            s -> s.getKmaas().setProtocol("soap"),
            "spec.kmaas.protocol must be crypto-api or kacls"),
        bad(
            "kacls with an API key",
            s -> s.getKmaas().setProtocol("kacls"),
            "spec.kmaas.protocol kacls needs spec.kmaas.credentials with type Token"),
        bad(
            "kacls without credentials",
            s -> s.getKmaas().withProtocol("kacls").setCredentials(null),
            "spec.kmaas.protocol kacls needs spec.kmaas.credentials with type Token"),
        bad(
            "credentials type Basic",
            s ->
                s.getKmaas()
                    .setCredentials(new CredentialsRef().withSecretName("c").withType("Basic")),
            "spec.kmaas.credentials.type must be ApiKey or Token"),
        bad(
            "credentials key with '/'",
            s ->
                s.getKmaas()
                    .setCredentials(new CredentialsRef().withSecretName("c").withKey("a/b")),
            "spec.kmaas.credentials.key must be"),
        bad(
            "credentials key '..data'",
            s ->
                s.getKmaas()
                    .setCredentials(new CredentialsRef().withSecretName("c").withKey("..data")),
            "spec.kmaas.credentials.key must be"),
        bad(
            "caBundle with both",
            s ->
                s.getKmaas()
                    .setCaBundle(new CaBundleRef().withConfigMapName("a").withSecretName("b")),
            "spec.kmaas.caBundle must set exactly one of configMapName and secretName"),
        bad(
            "caBundle with neither",
            s -> s.getKmaas().setCaBundle(new CaBundleRef().withKey("ca.crt")),
            "spec.kmaas.caBundle must set exactly one of configMapName and secretName"),
        bad(
            "caBundle ConfigMap name with '_'",
            s -> s.getKmaas().setCaBundle(new CaBundleRef().withConfigMapName("a_b")),
            "spec.kmaas.caBundle.configMapName must be a valid ConfigMap name"),
        bad(
            "caBundle key '.'",
            s -> s.getKmaas().setCaBundle(new CaBundleRef().withSecretName("a").withKey(".")),
            "spec.kmaas.caBundle.key must be"),
        bad(
            "clientCertificate without a Secret",
            s -> s.getKmaas().setClientCertificate(new ClientCertificateRef()),
            "spec.kmaas.clientCertificate.secretName must be set"),
        bad("keyId with ':'", s -> s.setKeyId("a:b"), "spec.keyId must be 1 to 64"),
        bad(
            "relative socket directory",
            s -> s.setSocket(new SocketSpec().withHostDirectory("run/kms")),
            "spec.socket.hostDirectory must be an absolute path"),
        bad(
            "socket directory with '..'",
            s -> s.setSocket(new SocketSpec().withHostDirectory("/var/../etc")),
            "spec.socket.hostDirectory must not contain '..'"),
        bad(
            "socket directory '/'",
            s -> s.setSocket(new SocketSpec().withHostDirectory("/")),
            "spec.socket.hostDirectory must not be /"),
        bad(
            "socket directory /tmp",
            s -> s.setSocket(new SocketSpec().withHostDirectory("/tmp")),
            "spec.socket.hostDirectory must not be /"),
        bad(
            "socket directory /etc (holds the config)",
            s -> s.setSocket(new SocketSpec().withHostDirectory("/etc")),
            "spec.socket.hostDirectory must not be /"),
        bad(
            "socket directory inside the config",
            s -> s.setSocket(new SocketSpec().withHostDirectory("/etc/sds-kms-plugin/run")),
            "spec.socket.hostDirectory must not be /"),
        bad(
            "socket file name with '/'",
            s -> s.setSocket(new SocketSpec().withFileName("a/b")),
            "spec.socket.fileName must be"),
        bad(
            "socket path over 107 bytes",
            s -> s.setSocket(new SocketSpec().withHostDirectory("/var/run/" + "d".repeat(90))),
            "spec.socket.hostDirectory and spec.socket.fileName make a socket path of 108 bytes"),
        bad(
            "interval without a unit",
            s -> s.setHealthCheckInterval("30"),
            "spec.healthCheckInterval must be a duration"),
        bad(
            "interval with units out of order",
            s -> s.setHealthCheckInterval("30s5m"),
            "spec.healthCheckInterval must be a duration"),
        bad(
            "interval in ISO-8601",
            s -> s.setHealthCheckInterval("PT30S"),
            "spec.healthCheckInterval must be a duration"),
        bad(
            "interval under 1s",
            s -> s.setHealthCheckInterval("999ms"),
            "spec.healthCheckInterval must be at least 1s"),
        bad("log level WARN", s -> s.setLogLevel("WARN"), "spec.logLevel must be one of"),
        bad("log level fatal", s -> s.setLogLevel("fatal"), "spec.logLevel must be one of"),
        bad("port 80", s -> s.setHttpPort(80), "spec.httpPort must be between 1024 and 65535"),
        bad(
            "port 65536",
            s -> s.setHttpPort(65536),
            "spec.httpPort must be between 1024 and 65535"),
        bad(
            "negative uid",
            s -> s.setRunAsUser(-1L),
            "spec.runAsUser must be between 0 and 2147483647"),
        bad(
            "uid past 2^31-1",
            s -> s.setRunAsUser(1L << 31),
            "spec.runAsUser must be between 0 and 2147483647"),
        bad(
            "priority class in capitals",
            s -> s.setPriorityClassName("High"),
            "spec.priorityClassName must be"),
        bad(
            "memory limit not a quantity",
            s ->
                s.setResources(
                    new ResourceRequirementsBuilder()
                        .addToLimits("memory", new Quantity("lots", null))
                        .build()),
            "spec.resources.limits.memory must be a quantity"),
        bad(
            "cpu request without a number",
            s ->
                s.setResources(
                    new ResourceRequirementsBuilder()
                        .addToRequests("cpu", new Quantity("m", null))
                        .build()),
            "spec.resources.requests.cpu must be a quantity"),
        bad(
            "rotation policy Sometimes",
            s -> s.setRotation(new RotationSpec().withPolicy("Sometimes")),
            "spec.rotation.policy must be Automatic or Manual"),
        bad(
            "rotation migrator Remote",
            s -> s.setRotation(new RotationSpec().withMigrator("Remote")),
            "spec.rotation.migrator must be Auto or InProcess"),
        bad(
            "convergence delay without a unit",
            s -> s.setRotation(new RotationSpec().withConvergenceDelay("300")),
            "spec.rotation.convergenceDelay must be a duration"),
        bad(
            "convergence delay beyond what a duration holds",
            s -> s.setRotation(new RotationSpec().withConvergenceDelay("9".repeat(30) + "h")),
            "spec.rotation.convergenceDelay must be a duration"),
        bad(
            "page size 0",
            s -> s.setRotation(new RotationSpec().withPageSize(0)),
            "spec.rotation.pageSize must be between 1 and 10000"),
        bad(
            "page size 10001",
            s -> s.setRotation(new RotationSpec().withPageSize(10_001)),
            "spec.rotation.pageSize must be between 1 and 10000"),
        bad(
            "qps negative",
            s -> s.setRotation(new RotationSpec().withQps(-1)),
            "spec.rotation.qps must be between 1 and 10000"),
        bad(
            "a million workers",
            s -> s.setRotation(new RotationSpec().withWorkers(1_000_000)),
            "spec.rotation.workers must be between 1 and 64"),
        bad(
            "resource with a path",
            s -> s.setRotation(new RotationSpec().withResources(List.of("secrets", "../etc"))),
            "spec.rotation.resources entries must be"),
        bad(
            "resource empty",
            s -> s.setRotation(new RotationSpec().withResources(List.of(""))),
            "spec.rotation.resources entries must be"),
        bad(
            "resource twice",
            s -> s.setRotation(new RotationSpec().withResources(List.of("secrets", "secrets"))),
            "spec.rotation.resources must not name a resource twice"));
  }

  @Test
  void everyFieldAtItsLimitIsValid() {
    KmsPlugin plugin = TestPlugins.full();
    plugin.getMetadata().setName("n".repeat(63));
    KmsPluginSpec s = plugin.getSpec();
    s.setProviderName("p".repeat(63));
    s.setKeyId("k".repeat(64));
    s.getKmaas().setTenantId("t".repeat(64));
    s.setHttpPort(65535);
    s.setHealthCheckInterval("999999999h");
    s.setSocket(new SocketSpec().withHostDirectory("/var/run/" + "d".repeat(89)));
    s.setRotation(
        new RotationSpec()
            .withPageSize(10_000)
            .withQps(10_000)
            .withWorkers(64)
            .withConvergenceDelay("999999999h999999999m999999999999s")
            .withResources(List.of("secrets", "configmaps", "widgets.example.com")));

    assertThat(SpecValidator.validate(plugin)).isEmpty();

    s.setHttpPort(1024);
    s.getRotation().withPageSize(1).withQps(1).withWorkers(1).withConvergenceDelay("0s");
    assertThat(SpecValidator.validate(plugin)).isEmpty();
  }

  private static Arguments bad(String name, Consumer<KmsPluginSpec> change, String message) {
    return argumentSet(name, change, message);
  }

  @ParameterizedTest
  @MethodSource("badSpecs")
  void aBadSpecIsOneInvalidSpecProblemNamingTheField(
      Consumer<KmsPluginSpec> change, String message) {
    KmsPlugin plugin = TestPlugins.full();
    change.accept(plugin.getSpec());

    List<SpecProblem> problems = SpecValidator.validate(plugin);

    assertThat(problems).hasSize(1);
    assertThat(problems.get(0).reason()).isEqualTo("InvalidSpec");
    assertThat(problems.get(0).message()).startsWith(message);
  }

  @Test
  void aNameTooLongForTheInstanceLabelIsAProblem() {
    KmsPlugin plugin = TestPlugins.minimal();
    plugin.getMetadata().setName("n".repeat(64));

    assertThat(SpecValidator.validate(plugin))
        .singleElement()
        .satisfies(p -> assertThat(p.message()).startsWith("metadata.name must be at most 63"));
  }

  @Test
  void everyProblemIsReportedNotJustTheFirst() {
    KmsPlugin plugin = TestPlugins.full();
    plugin.getSpec().withImage(null).withLogLevel("loud").withHttpPort(1);

    assertThat(SpecValidator.validate(plugin))
        .extracting(SpecProblem::message)
        .anySatisfy(m -> assertThat(m).startsWith("spec.image"))
        .anySatisfy(m -> assertThat(m).startsWith("spec.logLevel"))
        .anySatisfy(m -> assertThat(m).startsWith("spec.httpPort"))
        .hasSize(3);
  }

  @Test
  void messagesDoNotEchoTheValueGiven() {
    KmsPlugin plugin = TestPlugins.full();
    plugin.getSpec().getKmaas().setUrl("http://user-secret@kmaas.example");

    assertThat(SpecValidator.validate(plugin))
        .extracting(SpecProblem::message)
        .noneMatch(m -> m.contains("user-secret"));
  }

  @ParameterizedTest(name = "{0} = {1} ms")
  @CsvSource({"1s, 1000", "30s, 30000", "5m, 300000", "1h30m, 5400000", "1s500ms, 1500"})
  void durationsAreReadLikeTheDaemonReadsThem(String text, long millis) {
    assertThat(SpecValidator.parseDuration(text)).isEqualTo(Duration.ofMillis(millis));
  }
}
