package dev.sds.kms.plugin.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The README's configuration reference is generated from {@link Setting}; this fails when they
 * drift. To fix it, paste {@link Setting#referenceTable()} (printed on failure) between the {@code
 * settings-table} markers.
 */
class ReadmeSettingsTableTest {
  private static final String START = "<!-- settings-table -->\n";
  private static final String END = "<!-- /settings-table -->";

  @Test
  void readmeListsEverySettingAsTheTableSaysIt() throws Exception {
    String readme = Files.readString(Path.of("..", "README.md"));
    int start = readme.indexOf(START);
    int end = readme.indexOf(END);
    assertThat(start).as("README has the settings-table markers").isNotNegative();
    assertThat(end).isGreaterThan(start);

    String table = readme.substring(start + START.length(), end);

    assertThat(table).isEqualTo(Setting.referenceTable());
  }
}
