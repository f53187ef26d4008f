package dev.sds.kms.operator.crd.v1alpha1;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Singular;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * {@code KmsPlugin}: one rollout of the SDS KMS plugin daemon to a set of nodes (by default the
 * control plane), with the KMaaS it uses, and the cluster-wide encryption status.
 */
@Group(KmsPlugin.GROUP)
@Version(KmsPlugin.VERSION)
@Kind("KmsPlugin")
@Plural("kmsplugins")
@Singular("kmsplugin")
@ShortNames("kmsp")
@AdditionalPrinterColumn(
    name = "Ready",
    jsonPath = ".status.readyNodes",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Key ID",
    jsonPath = ".status.currentKeyId",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Rotation",
    jsonPath = ".status.rotation.phase",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(
    name = "Age",
    jsonPath = ".metadata.creationTimestamp",
    type = AdditionalPrinterColumn.Type.DATE)
public class KmsPlugin extends CustomResource<KmsPluginSpec, KmsPluginStatus>
    implements Namespaced {
  public static final String GROUP = "kms.sds.dev";
  public static final String VERSION = "v1alpha1";

  /**
   * A spec the model cannot read does not fail the informer of every KmsPlugin ({@link SpecJson}).
   */
  @Override
  @JsonSerialize(using = SpecJson.Writer.class)
  public KmsPluginSpec getSpec() {
    return super.getSpec();
  }

  @Override
  @JsonDeserialize(using = SpecJson.Reader.class)
  public void setSpec(KmsPluginSpec spec) {
    super.setSpec(spec);
  }
}
