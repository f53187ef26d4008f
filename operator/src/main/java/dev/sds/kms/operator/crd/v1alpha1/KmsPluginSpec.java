package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Toleration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Desired state of a KMS plugin rollout: which daemon image runs on which nodes, and how it reaches
 * KMaaS.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KmsPluginSpec {

  @JsonPropertyDescription(
      "Container image of the KMS plugin daemon (kms-plugin.jar), e.g. registry.example/sds/kms-plugin:0.1.0.")
  @Required
  @Pattern("^\\S+$")
  private String image;

  @JsonPropertyDescription(
      "Name of the kms provider in kube-apiserver's EncryptionConfiguration (no colon).")
  @Default("sds-kms")
  @Pattern("^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$")
  private String providerName;

  @JsonPropertyDescription("How the daemons reach SDS KMaaS.")
  @Required
  private KmaasSpec kmaas;

  @JsonPropertyDescription(
      "First part of every key_id (KEY_ID); changing it makes kube-apiserver generate a new seed.")
  @Default("sds")
  @Pattern("^[A-Za-z0-9._-]{1,64}$")
  private String keyId;

  @JsonPropertyDescription("Where on each node the daemon serves its Unix socket.")
  @Default("{}")
  private SocketSpec socket;

  @JsonPropertyDescription(
      "Nodes that run the daemon. Default: node-role.kubernetes.io/control-plane.")
  private Map<String, String> nodeSelector;

  @JsonPropertyDescription("Tolerations of the daemon pods. Default: the control-plane taints.")
  private List<Toleration> tolerations;

  @JsonPropertyDescription(
      "CPU and memory of the daemon container. Default: requests 50m/160Mi, limit 320Mi.")
  private ResourceRequirements resources;

  @JsonPropertyDescription("Priority class of the daemon pods.")
  @Default("system-node-critical")
  private String priorityClassName;

  @JsonPropertyDescription(
      "Uid and gid the daemon container runs as. Default 65532 (non-root: an init container makes"
          + " the socket directory this uid's); 0 runs the daemon as root.")
  @Default("65532")
  @Min(0)
  @Max(2147483647)
  private Long runAsUser;

  @JsonPropertyDescription("How often each daemon checks KMaaS (CHECK_INTERVAL), e.g. 30s.")
  @Default("30s")
  @Pattern("^([0-9]+(ms|s|m|h))+$")
  private String healthCheckInterval;

  @JsonPropertyDescription("Log level of the daemons.")
  @Default("info")
  @Pattern("^(error|warn|info|debug|trace)$")
  private String logLevel;

  @JsonPropertyDescription(
      "Port of the daemon's /livez, /readyz, /metrics and /status on the pod IP.")
  @Default("8083")
  @Min(1024)
  @Max(65535)
  private Integer httpPort;

  @JsonPropertyDescription(
      "When true the operator changes nothing in the cluster; it still reports status.")
  @Default("false")
  private Boolean paused;

  @JsonPropertyDescription(
      "How the operator follows a KEK rotation and re-encrypts stored objects.")
  @Default("{}")
  private RotationSpec rotation;

  /**
   * Why the stored spec could not be read into this class; null when it could ({@link SpecJson}).
   */
  @JsonIgnore private String unreadable;

  /** The stored spec as it was, when it could not be read, so that it is written back unchanged. */
  @JsonIgnore private JsonNode raw;

  /**
   * A spec that could not be read (a field of the wrong type or format, which the CRD schema should
   * have refused): empty but for the reason, which names the field and never its value.
   */
  public static KmsPluginSpec unreadable(String reason, JsonNode raw) {
    KmsPluginSpec spec = new KmsPluginSpec();
    spec.unreadable = reason;
    spec.raw = raw;
    return spec;
  }

  /** Why the stored spec could not be read, or null. */
  @JsonIgnore
  public String unreadable() {
    return unreadable;
  }

  @JsonIgnore
  JsonNode raw() {
    return raw;
  }

  public String getImage() {
    return image;
  }

  public void setImage(String image) {
    this.image = image;
  }

  public KmsPluginSpec withImage(String image) {
    this.image = image;
    return this;
  }

  public String getProviderName() {
    return providerName;
  }

  public void setProviderName(String providerName) {
    this.providerName = providerName;
  }

  public KmsPluginSpec withProviderName(String providerName) {
    this.providerName = providerName;
    return this;
  }

  public KmaasSpec getKmaas() {
    return kmaas;
  }

  public void setKmaas(KmaasSpec kmaas) {
    this.kmaas = kmaas;
  }

  public KmsPluginSpec withKmaas(KmaasSpec kmaas) {
    this.kmaas = kmaas;
    return this;
  }

  public String getKeyId() {
    return keyId;
  }

  public void setKeyId(String keyId) {
    this.keyId = keyId;
  }

  public KmsPluginSpec withKeyId(String keyId) {
    this.keyId = keyId;
    return this;
  }

  public SocketSpec getSocket() {
    return socket;
  }

  public void setSocket(SocketSpec socket) {
    this.socket = socket;
  }

  public KmsPluginSpec withSocket(SocketSpec socket) {
    this.socket = socket;
    return this;
  }

  public Map<String, String> getNodeSelector() {
    return nodeSelector;
  }

  public void setNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
  }

  public KmsPluginSpec withNodeSelector(Map<String, String> nodeSelector) {
    this.nodeSelector = nodeSelector;
    return this;
  }

  public List<Toleration> getTolerations() {
    return tolerations;
  }

  public void setTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
  }

  public KmsPluginSpec withTolerations(List<Toleration> tolerations) {
    this.tolerations = tolerations;
    return this;
  }

  public ResourceRequirements getResources() {
    return resources;
  }

  public void setResources(ResourceRequirements resources) {
    this.resources = resources;
  }

  public KmsPluginSpec withResources(ResourceRequirements resources) {
    this.resources = resources;
    return this;
  }

  public String getPriorityClassName() {
    return priorityClassName;
  }

  public void setPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
  }

  public KmsPluginSpec withPriorityClassName(String priorityClassName) {
    this.priorityClassName = priorityClassName;
    return this;
  }

  public Long getRunAsUser() {
    return runAsUser;
  }

  public void setRunAsUser(Long runAsUser) {
    this.runAsUser = runAsUser;
  }

  public KmsPluginSpec withRunAsUser(Long runAsUser) {
    this.runAsUser = runAsUser;
    return this;
  }

  public String getHealthCheckInterval() {
    return healthCheckInterval;
  }

  public void setHealthCheckInterval(String healthCheckInterval) {
    this.healthCheckInterval = healthCheckInterval;
  }

  public KmsPluginSpec withHealthCheckInterval(String healthCheckInterval) {
    this.healthCheckInterval = healthCheckInterval;
    return this;
  }

  public String getLogLevel() {
    return logLevel;
  }

  public void setLogLevel(String logLevel) {
    this.logLevel = logLevel;
  }

  public KmsPluginSpec withLogLevel(String logLevel) {
    this.logLevel = logLevel;
    return this;
  }

  public Integer getHttpPort() {
    return httpPort;
  }

  public void setHttpPort(Integer httpPort) {
    this.httpPort = httpPort;
  }

  public KmsPluginSpec withHttpPort(Integer httpPort) {
    this.httpPort = httpPort;
    return this;
  }

  public Boolean getPaused() {
    return paused;
  }

  public void setPaused(Boolean paused) {
    this.paused = paused;
  }

  public KmsPluginSpec withPaused(Boolean paused) {
    this.paused = paused;
    return this;
  }

  public RotationSpec getRotation() {
    return rotation;
  }

  public void setRotation(RotationSpec rotation) {
    this.rotation = rotation;
  }

  public KmsPluginSpec withRotation(RotationSpec rotation) {
    this.rotation = rotation;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof KmsPluginSpec other)) {
      return false;
    }
    return Objects.equals(unreadable, other.unreadable)
        && Objects.equals(raw, other.raw)
        && Objects.equals(image, other.image)
        && Objects.equals(providerName, other.providerName)
        && Objects.equals(kmaas, other.kmaas)
        && Objects.equals(keyId, other.keyId)
        && Objects.equals(socket, other.socket)
        && Objects.equals(nodeSelector, other.nodeSelector)
        && Objects.equals(tolerations, other.tolerations)
        && Objects.equals(resources, other.resources)
        && Objects.equals(priorityClassName, other.priorityClassName)
        && Objects.equals(runAsUser, other.runAsUser)
        && Objects.equals(healthCheckInterval, other.healthCheckInterval)
        && Objects.equals(logLevel, other.logLevel)
        && Objects.equals(httpPort, other.httpPort)
        && Objects.equals(paused, other.paused)
        && Objects.equals(rotation, other.rotation);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        unreadable,
        raw,
        image,
        providerName,
        kmaas,
        keyId,
        socket,
        nodeSelector,
        tolerations,
        resources,
        priorityClassName,
        runAsUser,
        healthCheckInterval,
        logLevel,
        httpPort,
        paused,
        rotation);
  }
}
