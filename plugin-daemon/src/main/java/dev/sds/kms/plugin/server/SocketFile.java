package dev.sds.kms.plugin.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket file's life on disk: its directory before bind, a stale file left by a crashed daemon,
 * its mode and group after bind, and its removal at stop. It never touches a socket that another
 * process still answers on.
 */
final class SocketFile {
  private static final Logger LOG = LoggerFactory.getLogger(SocketFile.class);

  private final Path path;
  private final String group;

  SocketFile(Path path, String group) {
    this.path = path;
    this.group = group;
  }

  /**
   * Makes the socket's directory (0700, or 0750 with a socket group) and removes a stale socket
   * file. Refuses a live socket and anything that is not a socket.
   */
  void prepare() throws IOException, SocketInUseException {
    Path dir = path.toAbsolutePath().getParent();
    if (!Files.isDirectory(dir)) {
      String mode = group == null ? "rwx------" : "rwxr-x---";
      try {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(perms(mode)));
      } catch (FileAlreadyExistsException e) {
        throw new IOException(dir + " exists and is not a directory", e);
      }
    }
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    BasicFileAttributes attrs =
        Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    if (!attrs.isOther()) {
      throw new IOException(path + " exists and is not a socket; refusing to replace it");
    }
    if (answers()) {
      throw new SocketInUseException(
          "another process is serving on unix://"
              + path
              + "; stop it first or choose another --bind / BIND_STRING");
    }
    Files.delete(path);
    LOG.info("removed stale socket file {} (nothing answered on it)", path);
  }

  /** Sets mode 0600 (0660 and the group when a socket group is configured). */
  void restrict() throws IOException {
    if (group == null) {
      Files.setPosixFilePermissions(path, perms("rw-------"));
      return;
    }
    GroupPrincipal principal =
        path.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
    Files.getFileAttributeView(path, java.nio.file.attribute.PosixFileAttributeView.class)
        .setGroup(principal);
    Files.setPosixFilePermissions(path, perms("rw-rw----"));
  }

  /** Removes the socket file if it is still there. */
  void remove() {
    try {
      if (Files.deleteIfExists(path)) {
        LOG.debug("removed socket file {}", path);
      }
    } catch (IOException e) {
      LOG.warn("could not remove socket file {}: {}", path, e.toString());
    }
  }

  private boolean answers() throws IOException {
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
      channel.connect(UnixDomainSocketAddress.of(path));
      return true;
    } catch (ConnectException e) {
      return false;
    }
  }

  private static Set<PosixFilePermission> perms(String mode) {
    return PosixFilePermissions.fromString(mode);
  }
}
