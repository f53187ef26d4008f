package dev.sds.kms.plugin.kmaas.engine;

/** Results of {@link KmaasEngine} operations. */
public sealed interface EngineResult {

  /**
   * The result of {@link KmaasEngine#encrypt}: {@code nonce(12) || ciphertext || tag(16)} and the
   * id of the KEK that encrypted it.
   */
  record Wrapped(byte[] ciphertext, String kekId) implements EngineResult {}
}
