package dev.sds.kms.plugin.kmaas.engine;

import java.time.Instant;

/** One KEK with its key bytes; package-private so that key bytes never leave the engine. */
record Kek(String id, Instant created, byte[] key) {

  KekInfo info(boolean active) {
    return new KekInfo(id, created, active);
  }

  @Override
  public String toString() {
    return "Kek[id=" + id + ", created=" + created + ", key=<redacted>]";
  }
}
