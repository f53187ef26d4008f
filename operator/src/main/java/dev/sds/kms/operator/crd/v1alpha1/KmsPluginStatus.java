package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.kubernetes.api.model.Condition;
import java.util.List;
import java.util.Objects;

/** Observed state, written by the operator. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class KmsPluginStatus {

  @JsonPropertyDescription("The spec generation this status describes.")
  private Long observedGeneration;

  @JsonPropertyDescription("Available, Progressing, Degraded (and Rotating).")
  private List<Condition> conditions;

  @JsonPropertyDescription("One entry per daemon pod.")
  private List<NodeStatus> nodes;

  @JsonPropertyDescription("Ready daemons of scheduled daemons, as n/m.")
  private String readyNodes;

  @JsonPropertyDescription("The key_id every ready daemon reports; unset while they disagree.")
  private String currentKeyId;

  @JsonPropertyDescription("KEK rotation and re-encryption progress.")
  private RotationStatus rotation;

  @JsonPropertyDescription("Finished rotations, newest first (at most 10).")
  private List<RotationRecord> history;

  @JsonPropertyDescription(
      "Per resource: objects rewritten under the current key id and objects left, from the last migration.")
  private List<ResourceEncryption> encryption;

  public Long getObservedGeneration() {
    return observedGeneration;
  }

  public void setObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
  }

  public KmsPluginStatus withObservedGeneration(Long observedGeneration) {
    this.observedGeneration = observedGeneration;
    return this;
  }

  public List<Condition> getConditions() {
    return conditions;
  }

  public void setConditions(List<Condition> conditions) {
    this.conditions = conditions;
  }

  public KmsPluginStatus withConditions(List<Condition> conditions) {
    this.conditions = conditions;
    return this;
  }

  public List<NodeStatus> getNodes() {
    return nodes;
  }

  public void setNodes(List<NodeStatus> nodes) {
    this.nodes = nodes;
  }

  public KmsPluginStatus withNodes(List<NodeStatus> nodes) {
    this.nodes = nodes;
    return this;
  }

  public String getReadyNodes() {
    return readyNodes;
  }

  public void setReadyNodes(String readyNodes) {
    this.readyNodes = readyNodes;
  }

  public KmsPluginStatus withReadyNodes(String readyNodes) {
    this.readyNodes = readyNodes;
    return this;
  }

  public String getCurrentKeyId() {
    return currentKeyId;
  }

  public void setCurrentKeyId(String currentKeyId) {
    this.currentKeyId = currentKeyId;
  }

  public KmsPluginStatus withCurrentKeyId(String currentKeyId) {
    this.currentKeyId = currentKeyId;
    return this;
  }

  public RotationStatus getRotation() {
    return rotation;
  }

  public void setRotation(RotationStatus rotation) {
    this.rotation = rotation;
  }

  public KmsPluginStatus withRotation(RotationStatus rotation) {
    this.rotation = rotation;
    return this;
  }

  public List<RotationRecord> getHistory() {
    return history;
  }

  public void setHistory(List<RotationRecord> history) {
    this.history = history;
  }

  public KmsPluginStatus withHistory(List<RotationRecord> history) {
    this.history = history;
    return this;
  }

  public List<ResourceEncryption> getEncryption() {
    return encryption;
  }

  public void setEncryption(List<ResourceEncryption> encryption) {
    this.encryption = encryption;
  }

  public KmsPluginStatus withEncryption(List<ResourceEncryption> encryption) {
    this.encryption = encryption;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof KmsPluginStatus other)) {
      return false;
    }
    return Objects.equals(observedGeneration, other.observedGeneration)
        && Objects.equals(conditions, other.conditions)
        && Objects.equals(nodes, other.nodes)
        && Objects.equals(readyNodes, other.readyNodes)
        && Objects.equals(currentKeyId, other.currentKeyId)
        && Objects.equals(rotation, other.rotation)
        && Objects.equals(history, other.history)
        && Objects.equals(encryption, other.encryption);
  }

  @Override
  public int hashCode() {
    return Objects.hash(
        observedGeneration,
        conditions,
        nodes,
        readyNodes,
        currentKeyId,
        rotation,
        history,
        encryption);
  }
}
