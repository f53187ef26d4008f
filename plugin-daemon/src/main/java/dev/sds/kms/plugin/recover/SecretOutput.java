package dev.sds.kms.plugin.recover;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.sds.kms.plugin.audit.Classification;
import dev.sds.kms.plugin.storage.StoredSecret;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.Map;

/**
 * How a recovered Secret is shown: a summary that names the data keys and their sizes but no value
 * (the default), the values as well ({@code --show-values}), or a Secret manifest written to a new
 * 0600 file ({@code --output}) that {@code kubectl create -f} can restore.
 */
public final class SecretOutput {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private SecretOutput() {}

  /** Where it is and how it was stored, and each data key; values only when {@code values}. */
  public static void print(SecretReader.Recovered r, boolean values, PrintWriter out) {
    StoredSecret s = r.secret();
    out.println("secret " + s.namespace() + "/" + s.name());
    out.println("  etcd key:  " + r.key() + " (mod revision " + r.modRevision() + ")");
    out.println("  stored:    " + storage(r.storage()) + "; " + s.encoding() + " encoded");
    out.println("  type:      " + (s.type().isEmpty() ? "(none)" : s.type()));
    if (s.data().isEmpty()) {
      out.println("  data:      (none)");
    } else if (values) {
      out.println("  data:");
      s.data().forEach((k, v) -> out.println("    " + k + ": " + shown(v)));
    } else {
      out.println("  data keys (values not shown):");
      s.data().forEach((k, v) -> out.println("    " + k + " (" + v.length + " bytes)"));
    }
    out.flush();
  }

  /**
   * Writes the Secret as a Kubernetes manifest (JSON) to {@code file}, which must not exist: it is
   * created with mode 0600.
   *
   * @throws FileAlreadyExistsException when it exists
   */
  public static void writeManifest(StoredSecret s, Path file) throws IOException {
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("apiVersion", "v1");
    manifest.put("kind", "Secret");
    ObjectNode meta = manifest.putObject("metadata");
    meta.put("name", s.name());
    meta.put("namespace", s.namespace());
    strings(meta, "labels", s.labels());
    strings(meta, "annotations", s.annotations());
    if (!s.type().isEmpty()) {
      manifest.put("type", s.type());
    }
    if (s.immutable()) {
      manifest.put("immutable", true);
    }
    ObjectNode data = manifest.putObject("data");
    s.data().forEach((k, v) -> data.put(k, Base64.getEncoder().encodeToString(v)));
    byte[] bytes = JSON.writeValueAsBytes(manifest);
    Files.createFile(
        file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    try (OutputStream o = Files.newOutputStream(file, StandardOpenOption.WRITE)) {
      o.write(bytes);
      o.write('\n');
    }
  }

  private static void strings(ObjectNode parent, String field, Map<String, String> values) {
    if (!values.isEmpty()) {
      ObjectNode node = parent.putObject(field);
      values.forEach(node::put);
    }
  }

  /** How it was stored, from public information only. */
  static String storage(Classification c) {
    if (Classification.KMS_V2.equals(c.kind())) {
      return "kms-v2, provider " + c.provider() + ", key id " + c.keyId();
    }
    return c.plaintext() ? "identity (plaintext in etcd)" : c.kind();
  }

  /** A value as text when it is one printable line of UTF-8, else as {@code base64:…}. */
  static String shown(byte[] value) {
    try {
      String text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(value))
              .toString();
      boolean printable =
          !text.isEmpty()
              && !text.startsWith("base64:")
              && text.codePoints().noneMatch(Character::isISOControl)
              && text.equals(text.strip());
      if (printable) {
        return text;
      }
    } catch (CharacterCodingException e) {
      // binary: shown as base64
    }
    return "base64:" + Base64.getEncoder().encodeToString(value);
  }
}
