package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.sds.kms.plugin.audit.v2.EncryptedDEKSourceType;
import dev.sds.kms.plugin.audit.v2.EncryptedObject;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Scenario 1: what reaches etcd is KMS v2 ciphertext under the current key id, nothing else. */
class EncryptedWriteE2E extends E2eBase {

  @Test
  void thousandSecretsWrittenThroughNodeAAreStoredAsKmsV2CiphertextOnly() throws Exception {
    List<SecretCorpus.Secret> secrets = SecretCorpus.generate("team-a", 1000);
    ApiserverStorage api = system.apiserver(system.nodeA);
    String keyId = api.currentKeyId();
    assertThat(keyId).isEqualTo(system.nodeA.status().path("keyId").asText()).isNotEmpty();

    long start = System.nanoTime();
    writeAll(api, secrets);
    long took = System.nanoTime() - start;

    Map<String, byte[]> stored = system.etcd.scan("/registry/secrets/");
    assertThat(stored).hasSize(secrets.size());
    String prefix = "k8s:enc:kms:v2:" + E2eSystem.PROVIDER + ":";
    Set<ByteBuffer> deksources = new HashSet<>();
    for (Map.Entry<String, byte[]> e : stored.entrySet()) {
      assertThat(new String(e.getValue(), 0, prefix.length(), StandardCharsets.US_ASCII))
          .as(e.getKey())
          .isEqualTo(prefix);
      EncryptedObject o = parse(e.getValue());
      assertThat(o.getKeyID()).as(e.getKey()).isEqualTo(keyId);
      assertThat(o.getEncryptedDEKSourceType())
          .isEqualTo(EncryptedDEKSourceType.HKDF_SHA256_XNONCE_AES_GCM_SEED);
      assertThat(o.getEncryptedDEKSource().size()).isBetween(1, 1024);
      deksources.add(o.getEncryptedDEKSource().asReadOnlyByteBuffer());
    }
    // one seed per key id: one Encrypt for 1,000 writes
    assertThat(deksources).hasSize(1);
    assertThat(api.encryptCalls()).isEqualTo(1);

    Set<ByteBuffer> leaks = PlaintextScan.found(stored.values(), PlaintextScan.needles(secrets));
    assertThat(leaks).as("plaintext token bytes found in etcd").isEmpty();

    System.out.printf(
        "E2E write: %d secrets in %s, all %s%s, 1 seed (%d Encrypt), %d plaintext tokens found%n",
        stored.size(), seconds(took), prefix, keyId, api.encryptCalls(), leaks.size());
  }
}
