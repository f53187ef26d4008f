package dev.sds.kms.plugin.kmaas;

/**
 * Public description of the KMaaS a client talks to, as shown in logs and {@code /status}.
 *
 * @param mode {@code "embedded"} or {@code "remote"}
 * @param url the base URL ({@code null} when embedded)
 * @param tenant the tenant id
 */
public record KmaasDescription(String mode, String url, String tenant) {}
