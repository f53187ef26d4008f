package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.Daemon;
import dev.sds.kms.plugin.config.ConfigException;
import dev.sds.kms.plugin.config.ConfigLoader;
import dev.sds.kms.plugin.envelope.DekCache;
import dev.sds.kms.plugin.envelope.EnvelopeService;
import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.etcd.EtcdGateway;
import dev.sds.kms.plugin.kmaas.KmaasClient;
import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.kms.KmsV2Client;
import dev.sds.kms.plugin.recover.RecoverException;
import dev.sds.kms.plugin.recover.SecretOutput;
import dev.sds.kms.plugin.recover.SecretReader;
import dev.sds.kms.plugin.recover.SnapshotEtcd;
import dev.sds.kms.plugin.server.UnixEndpoint;
import dev.sds.kms.plugin.storage.EnvelopeKmsV2Plugin;
import dev.sds.kms.plugin.storage.GrpcKmsV2Plugin;
import dev.sds.kms.plugin.storage.KmsV2Plugin;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import okhttp3.HttpUrl;
import okhttp3.OkHttpClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * Break-glass read of one Secret straight from etcd (a running etcd, or a snapshot restored into a
 * temporary one), decrypted as kube-apiserver would, with KMaaS reached exactly as the daemon
 * reaches it (the same settings), or through a running plugin's socket. See
 * docs/disaster-recovery.md.
 */
@Command(
    name = "recover",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Break-glass: read one Secret straight from etcd (or an etcd snapshot) and decrypt it"
          + " without kube-apiserver.",
      "KMaaS is reached with the daemon's own settings (flags, environment or --config);"
          + " or give --plugin-endpoint to decrypt through a running plugin.",
      "Prints the Secret's data keys and sizes; values only with --show-values; --output FILE"
          + " writes a Secret manifest (new file, mode 0600). Warnings go to stderr.",
      "Exit code 0 when the Secret was read, 1 when it cannot be read or decrypted, 2 for bad"
          + " options or settings."
    })
final class RecoverCommand implements Callable<Integer> {
  private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern NAME =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final int MAX_NAME = 253;

  @Spec CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "name of the Secret")
  String name;

  @Option(
      names = {"-n", "--namespace"},
      paramLabel = "NAMESPACE",
      defaultValue = "default",
      description = "namespace of the Secret (default: ${DEFAULT-VALUE})")
  String namespace;

  @Option(
      names = "--etcd-endpoints",
      split = ",",
      paramLabel = "URL",
      description = "a running etcd's client URLs, tried in order (as for audit)")
  List<String> endpoints;

  @Mixin EtcdTlsOptions tls;

  @Option(
      names = "--etcd-snapshot",
      paramLabel = "FILE",
      description =
          "an etcd snapshot (etcdctl snapshot save) to read instead: restored into a temporary"
              + " directory and served by a temporary etcd on loopback")
  Path snapshot;

  @Option(
      names = "--skip-hash-check",
      description =
          "the snapshot is a member/snap/db file copied from a data directory (no snapshot hash)")
  boolean skipHashCheck;

  @Option(
      names = "--etcd-bin-dir",
      paramLabel = "DIR",
      description = "where etcd and etcdutl (or etcdctl) are (default: the PATH)")
  Path etcdBinDir;

  @Option(
      names = "--work-dir",
      paramLabel = "DIR",
      description =
          "where the snapshot is restored, in a new 0700 directory deleted afterwards"
              + " (default: the system temporary directory)")
  Path workDir;

  @Option(
      names = "--prefix",
      paramLabel = "PREFIX",
      defaultValue = "/registry",
      description = "kube-apiserver's --etcd-prefix (default: ${DEFAULT-VALUE})")
  String prefix;

  @Option(
      names = "--provider",
      paramLabel = "NAME",
      description = "KMS provider name the value must carry (default: any)")
  String provider;

  @Option(
      names = "--plugin-endpoint",
      paramLabel = "unix:///PATH",
      description =
          "decrypt through a running plugin's socket instead of calling KMaaS (no KMaaS settings"
              + " then)")
  String pluginEndpoint;

  @Option(
      names = "--show-values",
      description = "also print the values (UTF-8 text, else base64:…) on stdout")
  boolean showValues;

  @Option(
      names = "--output",
      paramLabel = "FILE",
      description =
          "write the Secret as a manifest to FILE (must not exist; created with mode 0600)")
  Path output;

  @Option(
      names = "--timeout",
      paramLabel = "DURATION",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description =
          "deadline of each etcd and KMaaS call, and of the snapshot restore (default:"
              + " ${DEFAULT-VALUE})")
  Duration timeout;

  private final Map<String, String> env;

  RecoverCommand() {
    this(System.getenv());
  }

  RecoverCommand(Map<String, String> env) {
    this.env = env;
  }

  static void addSettingOptions(CommandSpec spec) {
    ConfigLoader.addOptions(spec, ConfigLoader.KMAAS_SETTINGS);
  }

  @Override
  public Integer call() {
    Logging.configure("warn", "text");
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String problem = checkOptions();
    if (problem != null) {
      return usage(err, problem);
    }
    Map<String, String> kmaasFlags = ConfigLoader.flagsFrom(spec.commandLine().getParseResult());
    KmaasSettings kmaas = null;
    UnixEndpoint plugin = null;
    if (pluginEndpoint != null) {
      if (!kmaasFlags.isEmpty()) {
        return usage(
            err,
            "--plugin-endpoint decrypts through the plugin; do not give KMaaS settings as well ("
                + String.join(", ", kmaasFlags.keySet())
                + ")");
      }
      try {
        plugin = UnixEndpoint.parse(pluginEndpoint);
      } catch (IllegalArgumentException e) {
        return usage(err, "--plugin-endpoint " + e.getMessage());
      }
    } else {
      try {
        kmaas = ConfigLoader.loadKmaas(kmaasFlags, env);
      } catch (ConfigException e) {
        return usage(err, e.getMessage());
      }
      if (kmaas.embedded() && !Files.isRegularFile(kmaas.stateFile())) {
        return usage(
            err,
            "--state-file: "
                + kmaas.stateFile()
                + " does not exist; recover reads the embedded KMaaS's KEKs, it never makes"
                + " new ones (no --kmaas-url: the embedded KMaaS)");
      }
    }

    warn(err, kmaas, plugin);
    try (Etcd etcd = openEtcd(err);
        Decrypter decrypter = decrypter(kmaas, plugin)) {
      SecretReader reader = new SecretReader(etcd.gateway(), prefix, decrypter.plugin(), provider);
      SecretReader.Recovered recovered = reader.read(namespace, name);
      SecretOutput.print(recovered, showValues, out);
      if (output != null) {
        SecretOutput.writeManifest(recovered.secret(), output);
        err.println(
            "kms-plugin recover: wrote the decrypted Secret to "
                + output
                + " (mode 0600): it holds the values in base64, i.e. in plaintext; delete it"
                + " (shred -u) when done");
      } else if (!showValues && !recovered.secret().data().isEmpty()) {
        err.println(
            "kms-plugin recover: values not shown; --show-values prints them,"
                + " --output FILE writes the Secret to a new 0600 file");
      }
      err.flush();
      return 0;
    } catch (RecoverException e) {
      err.println("kms-plugin recover: " + e.getMessage());
      return 1;
    } catch (FileAlreadyExistsException e) {
      err.println("kms-plugin recover: --output: " + output + " exists; recover never overwrites");
      return 2;
    } catch (IOException e) {
      err.println("kms-plugin recover: cannot write " + output + ": " + e.getMessage());
      return 1;
    } catch (RuntimeException e) {
      // e.g. a CA or client certificate file that does not parse: one line, as serve says it
      err.println("kms-plugin recover: " + e.getMessage());
      return 1;
    }
  }

  /** The first problem with the options, or null. */
  private String checkOptions() {
    if (!NAME.matcher(name).matches() || name.length() > MAX_NAME) {
      return "NAME: not a Secret name (lowercase letters, digits, '-' and '.'; at most 253): "
          + name;
    }
    if (!NAMESPACE.matcher(namespace).matches()) {
      return "--namespace: not a namespace name (lowercase letters, digits and '-'; at most 63): "
          + namespace;
    }
    boolean running = endpoints != null && !endpoints.isEmpty();
    if (running == (snapshot != null)) {
      return "give either --etcd-endpoints (a running etcd) or --etcd-snapshot FILE";
    }
    if (running) {
      for (String endpoint : endpoints) {
        if (HttpUrl.parse(endpoint.strip()) == null) {
          return "--etcd-endpoints: not an http:// or https:// URL: " + endpoint.strip();
        }
      }
    }
    if (running && (skipHashCheck || etcdBinDir != null || workDir != null)) {
      return "--skip-hash-check, --etcd-bin-dir and --work-dir go with --etcd-snapshot";
    }
    if (!running && tls.anySet()) {
      return "--etcd-cacert, --etcd-cert and --etcd-key go with --etcd-endpoints";
    }
    if (tls.problem() != null) {
      return tls.problem();
    }
    if (!prefix.startsWith("/")) {
      return "--prefix must start with '/': " + prefix;
    }
    if (provider != null && (provider.isEmpty() || provider.contains(":"))) {
      return "--provider: a KMS provider name is non-empty and has no ':'";
    }
    if (timeout.isZero() || timeout.isNegative()) {
      return "--timeout must be positive";
    }
    if (output != null) {
      if (Files.exists(output)) {
        return "--output: " + output + " exists; recover never overwrites";
      }
      Path parent = output.toAbsolutePath().getParent();
      if (parent == null || !Files.isDirectory(parent)) {
        return "--output: no directory " + parent;
      }
    }
    return null;
  }

  private void warn(PrintWriter err, KmaasSettings kmaas, UnixEndpoint plugin) {
    err.println(
        "kms-plugin recover: WARNING: break-glass read of secret "
            + namespace
            + "/"
            + name
            + " outside kube-apiserver: no Kubernetes RBAC and no Kubernetes audit log apply."
            + " "
            + (plugin != null
                ? "The plugin at " + plugin + " decrypts its seed."
                : "KMaaS "
                    + (kmaas.embedded()
                        ? "(embedded, state file " + kmaas.stateFile() + ")"
                        : kmaas.url() + " tenant " + kmaas.tenant())
                    + " unwraps its DEK.")
            + (showValues
                ? " Its VALUES follow on stdout: clear the terminal and its scrollback afterwards."
                : ""));
    err.flush();
  }

  /** etcd to read: the running one, or a snapshot served by a temporary etcd. */
  private Etcd openEtcd(PrintWriter err) throws RecoverException {
    if (snapshot == null) {
      List<HttpUrl> urls = new ArrayList<>();
      for (String endpoint : endpoints) {
        urls.add(HttpUrl.get(endpoint.strip())); // checked in checkOptions
      }
      OkHttpClient http;
      try {
        http = tls.httpClient(timeout);
      } catch (IOException e) {
        throw new RecoverException(e.getMessage(), e);
      }
      return new Etcd(new EtcdGateway(urls, http), http, null);
    }
    SnapshotEtcd.Binaries binaries = SnapshotEtcd.Binaries.find(etcdBinDir);
    Path parent = workDir != null ? workDir : Path.of(System.getProperty("java.io.tmpdir"));
    err.println(
        "kms-plugin recover: restoring "
            + snapshot
            + " with "
            + binaries.restoreTool()
            + " under "
            + parent
            + " and serving it with a temporary etcd on loopback");
    err.flush();
    SnapshotEtcd temporary = SnapshotEtcd.start(snapshot, skipHashCheck, binaries, parent, timeout);
    try {
      OkHttpClient http = tls.httpClient(timeout); // plain HTTP: no TLS option goes with a snapshot
      return new Etcd(new EtcdGateway(List.of(temporary.url()), http), http, temporary);
    } catch (IOException | RuntimeException e) {
      temporary.close();
      throw new RecoverException(String.valueOf(e.getMessage()), e);
    }
  }

  private Decrypter decrypter(KmaasSettings kmaas, UnixEndpoint plugin) {
    if (plugin != null) {
      KmsV2Client client = new KmsV2Client(plugin, timeout);
      return new Decrypter(new GrpcKmsV2Plugin(client), client::close);
    }
    KmaasClient client = Daemon.createKmaasClient(kmaas);
    // recover only decrypts: the key_id prefix would only matter for an Encrypt
    EnvelopeService envelope =
        new EnvelopeService(
            client,
            new KeyIdScheme(KeyIdScheme.DEFAULT_PREFIX, kmaas.tenant()),
            new DekCache(0, Duration.ofSeconds(1)),
            new SecureRandom());
    return new Decrypter(new EnvelopeKmsV2Plugin(envelope, timeout), client::close);
  }

  private static int usage(PrintWriter err, String message) {
    err.println("kms-plugin recover: " + message);
    return 2;
  }

  /** The etcd being read, closed with its client (and the temporary etcd, if any). */
  private record Etcd(EtcdGateway gateway, OkHttpClient http, SnapshotEtcd temporary)
      implements AutoCloseable {
    @Override
    public void close() {
      http.dispatcher().executorService().shutdown();
      http.connectionPool().evictAll();
      if (temporary != null) {
        temporary.close();
      }
    }
  }

  /** The plugin that decrypts seeds, and how to let go of it. */
  private record Decrypter(KmsV2Plugin plugin, Runnable closer) implements AutoCloseable {
    @Override
    public void close() {
      closer.run();
    }
  }
}
