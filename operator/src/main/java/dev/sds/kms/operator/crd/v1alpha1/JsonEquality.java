package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Value equality by JSON form, for the small status and spec parts of automated rotation: two
 * objects are equal when they are of the same class and serialise to the same JSON. The status is
 * patched only when it changed ({@code StatusAggregator.meaningfullyChanged}), which needs this.
 */
abstract class JsonEquality {
  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Override
  public final boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (o == null || o.getClass() != getClass()) {
      return false;
    }
    return MAPPER.valueToTree(this).equals(MAPPER.valueToTree(o));
  }

  @Override
  public final int hashCode() {
    return MAPPER.valueToTree(this).hashCode();
  }
}
