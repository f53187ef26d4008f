package dev.sds.kms.plugin.server;

/** Another live process answers on the socket this daemon was told to bind. */
public final class SocketInUseException extends Exception {
  private static final long serialVersionUID = 1L;

  public SocketInUseException(String message) {
    super(message, null, false, false);
  }
}
