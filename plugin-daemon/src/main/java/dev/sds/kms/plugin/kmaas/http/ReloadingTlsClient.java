package dev.sds.kms.plugin.kmaas.http;

import dev.sds.kms.plugin.kmaas.KmaasSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import okhttp3.OkHttpClient;
import okio.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OkHttp client for KMaaS, rebuilt when a TLS file ({@code --kmaas-ca-file}, {@code
 * --kmaas-client-cert-file}, {@code --kmaas-client-key-file}) changes on disk, so that an operator
 * can replace a CA bundle or renew the client certificate without restarting the daemon.
 *
 * <p>At most once per {@link #CHECK_INTERVAL} a caller of {@link #current()} compares each file's
 * modification time, size and identity (inode: Kubernetes secret volumes swap a symlink) with those
 * of the files in use; the other callers never wait for that check. When something changed the
 * files are read again into a new {@link KmaasTls} (a new SSL context, so no TLS session made under
 * the old trust is resumed) and a new client is derived from the same base: it shares the
 * connection pool, but OkHttp never hands a connection made with another SSL socket factory to it,
 * and the idle connections are closed at once (connections busy with a call are closed by the
 * pool's idle timeout after their call).
 *
 * <p>Files that changed but cannot be used (half written, key and certificate not yet matching)
 * leave the previous client in place; the problem is logged once per change and offered by {@link
 * #reloadProblem()} for the failure message, and the files are read again when they change again.
 */
final class ReloadingTlsClient {
  /** How often at most the TLS files are looked at. */
  static final Duration CHECK_INTERVAL = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(ReloadingTlsClient.class);

  private final KmaasSettings settings;
  private final OkHttpClient base;
  private final Map<String, Path> files;
  private final LongSupplier nanoTime;
  private final long intervalNanos;

  private final AtomicLong nextCheckNanos;
  private volatile OkHttpClient current;
  private volatile String reloadProblem;
  private List<Stamp> stamps; // guarded by this

  /**
   * @param base everything but TLS (timeouts, protocols, pool)
   * @throws IllegalArgumentException when a TLS file is unusable (the message names the setting)
   */
  ReloadingTlsClient(KmaasSettings settings, OkHttpClient base) {
    this(settings, base, System::nanoTime, CHECK_INTERVAL);
  }

  ReloadingTlsClient(
      KmaasSettings settings, OkHttpClient base, LongSupplier nanoTime, Duration interval) {
    this.settings = Objects.requireNonNull(settings, "settings");
    this.base = Objects.requireNonNull(base, "base");
    this.nanoTime = nanoTime;
    this.intervalNanos = interval.toNanos();
    this.files = watchedFiles(settings);
    this.stamps = stamps();
    this.current = build();
    this.nextCheckNanos = new AtomicLong(nanoTime.getAsLong() + intervalNanos);
  }

  private static Map<String, Path> watchedFiles(KmaasSettings settings) {
    Map<String, Path> files = new LinkedHashMap<>();
    if (!settings.insecureSkipVerify() && settings.caFile() != null) {
      files.put(KmaasTls.CA_FILE, settings.caFile());
    }
    if (settings.clientCertFile() != null) {
      files.put(KmaasTls.CLIENT_CERT_FILE, settings.clientCertFile());
    }
    if (settings.clientKeyFile() != null) {
      files.put(KmaasTls.CLIENT_KEY_FILE, settings.clientKeyFile());
    }
    return files;
  }

  /** The client to use for the next call: the one built from the TLS files as they are now. */
  OkHttpClient current() {
    if (!files.isEmpty()) {
      long next = nextCheckNanos.get();
      long now = nanoTime.getAsLong();
      // one caller per interval wins the right to look; the others go on with the current client
      if (now - next >= 0 && nextCheckNanos.compareAndSet(next, now + intervalNanos)) {
        reloadIfChanged();
      }
    }
    return current;
  }

  /**
   * Why the TLS files on disk are not the ones in use ({@code null} when they are): one line naming
   * the setting and the path, never the contents.
   */
  String reloadProblem() {
    return reloadProblem;
  }

  /** The CA bundle trusted instead of the JDK's ({@code null}: the JDK trust store). */
  Path caFile() {
    return settings.insecureSkipVerify() ? null : settings.caFile();
  }

  /** The base client (its connection pool and dispatcher are every derived client's). */
  OkHttpClient base() {
    return base;
  }

  private void reloadIfChanged() {
    synchronized (this) {
      List<Stamp> seen = stamps();
      if (seen.equals(stamps)) {
        return;
      }
      List<String> changed = changedSettings(stamps, seen);
      stamps = seen;
      try {
        current = build();
      } catch (IllegalArgumentException e) {
        reloadProblem = e.getMessage();
        LOG.warn(
            "KMaaS TLS files changed ({}) but cannot be used: {}; new connections keep the"
                + " previous TLS settings until the files change again",
            String.join(", ", changed),
            e.getMessage());
        return;
      }
      reloadProblem = null;
    }
    base.connectionPool().evictAll();
    LOG.info("KMaaS TLS files reloaded; new connections to KMaaS use them");
  }

  private OkHttpClient build() {
    return KmaasTls.from(settings).applyTo(base.newBuilder()).build();
  }

  private List<Stamp> stamps() {
    List<Stamp> result = new ArrayList<>(files.size());
    files.forEach((setting, path) -> result.add(Stamp.of(setting, path)));
    return result;
  }

  private static List<String> changedSettings(List<Stamp> before, List<Stamp> after) {
    List<String> changed = new ArrayList<>();
    for (int i = 0; i < after.size(); i++) {
      if (!after.get(i).equals(before.get(i))) {
        changed.add(after.get(i).setting() + " " + after.get(i).path());
      }
    }
    return changed;
  }

  /**
   * A file's content as a SHA-256 digest (the content itself is not kept: the key file holds a
   * private key); {@code null} when the file cannot be read.
   */
  private record Stamp(String setting, Path path, ByteString digest) {
    static Stamp of(String setting, Path path) {
      byte[] content = null;
      try {
        content = Files.readAllBytes(path);
        return new Stamp(
            setting, path, ByteString.of(MessageDigest.getInstance("SHA-256").digest(content)));
      } catch (IOException e) {
        return new Stamp(setting, path, null);
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException("SHA-256 is not available", e);
      } finally {
        if (content != null) {
          Arrays.fill(content, (byte) 0);
        }
      }
    }
  }
}
