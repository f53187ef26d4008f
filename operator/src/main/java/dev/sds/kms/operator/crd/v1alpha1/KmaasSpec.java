package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import java.util.Objects;

/** Where SDS KMaaS is, which protocol it speaks and how a daemon authenticates to it. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
    value =
        "!has(self.protocol) || self.protocol != 'kacls' || (has(self.credentials)"
            + " && has(self.credentials.type) && self.credentials.type == 'Token')",
    message = "protocol kacls needs credentials of type Token (a JWT)")
public class KmaasSpec {

  @JsonPropertyDescription(
      "Base URL of SDS KMaaS (KMAAS_URL), https only; with protocol kacls the KACLS base URL.")
  @Required
  @Pattern("^https://[^\\s/?#@]+(/[^\\s?#@]*)?$")
  private String url;

  @JsonPropertyDescription("KMaaS tenant (KMAAS_TENANT_ID).")
  @Required
  @Pattern("^[A-Za-z0-9._-]{1,64}$")
  @ValidationRule(value = "self != '.' && self != '..'", message = "tenantId must not be . or ..")
  private String tenantId;

  @JsonPropertyDescription(
      "Wire protocol (KMAAS_PROTOCOL): crypto-api (SDS KMaaS's crypto-api) or kacls (the Google"
          + " Workspace client-side encryption key service API; needs credentials of type Token).")
  @Default("crypto-api")
  @Pattern("^(crypto-api|kacls)$")
  private String protocol;

  @JsonPropertyDescription(
      "Secret holding the API key or bearer token. Omit when KMaaS authenticates by client certificate only.")
  private CredentialsRef credentials;

  @JsonPropertyDescription("CA bundle trusted for KMaaS. Default: the image's trust store.")
  private CaBundleRef caBundle;

  @JsonPropertyDescription("kubernetes.io/tls Secret with the client certificate for mutual TLS.")
  private ClientCertificateRef clientCertificate;

  public String getUrl() {
    return url;
  }

  public void setUrl(String url) {
    this.url = url;
  }

  public KmaasSpec withUrl(String url) {
    this.url = url;
    return this;
  }

  public String getTenantId() {
    return tenantId;
  }

  public void setTenantId(String tenantId) {
    this.tenantId = tenantId;
  }

  public KmaasSpec withTenantId(String tenantId) {
    this.tenantId = tenantId;
    return this;
  }

  public String getProtocol() {
    return protocol;
  }

  public void setProtocol(String protocol) {
    this.protocol = protocol;
  }

  public KmaasSpec withProtocol(String protocol) {
    this.protocol = protocol;
    return this;
  }

  public CredentialsRef getCredentials() {
    return credentials;
  }

  public void setCredentials(CredentialsRef credentials) {
    this.credentials = credentials;
  }

  public KmaasSpec withCredentials(CredentialsRef credentials) {
    this.credentials = credentials;
    return this;
  }

  public CaBundleRef getCaBundle() {
    return caBundle;
  }

  public void setCaBundle(CaBundleRef caBundle) {
    this.caBundle = caBundle;
  }

  public KmaasSpec withCaBundle(CaBundleRef caBundle) {
    this.caBundle = caBundle;
    return this;
  }

  public ClientCertificateRef getClientCertificate() {
    return clientCertificate;
  }

  public void setClientCertificate(ClientCertificateRef clientCertificate) {
    this.clientCertificate = clientCertificate;
  }

  public KmaasSpec withClientCertificate(ClientCertificateRef clientCertificate) {
    this.clientCertificate = clientCertificate;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof KmaasSpec other)) {
      return false;
    }
    return Objects.equals(url, other.url)
        && Objects.equals(tenantId, other.tenantId)
        && Objects.equals(protocol, other.protocol)
        && Objects.equals(credentials, other.credentials)
        && Objects.equals(caBundle, other.caBundle)
        && Objects.equals(clientCertificate, other.clientCertificate);
  }

  @Override
  public int hashCode() {
    return Objects.hash(url, tenantId, protocol, credentials, caBundle, clientCertificate);
  }
}
