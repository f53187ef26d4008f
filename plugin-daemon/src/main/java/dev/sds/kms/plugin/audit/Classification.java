package dev.sds.kms.plugin.audit;

import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * How one etcd value is stored, learned from its prefix (and, for KMS v2, from the public {@code
 * keyID} of its {@code EncryptedObject}) without decrypting anything.
 *
 * @param kind one of {@link #KINDS}
 * @param provider the EncryptionConfiguration provider name for {@code kms-v2}/{@code kms-v1}, else
 *     null
 * @param keyId the KMS key ID for {@code kms-v2}, the key name for {@code aescbc}/{@code
 *     aesgcm}/{@code secretbox}, else null
 */
public record Classification(String kind, String provider, String keyId) {
  public static final String KMS_V2 = "kms-v2";
  public static final String KMS_V1 = "kms-v1";
  public static final String AESCBC = "aescbc";
  public static final String AESGCM = "aesgcm";
  public static final String SECRETBOX = "secretbox";
  public static final String IDENTITY = "identity";
  public static final String UNKNOWN = "unknown";

  /** Every kind, in report order. */
  public static final List<String> KINDS =
      List.of(KMS_V2, KMS_V1, AESCBC, AESGCM, SECRETBOX, IDENTITY, UNKNOWN);

  public static final Classification IDENTITY_VALUE = new Classification(IDENTITY, null, null);
  public static final Classification UNKNOWN_VALUE = new Classification(UNKNOWN, null, null);

  /** Report order: kind as in {@link #KINDS}, then provider, then key id. */
  public static final Comparator<Classification> ORDER =
      Comparator.comparingInt((Classification c) -> KINDS.indexOf(c.kind()))
          .thenComparing(Classification::provider, Comparator.nullsFirst(Comparator.naturalOrder()))
          .thenComparing(Classification::keyId, Comparator.nullsFirst(Comparator.naturalOrder()));

  public Classification {
    Objects.requireNonNull(kind, "kind");
    if (!KINDS.contains(kind)) {
      throw new IllegalArgumentException("unknown kind " + kind);
    }
  }

  /** True for values kube-apiserver stored without encryption. */
  public boolean plaintext() {
    return IDENTITY.equals(kind);
  }
}
