package dev.sds.kms.plugin.kmaas.engine;

import java.time.Instant;

/**
 * One KEK with its key bytes; package-private so that key bytes never leave the engine. A disabled
 * KEK is kept in the state (so that its id is never reused) but neither encrypts nor decrypts.
 */
record Kek(String id, Instant created, byte[] key, boolean disabled) {

  Kek(String id, Instant created, byte[] key) {
    this(id, created, key, false);
  }

  KekInfo info(boolean active) {
    return new KekInfo(id, created, active, disabled);
  }

  Kek disable() {
    return new Kek(id, created, key, true);
  }

  @Override
  public String toString() {
    return "Kek[id=" + id + ", created=" + created + ", disabled=" + disabled + ", key=<redacted>]";
  }
}
