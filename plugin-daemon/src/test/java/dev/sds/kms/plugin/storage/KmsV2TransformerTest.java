package dev.sds.kms.plugin.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.envelope.DekCache;
import dev.sds.kms.plugin.envelope.EnvelopeService;
import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.embedded.EmbeddedKmaasClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The apiserver-side envelope against the daemon's real envelope on the embedded KMaaS. */
class KmsV2TransformerTest {
  private static final String KEY = "/registry/secrets/prod/db";
  private static final byte[] PLAINTEXT = "k8s\0-a-secret".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;
  private EmbeddedKmaasClient kmaas;
  private KmsV2Plugin plugin;
  private final AtomicInteger decrypts = new AtomicInteger();
  private String keyId;

  @BeforeEach
  void setUp() throws Exception {
    kmaas = new EmbeddedKmaasClient(dir.resolve("kmaas.json"), "embedded");
    EnvelopeService envelope =
        new EnvelopeService(
            kmaas,
            new KeyIdScheme("sds", "embedded"),
            new DekCache(0, Duration.ofSeconds(1)),
            new SecureRandom());
    KmsV2Plugin real = new EnvelopeKmsV2Plugin(envelope, Duration.ofSeconds(5));
    plugin =
        new KmsV2Plugin() {
          @Override
          public EncryptedSeed encrypt(byte[] seed) throws StorageException {
            return real.encrypt(seed);
          }

          @Override
          public byte[] decrypt(String id, ByteString ciphertext, Map<String, ByteString> a)
              throws StorageException {
            decrypts.incrementAndGet();
            return real.decrypt(id, ciphertext, a);
          }
        };
    keyId = real.encrypt(new byte[32]).keyId();
  }

  @AfterEach
  void tearDown() {
    kmaas.close();
  }

  private KmsV2Transformer transformer() {
    return new KmsV2Transformer("sds-kms", plugin, new SecureRandom());
  }

  @Test
  void writesKubeApiserversValueAndReadsItBackWithAFreshCache() throws Exception {
    KmsV2Transformer writer = transformer();
    byte[] stored = writer.encode(KEY, PLAINTEXT, keyId);

    assertThat(new String(stored, StandardCharsets.ISO_8859_1))
        .startsWith("k8s:enc:kms:v2:sds-kms:");
    KmsV2Transformer.StoredValue parsed = KmsV2Transformer.parse(stored);
    assertThat(parsed.providerName()).isEqualTo("sds-kms");
    assertThat(parsed.object().getKeyID()).isEqualTo(keyId);
    assertThat(writer.decode(KEY, stored)).isEqualTo(PLAINTEXT);
    assertThat(decrypts).as("the writer has its seed cached").hasValue(0);

    KmsV2Transformer reader = transformer();
    assertThat(reader.decode(KEY, stored)).isEqualTo(PLAINTEXT);
    assertThat(reader.decode(KEY, writer.encode(KEY, PLAINTEXT, keyId))).isEqualTo(PLAINTEXT);
    assertThat(decrypts).as("one seed, decrypted once").hasValue(1);
  }

  @Test
  void refusesAValueMovedToAnotherKeyAnotherProviderAndGarbage() throws Exception {
    byte[] stored = transformer().encode(KEY, PLAINTEXT, keyId);
    KmsV2Transformer reader = transformer();

    assertThatThrownBy(() -> reader.decode("/registry/secrets/prod/other", stored))
        .isInstanceOf(StorageException.class)
        .hasMessage("/registry/secrets/prod/other: data does not authenticate under its seed");
    KmsV2Transformer otherProvider = new KmsV2Transformer("other", plugin, new SecureRandom());
    assertThatThrownBy(() -> otherProvider.decode(KEY, stored))
        .hasMessage(KEY + ": not a KMS v2 value of provider other");
    byte[] garbage = "k8s:enc:kms:v2:sds-kms:\u00ff\u00ff".getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> reader.decode(KEY, garbage))
        .hasMessage(KEY + ": EncryptedObject does not parse");
    assertThat(KmsV2Transformer.parse("k8s\0plain".getBytes(StandardCharsets.UTF_8))).isNull();
  }

  @Test
  void refusesAnEncryptWhoseKeyIdIsNotStatuss() {
    assertThatThrownBy(() -> transformer().encode(KEY, PLAINTEXT, "sds:embedded/other"))
        .isInstanceOf(StorageException.class)
        .hasMessage(
            "plugin Encrypt answered key_id " + keyId + " while Status says sds:embedded/other");
  }
}
