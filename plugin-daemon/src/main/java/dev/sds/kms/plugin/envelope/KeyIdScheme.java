package dev.sds.kms.plugin.envelope;

import java.util.regex.Pattern;

/**
 * The one place that decides what kube-apiserver sees as {@code key_id}: {@code
 * <KEY_ID>:<tenant>/<kekId>}, for example {@code sds:acme/kek-20261124T054715Z-3f9a1c}.
 *
 * <p>It names the remote KEK (never a local key), so it changes exactly when KMaaS rotates its
 * active KEK or an administrator changes {@code KEY_ID} (which forces kube-apiserver to make a new
 * seed). It carries no secret. Its length is bounded well below kube-apiserver's 1 KiB limit so
 * that the ciphertext that embeds it stays under 1 KiB too.
 */
public record KeyIdScheme(String prefix, String tenant) {

  /** Default for {@code KEY_ID}. */
  public static final String DEFAULT_PREFIX = "sds";

  /** Longest key_id this daemon ever produces or accepts (bytes, ASCII). */
  public static final int MAX_KEY_ID_LENGTH = 255;

  /** KEY_ID and tenant: letters, digits, '.', '_', '-'; 1 to 64 characters. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  /** KEK ids as KMaaS reports them: visible ASCII without '/', 1 to 128 characters. */
  public static final Pattern KEK_ID = Pattern.compile("[\\x21-\\x2e\\x30-\\x7e]{1,128}");

  public KeyIdScheme {
    if (!NAME.matcher(prefix).matches()) {
      throw new IllegalArgumentException("key id prefix must match " + NAME.pattern());
    }
    if (!NAME.matcher(tenant).matches()) {
      throw new IllegalArgumentException("tenant must match " + NAME.pattern());
    }
  }

  /** The key_id for KEK {@code kekId} of this tenant. */
  public String keyIdFor(String kekId) {
    if (!isValidKekId(kekId)) {
      throw new IllegalArgumentException("KEK id is not a printable id of at most 128 characters");
    }
    return prefix + ":" + tenant + "/" + kekId;
  }

  public static boolean isValidKekId(String kekId) {
    return kekId != null && KEK_ID.matcher(kekId).matches();
  }
}
