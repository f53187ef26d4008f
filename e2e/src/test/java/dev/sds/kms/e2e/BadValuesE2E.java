package dev.sds.kms.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.ByteString;
import dev.sds.kms.plugin.audit.v2.EncryptedObject;
import dev.sds.kms.plugin.storage.StorageException;
import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scenario 6: values that kube-apiserver did not write (or that were tampered with) in etcd. Each
 * read fails with a clear error; the other Secrets read fine and the daemons stay ready.
 */
class BadValuesE2E extends E2eBase {
  private static final String BAD = "/registry/secrets/bad/";

  @Test
  void badValuesInEtcdFailClearlyWhileEveryOtherSecretReadsAndTheDaemonsStayReady()
      throws Exception {
    List<SecretCorpus.Secret> secrets = SecretCorpus.generate("team-a", 50);
    writeAll(system.apiserver(system.nodeA), secrets);
    byte[] good = system.etcd.get(secrets.get(0).key());
    EncryptedObject object = parse(good);
    byte[] prefix = Arrays.copyOf(good, good.length - object.getSerializedSize());

    system.etcd.put(BAD + "plain-json", "{\"kind\":\"Secret\"}".getBytes(StandardCharsets.UTF_8));
    byte[] garbage = new byte[40];
    Arrays.fill(garbage, (byte) 0xff);
    system.etcd.put(BAD + "garbage", concat(prefix, garbage));
    system.etcd.put(
        BAD + "wrong-key-id",
        concat(prefix, object.toBuilder().setKeyID(object.getKeyID() + "-other").build()));
    byte[] source = object.getEncryptedDEKSource().toByteArray();
    source[source.length - 1] ^= 1;
    system.etcd.put(
        BAD + "tampered-dek-source",
        concat(
            prefix, object.toBuilder().setEncryptedDEKSource(ByteString.copyFrom(source)).build()));
    system.etcd.put(BAD + "moved", good); // another key: the AAD no longer matches

    ApiserverStorage api = system.apiserver(system.nodeB); // empty cache: asks the plugin
    List<String> outcomes = new ArrayList<>();
    outcomes.add("plain-json: " + refusal(api, "plain-json", "not a KMS v2 value", null));
    outcomes.add("garbage: " + refusal(api, "garbage", "does not parse", null));
    outcomes.add(
        "wrong key id: " + refusal(api, "wrong-key-id", "plugin Decrypt refused", pluginRefusal()));
    outcomes.add(
        "tampered DEK source: "
            + refusal(api, "tampered-dek-source", "plugin Decrypt refused", pluginRefusal()));
    outcomes.add("moved: " + refusal(api, "moved", "does not authenticate", null));

    ApiserverStorage fresh = system.apiserver(system.nodeA);
    assertAllReadBack(fresh, secrets);
    assertAllReadBack(api, secrets);
    assertThat(system.nodeA.readyz()).isEqualTo(200);
    assertThat(system.nodeB.readyz()).isEqualTo(200);

    System.out.printf(
        "E2E bad input: %d bad values refused (%s); %d good secrets read fine through both nodes;"
            + " both daemons ready%n",
        outcomes.size(), String.join(", ", outcomes), secrets.size());
  }

  private static Status.Code[] pluginRefusal() {
    return new Status.Code[] {Status.Code.INVALID_ARGUMENT, Status.Code.FAILED_PRECONDITION};
  }

  /** Reads a bad value, checks the error, and says what it was. */
  private static String refusal(
      ApiserverStorage api, String name, String message, Status.Code[] codes) {
    StorageException e = catchThrowableOfType(StorageException.class, () -> api.get(BAD + name));
    assertThat(e).as(name + " must be refused").isNotNull().hasMessageContaining(message);
    if (codes == null) {
      assertThat(e.pluginCode()).as(name).isNull();
      return message;
    }
    assertThat(e.pluginCode()).as(name).isIn((Object[]) codes);
    return e.pluginCode().name();
  }

  private static byte[] concat(byte[] prefix, EncryptedObject o) {
    return concat(prefix, o.toByteArray());
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
