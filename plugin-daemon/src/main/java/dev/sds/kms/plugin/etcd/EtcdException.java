package dev.sds.kms.plugin.etcd;

/** etcd could not be reached or refused a request; the message is one line naming the endpoint. */
public final class EtcdException extends Exception {
  public EtcdException(String message) {
    super(message);
  }
}
