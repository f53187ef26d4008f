package dev.sds.kms.operator.testing;

import dev.sds.kms.operator.crd.v1alpha1.KmsPlugin;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.util.HashMap;
import java.util.List;
import java.util.function.Consumer;

/**
 * fabric8's Kubernetes mock server in CRUD mode, knowing the KmsPlugin resource: objects are
 * stored, listed, watched and patched like on an API server, but no controller runs (no DaemonSet
 * controller, no garbage collector, no schema validation).
 */
public final class MockCluster implements AutoCloseable {
  private final KubernetesMockServer server;
  private final KubernetesClient client;

  public MockCluster() {
    this(
        new Dispatcher(
            List.of(CustomResourceDefinitionContext.fromCustomResourceType(KmsPlugin.class))));
  }

  /** A cluster answering through another dispatcher, for example a {@link PagingDispatcher}. */
  public MockCluster(KubernetesCrudDispatcher dispatcher) {
    server =
        new KubernetesMockServer(
            new Context(), new MockWebServer(), new HashMap<>(), dispatcher, false);
    server.init();
    client = server.createClient();
  }

  /**
   * CRUD, plus the answer a real API server gives every user to a SelfSubjectRulesReview, which
   * JOSDK's leader election sends before it starts (the CRUD dispatcher would try to store it).
   */
  private static final class Dispatcher extends KubernetesCrudDispatcher {
    Dispatcher(List<CustomResourceDefinitionContext> crds) {
      super(crds);
    }

    @Override
    public MockResponse dispatch(RecordedRequest request) {
      if (request.getPath().startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
        return new MockResponse()
            .setResponseCode(201)
            .setBody(
                Serialization.asJson(
                    new SelfSubjectRulesReviewBuilder()
                        .withNewStatus()
                        .addNewResourceRule()
                        .withApiGroups("*")
                        .withResources("*")
                        .withVerbs("*")
                        .endResourceRule()
                        .withIncomplete(false)
                        .endStatus()
                        .build()));
      }
      return super.dispatch(request);
    }
  }

  public KubernetesClient client() {
    return client;
  }

  /** Another client of the same cluster (an operator closes its client when it stops). */
  public KubernetesClient newClient() {
    return server.createClient();
  }

  /** Another client, configured further (for example without fabric8's own retries). */
  public KubernetesClient newClient(Consumer<KubernetesClientBuilder> customizer) {
    return server.createClient(customizer);
  }

  @Override
  public void close() {
    client.close();
    server.destroy();
  }
}
