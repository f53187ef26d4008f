package dev.sds.kms.operator.migration;

/** A {@code spec.rotation.resources} entry that the cluster does not serve, or cannot rewrite. */
public final class UnknownResourceException extends RuntimeException {
  private final String resource;

  public UnknownResourceException(String resource, String why) {
    super("resource '" + resource + "' " + why);
    this.resource = resource;
  }

  public String resource() {
    return resource;
  }
}
