package dev.sds.kms.plugin.cli;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.engine.EngineException;
import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.kmaas.engine.KekStore;
import dev.sds.kms.plugin.kmaas.server.KmaasAdminClient;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code kek rotate}, {@code kek list} and {@code kek disable}: KEKs of a KMaaS tenant, offline or
 * over HTTPS.
 */
@Command(
    name = "kek",
    mixinStandardHelpOptions = true,
    subcommands = {KekCommand.Rotate.class, KekCommand.ListKeks.class, KekCommand.Disable.class},
    description = {
      "Rotates, lists or disables the KEKs of a KMaaS tenant: either in a state file (--state-file; the"
          + " embedded KMaaS file, also while a daemon runs: the daemon sees the change on its next"
          + " check) or on a standalone KMaaS (--kmaas-url with --admin-key-file)."
    })
public final class KekCommand implements Callable<Integer> {

  @Spec CommandSpec spec;

  KekCommand() {}

  @Override
  public Integer call() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: rotate, list or disable");
  }

  /** Where the KEKs are and which tenant. */
  static final class Target {
    @Option(
        names = "--state-file",
        description = "KMaaS state file (embedded KMaaS, or kek-state.json of a kmaas-server).")
    Path stateFile;

    @Option(
        names = "--kmaas-url",
        description = "Standalone KMaaS base URL, e.g. https://127.0.0.1:3000.")
    URI url;

    @Option(
        names = "--admin-key-file",
        description = "File with the admin key (name:secret), with --kmaas-url.")
    Path adminKeyFile;

    @Option(
        names = "--ca-file",
        description = "PEM CA(s) to trust, e.g. the server's tls.crt (default: JDK trust store).")
    Path caFile;

    @Option(
        names = "--client-cert-file",
        description = "PEM client certificate, when the server wants mTLS.")
    Path clientCertFile;

    @Option(
        names = "--client-key-file",
        description = "PEM key of --client-cert-file (PKCS#8, PKCS#1 or SEC1).")
    Path clientKeyFile;

    @Option(
        names = "--tenant",
        defaultValue = "default",
        description =
            "KMaaS tenant. Default: ${DEFAULT-VALUE} (the kmaas-server default). Note: the embedded"
                + " KMaaS of the daemon uses tenant 'embedded' unless KMAAS_TENANT_ID is set.")
    String tenant;
  }

  abstract static class Sub implements Callable<Integer> {
    @Mixin Target target;
    @Spec CommandSpec spec;

    @Override
    public Integer call() {
      CommandLine cl = spec.commandLine();
      if ((target.stateFile == null) == (target.url == null)) {
        throw new ParameterException(cl, "Give exactly one of --state-file or --kmaas-url");
      }
      if (target.url != null && target.adminKeyFile == null) {
        throw new ParameterException(cl, "--kmaas-url needs --admin-key-file");
      }
      if (target.url == null
          && (target.adminKeyFile != null
              || target.caFile != null
              || target.clientCertFile != null
              || target.clientKeyFile != null)) {
        throw new ParameterException(
            cl, "--admin-key-file, --ca-file and --client-*-file go with --kmaas-url");
      }
      if ((target.clientCertFile == null) != (target.clientKeyFile == null)) {
        throw new ParameterException(cl, "--client-cert-file and --client-key-file go together");
      }
      if (!KekStore.isValidTenant(target.tenant)) {
        throw new ParameterException(cl, "Invalid --tenant: must match [A-Za-z0-9._-]{1,64}");
      }
      PrintWriter out = cl.getOut();
      PrintWriter err = cl.getErr();
      try {
        if (target.stateFile != null) {
          if (!Files.isRegularFile(target.stateFile)) {
            err.println("kek " + name() + ": state file " + target.stateFile + " does not exist");
            return 1;
          }
          KekStore store = new KekStore(target.stateFile);
          try {
            runOffline(store, out);
          } catch (EngineException e) {
            if (e.kind() == EngineException.Kind.UNKNOWN_TENANT) {
              err.println(
                  "kek "
                      + name()
                      + ": tenant "
                      + target.tenant
                      + " has no KEKs in "
                      + store.stateFile()
                      + " (tenants there: "
                      + String.join(", ", store.tenants())
                      + "); pass --tenant");
              return 1;
            }
            throw e;
          }
        } else {
          try (KmaasAdminClient client =
              new KmaasAdminClient(
                  target.url,
                  readAdminKey(target.adminKeyFile),
                  target.caFile,
                  target.clientCertFile,
                  target.clientKeyFile)) {
            runRemote(client, out);
          }
        }
      } catch (EngineException | IOException | IllegalArgumentException e) {
        err.println("kek " + name() + ": " + e.getMessage());
        return 1;
      }
      out.flush();
      return 0;
    }

    abstract String name();

    abstract void runOffline(KekStore store, PrintWriter out) throws EngineException;

    abstract void runRemote(KmaasAdminClient client, PrintWriter out) throws IOException;
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description =
          "Creates a new active KEK for the tenant and prints its id; older KEKs stay for decryption.")
  static final class Rotate extends Sub {
    @Override
    String name() {
      return "rotate";
    }

    @Override
    void runOffline(KekStore store, PrintWriter out) throws EngineException {
      out.println(store.rotate(target.tenant).id());
    }

    @Override
    void runRemote(KmaasAdminClient client, PrintWriter out) throws IOException {
      out.println(client.rotate(target.tenant).id());
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Lists the tenant's KEKs, oldest first: id, created, active.")
  static final class ListKeks extends Sub {
    @Override
    String name() {
      return "list";
    }

    @Override
    void runOffline(KekStore store, PrintWriter out) throws EngineException {
      print(store.list(target.tenant), out);
    }

    @Override
    void runRemote(KmaasAdminClient client, PrintWriter out) throws IOException {
      print(client.list(target.tenant), out);
    }

    private static void print(List<KekInfo> keks, PrintWriter out) {
      int width = Math.max(6, keks.stream().mapToInt(k -> k.id().length()).max().orElse(0));
      String format = "%-" + width + "s  %-20s  %-6s  %s%n";
      out.printf(format, "KEK ID", "CREATED", "ACTIVE", "DISABLED");
      for (KekInfo k : keks) {
        out.printf(
            format, k.id(), k.created(), k.active() ? "yes" : "no", k.disabled() ? "yes" : "no");
      }
    }
  }

  @Command(
      name = "disable",
      mixinStandardHelpOptions = true,
      description = {
        "Disables (retires) a KEK of the tenant: KMaaS keeps it, but it neither wraps nor unwraps"
            + " any more, so whatever it still protects can no longer be read.",
        "Run an etcd audit first (kms-plugin audit): no object may be stored under its key id."
      })
  static final class Disable extends Sub {
    @picocli.CommandLine.Parameters(
        index = "0",
        paramLabel = "KEK_ID",
        description = "The KEK to disable, as kek list prints it.")
    String kekId;

    @Override
    String name() {
      return "disable";
    }

    @Override
    void runOffline(KekStore store, PrintWriter out) throws EngineException {
      KekInfo kek = store.disable(target.tenant, kekId);
      out.println("disabled " + kek.id() + (kek.active() ? " (the active KEK: rotate next)" : ""));
    }

    @Override
    void runRemote(KmaasAdminClient client, PrintWriter out) throws IOException {
      client.disable(target.tenant, kekId);
      out.println("disabled " + kekId);
    }
  }

  static KmaasCredentials.ApiKey readAdminKey(Path file) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IOException(
          "cannot read admin key file " + file + ": " + e.getClass().getSimpleName());
    }
    String line =
        lines.stream().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("");
    try {
      return KmaasCredentials.ApiKey.parse(line);
    } catch (IllegalArgumentException e) {
      throw new IOException("admin key file " + file + " must contain one line <name>:<secret>");
    }
  }
}
