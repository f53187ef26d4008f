package dev.sds.kms.plugin.audit;

import dev.sds.kms.plugin.etcd.EtcdException;
import dev.sds.kms.plugin.etcd.EtcdGateway;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * Reads every object of some resources from etcd, one page at a time, and counts how each is stored
 * (see {@link ValueClassifier}). Values are classified and dropped page by page; only counts and
 * the names of plaintext objects (up to a cap) are kept.
 *
 * <p>Keys are {@code <prefix>/<resource>/<namespace>/<name>} or {@code <prefix>/<resource>/<name>}.
 * A grouped resource {@code widgets.example.com} is read under {@code
 * <prefix>/example.com/widgets/} (where kube-apiserver keeps custom and most aggregated resources)
 * and under {@code <prefix>/widgets/} (where it keeps built-in grouped resources such as {@code
 * deployments.apps}); both count towards the resource. Each key prefix is read at one etcd revision
 * (that of its first page), so an object is counted once even while the cluster writes.
 */
public final class EtcdAuditor {
  private final EtcdGateway etcd;
  private final String prefix;
  private final int pageSize;
  private final int maxNames;

  /**
   * @param prefix etcd key prefix of kube-apiserver ({@code --etcd-prefix}, default /registry)
   * @param pageSize keys per range request
   * @param maxNames how many plaintext object names the report lists at most
   */
  public EtcdAuditor(EtcdGateway etcd, String prefix, int pageSize, int maxNames) {
    if (pageSize < 1) {
      throw new IllegalArgumentException("page size must be at least 1");
    }
    this.etcd = etcd;
    this.prefix = normalizePrefix(prefix);
    this.pageSize = pageSize;
    this.maxNames = maxNames;
  }

  /** "/registry/" → "/registry"; "" or "/" → "". */
  static String normalizePrefix(String prefix) {
    String p = prefix.strip();
    while (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    return p.isEmpty() || p.startsWith("/") ? p : "/" + p;
  }

  /** The etcd key prefixes (each ending in '/') that hold a resource's objects. */
  List<String> keyPrefixes(String resource) {
    int dot = resource.indexOf('.');
    if (dot < 0) {
      return List.of(prefix + "/" + resource + "/");
    }
    String plural = resource.substring(0, dot);
    String group = resource.substring(dot + 1);
    return List.of(prefix + "/" + group + "/" + plural + "/", prefix + "/" + plural + "/");
  }

  public AuditReport audit(List<String> resources) throws EtcdException {
    List<AuditReport.ResourceCounts> results = new ArrayList<>();
    List<String> names = new ArrayList<>();
    long plaintextTotal = 0;
    for (String resource : resources) {
      TreeMap<Classification, Long> counts = new TreeMap<>(Classification.ORDER);
      long total = 0;
      for (String keyPrefix : keyPrefixes(resource)) {
        byte[] prefixBytes = keyPrefix.getBytes(StandardCharsets.UTF_8);
        byte[] end = prefixEnd(prefixBytes);
        byte[] start = prefixBytes;
        long revision = 0;
        while (true) {
          EtcdGateway.Page page = etcd.range(start, end, pageSize, revision);
          if (revision == 0) {
            revision = page.revision();
          }
          for (EtcdGateway.KeyValue kv : page.kvs()) {
            Classification c = ValueClassifier.classify(kv.value());
            counts.merge(c, 1L, Long::sum);
            total++;
            if (c.plaintext()) {
              plaintextTotal++;
              if (names.size() < maxNames) {
                names.add(resource + "/" + name(kv.key(), prefixBytes.length));
              }
            }
          }
          if (!page.more() || page.kvs().isEmpty()) {
            break;
          }
          start = successor(page.kvs().get(page.kvs().size() - 1).key());
        }
      }
      results.add(new AuditReport.ResourceCounts(resource, total, counts));
    }
    return new AuditReport(results, names, plaintextTotal);
  }

  private static String name(byte[] key, int from) {
    return new String(key, from, key.length - from, StandardCharsets.UTF_8);
  }

  /** The smallest key after {@code key}: key + "\0". */
  static byte[] successor(byte[] key) {
    return Arrays.copyOf(key, key.length + 1);
  }

  /**
   * The end of the range of all keys starting with {@code prefix}, as etcdctl --prefix computes.
   */
  static byte[] prefixEnd(byte[] prefix) {
    byte[] end = Arrays.copyOf(prefix, prefix.length);
    for (int i = end.length - 1; i >= 0; i--) {
      if (end[i] != (byte) 0xff) {
        end[i]++;
        return Arrays.copyOf(end, i + 1);
      }
    }
    return new byte[] {0}; // every key
  }
}
