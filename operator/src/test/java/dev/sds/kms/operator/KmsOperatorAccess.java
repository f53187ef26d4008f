package dev.sds.kms.operator;

import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.rotation.start.KmaasAdminApis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Set;

/** Lets tests in other packages build the operator exactly as production does, without leases. */
public final class KmsOperatorAccess {
  private KmsOperatorAccess() {}

  public static Operator create(
      KubernetesClient client,
      Duration statusInterval,
      MigrationRunners migrations,
      OperatorMetrics metrics) {
    return KmsOperator.create(
        client,
        new OperatorSettings("sds-kms-system", false, Set.of(), statusInterval, null, "test"),
        false,
        migrations,
        metrics);
  }

  /** As above, with the key service's admin API opened by {@code adminApis}. */
  public static Operator create(
      KubernetesClient client,
      Duration statusInterval,
      MigrationRunners migrations,
      OperatorMetrics metrics,
      KmaasAdminApis adminApis) {
    return KmsOperator.create(
        client,
        new OperatorSettings("sds-kms-system", false, Set.of(), statusInterval, null, "test"),
        false,
        migrations,
        metrics,
        adminApis);
  }
}
