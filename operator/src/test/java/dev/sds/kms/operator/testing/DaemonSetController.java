package dev.sds.kms.operator.testing;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.fabric8.kubernetes.api.model.apps.DaemonSetStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the DaemonSet controller and the kubelets do, which the CRUD mock does not: a ready pod per
 * node, and, when the DaemonSet's generation moves past its observed one (a new pod template), a
 * rolling update that obeys {@code maxUnavailable: 1}: one node at a time, its pod not ready while
 * {@link Restart} restarts its daemon with the DaemonSet's ConfigMap, then ready again.
 */
public final class DaemonSetController implements AutoCloseable {

  /** Restarts the daemon on {@code node} with the {@code config.yaml} of {@code config}. */
  @FunctionalInterface
  public interface Restart {
    void restart(String node, ConfigMap config) throws Exception;
  }

  /** One step of a rollout: the pod on {@code node} went down or came back. */
  public record Step(String node, boolean ready, int unavailable) {}

  private final KubernetesClient client;
  private final String namespace;
  private final String daemonSet;
  private final List<String> nodes;
  private final List<String> podIps;
  private final Restart restart;
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();
  private final AtomicInteger unavailable = new AtomicInteger();

  /** Every pod transition of every rollout, in order. */
  public final List<Step> steps = new CopyOnWriteArrayList<>();

  /** Rollouts finished. */
  public final AtomicInteger rollouts = new AtomicInteger();

  public DaemonSetController(
      KubernetesClient client,
      String namespace,
      String daemonSet,
      List<String> nodes,
      List<String> podIps,
      Restart restart) {
    this.client = client;
    this.namespace = namespace;
    this.daemonSet = daemonSet;
    this.nodes = List.copyOf(nodes);
    this.podIps = List.copyOf(podIps);
    this.restart = restart;
  }

  /** Creates the pods, marks the DaemonSet rolled out, and follows its changes from now on. */
  public DaemonSetController start() {
    DaemonSet ds = ds();
    for (int i = 0; i < nodes.size(); i++) {
      client.resource(pod(ds, i, true)).create();
    }
    status(ds.getMetadata().getGeneration(), nodes.size(), nodes.size());
    loop.scheduleWithFixedDelay(this::follow, 100, 100, TimeUnit.MILLISECONDS);
    return this;
  }

  private void follow() {
    try {
      DaemonSet ds = ds();
      if (ds == null) {
        return;
      }
      // the CRUD mock keeps no status across an update of the whole object
      Long generation = ds.getMetadata().getGeneration();
      Long observed = ds.getStatus() == null ? null : ds.getStatus().getObservedGeneration();
      if (observed != null && observed.equals(generation)) {
        return;
      }
      roll(ds, generation == null ? 0 : generation);
    } catch (Exception e) {
      System.err.println("DaemonSetController: " + e);
    }
  }

  private void roll(DaemonSet ds, long generation) throws Exception {
    int n = nodes.size();
    status(generation, 0, n);
    ConfigMap config = configMap(ds);
    for (int i = 0; i < n; i++) {
      client.resource(pod(ds, i, false)).update();
      steps.add(new Step(nodes.get(i), false, unavailable.incrementAndGet()));
      status(generation, i, n - 1);
      restart.restart(nodes.get(i), config);
      client.resource(pod(ds, i, true)).update();
      steps.add(new Step(nodes.get(i), true, unavailable.decrementAndGet()));
      status(generation, i + 1, n);
    }
    rollouts.incrementAndGet();
  }

  private ConfigMap configMap(DaemonSet ds) {
    return ds.getSpec().getTemplate().getSpec().getVolumes().stream()
        .filter(v -> v.getProjected() != null)
        .flatMap(v -> v.getProjected().getSources().stream())
        .filter(source -> source.getConfigMap() != null)
        .findFirst()
        .map(
            source ->
                client
                    .configMaps()
                    .inNamespace(namespace)
                    .withName(source.getConfigMap().getName())
                    .get())
        .orElse(null);
  }

  private DaemonSet ds() {
    return client.apps().daemonSets().inNamespace(namespace).withName(daemonSet).get();
  }

  private void status(long generation, int updated, int ready) {
    client
        .apps()
        .daemonSets()
        .inNamespace(namespace)
        .withName(daemonSet)
        .editStatus(
            d -> {
              d.setStatus(
                  new DaemonSetStatusBuilder()
                      .withDesiredNumberScheduled(nodes.size())
                      .withCurrentNumberScheduled(nodes.size())
                      .withUpdatedNumberScheduled(updated)
                      .withNumberReady(ready)
                      .withNumberAvailable(ready)
                      .withObservedGeneration(generation)
                      .build());
              return d;
            });
  }

  private Pod pod(DaemonSet ds, int i, boolean ready) {
    Map<String, String> labels = ds.getSpec().getTemplate().getMetadata().getLabels();
    return new PodBuilder()
        .withNewMetadata()
        .withName(ds.getMetadata().getName() + "-" + (i + 1))
        .withNamespace(namespace)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withNodeName(nodes.get(i))
        .endSpec()
        .withNewStatus()
        .withPodIP(podIps.get(i))
        .addNewCondition()
        .withType("Ready")
        .withStatus(ready ? "True" : "False")
        .endCondition()
        .endStatus()
        .build();
  }

  @Override
  public void close() {
    loop.shutdownNow();
    try {
      loop.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
