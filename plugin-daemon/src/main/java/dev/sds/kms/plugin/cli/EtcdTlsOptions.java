package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.etcd.EtcdHttpClients;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import okhttp3.OkHttpClient;
import picocli.CommandLine.Option;

/** The TLS options for reaching etcd, shared by {@code audit} and {@code recover}. */
final class EtcdTlsOptions {
  @Option(
      names = "--etcd-cacert",
      paramLabel = "FILE",
      description = "CA of etcd's serving certificate (kubeadm: /etc/kubernetes/pki/etcd/ca.crt)")
  Path caFile;

  @Option(
      names = "--etcd-cert",
      paramLabel = "FILE",
      description =
          "etcd client certificate (kubeadm: /etc/kubernetes/pki/etcd/healthcheck-client.crt or"
              + " /etc/kubernetes/pki/apiserver-etcd-client.crt)")
  Path certFile;

  @Option(
      names = "--etcd-key",
      paramLabel = "FILE",
      description = "its private key: PKCS#8, PKCS#1 RSA (as kubeadm writes) or SEC1 EC")
  Path keyFile;

  boolean anySet() {
    return caFile != null || certFile != null || keyFile != null;
  }

  /** The usage problem of these options, or null. */
  String problem() {
    return (certFile == null) != (keyFile == null)
        ? "--etcd-cert and --etcd-key go together"
        : null;
  }

  /** An HTTP client for etcd's JSON gateway with these settings. */
  OkHttpClient httpClient(Duration timeout) throws IOException {
    return EtcdHttpClients.create(caFile, certFile, keyFile, timeout);
  }
}
