package dev.sds.kms.e2e;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Secret-like objects as kube-apiserver would store them: JSON with random {@code data} fields,
 * each with a random 24-byte token whose base64 form and raw bytes must never appear in etcd.
 */
final class SecretCorpus {
  /** One Secret: its etcd key, its JSON, and the token that marks its plaintext. */
  record Secret(String key, byte[] json, byte[] token, String tokenBase64) {}

  private SecretCorpus() {}

  static List<Secret> generate(String namespace, int count) {
    SecureRandom random = new SecureRandom();
    List<Secret> secrets = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String name = "secret-" + i;
      byte[] token = new byte[24];
      random.nextBytes(token);
      byte[] password = new byte[16];
      random.nextBytes(password);
      String tokenBase64 = Base64.getEncoder().encodeToString(token);
      String json =
          "{\"kind\":\"Secret\",\"apiVersion\":\"v1\",\"metadata\":{\"name\":\""
              + name
              + "\",\"namespace\":\""
              + namespace
              + "\",\"uid\":\""
              + UUID.randomUUID()
              + "\"},\"type\":\"Opaque\",\"data\":{\"token\":\""
              + tokenBase64
              + "\",\"password\":\""
              + Base64.getEncoder().encodeToString(password)
              + "\",\"username\":\""
              + Base64.getEncoder().encodeToString(("user-" + i).getBytes(StandardCharsets.UTF_8))
              + "\"}}";
      secrets.add(
          new Secret(
              "/registry/secrets/" + namespace + "/" + name,
              json.getBytes(StandardCharsets.UTF_8),
              token,
              tokenBase64));
    }
    return secrets;
  }
}
