package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasProtocol;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kmaas.WrapResult;
import java.util.OptionalInt;
import okhttp3.HttpUrl;

/**
 * One KMaaS wire protocol: which requests a wrap and an unwrap make, what their answers look like,
 * where the credential goes and how the KEK id is learnt. The transport (TLS, retries, failure
 * classification) is {@link HttpKmaasClient}'s and reaches the adapter as a {@link KmaasExchange}.
 *
 * <p>Implementations raise {@link dev.sds.kms.plugin.kmaas.KmaasFailure#PROTOCOL} for answers that
 * are not the documented shape, with messages that name the endpoint and the field, never a body.
 */
public interface ProtocolAdapter {

  /** Wraps {@code plaintext} (a DEK) under the active KEK. */
  WrapResult wrap(byte[] plaintext, KmaasExchange exchange) throws KmaasException;

  /** Unwraps {@code ciphertext} that {@link #wrap} returned with {@code kekId}. */
  byte[] unwrap(byte[] ciphertext, String kekId, KmaasExchange exchange) throws KmaasException;

  /**
   * The key service's error code in a non-2xx body, if the body has this protocol's error shape.
   * Error message texts are deliberately ignored: they may echo input.
   */
  OptionalInt errorCode(byte[] body);

  /** The one place that picks the adapter for {@link KmaasSettings#protocol()}. */
  static ProtocolAdapter of(KmaasSettings settings, HttpUrl baseUrl) {
    KmaasProtocol protocol = settings.protocol();
    return switch (protocol) {
      case CRYPTO_API ->
          new CryptoApiAdapter(
              baseUrl, settings.tenant(), Authorization.of(settings.credentials()));
      case KACLS -> KaclsAdapter.of(baseUrl, settings.tenant(), settings.credentials());
    };
  }
}
