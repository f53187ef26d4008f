package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import java.util.List;

/**
 * The etcd audit the operator runs as a Job on a control-plane node before it retires a KEK: the
 * daemon image's {@code audit} command, with host networking and the node's etcd client certificate
 * (kubeadm layout by default).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class AuditSpec extends JsonEquality {

  @JsonPropertyDescription(
      "Run the audit Job. Without it, old key ids are only listed as retirable and no KEK is disabled.")
  @Default("false")
  private Boolean enabled;

  @JsonPropertyDescription("etcd client URLs, as seen from the control-plane node (host network).")
  @Default("[\"https://127.0.0.1:2379\"]")
  private List<String> etcdEndpoints;

  @JsonPropertyDescription("Directory on the node holding the etcd CA and client certificate.")
  @Default("/etc/kubernetes/pki/etcd")
  private String pkiHostPath;

  @JsonPropertyDescription("CA file in pkiHostPath.")
  @Default("ca.crt")
  private String caFile;

  @JsonPropertyDescription("Client certificate file in pkiHostPath.")
  @Default("healthcheck-client.crt")
  private String certFile;

  @JsonPropertyDescription("Client key file in pkiHostPath.")
  @Default("healthcheck-client.key")
  private String keyFile;

  @JsonPropertyDescription("kube-apiserver's --etcd-prefix.")
  @Default("/registry")
  private String etcdPrefix;

  public Boolean getEnabled() {
    return enabled;
  }

  public void setEnabled(Boolean enabled) {
    this.enabled = enabled;
  }

  public AuditSpec withEnabled(Boolean enabled) {
    this.enabled = enabled;
    return this;
  }

  public List<String> getEtcdEndpoints() {
    return etcdEndpoints;
  }

  public void setEtcdEndpoints(List<String> etcdEndpoints) {
    this.etcdEndpoints = etcdEndpoints;
  }

  public AuditSpec withEtcdEndpoints(List<String> etcdEndpoints) {
    this.etcdEndpoints = etcdEndpoints;
    return this;
  }

  public String getPkiHostPath() {
    return pkiHostPath;
  }

  public void setPkiHostPath(String pkiHostPath) {
    this.pkiHostPath = pkiHostPath;
  }

  public String getCaFile() {
    return caFile;
  }

  public void setCaFile(String caFile) {
    this.caFile = caFile;
  }

  public String getCertFile() {
    return certFile;
  }

  public void setCertFile(String certFile) {
    this.certFile = certFile;
  }

  public String getKeyFile() {
    return keyFile;
  }

  public void setKeyFile(String keyFile) {
    this.keyFile = keyFile;
  }

  public String getEtcdPrefix() {
    return etcdPrefix;
  }

  public void setEtcdPrefix(String etcdPrefix) {
    this.etcdPrefix = etcdPrefix;
  }
}
