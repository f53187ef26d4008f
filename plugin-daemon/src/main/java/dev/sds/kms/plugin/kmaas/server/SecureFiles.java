package dev.sds.kms.plugin.kmaas.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Owner-only files and directories of the standalone KMaaS state directory. */
final class SecureFiles {
  private static final Logger LOG = LoggerFactory.getLogger(SecureFiles.class);
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

  private SecureFiles() {}

  static boolean posix() {
    return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  }

  /** Creates {@code dir} (mode 0700) when missing. */
  static void createDirectory(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    if (posix()) {
      Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(DIR));
    } else {
      Files.createDirectories(dir);
    }
  }

  /** Writes {@code text} to {@code file} atomically with mode 0600 (or 0644 when public). */
  static void write(Path file, String text, boolean isPublic) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Path tmp =
        posix()
            ? Files.createTempFile(
                dir,
                "." + file.getFileName() + ".",
                ".tmp",
                PosixFilePermissions.asFileAttribute(FILE))
            : Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      Files.writeString(tmp, text, StandardCharsets.UTF_8);
      if (isPublic && posix()) {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
      }
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Resets a secret file that group or others can access to 0600, with a warning. */
  static void tighten(Path file) {
    if (!posix()) {
      return;
    }
    try {
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
      if (perms.stream().anyMatch(p -> !p.name().startsWith("OWNER_"))) {
        Files.setPosixFilePermissions(file, FILE);
        LOG.warn(
            "{} was accessible by group or others ({}); changed its mode to 0600",
            file,
            PosixFilePermissions.toString(perms));
      }
    } catch (IOException e) {
      LOG.warn("Cannot check the permissions of {}: {}", file, e.toString());
    }
  }
}
