package dev.sds.kms.plugin.config;

import java.util.Optional;

/**
 * A setting that stops start-up. The message is one line that names the setting (flag and
 * environment variable), for example {@code --check-interval (CHECK_INTERVAL): "5x" is not a
 * duration (examples: 500ms, 30s, 5m, 1h)}. It never contains a secret value. The CLI prints it and
 * exits with code 2.
 */
public final class ConfigException extends Exception {

  private static final long serialVersionUID = 1L;

  private final transient Setting setting;

  public ConfigException(String message) {
    this(null, message);
  }

  public ConfigException(Setting setting, String message) {
    super(message);
    this.setting = setting;
  }

  /** The setting at fault, when there is exactly one. */
  public Optional<Setting> setting() {
    return Optional.ofNullable(setting);
  }
}
