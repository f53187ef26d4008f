package dev.sds.kms.plugin.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * This process's open file descriptors ({@code /proc/self/fd}) by kind, with its TCP sockets
 * matched to {@code /proc/net/tcp} and {@code tcp6} by inode. A socket in neither the TCP nor the
 * Unix table ({@code socket:other}) is one whose connection is gone while its descriptor is still
 * open: what a leaked connection looks like. Linux only.
 *
 * @param total open descriptors
 * @param kinds descriptors by kind: {@code jar}, {@code file}, {@code pipe}, {@code
 *     anon_inode:[...]}, {@code socket:tcp}, {@code socket:unix}, {@code socket:other}
 * @param tcp this process's TCP sockets as local and remote port
 */
public record OpenFiles(int total, Map<String, Integer> kinds, List<int[]> tcp) {

  /** Looks now. */
  public static OpenFiles now() {
    Map<String, int[]> tcpByInode = tcpTable();
    Map<String, Boolean> unix = new HashMap<>();
    for (String[] f : table("/proc/net/unix")) {
      if (f.length > 6) {
        unix.put(f[6], true);
      }
    }
    Map<String, Integer> kinds = new TreeMap<>();
    List<int[]> tcp = new ArrayList<>();
    int total = 0;
    try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) open::iterator) {
        String target;
        try {
          target = Files.readSymbolicLink(fd).toString();
        } catch (IOException e) {
          continue; // closed since it was listed
        }
        total++;
        String kind;
        if (target.startsWith("socket:[")) {
          String inode = target.substring(8, target.length() - 1);
          int[] ports = tcpByInode.get(inode);
          if (ports != null) {
            tcp.add(ports);
            kind = "socket:tcp";
          } else {
            kind = unix.containsKey(inode) ? "socket:unix" : "socket:other";
          }
        } else if (target.endsWith(".jar")) {
          kind = "jar";
        } else if (target.startsWith("anon_inode:")) {
          kind = target;
        } else if (target.startsWith("pipe:")) {
          kind = "pipe";
        } else {
          kind = "file";
        }
        kinds.merge(kind, 1, Integer::sum);
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc/self/fd", e);
    }
    return new OpenFiles(total, kinds, tcp);
  }

  public int count(String kind) {
    return kinds.getOrDefault(kind, 0);
  }

  /** TCP sockets connected to {@code port} (a client's side). */
  public int tcpTo(int port) {
    return (int) tcp.stream().filter(p -> p[1] == port).count();
  }

  /** TCP sockets on {@code port} that are not connected to it (a server's side, listener too). */
  public int tcpOn(int port) {
    return (int) tcp.stream().filter(p -> p[0] == port && p[1] != port).count();
  }

  private static Map<String, int[]> tcpTable() {
    Map<String, int[]> byInode = new HashMap<>();
    for (String name : List.of("/proc/net/tcp", "/proc/net/tcp6")) {
      for (String[] f : table(name)) {
        if (f.length > 9) {
          byInode.put(f[9], new int[] {port(f[1]), port(f[2])});
        }
      }
    }
    return byInode;
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.indexOf(':') + 1), 16);
  }

  /** The rows of a /proc/net table, split on white space, without the header. */
  private static List<String[]> table(String name) {
    List<String[]> rows = new ArrayList<>();
    try {
      List<String> lines = Files.readAllLines(Path.of(name));
      for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
        rows.add(line.trim().split("\\s+"));
      }
    } catch (IOException e) {
      // not available (not Linux, or no IPv6)
    }
    return rows;
  }
}
