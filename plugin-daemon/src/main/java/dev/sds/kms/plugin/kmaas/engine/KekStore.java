package dev.sds.kms.plugin.kmaas.engine;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.envelope.KeyIdScheme;
import dev.sds.kms.plugin.kmaas.engine.EngineException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The KEKs of every tenant, persisted in one JSON state file.
 *
 * <p>The newest KEK of a tenant is its active KEK; older ones are kept so that what they encrypted
 * can still be decrypted. The file is mode 0600 (its directory 0700 when this class creates it),
 * replaced atomically (temporary file + atomic move) and every change happens under an exclusive
 * lock on the sidecar file {@code <state file>.lock}, so that {@code kek rotate --state-file} in
 * another process and a running daemon never lose each other's KEKs. Before every operation the
 * store checks (cheaply: inode, size, modification time) whether the file changed on disk and
 * reloads it, so a rotation by another process is seen on the next call.
 *
 * <p>File format (version 1): {@code {"version":1,"tenants":{"<tenant>":{"keks":[{"id":"kek-...",
 * "created":"<ISO-8601>","key":"<base64 of 32 bytes>"}, ...]}}}}, oldest KEK first.
 *
 * <p>Thread-safe. Messages and logs never contain key bytes nor file contents.
 */
public final class KekStore {
  private static final Logger LOG = LoggerFactory.getLogger(KekStore.class);

  /** Length of a KEK: AES-256. */
  public static final int KEY_BYTES = 32;

  static final int FORMAT_VERSION = 1;

  private static final DateTimeFormatter ID_TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private static final Set<PosixFilePermission> FILE_MODE =
      PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR_MODE =
      PosixFilePermissions.fromString("rwx------");

  /** FileChannel locks are per JVM, not per thread: serialise in-process writers first. */
  private static final ConcurrentHashMap<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private static final ObjectMapper MAPPER =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private final Path stateFile;
  private final Path lockFile;
  private final Clock clock;
  private final SecureRandom random = new SecureRandom();

  /** Tenant → KEKs, oldest first; both levels unmodifiable. */
  private volatile Map<String, List<Kek>> tenants = Map.of();

  /** What the in-memory state was loaded from; {@code null} before the first load. */
  private Fingerprint loadedFrom;

  private boolean loaded;

  public KekStore(Path stateFile) {
    this(stateFile, Clock.systemUTC());
  }

  KekStore(Path stateFile, Clock clock) {
    this.stateFile = Objects.requireNonNull(stateFile, "stateFile").toAbsolutePath().normalize();
    this.lockFile = this.stateFile.resolveSibling(this.stateFile.getFileName() + ".lock");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The state file (absolute). */
  public Path stateFile() {
    return stateFile;
  }

  /** Whether {@code name} is an acceptable tenant name: {@link KeyIdScheme#NAME}, not only dots. */
  public static boolean isValidTenant(String name) {
    return name != null && KeyIdScheme.NAME.matcher(name).matches() && !name.matches("\\.+");
  }

  static void requireValidTenant(String tenant) throws EngineException {
    if (!isValidTenant(tenant)) {
      throw new EngineException(
          Kind.BAD_INPUT,
          "tenant name must match " + KeyIdScheme.NAME.pattern() + " and not be only dots");
    }
  }

  /** The tenants that have KEKs, sorted. */
  public Set<String> tenants() throws EngineException {
    return Collections.unmodifiableSet(new java.util.TreeSet<>(current().keySet()));
  }

  /** The tenant's KEKs, oldest first; the last one is active. */
  public List<KekInfo> list(String tenant) throws EngineException {
    List<Kek> keks = keksOf(tenant);
    List<KekInfo> out = new ArrayList<>(keks.size());
    for (int i = 0; i < keks.size(); i++) {
      out.add(keks.get(i).info(i == keks.size() - 1));
    }
    return List.copyOf(out);
  }

  /** The tenant's active KEK. */
  Kek active(String tenant) throws EngineException {
    List<Kek> keks = keksOf(tenant);
    return keks.get(keks.size() - 1);
  }

  /** The tenant's KEK {@code kekId}, if it has one. */
  Optional<Kek> find(String tenant, String kekId) throws EngineException {
    for (Kek kek : keksOf(tenant)) {
      if (kek.id().equals(kekId)) {
        return Optional.of(kek);
      }
    }
    return Optional.empty();
  }

  /**
   * Makes sure {@code tenant} has a KEK, creating its first one when it has none (the file and its
   * directory too, when missing). Returns the active KEK.
   */
  public KekInfo ensureTenant(String tenant) throws EngineException {
    requireValidTenant(tenant);
    List<Kek> existing = current().get(tenant);
    if (existing != null) {
      return existing.get(existing.size() - 1).info(true);
    }
    return mutate(
        state -> {
          List<Kek> keks = state.get(tenant);
          if (keks != null) {
            return keks.get(keks.size() - 1).info(true);
          }
          Kek kek = newKek(List.of());
          state.put(tenant, List.of(kek));
          LOG.info(
              "Created the first KEK {} of KMaaS tenant {} in {}", kek.id(), tenant, stateFile);
          return kek.info(true);
        });
  }

  /** Adds a new active KEK to an existing tenant; older KEKs stay for decryption. */
  public KekInfo rotate(String tenant) throws EngineException {
    requireValidTenant(tenant);
    return mutate(
        state -> {
          List<Kek> keks = state.get(tenant);
          if (keks == null) {
            throw unknownTenant(tenant);
          }
          Kek kek = newKek(keks);
          List<Kek> updated = new ArrayList<>(keks);
          updated.add(kek);
          state.put(tenant, List.copyOf(updated));
          LOG.info("Rotated KMaaS tenant {}: new active KEK {} in {}", tenant, kek.id(), stateFile);
          return kek.info(true);
        });
  }

  /**
   * Disables KEK {@code kekId} of {@code tenant}: it stays in the state (its id is never reused)
   * but neither encrypts nor decrypts any more. Disabling a disabled KEK changes nothing. Returns
   * the KEK.
   */
  public KekInfo disable(String tenant, String kekId) throws EngineException {
    requireValidTenant(tenant);
    return mutate(
        state -> {
          List<Kek> keks = state.get(tenant);
          if (keks == null) {
            throw unknownTenant(tenant);
          }
          List<Kek> updated = new ArrayList<>(keks);
          for (int i = 0; i < updated.size(); i++) {
            Kek kek = updated.get(i);
            if (kek.id().equals(kekId)) {
              boolean active = i == updated.size() - 1;
              if (kek.disabled()) {
                return kek.info(active);
              }
              updated.set(i, kek.disable());
              state.put(tenant, List.copyOf(updated));
              LOG.info(
                  "Disabled KEK {} of KMaaS tenant {} in {}{}",
                  kekId,
                  tenant,
                  stateFile,
                  active ? " (its active KEK: encryption fails until a rotation)" : "");
              return updated.get(i).info(active);
            }
          }
          throw new EngineException(
              Kind.UNKNOWN_KEK,
              KeyIdScheme.isValidKekId(kekId)
                  ? "tenant " + tenant + " has no KEK " + kekId
                  : "KEK id is missing or not a valid id");
        });
  }

  private List<Kek> keksOf(String tenant) throws EngineException {
    requireValidTenant(tenant);
    List<Kek> keks = current().get(tenant);
    if (keks == null) {
      throw unknownTenant(tenant);
    }
    return keks;
  }

  private EngineException unknownTenant(String tenant) {
    return new EngineException(Kind.UNKNOWN_TENANT, "unknown tenant " + tenant);
  }

  private Kek newKek(List<Kek> existing) {
    Set<String> ids = new HashSet<>();
    existing.forEach(k -> ids.add(k.id()));
    Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
    byte[] suffix = new byte[4];
    String id;
    do {
      random.nextBytes(suffix);
      id = "kek-" + ID_TIME.format(now) + "-" + HexFormat.of().formatHex(suffix);
    } while (ids.contains(id));
    byte[] key = new byte[KEY_BYTES];
    random.nextBytes(key);
    return new Kek(id, now, key);
  }

  // ---------------------------------------------------------------- loading

  /** The current state, reloaded first when the file changed on disk. */
  private Map<String, List<Kek>> current() throws EngineException {
    Fingerprint now = fingerprint();
    synchronized (this) {
      if (!loaded || !Objects.equals(now, loadedFrom)) {
        boolean reload = loaded;
        tenants = readFile();
        loadedFrom = now;
        loaded = true;
        if (reload) {
          LOG.info("Reloaded KMaaS state file {} (it changed on disk)", stateFile);
        }
      }
      return tenants;
    }
  }

  private Fingerprint fingerprint() throws EngineException {
    try {
      BasicFileAttributes attrs = Files.readAttributes(stateFile, BasicFileAttributes.class);
      return new Fingerprint(attrs.fileKey(), attrs.lastModifiedTime(), attrs.size());
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw storage("cannot read", e);
    }
  }

  private Map<String, List<Kek>> readFile() throws EngineException {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(stateFile);
    } catch (NoSuchFileException e) {
      return Map.of();
    } catch (IOException e) {
      throw storage("cannot read", e);
    }
    tightenPermissions(stateFile);
    return parse(bytes);
  }

  private Map<String, List<Kek>> parse(byte[] bytes) throws EngineException {
    JsonNode root;
    try {
      root = MAPPER.readTree(bytes);
    } catch (JsonProcessingException e) {
      JsonLocation loc = e.getLocation();
      String where =
          loc == null ? "" : " (line " + loc.getLineNr() + ", column " + loc.getColumnNr() + ")";
      throw corrupt("it is not valid JSON" + where);
    } catch (IOException e) {
      throw storage("cannot read", e);
    }
    if (root == null || !root.isObject()) {
      throw corrupt("it is not a JSON object");
    }
    if (root.path("version").asInt(-1) != FORMAT_VERSION) {
      throw corrupt("unsupported or missing \"version\" (expected " + FORMAT_VERSION + ")");
    }
    JsonNode tenantsNode = root.path("tenants");
    if (!tenantsNode.isObject()) {
      throw corrupt("\"tenants\" is missing or not an object");
    }
    Map<String, List<Kek>> out = new TreeMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = tenantsNode.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> entry = it.next();
      if (!isValidTenant(entry.getKey())) {
        throw corrupt("a tenant name is not valid");
      }
      String tenant = entry.getKey();
      JsonNode keksNode = entry.getValue().path("keks");
      if (!keksNode.isArray() || keksNode.isEmpty()) {
        throw corrupt("tenant " + tenant + " has no \"keks\" array");
      }
      List<Kek> keks = new ArrayList<>();
      Set<String> ids = new HashSet<>();
      for (JsonNode k : keksNode) {
        String id = k.path("id").asText(null);
        if (!KeyIdScheme.isValidKekId(id) || !ids.add(id)) {
          throw corrupt("tenant " + tenant + " has a missing, invalid or duplicate KEK id");
        }
        Instant created;
        try {
          created = Instant.parse(k.path("created").asText(""));
        } catch (DateTimeParseException e) {
          throw corrupt("KEK " + id + " of tenant " + tenant + " has no valid \"created\" time");
        }
        byte[] key;
        try {
          key = Base64.getDecoder().decode(k.path("key").asText(""));
        } catch (IllegalArgumentException e) {
          key = new byte[0];
        }
        if (key.length != KEY_BYTES) {
          throw corrupt("KEK " + id + " of tenant " + tenant + " has no valid 32-byte key");
        }
        keks.add(new Kek(id, created, key, k.path("disabled").asBoolean(false)));
      }
      out.put(tenant, List.copyOf(keks));
    }
    return Collections.unmodifiableMap(out);
  }

  private EngineException corrupt(String what) {
    return new EngineException(
        Kind.STORAGE, "KMaaS state file " + stateFile + " is corrupt: " + what);
  }

  private EngineException storage(String what, IOException e) {
    return new EngineException(
        Kind.STORAGE,
        what
            + " KMaaS state file "
            + stateFile
            + ": "
            + e.getClass().getSimpleName()
            + (e.getMessage() == null ? "" : " " + e.getMessage()),
        e);
  }

  private void tightenPermissions(Path file) {
    if (!posix()) {
      return;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      EnumSet<PosixFilePermission> loose = EnumSet.noneOf(PosixFilePermission.class);
      for (PosixFilePermission p : perms) {
        if (!p.name().startsWith("OWNER_")) {
          loose.add(p);
        }
      }
      if (!loose.isEmpty()) {
        Files.setPosixFilePermissions(file, FILE_MODE);
        LOG.warn(
            "{} was accessible by group or others ({}); changed its mode to 0600",
            file,
            PosixFilePermissions.toString(perms));
      }
    } catch (IOException | UnsupportedOperationException e) {
      LOG.warn("Cannot check or tighten the permissions of {}: {}", file, e.toString());
    }
  }

  // ---------------------------------------------------------------- writing

  @FunctionalInterface
  private interface Change<T> {
    T apply(Map<String, List<Kek>> state) throws EngineException;
  }

  /**
   * Applies {@code change} to the state freshly read from disk, under the JVM lock and the file
   * lock, and writes the result atomically when it changed.
   */
  private <T> T mutate(Change<T> change) throws EngineException {
    ReentrantLock jvmLock = JVM_LOCKS.computeIfAbsent(stateFile, p -> new ReentrantLock());
    jvmLock.lock();
    try {
      createParentDirectory();
      try (FileChannel channel = openLockFile();
          FileLock ignored = channel.lock()) {
        Map<String, List<Kek>> fresh = readFile();
        Map<String, List<Kek>> working = new TreeMap<>(fresh);
        T result = change.apply(working);
        if (!working.equals(fresh)) {
          write(working);
        }
        synchronized (this) {
          tenants = Collections.unmodifiableMap(working);
          loadedFrom = fingerprint();
          loaded = true;
        }
        return result;
      } catch (IOException e) {
        throw storage("cannot lock", e);
      }
    } finally {
      jvmLock.unlock();
    }
  }

  private FileChannel openLockFile() throws IOException {
    Set<StandardOpenOption> options =
        EnumSet.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    if (posix()) {
      FileChannel channel = FileChannel.open(lockFile, options, fileMode());
      tightenPermissions(lockFile);
      return channel;
    }
    return FileChannel.open(lockFile, options);
  }

  private void createParentDirectory() throws EngineException {
    Path dir = stateFile.getParent();
    if (dir == null || Files.isDirectory(dir)) {
      return;
    }
    try {
      if (posix()) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR_MODE));
      } else {
        Files.createDirectories(dir);
      }
    } catch (IOException e) {
      throw storage("cannot create the directory of", e);
    }
  }

  private void write(Map<String, List<Kek>> state) throws EngineException {
    ObjectNode root = MAPPER.createObjectNode();
    root.put("version", FORMAT_VERSION);
    ObjectNode tenantsNode = root.putObject("tenants");
    for (Map.Entry<String, List<Kek>> e : new TreeMap<>(state).entrySet()) {
      ArrayNode keks = tenantsNode.putObject(e.getKey()).putArray("keks");
      for (Kek kek : e.getValue()) {
        ObjectNode k = keks.addObject();
        k.put("id", kek.id());
        k.put("created", kek.created().toString());
        k.put("key", Base64.getEncoder().encodeToString(kek.key()));
        if (kek.disabled()) {
          k.put("disabled", true);
        }
      }
    }
    Path tmp = null;
    try {
      byte[] bytes = MAPPER.writeValueAsBytes(root);
      Path dir = stateFile.getParent();
      String prefix = "." + stateFile.getFileName() + ".";
      tmp =
          posix()
              ? Files.createTempFile(dir, prefix, ".tmp", fileMode())
              : Files.createTempFile(dir, prefix, ".tmp");
      try (FileChannel out = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(bytes);
        while (buf.hasRemaining()) {
          out.write(buf);
        }
        out.force(true);
      }
      try {
        Files.move(tmp, stateFile, StandardCopyOption.ATOMIC_MOVE);
      } catch (AtomicMoveNotSupportedException e) {
        throw new IOException("the file system cannot replace files atomically", e);
      }
      tmp = null;
      syncDirectory(dir);
    } catch (IOException e) {
      throw storage("cannot write", e);
    } finally {
      if (tmp != null) {
        try {
          Files.deleteIfExists(tmp);
        } catch (IOException e) {
          LOG.warn("Cannot delete temporary file {}: {}", tmp, e.toString());
        }
      }
    }
  }

  private static void syncDirectory(Path dir) {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // best effort: not every platform can fsync a directory
    }
  }

  private static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  private static FileAttribute<Set<PosixFilePermission>> fileMode() {
    return PosixFilePermissions.asFileAttribute(FILE_MODE);
  }

  private record Fingerprint(Object fileKey, FileTime modified, long size) {}

  @Override
  public String toString() {
    return "KekStore[" + stateFile + "]";
  }
}
