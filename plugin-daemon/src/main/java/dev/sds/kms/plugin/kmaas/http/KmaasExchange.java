package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasException;
import okhttp3.Request;

/**
 * The shared HTTPS transport as a {@link ProtocolAdapter} sees it: one request/answer exchange with
 * KMaaS, retried while the caller's deadline leaves time and classified into {@link
 * dev.sds.kms.plugin.kmaas.KmaasFailure}s by {@link KmaasErrorClassifier}. One instance serves one
 * wrap or unwrap, so several exchanges of one operation share its deadline.
 */
public interface KmaasExchange {

  /**
   * Sends the request {@code request} makes (anew for every attempt, so that a changed token file
   * is picked up) and parses a 2xx answer with {@code parser}.
   */
  <T> T call(RequestFactory request, BodyParser<T> parser) throws KmaasException;

  /** Builds one attempt's request, complete with any credential. */
  @FunctionalInterface
  interface RequestFactory {
    Request create() throws KmaasException;
  }

  /** Parses the body of a 2xx answer (at most 64 KiB). */
  @FunctionalInterface
  interface BodyParser<T> {
    T parse(byte[] body) throws KmaasException;
  }
}
