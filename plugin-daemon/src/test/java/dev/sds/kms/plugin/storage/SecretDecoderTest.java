package dev.sds.kms.plugin.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The Secret kube-apiserver stores, written here byte by byte from Kubernetes' field numbers (not
 * with the generated classes the decoder uses), so that a wrong number in kubernetes_secret.proto
 * fails.
 */
class SecretDecoderTest {

  /** {@code k8s\0} + Unknown{typeMeta{v1, Secret}, raw = Secret{…}}, as kube-apiserver writes. */
  static byte[] storedSecret(String kind) {
    byte[] creationTimestamp = varint(1, 1_700_000_000L); // Time{seconds}: a field to skip
    byte[] meta =
        concat(
            str(1, "db"),
            str(3, "prod"),
            str(5, "0d4c6a3e-uid"),
            len(8, creationTimestamp),
            len(11, concat(str(1, "app"), str(2, "web"))),
            len(12, concat(str(1, "note"), str(2, "kept"))));
    byte[] secret =
        concat(
            len(1, meta),
            len(2, concat(str(1, "password"), str(2, "hunter2"))),
            len(2, concat(str(1, "bin"), len(2, new byte[] {0, 1, 2, (byte) 0xff}))),
            str(3, "Opaque"),
            varint(5, 1));
    byte[] unknown = concat(len(1, concat(str(1, "v1"), str(2, kind))), len(2, secret));
    return concat("k8s\0".getBytes(StandardCharsets.US_ASCII), unknown);
  }

  @Test
  void decodesTheProtobufSecretKubeApiserverStores() throws Exception {
    StoredSecret s = SecretDecoder.decode(storedSecret("Secret"));

    assertThat(s.namespace()).isEqualTo("prod");
    assertThat(s.name()).isEqualTo("db");
    assertThat(s.type()).isEqualTo("Opaque");
    assertThat(s.immutable()).isTrue();
    assertThat(s.labels()).containsExactlyEntriesOf(java.util.Map.of("app", "web"));
    assertThat(s.annotations()).containsExactlyEntriesOf(java.util.Map.of("note", "kept"));
    assertThat(s.data()).containsOnlyKeys("bin", "password");
    assertThat(s.data().get("password")).asString().isEqualTo("hunter2");
    assertThat(s.data().get("bin")).containsExactly(0, 1, 2, 0xff);
    assertThat(s.encoding()).isEqualTo("protobuf");
    assertThat(s.toString()).contains("password").doesNotContain("hunter2");
  }

  @Test
  void decodesAJsonSecret() throws Exception {
    String json =
        "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"db\","
            + "\"namespace\":\"prod\",\"labels\":{\"app\":\"web\"}},\"type\":\"Opaque\","
            + "\"data\":{\"password\":\"aHVudGVyMg==\"}}";
    StoredSecret s = SecretDecoder.decode(json.getBytes(StandardCharsets.UTF_8));

    assertThat(s.name()).isEqualTo("db");
    assertThat(s.namespace()).isEqualTo("prod");
    assertThat(s.labels()).containsEntry("app", "web");
    assertThat(s.data().get("password")).asString().isEqualTo("hunter2");
    assertThat(s.encoding()).isEqualTo("json");
  }

  @Test
  void refusesWhatIsNoSecret() {
    assertThatThrownBy(() -> SecretDecoder.decode(storedSecret("ConfigMap")))
        .isInstanceOf(StorageException.class)
        .hasMessage("the stored object is a ConfigMap, not a Secret");
    assertThatThrownBy(() -> SecretDecoder.decode("{\"kind\":\"Pod\"}".getBytes()))
        .hasMessage("the stored object is a Pod, not a Secret");
    assertThatThrownBy(() -> SecretDecoder.decode(new byte[] {'k', '8', 's', 0, 0x0a, 0x7f, 1}))
        .hasMessage("the stored Secret does not parse as Kubernetes protobuf");
    assertThatThrownBy(() -> SecretDecoder.decode("garbage".getBytes()))
        .hasMessageContaining("neither Kubernetes protobuf");
    assertThatThrownBy(() -> SecretDecoder.decode("{\"data\":{\"k\":\"not base64!\"}}".getBytes()))
        .hasMessage("data key k of the stored Secret is not base64");
  }

  // --- protobuf wire format, by hand ---

  static byte[] str(int field, String value) {
    return len(field, value.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] len(int field, byte[] body) {
    return concat(rawVarint((field << 3) | 2), rawVarint(body.length), body);
  }

  static byte[] varint(int field, long value) {
    return concat(rawVarint(field << 3), rawVarint(value));
  }

  private static byte[] rawVarint(long value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((value & ~0x7fL) != 0) {
      out.write((int) ((value & 0x7f) | 0x80));
      value >>>= 7;
    }
    out.write((int) value);
    return out.toByteArray();
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
