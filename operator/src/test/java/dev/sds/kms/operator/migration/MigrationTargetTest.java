package dev.sds.kms.operator.migration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PagingDispatcher;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Resolving spec.rotation.resources entries through API discovery. */
class MigrationTargetTest {
  private final MockCluster cluster = new MockCluster(new PagingDispatcher());
  private final MigrationTargetResolver resolver = new MigrationTargetResolver(cluster.client());

  @AfterEach
  void close() {
    cluster.close();
  }

  @ParameterizedTest(name = "{0} -> {1}/{2} {3}")
  @CsvSource({
    "secrets,             '',          v1, Secret,     secrets,     true",
    "configmaps,          '',          v1, ConfigMap,  configmaps,  true",
    "namespaces,          '',          v1, Namespace,  namespaces,  false",
    "deployments.apps,    apps,        v1, Deployment, deployments, true",
    // example.com serves v1 and v1beta1 and prefers v1
    "widgets.example.com, example.com, v1, Widget,     widgets,     true",
  })
  void resolvesCoreAndGroupedResourcesToThePreferredVersion(
      String resource,
      String group,
      String version,
      String kind,
      String plural,
      boolean namespaced) {
    assertThat(resolver.resolve(resource))
        .isEqualTo(new MigrationTarget(resource, group, version, kind, plural, namespaced));
  }

  @Test
  void theCoreGroupVersionIsV1AndAGroupedOneCarriesItsGroup() {
    assertThat(resolver.resolve("secrets").apiVersion()).isEqualTo("v1");
    assertThat(resolver.resolve("widgets.example.com").apiVersion()).isEqualTo("example.com/v1");
    assertThat(resolver.resolve("widgets.example.com").context().getPlural()).isEqualTo("widgets");
  }

  @Test
  void anUnknownResourceOfAKnownGroupIsNamedInTheError() {
    assertThatThrownBy(() -> resolver.resolve("gizmos.example.com"))
        .isInstanceOf(UnknownResourceException.class)
        .hasMessageContaining("gizmos.example.com")
        .hasMessageContaining("example.com/v1");
  }

  @Test
  void anUnknownGroupIsNamedInTheError() {
    assertThatThrownBy(() -> resolver.resolve("widgets.nowhere.io"))
        .isInstanceOf(UnknownResourceException.class)
        .hasMessageContaining("widgets.nowhere.io")
        .hasMessageContaining("no API group nowhere.io");
  }

  @Test
  void anUnknownCoreResourceIsNamedInTheError() {
    assertThatThrownBy(() -> resolver.resolve("gadgets"))
        .isInstanceOf(UnknownResourceException.class)
        .hasMessageContaining("'gadgets'");
  }

  @Test
  void answersAreCachedForTheRun() {
    assertThat(resolver.resolve("deployments.apps")).isSameAs(resolver.resolve("deployments.apps"));
  }
}
