package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** What one daemon pod reports. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class NodeStatus {

  @JsonPropertyDescription("Node of the pod.")
  private String nodeName;

  @JsonPropertyDescription("Daemon pod.")
  private String podName;

  @JsonPropertyDescription("Pod ready and its daemon healthy.")
  private Boolean ready;

  @JsonPropertyDescription("The daemon's healthz: ok or the reason it is not.")
  private String healthz;

  @JsonPropertyDescription("The key_id the daemon reports.")
  private String keyId;

  @JsonPropertyDescription("When the operator last read the daemon's /status (RFC 3339).")
  private String lastChecked;

  public String getNodeName() {
    return nodeName;
  }

  public void setNodeName(String nodeName) {
    this.nodeName = nodeName;
  }

  public NodeStatus withNodeName(String nodeName) {
    this.nodeName = nodeName;
    return this;
  }

  public String getPodName() {
    return podName;
  }

  public void setPodName(String podName) {
    this.podName = podName;
  }

  public NodeStatus withPodName(String podName) {
    this.podName = podName;
    return this;
  }

  public Boolean getReady() {
    return ready;
  }

  public void setReady(Boolean ready) {
    this.ready = ready;
  }

  public NodeStatus withReady(Boolean ready) {
    this.ready = ready;
    return this;
  }

  public String getHealthz() {
    return healthz;
  }

  public void setHealthz(String healthz) {
    this.healthz = healthz;
  }

  public NodeStatus withHealthz(String healthz) {
    this.healthz = healthz;
    return this;
  }

  public String getKeyId() {
    return keyId;
  }

  public void setKeyId(String keyId) {
    this.keyId = keyId;
  }

  public NodeStatus withKeyId(String keyId) {
    this.keyId = keyId;
    return this;
  }

  public String getLastChecked() {
    return lastChecked;
  }

  public void setLastChecked(String lastChecked) {
    this.lastChecked = lastChecked;
  }

  public NodeStatus withLastChecked(String lastChecked) {
    this.lastChecked = lastChecked;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof NodeStatus other)) {
      return false;
    }
    return Objects.equals(nodeName, other.nodeName)
        && Objects.equals(podName, other.podName)
        && Objects.equals(ready, other.ready)
        && Objects.equals(healthz, other.healthz)
        && Objects.equals(keyId, other.keyId)
        && Objects.equals(lastChecked, other.lastChecked);
  }

  @Override
  public int hashCode() {
    return Objects.hash(nodeName, podName, ready, healthz, keyId, lastChecked);
  }
}
