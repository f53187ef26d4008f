package dev.sds.kms.plugin.config;

import java.util.Map;

/**
 * The raw value of each setting after precedence (flag &gt; environment &gt; YAML file), and the
 * typed access to it: each getter runs one {@link ValueParsers.ValueParser} and turns its failure
 * into a {@link ConfigException} naming the setting.
 */
final class SettingValues {

  /** Where a raw value came from. */
  record Raw(String value, String origin) {}

  private final Map<Setting, Raw> raws;

  SettingValues(Map<Setting, Raw> raws) {
    this.raws = raws;
  }

  /** Whether the user gave the setting (flag, environment or file), as opposed to a default. */
  boolean isSet(Setting setting) {
    return raws.containsKey(setting);
  }

  /** The parsed value, or {@code null} when the setting is not given and has no default. */
  <T> T optional(Setting setting, ValueParsers.ValueParser<T> parser) throws ConfigException {
    Raw raw = raws.get(setting);
    if (raw == null) {
      if (setting.defaultValue() == null) {
        return null;
      }
      raw = new Raw(setting.defaultValue(), "default");
    }
    return parse(setting, raw, parser);
  }

  /** The parsed value or the default; the setting must have a default. */
  <T> T required(Setting setting, ValueParsers.ValueParser<T> parser) throws ConfigException {
    if (!isSet(setting) && setting.defaultValue() == null) {
      throw new ConfigException(setting, setting.label() + ": is required");
    }
    return optional(setting, parser);
  }

  private static <T> T parse(Setting setting, Raw raw, ValueParsers.ValueParser<T> parser)
      throws ConfigException {
    String value = raw.value() == null ? "" : raw.value().strip();
    if (value.isEmpty()) {
      throw new ConfigException(setting, label(setting, raw) + ": must not be empty");
    }
    try {
      return parser.parse(value);
    } catch (ValueParsers.Redacted e) {
      throw new ConfigException(setting, label(setting, raw) + ": " + e.getMessage());
    } catch (IllegalArgumentException e) {
      String shown = setting.secret() ? "" : "\"" + value + "\" ";
      throw new ConfigException(setting, label(setting, raw) + ": " + shown + e.getMessage());
    }
  }

  /** The setting's name, plus the file when the value came from the YAML file. */
  static String label(Setting setting, Raw raw) {
    return raw.origin().startsWith("file ")
        ? setting.label() + " [" + raw.origin() + "]"
        : setting.label();
  }
}
