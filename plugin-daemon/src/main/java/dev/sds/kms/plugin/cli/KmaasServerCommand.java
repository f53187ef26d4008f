package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.kmaas.server.StandaloneKmaasServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code kmaas-server}: the standalone KMaaS over HTTPS (a test double with real TLS). */
@Command(
    name = "kmaas-server",
    mixinStandardHelpOptions = true,
    description = {
      "Runs a standalone KMaaS over HTTPS: the same KMaaS logic as the embedded one, for tests,"
          + " e2e and demos. It is a test double with real TLS, not a key store for production.",
      "On first start it creates in the state directory: kek-state.json (KEKs), tls.crt/tls.key"
          + " (self-signed, unless --tls-cert-file is given), api-key and admin-key"
          + " (name:secret, use them with HTTP Basic), kacls-jwt-key and kacls-token (a JWT"
          + " for KACLS, renewed a day before it expires). Runs until SIGTERM.",
      "It serves both protocols of the daemon's --kmaas-protocol at once: crypto-api under"
          + " https://<listen>/api/v1/<tenant>/crypto/ (API key or --token-file tokens) and"
          + " KACLS (privilegedwrap, privilegedunwrap, status) with the base URL"
          + " https://<listen>/api/v1/<tenant>/kacls (the kacls-token JWT in the body)."
    })
public final class KmaasServerCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  @Option(
      names = "--listen",
      defaultValue = "127.0.0.1:3000",
      converter = ListenAddressConverter.class,
      description =
          "Address to listen on, host:port ([v6]:port; port 0 picks a free one). Default: ${DEFAULT-VALUE}.")
  InetSocketAddress listen;

  @Option(
      names = "--state-dir",
      defaultValue = "./kmaas-state",
      description =
          "Directory of KEKs, keys and certificate (created 0700). Default: ${DEFAULT-VALUE}.")
  Path stateDir;

  @Option(
      names = "--tenant",
      paramLabel = "<tenant>",
      description = "Tenant to serve; repeatable. Default: default.")
  List<String> tenants = new ArrayList<>();

  @Option(
      names = "--tls-cert-file",
      description = "PEM certificate (chain) to serve instead of the generated one.")
  Path tlsCertFile;

  @Option(
      names = "--tls-key-file",
      description = "PEM private key of --tls-cert-file (PKCS#8, PKCS#1 or SEC1).")
  Path tlsKeyFile;

  @Option(
      names = "--client-ca-file",
      description = "PEM CA(s): require client certificates signed by one (mTLS).")
  Path clientCaFile;

  @Option(
      names = "--hostname",
      paramLabel = "<name>",
      description = "Extra DNS name or IP for the generated certificate; repeatable.")
  List<String> hostnames = new ArrayList<>();

  @Option(
      names = "--token-file",
      description = "File with bearer tokens accepted on the crypto routes, one per line.")
  Path tokenFile;

  private final CountDownLatch stopped = new CountDownLatch(1);
  private volatile StandaloneKmaasServer server;

  KmaasServerCommand() {}

  @Override
  public Integer call() {
    CommandLine cl = spec.commandLine();
    PrintWriter err = cl.getErr();
    if ((tlsCertFile == null) != (tlsKeyFile == null)) {
      throw new ParameterException(cl, "--tls-cert-file and --tls-key-file go together");
    }
    List<String> tokens = new ArrayList<>();
    if (tokenFile != null) {
      try {
        for (String line : Files.readAllLines(tokenFile, StandardCharsets.UTF_8)) {
          String t = line.strip();
          if (!t.isEmpty() && !t.startsWith("#")) {
            tokens.add(t);
          }
        }
      } catch (IOException e) {
        err.println("kmaas-server: cannot read --token-file " + tokenFile + ": " + e);
        return 1;
      }
    }
    StandaloneKmaasServer.Options options;
    try {
      options =
          StandaloneKmaasServer.Options.of(listen, stateDir)
              .withTenants(tenants.isEmpty() ? List.of("default") : tenants)
              .withExtraHostnames(hostnames)
              .withTokens(tokens)
              .withClientCaFile(clientCaFile);
      if (tlsCertFile != null) {
        options = options.withTlsFiles(tlsCertFile, tlsKeyFile);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(cl, e.getMessage());
    }
    StandaloneKmaasServer s = new StandaloneKmaasServer(options);
    try {
      s.start();
    } catch (IOException | RuntimeException e) {
      s.close();
      err.println("kmaas-server: cannot start: " + e.getMessage());
      return 1;
    }
    server = s;
    Thread hook = new Thread(this::stop, "kmaas-server-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    PrintWriter out = cl.getOut();
    out.println(
        "KMaaS listening on "
            + s.url()
            + " (tenants: "
            + String.join(", ", options.tenants())
            + "); CA certificate: "
            + s.certificateFile()
            + "; API key file: "
            + s.apiKeyFile()
            + "; KACLS: "
            + s.kaclsUrl(options.tenants().get(0))
            + " with token file "
            + s.kaclsTokenFile());
    out.flush();
    try {
      stopped.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      s.close();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException e) {
        // the JVM is shutting down: the hook is running
      }
    }
    return 0;
  }

  /** Stops the server; {@link #call()} then returns 0. */
  void stop() {
    StandaloneKmaasServer s = server;
    if (s != null) {
      s.close();
    }
    stopped.countDown();
  }

  /** The running server, {@code null} before it has started. */
  StandaloneKmaasServer server() {
    return server;
  }

  /** {@code host:port}, {@code [v6]:port} or {@code :port} (all interfaces). */
  static final class ListenAddressConverter
      implements CommandLine.ITypeConverter<InetSocketAddress> {
    @Override
    public InetSocketAddress convert(String value) {
      int colon = value.lastIndexOf(':');
      if (colon < 0) {
        throw new CommandLine.TypeConversionException("expected host:port, got " + value);
      }
      String host = value.substring(0, colon);
      int port;
      try {
        port = Integer.parseInt(value.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("bad port in " + value);
      }
      if (port < 0 || port > 65535) {
        throw new CommandLine.TypeConversionException("port out of range in " + value);
      }
      if (host.startsWith("[") && host.endsWith("]")) {
        host = host.substring(1, host.length() - 1);
      } else if (host.contains(":")) {
        throw new CommandLine.TypeConversionException("write IPv6 addresses as [addr]:port");
      }
      InetSocketAddress address =
          host.isEmpty() ? new InetSocketAddress(port) : new InetSocketAddress(host, port);
      if (address.isUnresolved()) {
        throw new CommandLine.TypeConversionException("cannot resolve " + host);
      }
      return address;
    }
  }
}
