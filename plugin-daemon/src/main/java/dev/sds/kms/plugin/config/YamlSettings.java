package dev.sds.kms.plugin.config;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Map;

/**
 * Reads the {@code --config} YAML file: one map of {@code key: value}, keys being the flag names
 * without {@code --}. Values are kept as written (no YAML type conversion) and validated later like
 * flags. Messages never show the file's content beyond key names.
 */
final class YamlSettings {

  private static final YAMLFactory YAML = YAMLFactory.builder().build();

  private YamlSettings() {}

  static Map<Setting, String> read(Path file) throws ConfigException {
    Map<Setting, String> values = new EnumMap<>(Setting.class);
    try (JsonParser parser = YAML.createParser(file.toFile())) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        return values; // empty file
      }
      if (token != JsonToken.START_OBJECT) {
        throw error(file, "must hold a map of settings (key: value)");
      }
      while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        Setting setting =
            Setting.byYamlKey(key)
                .orElseThrow(() -> error(file, "unknown key \"" + key + "\" in " + file));
        if (values.containsKey(setting)) {
          throw error(file, "key \"" + key + "\" appears twice in " + file);
        }
        JsonToken value = parser.nextToken();
        if (value == JsonToken.START_OBJECT || value == JsonToken.START_ARRAY) {
          throw error(file, "key \"" + key + "\" in " + file + " must be a single value");
        }
        values.put(setting, value == JsonToken.VALUE_NULL ? "" : parser.getText());
      }
      if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
        throw error(file, "must hold exactly one map of settings (key: value)");
      }
      return values;
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where =
          at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
      // The parser's own message quotes the offending line, which may be anything; leave it out.
      throw error(file, "is not valid YAML" + where);
    } catch (IOException e) {
      throw error(file, "cannot be read (" + e.getClass().getSimpleName() + ")");
    }
  }

  private static ConfigException error(Path file, String problem) {
    String message =
        problem.contains(file.toString())
            ? Setting.CONFIG.label() + ": " + problem
            : Setting.CONFIG.label() + ": \"" + file + "\" " + problem;
    return new ConfigException(Setting.CONFIG, message);
  }
}
