package dev.sds.kms.operator.status;

import java.util.List;

/** Reads the {@code /status} of daemon pods. */
public interface DaemonStatusReader {

  /**
   * Asks every pod that has an IP for {@code http://<podIp>:<port>/status}, with bounded
   * concurrency and a short timeout each; returns one report per pod, in the order given, never
   * throwing for a pod that does not answer.
   */
  List<DaemonReport> read(List<DaemonPod> pods, int port);
}
