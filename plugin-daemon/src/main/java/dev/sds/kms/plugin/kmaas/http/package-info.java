/**
 * {@link dev.sds.kms.plugin.kmaas.KmaasClient} for a KMaaS over HTTPS: the transport with retries
 * within the caller's deadline ({@link dev.sds.kms.plugin.kmaas.http.HttpKmaasClient}), the failure
 * classification ({@link dev.sds.kms.plugin.kmaas.http.KmaasErrorClassifier}), TLS ({@link
 * dev.sds.kms.plugin.kmaas.http.KmaasTls}), credentials ({@link
 * dev.sds.kms.plugin.kmaas.http.Authorization}, {@code TokenFile}) and the wire protocols as {@link
 * dev.sds.kms.plugin.kmaas.http.ProtocolAdapter}s: SDS KMaaS's crypto-api ({@link
 * dev.sds.kms.plugin.kmaas.http.CryptoApiAdapter}) and the Google Workspace CSE key service API
 * ({@link dev.sds.kms.plugin.kmaas.http.KaclsAdapter}).
 */
package dev.sds.kms.plugin.kmaas.http;
