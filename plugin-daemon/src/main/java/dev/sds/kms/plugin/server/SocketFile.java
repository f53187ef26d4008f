package dev.sds.kms.plugin.server;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
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
    if (!Files.isWritable(dir) || !Files.isExecutable(dir)) {
      throw new IOException(
          "cannot create the socket in "
              + dir
              + ": "
              + ProcessOwner.describe()
              + " may not write there ("
              + ownerAndMode(dir)
              + "); make the directory owned by the daemon's user, see docs/SECURITY.md"
              + " \"Least privilege\"");
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
    try {
      Files.getFileAttributeView(path, PosixFileAttributeView.class).setGroup(principal);
    } catch (FileSystemException e) {
      throw new IOException(
          "cannot give the socket unix://"
              + path
              + " to --socket-group "
              + group
              + ": "
              + ProcessOwner.describe()
              + " is not a member of that group ("
              + e.getReason()
              + "); use the daemon's own group and make kube-apiserver a member of it, or add"
              + " the group to the daemon's (pod securityContext.supplementalGroups, systemd"
              + " SupplementaryGroups=)",
          e);
    }
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
    } catch (SocketException e) {
      // EACCES: a socket another user left (e.g. a daemon that ran as root before); it may be live
      throw new IOException(
          "cannot tell whether a daemon is serving on unix://"
              + path
              + ": "
              + ProcessOwner.describe()
              + " may not connect to it ("
              + ownerAndMode(path)
              + ", "
              + e.getMessage()
              + "); if no daemon uses it, remove the file",
          e);
    }
  }

  /** E.g. {@code owner uid 0, group 0, mode rwxr-xr-x}; what could be read of it. */
  private static String ownerAndMode(Path file) {
    try {
      PosixFileAttributes attrs =
          Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      return "owner uid "
          + Files.getAttribute(file, "unix:uid", LinkOption.NOFOLLOW_LINKS)
          + ", group "
          + Files.getAttribute(file, "unix:gid", LinkOption.NOFOLLOW_LINKS)
          + ", mode "
          + PosixFilePermissions.toString(attrs.permissions());
    } catch (IOException | UnsupportedOperationException e) {
      return "owner and mode unreadable: " + e.getClass().getSimpleName();
    }
  }

  private static Set<PosixFilePermission> perms(String mode) {
    return PosixFilePermissions.fromString(mode);
  }
}
