package dev.sds.kms.operator.rotation.retire;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AuditResultTest {
  /** The example of docs/audit.md, on one line. */
  static final String REPORT =
      "{\"resources\":[{\"resource\":\"secrets\",\"total\":1206,\"counts\":["
          + "{\"kind\":\"kms-v2\",\"provider\":\"sds-kms\",\"keyId\":\"sds:acme/kek-1\",\"count\":600},"
          + "{\"kind\":\"kms-v2\",\"provider\":\"sds-kms\",\"keyId\":\"sds-r20261125T120000Z:acme/kek-1\",\"count\":5},"
          + "{\"kind\":\"kms-v2\",\"provider\":\"sds-kms\",\"keyId\":\"sds:acme/kek-2\",\"count\":500},"
          + "{\"kind\":\"aescbc\",\"keyId\":\"key1\",\"count\":95},"
          + "{\"kind\":\"identity\",\"count\":6}]},"
          + "{\"resource\":\"configmaps\",\"total\":12,\"counts\":["
          + "{\"kind\":\"kms-v2\",\"provider\":\"sds-kms\",\"keyId\":\"sds:acme/kek-2\",\"count\":12}]}],"
          + "\"plaintext\":[],\"plaintextMore\":6}";

  @Test
  void countsObjectsPerKeyIdAndPerKekOverEveryResource() {
    AuditResult result = AuditResult.parse(REPORT).orElseThrow();

    assertThat(result.total()).isEqualTo(1218);
    assertThat(result.plaintext()).isEqualTo(6);
    assertThat(result.objectsUnder("sds:acme/kek-2")).isEqualTo(512);
    assertThat(result.objectsUnder("sds:acme/kek-9")).isZero();
    assertThat(result.objectsUnderKek("acme", "kek-1")).isEqualTo(605);
    assertThat(result.objectsUnderKek("other", "kek-1")).isZero();
    assertThat(result.objectsUnder("key1")).as("aescbc keys are not KMS key ids").isZero();
  }

  @Test
  void anythingButAReportIsNoResult() {
    assertThat(AuditResult.parse(null)).isEmpty();
    assertThat(AuditResult.parse("")).isEmpty();
    assertThat(AuditResult.parse("kms-plugin audit: etcd https://127.0.0.1:2379: refused"))
        .isEmpty();
    assertThat(AuditResult.parse(REPORT.substring(0, 200))).as("truncated").isEmpty();
    assertThat(AuditResult.parse("{\"resources\":[{\"resource\":\"secrets\"}]}")).isEmpty();
  }
}
