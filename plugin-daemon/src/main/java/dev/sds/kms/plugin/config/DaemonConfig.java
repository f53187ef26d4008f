package dev.sds.kms.plugin.config;

import dev.sds.kms.plugin.kmaas.KmaasSettings;
import dev.sds.kms.plugin.server.UnixEndpoint;
import java.net.InetSocketAddress;
import java.time.Duration;

/**
 * The validated configuration of {@code serve}. Built by {@code ConfigLoader} from flags,
 * environment and an optional YAML file (in that order of precedence).
 *
 * @param endpoint gRPC socket ({@code BIND_STRING})
 * @param socketGroup group that may use the socket (mode 0660 instead of 0600); {@code null}: none
 * @param kmaas how to reach KMaaS (or the embedded one)
 * @param keyIdPrefix {@code KEY_ID}: first part of every key_id; changing it forces a new seed
 * @param checkInterval time between background KMaaS checks while healthy
 * @param checkIntervalFailing time between checks after a failed one
 * @param dekCacheSize most unwrapped DEKs kept in memory
 * @param dekCacheTtl how long an unwrapped DEK is kept
 * @param httpAddress address of /livez, /readyz, /metrics, /status; {@code null}: disabled
 * @param logLevel root log level (error, warn, info, debug, trace)
 * @param logFormat {@code json} or {@code text}
 * @param shutdownGrace how long SIGTERM waits for in-flight calls
 */
public record DaemonConfig(
    UnixEndpoint endpoint,
    String socketGroup,
    KmaasSettings kmaas,
    String keyIdPrefix,
    Duration checkInterval,
    Duration checkIntervalFailing,
    int dekCacheSize,
    Duration dekCacheTtl,
    InetSocketAddress httpAddress,
    String logLevel,
    String logFormat,
    Duration shutdownGrace) {}
