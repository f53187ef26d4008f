package dev.sds.kms.operator.rotation.start;

import dev.sds.kms.operator.rotation.start.KmaasAdminApi.KmaasAdminException;
import dev.sds.kms.operator.testing.FakeDaemons;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A key service's admin API for operator tests: a rotation makes a new KEK and the {@link
 * FakeDaemons} report its key id at once (as daemons do on their next KMaaS check); disables are
 * recorded. The real admin API over HTTPS is exercised against the standalone KMaaS in e2e.
 */
final class FakeKmaasAdmin implements KmaasAdminApis {
  private final FakeDaemons daemons;
  private final AtomicInteger keks = new AtomicInteger(1);
  final List<String> rotations = new CopyOnWriteArrayList<>();
  final List<String> disabled = new CopyOnWriteArrayList<>();
  volatile String failWith;

  FakeKmaasAdmin(FakeDaemons daemons) {
    this.daemons = daemons;
  }

  static String keyId(int kek) {
    return "sds:acme/kek-" + kek;
  }

  @Override
  public KmaasAdminApi open(
      dev.sds.kms.operator.crd.v1alpha1.KmsPlugin plugin,
      io.fabric8.kubernetes.client.KubernetesClient client) {
    return new KmaasAdminApi() {
      @Override
      public String rotate() throws KmaasAdminException {
        if (failWith != null) {
          throw new KmaasAdminException(failWith);
        }
        String kek = "kek-" + keks.incrementAndGet();
        rotations.add(kek);
        daemons.keyId = "sds:acme/" + kek;
        return kek;
      }

      @Override
      public void disable(String kekId) {
        disabled.add(kekId);
      }
    };
  }
}
