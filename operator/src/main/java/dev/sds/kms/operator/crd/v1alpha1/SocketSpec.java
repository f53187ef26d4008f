package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import java.util.Objects;

/** The Unix socket kube-apiserver connects to, on the node. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class SocketSpec {

  @JsonPropertyDescription("Host directory mounted into the daemon pod and into kube-apiserver.")
  @Default("/var/run/kmsplugin")
  @Pattern("^/[^\\s]*$")
  private String hostDirectory;

  @JsonPropertyDescription("Socket file name in that directory.")
  @Default("kms.sock")
  @Pattern("^[A-Za-z0-9._-]{1,100}$")
  private String fileName;

  public String getHostDirectory() {
    return hostDirectory;
  }

  public void setHostDirectory(String hostDirectory) {
    this.hostDirectory = hostDirectory;
  }

  public SocketSpec withHostDirectory(String hostDirectory) {
    this.hostDirectory = hostDirectory;
    return this;
  }

  public String getFileName() {
    return fileName;
  }

  public void setFileName(String fileName) {
    this.fileName = fileName;
  }

  public SocketSpec withFileName(String fileName) {
    this.fileName = fileName;
    return this;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof SocketSpec other)) {
      return false;
    }
    return Objects.equals(hostDirectory, other.hostDirectory)
        && Objects.equals(fileName, other.fileName);
  }

  @Override
  public int hashCode() {
    return Objects.hash(hostDirectory, fileName);
  }
}
