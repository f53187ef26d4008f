package dev.sds.kms.operator.status;

/**
 * One daemon pod as the operator found it in the cluster.
 *
 * @param podName the pod
 * @param nodeName the node it is scheduled on ({@code null} while unscheduled)
 * @param podIp the pod's IP ({@code null} until it has one)
 * @param podReady the pod's Ready condition
 */
public record DaemonPod(String podName, String nodeName, String podIp, boolean podReady) {}
