package dev.sds.kms.plugin.audit;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.audit.v2.EncryptedObject;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ValueClassifierTest {

  @Test
  void kmsV2IsClassifiedByProviderAndTheEncryptedObjectsKeyId() {
    assertThat(ValueClassifier.classify(kmsV2("sds-kms", "kek-1")))
        .isEqualTo(new Classification("kms-v2", "sds-kms", "kek-1"));
  }

  @Test
  void kmsV2WithoutParsableOrCompleteEncryptedObjectIsUnknown() {
    assertThat(ValueClassifier.classify(concat("k8s:enc:kms:v2:sds-kms:", new byte[] {0x0a, 0x7f})))
        .isEqualTo(Classification.UNKNOWN_VALUE);
    byte[] noKeyId =
        EncryptedObject.newBuilder()
            .setEncryptedData(ByteString.copyFromUtf8("data"))
            .setEncryptedDEKSource(ByteString.copyFromUtf8("dek"))
            .build()
            .toByteArray();
    assertThat(ValueClassifier.classify(concat("k8s:enc:kms:v2:sds-kms:", noKeyId)))
        .isEqualTo(Classification.UNKNOWN_VALUE);
    assertThat(ValueClassifier.classify(bytes("k8s:enc:kms:v2:")))
        .isEqualTo(Classification.UNKNOWN_VALUE);
    assertThat(ValueClassifier.classify(bytes("k8s:enc:kms:v2::rest")))
        .isEqualTo(Classification.UNKNOWN_VALUE);
    assertThat(ValueClassifier.classify(bytes("k8s:enc:kms:v2:no-colon-at-all")))
        .isEqualTo(Classification.UNKNOWN_VALUE);
  }

  @Test
  void otherEncryptionProvidersAreClassifiedWithTheirNames() {
    assertThat(ValueClassifier.classify(bytes("k8s:enc:kms:v1:legacy:\u0001\u0002")))
        .isEqualTo(new Classification("kms-v1", "legacy", null));
    assertThat(ValueClassifier.classify(bytes("k8s:enc:aescbc:v1:key1:xyz")))
        .isEqualTo(new Classification("aescbc", null, "key1"));
    assertThat(ValueClassifier.classify(bytes("k8s:enc:aesgcm:v1:key2:xyz")))
        .isEqualTo(new Classification("aesgcm", null, "key2"));
    assertThat(ValueClassifier.classify(bytes("k8s:enc:secretbox:v1:key3:xyz")))
        .isEqualTo(new Classification("secretbox", null, "key3"));
    assertThat(ValueClassifier.classify(bytes("k8s:enc:aescbc:v1:")))
        .isEqualTo(Classification.UNKNOWN_VALUE);
  }

  @Test
  void protobufAndJsonObjectsArePlaintext() {
    Classification protobuf = ValueClassifier.classify(bytes("k8s\0\n\u0004\n\u0002v1"));
    assertThat(protobuf).isEqualTo(Classification.IDENTITY_VALUE);
    assertThat(protobuf.plaintext()).isTrue();
    assertThat(ValueClassifier.classify(bytes("{\"kind\":\"Secret\"}")))
        .isEqualTo(Classification.IDENTITY_VALUE);
  }

  @Test
  void anythingElseIsUnknown() {
    assertThat(ValueClassifier.classify(new byte[0])).isEqualTo(Classification.UNKNOWN_VALUE);
    assertThat(ValueClassifier.classify(bytes("k8s:enc:future:v9:x:")))
        .isEqualTo(Classification.UNKNOWN_VALUE);
    assertThat(ValueClassifier.classify(bytes("k8s"))).isEqualTo(Classification.UNKNOWN_VALUE);
    assertThat(ValueClassifier.classify(new byte[] {(byte) 0xff, 0}))
        .isEqualTo(Classification.UNKNOWN_VALUE);
    assertThat(Classification.UNKNOWN_VALUE.plaintext()).isFalse();
  }

  private static byte[] kmsV2(String provider, String keyId) {
    return concat(
        "k8s:enc:kms:v2:" + provider + ":",
        EncryptedObject.newBuilder()
            .setEncryptedData(ByteString.copyFromUtf8("data"))
            .setKeyID(keyId)
            .setEncryptedDEKSource(ByteString.copyFromUtf8("dek"))
            .build()
            .toByteArray());
  }

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  private static byte[] concat(String prefix, byte[] rest) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(bytes(prefix));
    out.writeBytes(rest);
    return out.toByteArray();
  }
}
