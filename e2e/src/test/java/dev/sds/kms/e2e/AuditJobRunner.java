package dev.sds.kms.e2e;

import dev.sds.kms.operator.rotation.retire.AuditJob;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The Job controller and kubelet for the operator's audit Jobs: each new Job's container command
 * ({@code kms-plugin.jar audit …} with the operator's arguments) runs for real as a process against
 * the real etcd — with its endpoint put in place of the node's {@code https://127.0.0.1:2379} and
 * without the node's etcd client certificate, which this plain-HTTP etcd does not want — and its
 * {@code --result-file} becomes the pod's termination message, as {@code /dev/termination-log} does
 * on a node. The Job then succeeds or fails with the command's exit code.
 */
final class AuditJobRunner implements AutoCloseable {
  private final KubernetesClient client;
  private final String namespace;
  private final String etcdUrl;
  private final Processes processes;
  private final Path dir;
  private final Set<String> handled = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService loop = Executors.newSingleThreadScheduledExecutor();

  /** The reports the audits wrote, in order. */
  final List<String> reports = new CopyOnWriteArrayList<>();

  AuditJobRunner(
      KubernetesClient client, String namespace, String etcdUrl, Processes processes, Path dir) {
    this.client = client;
    this.namespace = namespace;
    this.etcdUrl = etcdUrl;
    this.processes = processes;
    this.dir = dir;
  }

  AuditJobRunner start() {
    loop.scheduleWithFixedDelay(this::follow, 200, 200, TimeUnit.MILLISECONDS);
    return this;
  }

  private void follow() {
    try {
      for (Job job : client.batch().v1().jobs().inNamespace(namespace).list().getItems()) {
        if (handled.add(job.getMetadata().getName())) {
          run(job);
        }
      }
    } catch (Exception e) {
      System.err.println("AuditJobRunner: " + e);
    }
  }

  private void run(Job job) throws Exception {
    String name = job.getMetadata().getName();
    Path result = dir.resolve(name + ".termination-log");
    List<String> args =
        nodeToTest(job.getSpec().getTemplate().getSpec().getContainers().get(0).getArgs(), result);
    ManagedProcess audit = processes.javaJar("audit-" + name, args);
    audit.start();
    int code = audit.awaitExit(Duration.ofSeconds(60));
    String message;
    if (code == 0) {
      message = Files.readString(result, StandardCharsets.UTF_8);
      reports.add(message);
    } else {
      // terminationMessagePolicy FallbackToLogsOnError: the log's tail
      List<String> log = Files.readAllLines(audit.log(), StandardCharsets.UTF_8);
      message = log.isEmpty() ? "" : log.get(log.size() - 1);
    }
    client
        .resource(
            new PodBuilder()
                .withNewMetadata()
                .withName(name + "-pod")
                .withNamespace(namespace)
                .addToLabels(AuditJob.JOB_NAME_LABEL, name)
                .endMetadata()
                .withNewStatus()
                .withPhase(code == 0 ? "Succeeded" : "Failed")
                .addNewContainerStatus()
                .withName("audit")
                .withNewState()
                .withNewTerminated()
                .withExitCode(code)
                .withMessage(message)
                .endTerminated()
                .endState()
                .endContainerStatus()
                .endStatus()
                .build())
        .create();
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(name)
        .editStatus(
            j -> {
              j.setStatus(
                  code == 0
                      ? new JobStatusBuilder().withSucceeded(1).build()
                      : new JobStatusBuilder().withFailed(1).build());
              return j;
            });
  }

  /** The operator's arguments with this test's etcd and result file in place of the node's. */
  private List<String> nodeToTest(List<String> jobArgs, Path result) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < jobArgs.size(); i++) {
      String a = jobArgs.get(i);
      switch (a) {
        case "--etcd-endpoints" -> {
          out.add(a);
          out.add(etcdUrl);
          i++;
        }
        case "--result-file" -> {
          out.add(a);
          out.add(result.toString());
          i++;
        }
        case "--etcd-cacert", "--etcd-cert", "--etcd-key" -> i++;
        default -> out.add(a);
      }
    }
    return out;
  }

  @Override
  public void close() {
    loop.shutdownNow();
  }
}
