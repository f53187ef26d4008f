package dev.sds.kms.operator.bench;

import dev.sds.kms.operator.testing.MockCluster;
import dev.sds.kms.operator.testing.PagingDispatcher;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The paging mock API server ({@link PagingDispatcher}) as a process of its own, for {@link
 * MigrationBench}: seeds N Secrets directly into the store (no HTTP), prints {@code URL <url>} on
 * stdout and serves until killed. Request counts are on {@code GET <url>/__counts}.
 *
 * <pre>
 * java -cp &lt;operator test classpath&gt; dev.sds.kms.operator.bench.PagingApiServerMain 10000
 * </pre>
 */
public final class PagingApiServerMain {
  /** Secrets are spread over this many namespaces, like in a real cluster. */
  static final int NAMESPACES = 100;

  private PagingApiServerMain() {}

  public static void main(String[] args) throws Exception {
    int secrets = args.length > 0 ? Integer.parseInt(args[0]) : 10_000;
    PagingDispatcher api = new PagingDispatcher();
    long start = System.nanoTime();
    byte[] payload = new byte[256];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) i;
    }
    String value = Base64.getEncoder().encodeToString(payload);
    for (int i = 0; i < secrets; i++) {
      GenericKubernetesResource secret = new GenericKubernetesResource();
      secret.setApiVersion("v1");
      secret.setKind("Secret");
      secret.setMetadata(
          new ObjectMetaBuilder()
              .withNamespace(String.format("ns-%03d", i % NAMESPACES))
              .withName(String.format("secret-%07d", i))
              .withLabels(Map.of("app", "bench"))
              .build());
      secret.setAdditionalProperty("type", "Opaque");
      secret.setAdditionalProperty("data", Map.of("password", value));
      api.seed("secrets", secret);
    }
    System.err.printf(
        "seeded %d secrets in %d ms%n", secrets, (System.nanoTime() - start) / 1_000_000);
    MockCluster cluster = new MockCluster(api);
    System.out.println("URL " + cluster.client().getMasterUrl());
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
    new CountDownLatch(1).await();
  }
}
