package dev.sds.kms.plugin.kmaas;

/** A DEK wrapped by KMaaS and the id of the KEK that wrapped it (the tenant's active KEK). */
public record WrapResult(byte[] ciphertext, String kekId) {}
