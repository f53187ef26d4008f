package dev.sds.kms.operator;

import dev.sds.kms.operator.metrics.OperatorMetrics;
import dev.sds.kms.operator.migration.MigrationRunners;
import dev.sds.kms.operator.rotation.start.KmaasAdminApis;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.time.Duration;
import java.util.Set;

/** Lets tests in other packages build the operator exactly as production does. */
public final class KmsOperatorAccess {
  private KmsOperatorAccess() {}

  /** A single operator, without leader election. */
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

  /**
   * One replica of several, with leader election on the Lease in {@code sds-kms-system}, as
   * production runs it but with a shorter Lease (a new leader within {@code leaseDuration} of the
   * old one's last renewal).
   */
  public static Operator createReplica(
      KubernetesClient client,
      String identity,
      Duration statusInterval,
      Duration leaseDuration,
      MigrationRunners migrations,
      OperatorMetrics metrics) {
    Duration renewDeadline = leaseDuration.multipliedBy(2).dividedBy(3);
    Duration retryPeriod = leaseDuration.dividedBy(6);
    return KmsOperator.create(
        client,
        new OperatorSettings("sds-kms-system", true, Set.of(), statusInterval, null, identity),
        false,
        migrations,
        metrics,
        KmaasAdminApis.overHttps(),
        new KmsOperator.LeaseTiming(leaseDuration, renewDeadline, retryPeriod));
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
        adminApis,
        KmsOperator.LeaseTiming.DEFAULT);
  }
}
