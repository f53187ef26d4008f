package dev.sds.kms.plugin.kmaas.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.sds.kms.plugin.kmaas.KmaasCredentials;
import dev.sds.kms.plugin.kmaas.KmaasException;
import dev.sds.kms.plugin.kmaas.KmaasFailure;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuthorizationTest {
  @TempDir Path dir;

  @Test
  void noCredentialsSendNoHeader() throws Exception {
    assertThat(Authorization.of(new KmaasCredentials.None()).headerValue()).isNull();
  }

  @Test
  void apiKeyIsHttpBasicOfNameColonSecret() throws Exception {
    Authorization authorization = Authorization.of(new KmaasCredentials.ApiKey("key-1", "s3cr3t"));

    assertThat(authorization.headerValue()).isEqualTo("Basic a2V5LTE6czNjcjN0");
    assertThat(authorization.toString()).contains("key-1").doesNotContain("s3cr3t");
  }

  @Test
  void tokenFileIsBearerAndReReadWhenItChanges() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "token-one\n");
    Authorization authorization = Authorization.of(new KmaasCredentials.TokenFile(file));

    assertThat(authorization.headerValue()).isEqualTo("Bearer token-one");

    Files.writeString(file, "token-two-longer");
    assertThat(authorization.headerValue()).isEqualTo("Bearer token-two-longer");
    assertThat(authorization.toString()).doesNotContain("token-two");
  }

  @Test
  void tokenFileIsCachedWhileUnchanged() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "token-aaa");
    FileTime stamp = FileTime.from(Instant.parse("2024-01-01T00:00:00Z"));
    Files.setLastModifiedTime(file, stamp);
    Authorization authorization = Authorization.of(new KmaasCredentials.TokenFile(file));
    assertThat(authorization.headerValue()).isEqualTo("Bearer token-aaa");

    // same size, same mtime, same inode: not re-read
    Files.writeString(file, "token-bbb");
    Files.setLastModifiedTime(file, stamp);
    assertThat(authorization.headerValue()).isEqualTo("Bearer token-aaa");

    Files.setLastModifiedTime(file, FileTime.from(Instant.parse("2024-01-01T00:00:01Z")));
    assertThat(authorization.headerValue()).isEqualTo("Bearer token-bbb");
  }

  @Test
  void emptyTokenFileIsAuthRejected() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "  \n");
    Authorization authorization = Authorization.of(new KmaasCredentials.TokenFile(file));

    assertThatThrownBy(authorization::headerValue)
        .isInstanceOfSatisfying(
            KmaasException.class,
            e -> {
              assertThat(e.failure()).isEqualTo(KmaasFailure.AUTH_REJECTED);
              assertThat(e.getMessage()).contains(file.toString()).contains("empty");
            });
  }

  @Test
  void missingTokenFileIsAuthRejected() {
    Path file = dir.resolve("absent");
    Authorization authorization = Authorization.of(new KmaasCredentials.TokenFile(file));

    assertThatThrownBy(authorization::headerValue)
        .isInstanceOfSatisfying(
            KmaasException.class,
            e -> {
              assertThat(e.failure()).isEqualTo(KmaasFailure.AUTH_REJECTED);
              assertThat(e.getMessage()).contains(file.toString()).contains("unreadable");
            });
  }

  @Test
  void tokenWithInnerWhitespaceIsRefusedWithoutEchoingIt() throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "SECRET-PART other");
    Authorization authorization = Authorization.of(new KmaasCredentials.TokenFile(file));

    assertThatThrownBy(authorization::headerValue)
        .isInstanceOf(KmaasException.class)
        .hasMessageNotContaining("SECRET-PART");
  }
}
