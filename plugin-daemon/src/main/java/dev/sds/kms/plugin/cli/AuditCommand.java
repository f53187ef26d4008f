package dev.sds.kms.plugin.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.plugin.audit.AuditReport;
import dev.sds.kms.plugin.audit.EtcdAuditor;
import dev.sds.kms.plugin.etcd.EtcdException;
import dev.sds.kms.plugin.etcd.EtcdGateway;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Reads etcd directly and reports how each object of some resources is stored at rest: KMS v2 (per
 * provider and key id), KMS v1, aescbc/aesgcm/secretbox (per key name), plaintext, or unknown —
 * without decrypting anything. See docs/audit.md.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Report how objects are encrypted at rest in etcd (KMS v2 key ids, KMS v1, aescbc, aesgcm,"
          + " secretbox, plaintext), read over etcd's v3 JSON gateway, without decrypting.",
      "Prints names, kinds, provider names and key ids only, never values.",
      "Exit code 0 when the audit ran, 1 when etcd cannot be read, 2 for bad options."
    })
final class AuditCommand implements Callable<Integer> {
  private static final Pattern RESOURCE =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  @Spec CommandSpec spec;

  @Option(
      names = "--etcd-endpoints",
      required = true,
      split = ",",
      paramLabel = "URL",
      description =
          "etcd client URLs, tried in order (e.g. https://127.0.0.1:2379 on a kubeadm node)")
  List<String> endpoints;

  @Mixin EtcdTlsOptions tls;

  @Option(
      names = "--resources",
      split = ",",
      paramLabel = "RESOURCE",
      defaultValue = "secrets",
      description =
          "resources to audit, plural, with the group for grouped ones (widgets.example.com)"
              + " (default: ${DEFAULT-VALUE})")
  List<String> resources;

  @Option(
      names = "--prefix",
      paramLabel = "PREFIX",
      defaultValue = "/registry",
      description = "kube-apiserver's --etcd-prefix (default: ${DEFAULT-VALUE})")
  String prefix;

  @Option(
      names = "--page-size",
      paramLabel = "N",
      defaultValue = "500",
      description = "keys per etcd range request (default: ${DEFAULT-VALUE})")
  int pageSize;

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      defaultValue = "table",
      description = "table or json (default: ${DEFAULT-VALUE})")
  String output;

  @Option(
      names = "--max-names",
      paramLabel = "N",
      defaultValue = "1000",
      description = "plaintext object names listed at most (default: ${DEFAULT-VALUE})")
  int maxNames;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "deadline of each etcd request (default: ${DEFAULT-VALUE})")
  Duration timeout;

  @Option(
      names = "--result-file",
      paramLabel = "FILE",
      description =
          "also write the report as one JSON line (as -o json prints it) to FILE, e.g."
              + " /dev/termination-log in a Kubernetes Job, where the operator reads it")
  Path resultFile;

  /** The last gateway used, so tests can see how many pages were read. */
  EtcdGateway gateway;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    List<HttpUrl> urls = new ArrayList<>();
    for (String endpoint : endpoints) {
      HttpUrl url = HttpUrl.parse(endpoint.strip());
      if (url == null) {
        return usage(err, "--etcd-endpoints: not an http:// or https:// URL: " + endpoint.strip());
      }
      urls.add(url);
    }
    if (urls.isEmpty()) {
      return usage(err, "--etcd-endpoints: no URL");
    }
    if (tls.problem() != null) {
      return usage(err, tls.problem());
    }
    LinkedHashSet<String> names = new LinkedHashSet<>();
    for (String r : resources) {
      String resource = r.strip();
      if (!RESOURCE.matcher(resource).matches()) {
        return usage(
            err, "--resources: not a resource name (plural, lowercase, group after a dot): " + r);
      }
      names.add(resource);
    }
    if (pageSize < 1 || pageSize > 100_000) {
      return usage(err, "--page-size must be between 1 and 100000");
    }
    if (maxNames < 0) {
      return usage(err, "--max-names must not be negative");
    }
    if (!output.equals("table") && !output.equals("json")) {
      return usage(err, "-o must be table or json, not " + output);
    }
    if (timeout.isZero() || timeout.isNegative()) {
      return usage(err, "--timeout must be positive");
    }
    OkHttpClient http;
    try {
      http = tls.httpClient(timeout);
    } catch (IOException e) {
      return usage(err, e.getMessage());
    }
    try {
      gateway = new EtcdGateway(urls, http);
      AuditReport report =
          new EtcdAuditor(gateway, prefix, pageSize, maxNames).audit(List.copyOf(names));
      ObjectMapper mapper = new ObjectMapper();
      String json = mapper.writeValueAsString(report.toJson(mapper));
      if (resultFile != null) {
        Files.writeString(resultFile, json + "\n", StandardCharsets.UTF_8);
      }
      if (output.equals("json")) {
        out.println(json);
        out.flush();
      } else {
        report.printTable(out);
      }
      return 0;
    } catch (EtcdException e) {
      err.println("kms-plugin audit: " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println("kms-plugin audit: cannot write the report: " + e.getMessage());
      return 1;
    } finally {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
    }
  }

  private static int usage(PrintWriter err, String message) {
    err.println("kms-plugin audit: " + message);
    return 2;
  }
}
