package dev.sds.kms.operator.crd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.sds.kms.operator.crd.v1alpha1.KmsPluginSpec;
import dev.sds.kms.operator.rollout.SpecDefaults;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.HostPathVolumeSource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every YAML document under config/ parses with fabric8, with no field the model does not know
 * (typos), and the operator's RBAC is exactly the least-privilege set the README documents.
 */
class ManifestsTest {

  static final Path CONFIG = Path.of("../config");

  /**
   * Plain Prometheus files, not Kubernetes objects: the alerting rules and their promtool unit
   * tests under config/monitoring/ (checked by the e2e module's MonitoringRulesTest).
   */
  static final Pattern PROMETHEUS_FILE = Pattern.compile(".*\\.rules(\\.test)?\\.ya?ml");

  static final List<Doc> DOCS = new ArrayList<>();

  record Doc(Path file, String yaml, HasMetadata resource) {}

  @BeforeAll
  static void load() throws IOException {
    List<Path> files;
    try (Stream<Path> walk = Files.walk(CONFIG)) {
      files =
          walk.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .filter(p -> !PROMETHEUS_FILE.matcher(p.getFileName().toString()).matches())
              .sorted()
              .toList();
    }
    assertThat(files).isNotEmpty();
    for (Path file : files) {
      for (String yaml : Files.readString(file).split("(?m)^---\\s*$")) {
        boolean onlyComments =
            yaml.lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("#"));
        if (onlyComments) {
          continue;
        }
        HasMetadata resource;
        try {
          resource = Serialization.unmarshal(yaml);
        } catch (RuntimeException e) {
          throw new AssertionError(file + ": does not parse: " + e.getMessage(), e);
        }
        assertThat(resource).as("%s: a document without apiVersion/kind", file).isNotNull();
        DOCS.add(new Doc(file, yaml, resource));
      }
    }
  }

  @Test
  void everyDocumentHasOnlyKnownFields() {
    List<String> problems = new ArrayList<>();
    for (Doc doc : DOCS) {
      if (!(doc.resource() instanceof GenericKubernetesResource)) {
        unknownFields(doc.resource(), doc.file() + " " + doc.resource().getKind(), problems);
      }
    }
    assertThat(problems).as("fields the Kubernetes model does not know (typos?)").isEmpty();
  }

  @Test
  void expectedObjectsArePresent() {
    assertThat(DOCS)
        .extracting(d -> d.resource().getKind() + "/" + name(d.resource()))
        .contains(
            "CustomResourceDefinition/kmsplugins.kms.sds.dev",
            "Namespace/sds-kms-system",
            "ServiceAccount/sds-kms-operator",
            "ClusterRole/sds-kms-operator",
            "ClusterRoleBinding/sds-kms-operator",
            "Role/sds-kms-operator-leader-election",
            "RoleBinding/sds-kms-operator-leader-election",
            "Deployment/sds-kms-operator",
            "KmsPlugin/sds-kms",
            "Pod/sds-kms-plugin",
            "EncryptionConfiguration/",
            "PrometheusRule/sds-kms-plugin",
            "PodMonitor/sds-kms-plugin",
            "PodMonitor/sds-kms-operator");
  }

  @Test
  void kustomizationsListExistingFiles() {
    for (Doc doc : ofKind("Kustomization", GenericKubernetesResource.class)) {
      Object resources = ((GenericKubernetesResource) doc.resource()).get("resources");
      assertThat(resources).as("%s: resources", doc.file()).isInstanceOf(List.class);
      for (Object entry : (List<?>) resources) {
        Path target = doc.file().getParent().resolve(entry.toString());
        assertThat(Files.exists(target)).as("%s lists %s", doc.file(), entry).isTrue();
      }
    }
  }

  @Test
  void sampleKmsPluginMatchesTheModel() {
    ObjectMapper strict =
        new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    List<Doc> samples = ofKind("KmsPlugin", GenericKubernetesResource.class);
    assertThat(samples).isNotEmpty();
    for (Doc doc : samples) {
      assertThat(doc.resource().getApiVersion()).isEqualTo("kms.sds.dev/v1alpha1");
      assertThat(doc.resource().getMetadata().getNamespace()).isEqualTo("sds-kms-system");
      Object rawSpec = ((GenericKubernetesResource) doc.resource()).get("spec");
      KmsPluginSpec spec;
      try {
        spec = strict.convertValue(rawSpec, KmsPluginSpec.class);
      } catch (IllegalArgumentException e) {
        throw new AssertionError(doc.file() + ": spec does not match the model: " + e, e);
      }
      assertThat(spec.getImage()).isNotBlank();
      assertThat(spec.getKmaas().getUrl()).startsWith("https://");
      assertThat(spec.getKmaas().getTenantId()).isNotBlank();
      assertThat(spec.getKmaas().getCredentials().getSecretName()).isNotBlank();
      assertThat(spec.getKmaas().getCaBundle().getConfigMapName()).isNotBlank();
    }
  }

  /**
   * group, resource, verb: exactly what the operator may do cluster-wide (RbacIT checks that the
   * code uses each of them).
   */
  static final Set<String> CLUSTER_RULES =
      expand(
          Map.of(
              "kms.sds.dev kmsplugins", "list watch",
              "kms.sds.dev kmsplugins/status", "patch",
              "apps daemonsets", "list watch create update",
              "core configmaps", "get list watch create update",
              "core serviceaccounts", "list watch create update",
              "core pods", "list",
              "core secrets", "get list update",
              "core events", "create",
              "storagemigration.k8s.io storageversionmigrations", "get create",
              "batch jobs", "get create delete"));

  @Test
  void clusterRoleIsExactlyTheLeastPrivilegeSet() {
    ClusterRole role = only(ClusterRole.class, "sds-kms-operator");
    List<PolicyRule> resourceRules =
        role.getRules().stream().filter(r -> r.getNonResourceURLs().isEmpty()).toList();
    assertThat(triples(resourceRules)).isEqualTo(CLUSTER_RULES);
    for (PolicyRule rule : resourceRules) {
      assertThat(rule.getResourceNames()).as("no resourceNames").isNullOrEmpty();
    }
    // the only non-resource URL: kube-apiserver's metrics, to see every apiserver on the new key
    assertThat(
            role.getRules().stream()
                .filter(r -> !r.getNonResourceURLs().isEmpty())
                .map(r -> r.getNonResourceURLs() + " " + r.getVerbs())
                .toList())
        .containsExactly("[/metrics] [get]");
  }

  @Test
  void leaderElectionRoleOnlyTouchesLeasesInTheOperatorNamespace() {
    Role role = only(Role.class, "sds-kms-operator-leader-election");
    assertThat(role.getMetadata().getNamespace()).isEqualTo("sds-kms-system");
    assertThat(triples(role.getRules()))
        .isEqualTo(
            Set.of(
                "coordination.k8s.io leases get",
                "coordination.k8s.io leases create",
                "coordination.k8s.io leases patch"));
  }

  @Test
  void bindingsGrantTheRolesToTheOperatorServiceAccount() {
    ClusterRoleBinding crb = only(ClusterRoleBinding.class, "sds-kms-operator");
    assertThat(crb.getRoleRef().getKind()).isEqualTo("ClusterRole");
    assertThat(crb.getRoleRef().getName()).isEqualTo("sds-kms-operator");
    assertOperatorServiceAccount(crb.getSubjects());
    RoleBinding rb = only(RoleBinding.class, "sds-kms-operator-leader-election");
    assertThat(rb.getRoleRef().getKind()).isEqualTo("Role");
    assertThat(rb.getRoleRef().getName()).isEqualTo("sds-kms-operator-leader-election");
    assertOperatorServiceAccount(rb.getSubjects());
  }

  @Test
  void operatorDeployment() {
    Deployment deployment = only(Deployment.class, "sds-kms-operator");
    var pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(2);
    assertThat(pod.getServiceAccountName()).isEqualTo("sds-kms-operator");
    assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
    assertThat(pod.getContainers()).hasSize(1);
    var container = pod.getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("registry.example.internal/sds/kms-operator:0.1.0");
    assertThat(container.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
    assertThat(container.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
    assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(container.getResources().getLimits()).containsKey("memory");
    Map<String, EnvVar> env =
        container.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
    assertThat(env.get("OPERATOR_NAMESPACE").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.namespace");
    assertThat(env.get("LEADER_ELECTION").getValue()).isEqualTo("true");
  }

  /**
   * The static pod runs as the image's non-root uid with nothing to spare (docs/SECURITY.md, "Least
   * privilege"), in the socket directory the tmpfiles snippet gives that uid, with the writable
   * /tmp a read-only root file system needs (netty extracts its epoll library there).
   */
  @Test
  void staticPodRunsAsTheImagesNonRootUidWithoutCapabilitiesOnAReadOnlyRootFileSystem()
      throws IOException {
    long uid = SpecDefaults.RUN_AS_USER;
    Pod pod = only(Pod.class, "sds-kms-plugin");
    PodSecurityContext podSecurity = pod.getSpec().getSecurityContext();
    assertThat(podSecurity.getRunAsNonRoot()).isTrue();
    assertThat(podSecurity.getRunAsUser()).isEqualTo(uid);
    assertThat(podSecurity.getRunAsGroup()).isEqualTo(uid);
    assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    assertThat(pod.getSpec().getInitContainers()).isNullOrEmpty();
    assertThat(pod.getSpec().getContainers()).hasSize(1);
    Container container = pod.getSpec().getContainers().get(0);
    SecurityContext security = container.getSecurityContext();
    assertThat(security.getRunAsUser()).isNull();
    assertThat(security.getPrivileged()).isNull();
    assertThat(security.getAllowPrivilegeEscalation()).isFalse();
    assertThat(security.getReadOnlyRootFilesystem()).isTrue();
    assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
    assertThat(security.getCapabilities().getAdd()).isNullOrEmpty();

    Map<String, String> mounts =
        container.getVolumeMounts().stream()
            .collect(Collectors.toMap(VolumeMount::getMountPath, VolumeMount::getName));
    Map<String, Volume> volumes =
        pod.getSpec().getVolumes().stream().collect(Collectors.toMap(Volume::getName, v -> v));
    assertThat(volumes.get(mounts.get("/tmp")).getEmptyDir()).isNotNull();
    HostPathVolumeSource socketDir = volumes.get(mounts.get("/var/run/kmsplugin")).getHostPath();
    assertThat(socketDir.getType()).isEqualTo("Directory");

    // /var/run is /run: the directory systemd-tmpfiles makes, owned by the pod's uid and gid
    List<String> tmpfiles =
        Files.readAllLines(CONFIG.resolve("static-pod/sds-kms-plugin.tmpfiles.conf")).stream()
            .filter(l -> !l.isBlank() && !l.startsWith("#"))
            .toList();
    assertThat(tmpfiles).singleElement();
    assertThat(tmpfiles.get(0).split("\\s+"))
        .containsExactly(
            "d",
            socketDir.getPath().replaceFirst("^/var/run/", "/run/"),
            "0700",
            String.valueOf(uid),
            String.valueOf(uid),
            "-");

    // the image's USER is the same uid and gid
    assertThat(Files.readAllLines(Path.of("../plugin-daemon/Dockerfile")))
        .filteredOn(l -> l.startsWith("USER "))
        .containsExactly("USER " + uid + ":" + uid);
  }

  static void assertOperatorServiceAccount(List<Subject> subjects) {
    assertThat(subjects)
        .extracting(Subject::getKind, Subject::getName, Subject::getNamespace)
        .containsExactly(
            org.assertj.core.api.Assertions.tuple(
                "ServiceAccount", "sds-kms-operator", "sds-kms-system"));
  }

  static Set<String> triples(List<PolicyRule> rules) {
    Set<String> out = new TreeSet<>();
    for (PolicyRule rule : rules) {
      for (String group : rule.getApiGroups()) {
        for (String resource : rule.getResources()) {
          for (String verb : rule.getVerbs()) {
            out.add((group.isEmpty() ? "core" : group) + " " + resource + " " + verb);
          }
        }
      }
    }
    return out;
  }

  @SafeVarargs
  static Set<String> expand(Map<String, String>... groupResourceToVerbs) {
    Set<String> out = new TreeSet<>();
    for (Map<String, String> map : groupResourceToVerbs) {
      map.forEach(
          (groupResource, verbs) -> {
            for (String verb : verbs.split(" ")) {
              out.add(groupResource + " " + verb);
            }
          });
    }
    return out;
  }

  static String name(HasMetadata resource) {
    return resource.getMetadata() == null ? "" : resource.getMetadata().getName();
  }

  static List<Doc> ofKind(String kind, Class<?> type) {
    return DOCS.stream()
        .filter(d -> kind.equals(d.resource().getKind()) && type.isInstance(d.resource()))
        .toList();
  }

  static <T extends HasMetadata> T only(Class<T> type, String name) {
    List<T> found =
        DOCS.stream()
            .map(Doc::resource)
            .filter(type::isInstance)
            .map(type::cast)
            .filter(r -> name.equals(name(r)))
            .toList();
    assertThat(found).as("%s %s under config/", type.getSimpleName(), name).hasSize(1);
    return found.get(0);
  }

  /** Reports fields that landed in a fabric8 model object's additionalProperties. */
  static void unknownFields(Object node, String path, List<String> problems) {
    if (node == null) {
      return;
    }
    if (node instanceof Collection<?> list) {
      int i = 0;
      for (Object item : list) {
        unknownFields(item, path + "[" + i++ + "]", problems);
      }
      return;
    }
    if (node instanceof Map<?, ?> map) {
      map.forEach((k, v) -> unknownFields(v, path + "." + k, problems));
      return;
    }
    if (!node.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : node.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      Object value;
      try {
        value = getter.invoke(node);
      } catch (ReflectiveOperationException e) {
        fail("cannot read " + path + "." + getter.getName(), e);
        return;
      }
      if (getter.getName().equals("getAdditionalProperties")) {
        if (value instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add(path + ": unknown " + extra.keySet());
        }
        continue;
      }
      unknownFields(value, path + "." + getter.getName().substring(3), problems);
    }
  }
}
