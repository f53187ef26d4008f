package dev.sds.kms.operator.rollout;

/**
 * Decides where things are inside the daemon container: the config file the container's arguments
 * name, and the directories under it where the referenced Secrets and ConfigMaps appear. The config
 * renderer writes these paths and the DaemonSet mounts them, so both read them from here.
 */
public final class DaemonPaths {

  /** Directory of the daemon's configuration: one projected volume, read-only. */
  public static final String CONFIG_DIR = "/etc/sds-kms-plugin";

  /**
   * Key of the rendered configuration in the ConfigMap, and its file name in {@link #CONFIG_DIR}.
   */
  public static final String CONFIG_KEY = "config.yaml";

  /** The file given to {@code serve --config}. */
  public static final String CONFIG_FILE = CONFIG_DIR + "/" + CONFIG_KEY;

  /** Sub-directory (of {@link #CONFIG_DIR}) holding the API key or token file. */
  public static final String CREDENTIALS_SUBDIR = "credentials";

  /** Sub-directory holding the CA bundle. */
  public static final String CA_SUBDIR = "ca";

  /** Sub-directory holding the client certificate and key. */
  public static final String CLIENT_SUBDIR = "client";

  /** Certificate key of a {@code kubernetes.io/tls} Secret. */
  public static final String TLS_CERT_KEY = "tls.crt";

  /** Private-key key of a {@code kubernetes.io/tls} Secret. */
  public static final String TLS_KEY_KEY = "tls.key";

  /** Writable scratch space (the root file system is read-only): the JVM's perf data and temp. */
  public static final String TMP_DIR = "/tmp";

  /** Where the daemon image keeps {@code kms-plugin.jar}; a socket directory must not hide it. */
  public static final String APP_DIR = "/app";

  private DaemonPaths() {}

  /** Path of the credentials file for a Secret key, e.g. {@code .../credentials/api-key}. */
  public static String credentialsFile(String key) {
    return CONFIG_DIR + "/" + CREDENTIALS_SUBDIR + "/" + key;
  }

  /** Path of the CA bundle for a ConfigMap or Secret key, e.g. {@code .../ca/ca.crt}. */
  public static String caFile(String key) {
    return CONFIG_DIR + "/" + CA_SUBDIR + "/" + key;
  }

  /** Path of the client certificate. */
  public static String clientCertFile() {
    return CONFIG_DIR + "/" + CLIENT_SUBDIR + "/" + TLS_CERT_KEY;
  }

  /** Path of the client certificate's private key. */
  public static String clientKeyFile() {
    return CONFIG_DIR + "/" + CLIENT_SUBDIR + "/" + TLS_KEY_KEY;
  }
}
