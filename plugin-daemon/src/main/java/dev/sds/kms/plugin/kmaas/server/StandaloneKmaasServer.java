package dev.sds.kms.plugin.kmaas.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.engine.EngineException;
import dev.sds.kms.plugin.kmaas.engine.EngineResult;
import dev.sds.kms.plugin.kmaas.engine.KekInfo;
import dev.sds.kms.plugin.kmaas.engine.KekStore;
import dev.sds.kms.plugin.kmaas.engine.KmaasEngine;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import okhttp3.tls.HandshakeCertificates;
import okhttp3.tls.HeldCertificate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KMaaS logic ({@link KmaasEngine}) over HTTPS: a test double of SDS KMaaS with real TLS, for
 * tests, e2e and demos. Not a key store for production.
 *
 * <p>Routes (JSON bodies, base64 for bytes):
 *
 * <ul>
 *   <li>{@code POST /api/v1/{tenant}/crypto/encrypt} {@code {"plaintext"}} → {@code
 *       {"ciphertext","kek_id"}}
 *   <li>{@code POST /api/v1/{tenant}/crypto/decrypt} {@code {"ciphertext","kek_id"}} → {@code
 *       {"plaintext"}}
 *   <li>{@code POST /api/v1/{tenant}/admin/keks/rotate} (admin key) → {@code {"kek_id","created"}}
 *   <li>{@code GET /api/v1/{tenant}/admin/keks} (admin key) → {@code
 *       {"keks":[{"kek_id","created","active","disabled"}]}} (oldest first)
 *   <li>{@code POST /api/v1/{tenant}/admin/keks/{kekId}/disable} (admin key) → {@code
 *       {"kek_id","disabled":true}}: the KEK neither encrypts nor decrypts any more (idempotent)
 * </ul>
 *
 * <p>The same KEKs also answer the KACLS API (the Google Workspace client-side encryption key
 * service API) under {@code /api/v1/{tenant}/kacls}: {@code GET status}, {@code POST
 * privilegedwrap}, {@code POST privilegedunwrap} ({@link KaclsApi}), with errors {@code
 * {"code":<status>,"message","details"}} and the JWT of {@link #kaclsTokenFile()} as {@code
 * authentication}.
 *
 * <p>Crypto-api and admin errors: {@code {"errors":[{"code":<status>,"message":"<text>"}]}} with
 * 401 (missing or wrong credentials), 403 (non-admin credential on an admin route), 404 (unknown
 * route, tenant or KEK), 410 (the KEK is disabled), 400 (malformed JSON or base64, bad input,
 * ciphertext authentication failure), 405, 413 (body over 64 KiB), 500 (storage).
 *
 * <p>Authentication: HTTP Basic {@code base64(name:secret)} with the API key (crypto routes) or the
 * admin key (all routes), or {@code Bearer <token>} with one of the configured tokens (crypto
 * routes). Both keys are generated on first start into {@link #API_KEY_FILE} and {@link
 * #ADMIN_KEY_FILE} of the state directory and reused afterwards.
 */
public final class StandaloneKmaasServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StandaloneKmaasServer.class);

  /** KEK state file in the state directory. */
  public static final String STATE_FILE = "kek-state.json";

  /** Generated server certificate (PEM) in the state directory; clients trust it as their CA. */
  public static final String CERT_FILE = "tls.crt";

  /** Private key (PKCS#8 PEM, 0600) of the generated certificate. */
  public static final String KEY_FILE = "tls.key";

  /** The client API key, one {@code name:secret} line (0600). */
  public static final String API_KEY_FILE = "api-key";

  /** The admin API key, one {@code name:secret} line (0600). */
  public static final String ADMIN_KEY_FILE = "admin-key";

  /** Name part of the generated API key. */
  public static final String API_KEY_NAME = "kms-plugin";

  /** Name part of the generated admin key. */
  public static final String ADMIN_KEY_NAME = "kmaas-admin";

  /** Key (0600) that signs the JWTs accepted as KACLS {@code authentication}. */
  public static final String KACLS_SIGNING_KEY_FILE = "kacls-jwt-key";

  /** A KACLS {@code authentication} JWT (0600) for the plugin, renewed a day before it expires. */
  public static final String KACLS_TOKEN_FILE = "kacls-token";

  /** How long a generated KACLS token is valid. */
  static final Duration KACLS_TOKEN_VALIDITY = Duration.ofDays(365);

  /** Subject ({@code email} claim) of the generated KACLS token. */
  static final String KACLS_TOKEN_SUBJECT = "kms-plugin@kmaas.invalid";

  /** Largest request body accepted. */
  public static final int MAX_BODY_BYTES = 64 * 1024;

  static final int THREADS = 8;

  private static final Pattern ROUTE =
      Pattern.compile(
          "/api/v1/([^/]+)/(crypto/encrypt|crypto/decrypt|admin/keks/rotate|admin/keks"
              + "|admin/keks/([^/]+)/disable)");

  private static final Pattern KACLS_ROUTE =
      Pattern.compile("/api/v1/([^/]+)/kacls/(status|privilegedwrap|privilegedunwrap)");

  private static final Pattern KACLS_PREFIX = Pattern.compile("/api/v1/[^/]+/kacls(/.*)?");

  private static final ObjectMapper MAPPER = RequestJson.MAPPER;

  /**
   * How to run the server. Build with {@link #of} and the withers.
   *
   * @param listen address and port to bind (port 0: any free port)
   * @param stateDir directory of the KEK state, keys and generated certificate
   * @param tenants tenants served (each gets its first KEK on start)
   * @param tlsCertFile PEM certificate (chain) to serve instead of the generated one; {@code null}:
   *     generated
   * @param tlsKeyFile PKCS#8 PEM key of {@code tlsCertFile}
   * @param clientCaFile PEM CA(s); when set, clients must present a certificate signed by one
   * @param extraHostnames extra DNS names / IPs for the generated certificate
   * @param tokens bearer tokens accepted on the crypto routes
   */
  public record Options(
      InetSocketAddress listen,
      Path stateDir,
      List<String> tenants,
      Path tlsCertFile,
      Path tlsKeyFile,
      Path clientCaFile,
      List<String> extraHostnames,
      List<String> tokens) {

    public Options {
      Objects.requireNonNull(listen, "listen");
      Objects.requireNonNull(stateDir, "stateDir");
      tenants = List.copyOf(new LinkedHashSet<>(tenants));
      if (tenants.isEmpty()) {
        throw new IllegalArgumentException("at least one tenant is required");
      }
      for (String t : tenants) {
        if (!KekStore.isValidTenant(t)) {
          throw new IllegalArgumentException(
              "tenant name must match [A-Za-z0-9._-]{1,64} and not be only dots: " + t);
        }
      }
      if ((tlsCertFile == null) != (tlsKeyFile == null)) {
        throw new IllegalArgumentException("TLS certificate and key files go together");
      }
      extraHostnames = List.copyOf(extraHostnames);
      tokens = List.copyOf(tokens);
      for (String token : tokens) {
        if (token.isBlank() || token.chars().anyMatch(c -> c <= ' ' || c > '~')) {
          throw new IllegalArgumentException("bearer tokens must be non-empty visible ASCII");
        }
      }
    }

    public static Options of(InetSocketAddress listen, Path stateDir) {
      return new Options(
          listen, stateDir, List.of("default"), null, null, null, List.of(), List.of());
    }

    public Options withTenants(List<String> tenants) {
      return new Options(
          listen, stateDir, tenants, tlsCertFile, tlsKeyFile, clientCaFile, extraHostnames, tokens);
    }

    public Options withTlsFiles(Path cert, Path key) {
      return new Options(
          listen, stateDir, tenants, cert, key, clientCaFile, extraHostnames, tokens);
    }

    public Options withClientCaFile(Path clientCaFile) {
      return new Options(
          listen, stateDir, tenants, tlsCertFile, tlsKeyFile, clientCaFile, extraHostnames, tokens);
    }

    public Options withExtraHostnames(List<String> extraHostnames) {
      return new Options(
          listen, stateDir, tenants, tlsCertFile, tlsKeyFile, clientCaFile, extraHostnames, tokens);
    }

    public Options withTokens(List<String> tokens) {
      return new Options(
          listen, stateDir, tenants, tlsCertFile, tlsKeyFile, clientCaFile, extraHostnames, tokens);
    }

    @Override
    public String toString() {
      return "Options[listen="
          + listen
          + ", stateDir="
          + stateDir
          + ", tenants="
          + tenants
          + ", tlsCertFile="
          + tlsCertFile
          + ", tlsKeyFile="
          + tlsKeyFile
          + ", clientCaFile="
          + clientCaFile
          + ", extraHostnames="
          + extraHostnames
          + ", tokens="
          + tokens.size()
          + " <redacted>]";
    }
  }

  /**
   * Crypto calls that reached the engine since start (whatever their outcome): what a plugin costs
   * KMaaS. Benchmarks and tests read it to check the plugin's call economy.
   *
   * @param wraps {@code crypto/encrypt} and KACLS {@code privilegedwrap} calls
   * @param unwraps {@code crypto/decrypt} and KACLS {@code privilegedunwrap} calls
   */
  public record RequestCounts(long wraps, long unwraps) {
    public long total() {
      return wraps + unwraps;
    }

    /** The calls made since {@code earlier}. */
    public RequestCounts since(RequestCounts earlier) {
      return new RequestCounts(wraps - earlier.wraps, unwraps - earlier.unwraps);
    }
  }

  /**
   * Faults injected into a share of the crypto calls, so that tests and soak runs meet a KMaaS that
   * sometimes fails. Each crypto call draws at most one: answered HTTP 500, its connection closed
   * without an answer, or served only after {@code slowDelay}.
   *
   * @param serverErrors share of calls answered 500 (0 to 1)
   * @param resets share of calls whose connection is closed without an answer
   * @param slow share of calls delayed by {@code slowDelay}
   */
  public record InjectedFaults(
      double serverErrors, double resets, double slow, Duration slowDelay) {
    public InjectedFaults {
      Objects.requireNonNull(slowDelay, "slowDelay");
      for (double share : new double[] {serverErrors, resets, slow}) {
        if (!(share >= 0 && share <= 1)) {
          throw new IllegalArgumentException("fault shares must be between 0 and 1");
        }
      }
      if (serverErrors + resets + slow > 1) {
        throw new IllegalArgumentException("fault shares must add up to at most 1");
      }
      if (slowDelay.isNegative()) {
        throw new IllegalArgumentException("slowDelay must not be negative");
      }
    }

    public static InjectedFaults none() {
      return new InjectedFaults(0, 0, 0, Duration.ZERO);
    }
  }

  /**
   * Faults injected so far ({@link #injectFaults}).
   *
   * @param serverErrors calls answered 500
   * @param resets calls whose connection was closed without an answer
   * @param slow calls delayed
   */
  public record InjectedFaultCounts(long serverErrors, long resets, long slow) {
    public long total() {
      return serverErrors + resets + slow;
    }
  }

  private enum Access {
    CLIENT,
    ADMIN
  }

  private enum Principal {
    API_KEY,
    ADMIN_KEY,
    TOKEN
  }

  private final Options options;
  private final Path stateDir;
  private final Set<String> tenants;
  private final SecureRandom random = new SecureRandom();

  private KmaasEngine engine;
  private HttpsServer server;
  private ThreadPoolExecutor executor;
  private byte[] apiKeyDigest;
  private byte[] adminKeyDigest;
  private List<byte[]> tokenDigests;
  private KmaasCredentials.ApiKey apiKey;
  private KmaasCredentials.ApiKey adminKey;
  private KaclsTokens kaclsTokens;
  private KaclsApi kacls;
  private boolean closed;
  private final AtomicLong wraps = new AtomicLong();
  private final AtomicLong unwraps = new AtomicLong();
  private volatile Duration addedLatency = Duration.ZERO;
  private volatile InjectedFaults faults = InjectedFaults.none();
  private final AtomicLong injectedServerErrors = new AtomicLong();
  private final AtomicLong injectedResets = new AtomicLong();
  private final AtomicLong injectedSlow = new AtomicLong();

  public StandaloneKmaasServer(Options options) {
    this.options = Objects.requireNonNull(options, "options");
    this.stateDir = options.stateDir().toAbsolutePath().normalize();
    this.tenants = Set.copyOf(options.tenants());
  }

  public Options options() {
    return options;
  }

  /**
   * Creates what is missing in the state directory (KEKs of every tenant, keys, certificate), binds
   * and starts serving. Throws {@link IOException} with a one-line message on failure.
   */
  public synchronized void start() throws IOException {
    if (server != null || closed) {
      throw new IllegalStateException("start() may be called once");
    }
    SecureFiles.createDirectory(stateDir);
    engine = new KmaasEngine(new KekStore(stateFile()));
    for (String tenant : options.tenants()) {
      try {
        engine.ensureTenant(tenant);
      } catch (EngineException e) {
        throw new IOException(e.getMessage(), e);
      }
    }
    apiKey = loadOrCreateKey(apiKeyFile(), API_KEY_NAME);
    adminKey = loadOrCreateKey(adminKeyFile(), ADMIN_KEY_NAME);
    apiKeyDigest = digest(apiKey.name() + ":" + apiKey.secret());
    adminKeyDigest = digest(adminKey.name() + ":" + adminKey.secret());
    tokenDigests = options.tokens().stream().map(StandaloneKmaasServer::digest).toList();
    kaclsTokens = KaclsTokens.loadOrCreate(kaclsSigningKeyFile(), random, Clock.systemUTC());
    ensureKaclsToken();
    kacls = new KaclsApi(engine, kaclsTokens);

    SSLContext ssl = sslContext();
    boolean mtls = options.clientCaFile() != null;

    AtomicInteger n = new AtomicInteger();
    ThreadFactory threads =
        r -> {
          Thread t = new Thread(r, "kmaas-http-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        };
    executor =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(256),
            threads,
            new ThreadPoolExecutor.CallerRunsPolicy());
    HttpsServer s = HttpsServer.create(options.listen(), 0);
    s.setHttpsConfigurator(
        new HttpsConfigurator(ssl) {
          @Override
          public void configure(HttpsParameters params) {
            SSLParameters p = getSSLContext().getDefaultSSLParameters();
            p.setNeedClientAuth(mtls);
            params.setSSLParameters(p);
          }
        });
    s.createContext("/", this::handle);
    s.setExecutor(executor);
    s.start();
    server = s;
    LOG.info(
        "Standalone KMaaS (test double, not for production) listening on {} (tenants: {}); state"
            + " directory {}; API key in file {}, admin key in file {}; KACLS at {}/api/v1/<tenant>"
            + "/kacls with the token in file {}; CA certificate {}{}",
        url(),
        String.join(", ", options.tenants()),
        stateDir,
        apiKeyFile(),
        adminKeyFile(),
        url(),
        kaclsTokenFile(),
        certificateFile(),
        mtls ? "; client certificates required (CA " + options.clientCaFile() + ")" : "");
  }

  /** The bound port. */
  public synchronized int port() {
    if (server == null) {
      throw new IllegalStateException("not started");
    }
    return server.getAddress().getPort();
  }

  /** Base URL for clients, e.g. {@code https://127.0.0.1:3000}. */
  public URI url() {
    InetAddress address = options.listen().getAddress();
    String host;
    if (address == null || address.isAnyLocalAddress() || address.isLoopbackAddress()) {
      host =
          address instanceof java.net.Inet6Address && address.isLoopbackAddress()
              ? "[::1]"
              : "127.0.0.1";
    } else if (address instanceof java.net.Inet6Address) {
      host = "[" + address.getHostAddress() + "]";
    } else {
      host = address.getHostAddress();
    }
    return URI.create("https://" + host + ":" + port());
  }

  public Path stateDir() {
    return stateDir;
  }

  /** Crypto calls served so far. */
  public RequestCounts requestCounts() {
    return new RequestCounts(wraps.get(), unwraps.get());
  }

  /**
   * Delays every crypto response by {@code latency}, to measure the plugin against a KMaaS that is
   * a network hop away. Zero (the default) adds nothing.
   */
  public void setAddedLatency(Duration latency) {
    if (latency.isNegative()) {
      throw new IllegalArgumentException("added latency must not be negative");
    }
    this.addedLatency = latency;
  }

  /**
   * Injects {@code faults} into the crypto calls from now on ({@link InjectedFaults#none()} stops).
   * A test double's feature: the standalone KMaaS never fails on purpose unless asked here.
   */
  public void injectFaults(InjectedFaults faults) {
    this.faults = Objects.requireNonNull(faults, "faults");
  }

  /** Faults injected since start. */
  public InjectedFaultCounts injectedFaultCounts() {
    return new InjectedFaultCounts(
        injectedServerErrors.get(), injectedResets.get(), injectedSlow.get());
  }

  public Path stateFile() {
    return stateDir.resolve(STATE_FILE);
  }

  /** The certificate clients should trust: the given TLS certificate or the generated one. */
  public Path certificateFile() {
    return options.tlsCertFile() != null
        ? options.tlsCertFile().toAbsolutePath()
        : stateDir.resolve(CERT_FILE);
  }

  public Path apiKeyFile() {
    return stateDir.resolve(API_KEY_FILE);
  }

  public Path adminKeyFile() {
    return stateDir.resolve(ADMIN_KEY_FILE);
  }

  /** The KACLS {@code authentication} JWT for clients (after {@link #start}). */
  public Path kaclsTokenFile() {
    return stateDir.resolve(KACLS_TOKEN_FILE);
  }

  public Path kaclsSigningKeyFile() {
    return stateDir.resolve(KACLS_SIGNING_KEY_FILE);
  }

  /** The KACLS base URL of {@code tenant}: {@code {url}/api/v1/{tenant}/kacls}. */
  public URI kaclsUrl(String tenant) {
    return URI.create(url() + "/api/v1/" + tenant + "/kacls");
  }

  /**
   * A KACLS {@code authentication} JWT signed by this KMaaS that expires at {@code expiry} (which
   * may be in the past: tests use it for expired tokens). After {@link #start}.
   */
  public synchronized String issueKaclsToken(Instant expiry) {
    if (kaclsTokens == null) {
      throw new IllegalStateException("not started");
    }
    return kaclsTokens.issue(KACLS_TOKEN_SUBJECT, expiry);
  }

  /** The client API key (after {@link #start}). */
  public synchronized KmaasCredentials.ApiKey apiKey() {
    return apiKey;
  }

  /** The admin key (after {@link #start}). */
  public synchronized KmaasCredentials.ApiKey adminKey() {
    return adminKey;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (server != null) {
      server.stop(0);
      server = null;
    }
    if (executor != null) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  // ---------------------------------------------------------------- files

  private KmaasCredentials.ApiKey loadOrCreateKey(Path file, String name) throws IOException {
    if (Files.exists(file)) {
      SecureFiles.tighten(file);
      String line =
          Files.readAllLines(file, StandardCharsets.UTF_8).stream()
              .map(String::strip)
              .filter(l -> !l.isEmpty())
              .findFirst()
              .orElse("");
      try {
        return KmaasCredentials.ApiKey.parse(line);
      } catch (IllegalArgumentException e) {
        throw new IOException(file + " must contain one line <key-name>:<key-secret>");
      }
    }
    byte[] secret = new byte[32];
    random.nextBytes(secret);
    KmaasCredentials.ApiKey key =
        new KmaasCredentials.ApiKey(
            name, Base64.getUrlEncoder().withoutPadding().encodeToString(secret));
    SecureFiles.write(file, key.name() + ":" + key.secret() + "\n", false);
    LOG.info("Generated {} ({})", file, name);
    return key;
  }

  /** Writes a fresh KACLS token unless the file holds one of ours valid for more than a day. */
  private void ensureKaclsToken() throws IOException {
    Path file = kaclsTokenFile();
    Instant now = Instant.now();
    if (Files.exists(file)) {
      SecureFiles.tighten(file);
      String existing = Files.readString(file, StandardCharsets.US_ASCII).strip();
      if (kaclsTokens
          .validUntil(existing)
          .filter(until -> until.isAfter(now.plus(Duration.ofDays(1))))
          .isPresent()) {
        return;
      }
    }
    Instant expiry = now.plus(KACLS_TOKEN_VALIDITY);
    SecureFiles.write(file, kaclsTokens.issue(KACLS_TOKEN_SUBJECT, expiry) + "\n", false);
    LOG.info("Generated {} (KACLS authentication JWT, expires {})", file, expiry);
  }

  private SSLContext sslContext() throws IOException {
    HeldCertificate held;
    List<X509Certificate> chain = new ArrayList<>();
    if (options.tlsCertFile() != null) {
      held = Pem.readHeld(options.tlsCertFile(), options.tlsKeyFile(), chain);
    } else {
      held = loadOrGenerateCertificate();
    }
    HandshakeCertificates.Builder b =
        new HandshakeCertificates.Builder()
            .heldCertificate(held, chain.toArray(new X509Certificate[0]));
    if (options.clientCaFile() != null) {
      for (X509Certificate ca : Pem.readCertificates(options.clientCaFile())) {
        b.addTrustedCertificate(ca);
      }
    }
    return b.build().sslContext();
  }

  private HeldCertificate loadOrGenerateCertificate() throws IOException {
    Path certFile = stateDir.resolve(CERT_FILE);
    Path keyFile = stateDir.resolve(KEY_FILE);
    Set<String> names = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", "::1"));
    InetAddress address = options.listen().getAddress();
    if (address != null && !address.isAnyLocalAddress() && !address.isLoopbackAddress()) {
      names.add(address.getHostAddress());
    }
    names.addAll(options.extraHostnames());
    if (Files.exists(certFile) && Files.exists(keyFile)) {
      SecureFiles.tighten(keyFile);
      HeldCertificate existing = Pem.readHeld(certFile, keyFile, null);
      X509Certificate cert = existing.certificate();
      boolean fresh =
          cert.getNotAfter().toInstant().isAfter(Instant.now().plus(Duration.ofDays(1)));
      Set<String> missing = missingNames(cert, names);
      if (fresh && missing.isEmpty()) {
        return existing;
      }
      LOG.warn(
          "Replacing {}: {}; clients must trust the new certificate",
          certFile,
          fresh ? "it does not cover " + missing : "it expires within a day");
    }
    HeldCertificate.Builder builder =
        new HeldCertificate.Builder()
            .commonName("SDS KMaaS standalone (test double)")
            .organizationalUnit("sds-kms-plugin")
            .duration(3650, TimeUnit.DAYS);
    names.forEach(builder::addSubjectAlternativeName);
    HeldCertificate generated = builder.build();
    SecureFiles.write(keyFile, generated.privateKeyPkcs8Pem(), false);
    SecureFiles.write(certFile, generated.certificatePem(), true);
    LOG.info("Generated self-signed TLS certificate {} for {}", certFile, names);
    return generated;
  }

  private static Set<String> missingNames(X509Certificate cert, Set<String> wanted) {
    Set<String> have = new HashSet<>();
    try {
      Collection<List<?>> sans = cert.getSubjectAlternativeNames();
      if (sans != null) {
        for (List<?> san : sans) {
          have.add(normalizeName(String.valueOf(san.get(1))));
        }
      }
    } catch (CertificateParsingException e) {
      // treat as no names
    }
    Set<String> missing = new LinkedHashSet<>();
    for (String name : wanted) {
      if (!have.contains(normalizeName(name))) {
        missing.add(name);
      }
    }
    return missing;
  }

  private static String normalizeName(String name) {
    if (name.contains(":") || name.matches("[0-9.]+")) {
      try {
        return InetAddress.getByName(name).getHostAddress();
      } catch (IOException e) {
        return name;
      }
    }
    return name.toLowerCase(Locale.ROOT);
  }

  // ---------------------------------------------------------------- HTTP

  /** A response: status, JSON body, extra headers. */
  private record Reply(int status, JsonNode body, String allow) {
    static Reply ok(JsonNode body) {
      return new Reply(200, body, null);
    }
  }

  /**
   * Routes and answers one request. A connection that must be dropped (an injected reset, or a
   * client gone before the answer was written) is dropped by throwing out of the handler: the JDK
   * server then closes the connection and forgets it. Closing the exchange instead would close the
   * socket but leave the connection, with its TLS buffers (about 80 KiB), in the server's books for
   * good; and closing the body stream of a half-written answer first would not even close the
   * socket.
   */
  private void handle(HttpExchange ex) throws IOException {
    Reply reply;
    try {
      reply = route(ex);
    } catch (RequestFailure f) {
      reply = new Reply(f.status(), errorBody(ex, f.status(), f.getMessage()), f.allow());
    } catch (InjectedReset r) {
      LOG.debug("{} {} -> injected reset", ex.getRequestMethod(), path(ex));
      throw new IOException("injected reset");
    } catch (RuntimeException | IOException e) {
      LOG.error(
          "Standalone KMaaS: {} {} failed: {}", ex.getRequestMethod(), path(ex), e.toString());
      reply = new Reply(500, errorBody(ex, 500, "internal error"), null);
    }
    try {
      send(ex, reply);
    } catch (IOException e) {
      LOG.debug("Standalone KMaaS: cannot send the response: {}", e.toString());
      throw e;
    }
    ex.close();
    LOG.debug("{} {} -> {}", ex.getRequestMethod(), path(ex), reply.status());
  }

  private static String path(HttpExchange ex) {
    return ex.getRequestURI().getRawPath();
  }

  private Reply route(HttpExchange ex) throws RequestFailure, IOException, InjectedReset {
    Matcher kaclsRoute = KACLS_ROUTE.matcher(path(ex));
    if (kaclsRoute.matches()) {
      return kacls(ex, kaclsRoute.group(1), kaclsRoute.group(2));
    }
    Matcher m = ROUTE.matcher(path(ex));
    if (!m.matches()) {
      throw new RequestFailure(404, "no such route");
    }
    String tenant = m.group(1);
    String action = m.group(3) != null ? "admin/keks/disable" : m.group(2);
    String kekPath =
        m.group(3) == null
            ? null
            : java.net.URLDecoder.decode(m.group(3).replace("+", "%2B"), StandardCharsets.UTF_8);
    String method = action.equals("admin/keks") ? "GET" : "POST";
    if (!method.equals(ex.getRequestMethod())) {
      throw new RequestFailure(405, "method not allowed; use " + method, method);
    }
    Access access = action.startsWith("admin/") ? Access.ADMIN : Access.CLIENT;
    authorize(ex.getRequestHeaders(), access);
    if (!tenants.contains(tenant)) {
      throw new RequestFailure(
          404, KekStore.isValidTenant(tenant) ? "unknown tenant " + tenant : "unknown tenant");
    }
    byte[] body = readBody(ex);
    if (action.startsWith("crypto/")) {
      (action.equals("crypto/encrypt") ? wraps : unwraps).incrementAndGet();
      delay();
      injectFault();
    }
    try {
      switch (action) {
        case "crypto/encrypt" -> {
          JsonNode req = RequestJson.object(body);
          byte[] plaintext = RequestJson.base64(req, "plaintext");
          EngineResult.Wrapped w = engine.encrypt(tenant, plaintext);
          ObjectNode out = MAPPER.createObjectNode();
          out.put("ciphertext", Base64.getEncoder().encodeToString(w.ciphertext()));
          out.put("kek_id", w.kekId());
          return Reply.ok(out);
        }
        case "crypto/decrypt" -> {
          JsonNode req = RequestJson.object(body);
          byte[] ciphertext = RequestJson.base64(req, "ciphertext");
          JsonNode kekId = req.get("kek_id");
          if (kekId == null || !kekId.isTextual()) {
            throw new RequestFailure(400, "\"kek_id\" must be a string");
          }
          byte[] plaintext = engine.decrypt(tenant, ciphertext, kekId.asText());
          ObjectNode out = MAPPER.createObjectNode();
          out.put("plaintext", Base64.getEncoder().encodeToString(plaintext));
          return Reply.ok(out);
        }
        case "admin/keks/disable" -> {
          KekInfo kek = engine.disable(tenant, kekPath);
          ObjectNode out = MAPPER.createObjectNode();
          out.put("kek_id", kek.id());
          out.put("disabled", true);
          return Reply.ok(out);
        }
        case "admin/keks/rotate" -> {
          KekInfo kek = engine.rotate(tenant);
          ObjectNode out = MAPPER.createObjectNode();
          out.put("kek_id", kek.id());
          out.put("created", kek.created().toString());
          return Reply.ok(out);
        }
        default -> {
          ObjectNode out = MAPPER.createObjectNode();
          ArrayNode keks = out.putArray("keks");
          for (KekInfo kek : engine.list(tenant)) {
            ObjectNode k = keks.addObject();
            k.put("kek_id", kek.id());
            k.put("created", kek.created().toString());
            k.put("active", kek.active());
            k.put("disabled", kek.disabled());
          }
          return Reply.ok(out);
        }
      }
    } catch (EngineException e) {
      throw failureOf(e);
    }
  }

  /** A KACLS route: no Authorization header; the JWT travels in the body. */
  private Reply kacls(HttpExchange ex, String tenant, String operation)
      throws RequestFailure, IOException {
    String method = operation.equals("status") ? "GET" : "POST";
    if (!method.equals(ex.getRequestMethod())) {
      throw new RequestFailure(405, "method not allowed; use " + method, method);
    }
    if (!tenants.contains(tenant)) {
      throw new RequestFailure(
          404, KekStore.isValidTenant(tenant) ? "unknown tenant " + tenant : "unknown tenant");
    }
    byte[] body = readBody(ex);
    try {
      if (operation.equals("status")) {
        return Reply.ok(kacls.status(tenant));
      }
      JsonNode req = RequestJson.object(body);
      boolean wrap = operation.equals("privilegedwrap");
      (wrap ? wraps : unwraps).incrementAndGet();
      delay();
      return Reply.ok(
          wrap ? kacls.privilegedWrap(tenant, req) : kacls.privilegedUnwrap(tenant, req));
    } catch (EngineException e) {
      throw failureOf(e);
    }
  }

  private static RequestFailure failureOf(EngineException e) {
    return switch (e.kind()) {
      case UNKNOWN_TENANT, UNKNOWN_KEK -> new RequestFailure(404, e.getMessage());
      case KEK_DISABLED -> new RequestFailure(410, e.getMessage());
      case BAD_INPUT -> new RequestFailure(400, e.getMessage());
      case STORAGE -> {
        LOG.error("Standalone KMaaS storage error: {}", e.getMessage());
        yield new RequestFailure(500, "KMaaS storage error");
      }
    };
  }

  private void delay() throws RequestFailure {
    sleep(addedLatency);
  }

  private static void sleep(Duration latency) throws RequestFailure {
    if (latency.isZero()) {
      return;
    }
    try {
      Thread.sleep(latency.toMillis(), latency.toNanosPart() % 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RequestFailure(503, "shutting down");
    }
  }

  /** Draws this call's injected fault, if any ({@link #injectFaults}). */
  private void injectFault() throws RequestFailure, InjectedReset {
    InjectedFaults f = faults;
    if (f.serverErrors() + f.resets() + f.slow() == 0) {
      return;
    }
    double draw = ThreadLocalRandom.current().nextDouble();
    if (draw < f.serverErrors()) {
      injectedServerErrors.incrementAndGet();
      throw new RequestFailure(500, "injected fault");
    }
    if (draw < f.serverErrors() + f.resets()) {
      injectedResets.incrementAndGet();
      throw new InjectedReset();
    }
    if (draw < f.serverErrors() + f.resets() + f.slow()) {
      injectedSlow.incrementAndGet();
      sleep(f.slowDelay());
    }
  }

  /** Ends request handling by closing the connection without an answer. */
  private static final class InjectedReset extends Exception {
    private static final long serialVersionUID = 1L;

    InjectedReset() {
      super("injected reset", null, false, false);
    }
  }

  private void authorize(Headers headers, Access access) throws RequestFailure {
    String header = headers.getFirst("Authorization");
    if (header == null || header.isBlank()) {
      throw new RequestFailure(401, "missing credentials");
    }
    Principal principal = authenticate(header.strip());
    if (principal == null) {
      throw new RequestFailure(401, "invalid credentials");
    }
    if (access == Access.ADMIN && principal != Principal.ADMIN_KEY) {
      throw new RequestFailure(403, "this credential may not use admin routes; use the admin key");
    }
  }

  private Principal authenticate(String header) {
    int space = header.indexOf(' ');
    if (space <= 0) {
      return null;
    }
    String scheme = header.substring(0, space).toLowerCase(Locale.ROOT);
    String value = header.substring(space + 1).strip();
    if (scheme.equals("basic")) {
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(value);
      } catch (IllegalArgumentException e) {
        return null;
      }
      byte[] d = digest(decoded);
      // compare with both so that timing does not tell which key matched
      boolean admin = MessageDigest.isEqual(d, adminKeyDigest);
      boolean api = MessageDigest.isEqual(d, apiKeyDigest);
      return admin ? Principal.ADMIN_KEY : api ? Principal.API_KEY : null;
    }
    if (scheme.equals("bearer")) {
      byte[] d = digest(value);
      boolean match = false;
      for (byte[] token : tokenDigests) {
        match |= MessageDigest.isEqual(d, token);
      }
      return match ? Principal.TOKEN : null;
    }
    return null;
  }

  private static byte[] readBody(HttpExchange ex) throws RequestFailure, IOException {
    String length = ex.getRequestHeaders().getFirst("Content-Length");
    if (length != null) {
      try {
        if (Long.parseLong(length.strip()) > MAX_BODY_BYTES) {
          throw new RequestFailure(413, "request body is larger than " + MAX_BODY_BYTES + " bytes");
        }
      } catch (NumberFormatException e) {
        throw new RequestFailure(400, "bad Content-Length");
      }
    }
    try (InputStream in = ex.getRequestBody()) {
      byte[] body = in.readNBytes(MAX_BODY_BYTES + 1);
      if (body.length > MAX_BODY_BYTES) {
        throw new RequestFailure(413, "request body is larger than " + MAX_BODY_BYTES + " bytes");
      }
      return body;
    }
  }

  /**
   * The error body in the shape of the route's API: KACLS's structured error reply {@code
   * {"code","message","details"}} under {@code .../kacls}, else {@code {"errors":[{"code",
   * "message"}]}}.
   */
  private static ObjectNode errorBody(HttpExchange ex, int status, String message) {
    if (KACLS_PREFIX.matcher(path(ex)).matches()) {
      ObjectNode root = MAPPER.createObjectNode();
      root.put("code", status);
      root.put("message", message);
      root.put("details", "");
      return root;
    }
    ObjectNode root = MAPPER.createObjectNode();
    ObjectNode error = root.putArray("errors").addObject();
    error.put("code", status);
    error.put("message", message);
    return root;
  }

  private static void send(HttpExchange ex, Reply reply) throws IOException {
    byte[] bytes = MAPPER.writeValueAsBytes(reply.body());
    Headers h = ex.getResponseHeaders();
    h.set("Content-Type", "application/json; charset=utf-8");
    h.set("Cache-Control", "no-store");
    if (reply.status() == 401) {
      h.add("WWW-Authenticate", "Basic realm=\"kmaas\", charset=\"UTF-8\"");
      h.add("WWW-Authenticate", "Bearer realm=\"kmaas\"");
    }
    if (reply.allow() != null) {
      h.set("Allow", reply.allow());
    }
    ex.sendResponseHeaders(reply.status(), bytes.length);
    OutputStream out = ex.getResponseBody();
    out.write(bytes);
    out.close(); // only after a complete write (see handle)
  }

  private static byte[] digest(String s) {
    return digest(s.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] digest(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
