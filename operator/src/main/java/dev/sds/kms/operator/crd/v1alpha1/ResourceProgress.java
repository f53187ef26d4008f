package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.Objects;

/** Migration progress of one resource. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ResourceProgress {

  @JsonPropertyDescription(
      "Resource, as in spec.rotation.resources (e.g. secrets, configmaps, widgets.example.com).")
  private String resource;

  @JsonPropertyDescription("Checkpoint: the LIST continue token after the last finished page.")
  private String continueToken;

  @JsonPropertyDescription("Objects rewritten.")
  private Long migrated;

  @JsonPropertyDescription(
      "Objects gone (404) or already changed (409) before they were rewritten.")
  private Long skipped;

  @JsonPropertyDescription("Objects that could not be rewritten.")
  private Long failed;

  @JsonPropertyDescription("Every object of the resource was visited.")
  private Boolean done;

  public String getResource() {
    return resource;
  }

  public void setResource(String resource) {
    this.resource = resource;
  }

  public ResourceProgress withResource(String resource) {
    this.resource = resource;
    return this;
  }

  public String getContinueToken() {
    return continueToken;
  }

  public void setContinueToken(String continueToken) {
    this.continueToken = continueToken;
  }

  public ResourceProgress withContinueToken(String continueToken) {
    this.continueToken = continueToken;
    return this;
  }

  public Long getMigrated() {
    return migrated;
  }

  public void setMigrated(Long migrated) {
    this.migrated = migrated;
  }

  public ResourceProgress withMigrated(Long migrated) {
    this.migrated = migrated;
    return this;
  }

  public Long getSkipped() {
    return skipped;
  }

  public void setSkipped(Long skipped) {
    this.skipped = skipped;
  }

  public ResourceProgress withSkipped(Long skipped) {
    this.skipped = skipped;
    return this;
  }

  public Long getFailed() {
    return failed;
  }

  public void setFailed(Long failed) {
    this.failed = failed;
  }

  public ResourceProgress withFailed(Long failed) {
    this.failed = failed;
    return this;
  }

  public Boolean getDone() {
    return done;
  }

  public void setDone(Boolean done) {
    this.done = done;
  }

  public ResourceProgress withDone(Boolean done) {
    this.done = done;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof ResourceProgress other)) {
      return false;
    }
    return Objects.equals(resource, other.resource)
        && Objects.equals(continueToken, other.continueToken)
        && Objects.equals(migrated, other.migrated)
        && Objects.equals(skipped, other.skipped)
        && Objects.equals(failed, other.failed)
        && Objects.equals(done, other.done);
  }

  @Override
  public int hashCode() {
    return Objects.hash(resource, continueToken, migrated, skipped, failed, done);
  }
}
