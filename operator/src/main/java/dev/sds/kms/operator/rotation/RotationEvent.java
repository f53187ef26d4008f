package dev.sds.kms.operator.rotation;

/** A Kubernetes Event the reconciler should record on the KmsPlugin. */
public record RotationEvent(Type type, String reason, String message) {

  /** The Event's {@code type}. */
  public enum Type {
    Normal,
    Warning
  }

  static RotationEvent normal(String reason, String message) {
    return new RotationEvent(Type.Normal, reason, message);
  }

  static RotationEvent warning(String reason, String message) {
    return new RotationEvent(Type.Warning, reason, message);
  }
}
