package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Objects of one resource a migration would rewrite. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PlannedResource extends JsonEquality {

  @JsonPropertyDescription("Resource name.")
  private String resource;

  @JsonPropertyDescription("Objects listed now.")
  private Long objects;

  public String getResource() {
    return resource;
  }

  public void setResource(String resource) {
    this.resource = resource;
  }

  public PlannedResource withResource(String resource) {
    this.resource = resource;
    return this;
  }

  public Long getObjects() {
    return objects;
  }

  public void setObjects(Long objects) {
    this.objects = objects;
  }

  public PlannedResource withObjects(Long objects) {
    this.objects = objects;
    return this;
  }
}
