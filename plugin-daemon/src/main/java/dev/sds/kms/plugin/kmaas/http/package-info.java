/**
 * {@link dev.sds.kms.plugin.kmaas.KmaasClient} for SDS KMaaS over HTTPS: the crypto-api wire shape
 * ({@link dev.sds.kms.plugin.kmaas.http.CryptoApiAdapter}), the failure classification ({@link
 * dev.sds.kms.plugin.kmaas.http.KmaasErrorClassifier}), TLS ({@link
 * dev.sds.kms.plugin.kmaas.http.KmaasTls}), the Authorization header ({@link
 * dev.sds.kms.plugin.kmaas.http.Authorization}) and the client with retries within the caller's
 * deadline ({@link dev.sds.kms.plugin.kmaas.http.HttpKmaasClient}).
 */
package dev.sds.kms.plugin.kmaas.http;
