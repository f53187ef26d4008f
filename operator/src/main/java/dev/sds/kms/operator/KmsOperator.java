package dev.sds.kms.operator;

/** Entry point of {@code kms-operator.jar}. */
public final class KmsOperator {
  private KmsOperator() {}

  public static void main(String[] args) {}
}
