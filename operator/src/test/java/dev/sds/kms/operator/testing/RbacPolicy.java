package dev.sds.kms.operator.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * The rules of ClusterRoles and Roles read from YAML, deciding as Kubernetes' RBAC authorizer does
 * whether they allow an {@link ApiRequest}: a rule allows a request when its API group, resource
 * (or {@code resource/subresource}), verb and, if given, resource name match, {@code *} matching
 * anything; a Role's rules only in its own namespace; non-resource URLs exactly or by a trailing
 * {@code *}.
 */
public final class RbacPolicy {

  /** One rule and where it applies: {@code namespace} null for a ClusterRole. */
  private record Grant(String namespace, PolicyRule rule) {}

  /**
   * What Kubernetes' default ClusterRoles grant every authenticated user (system:discovery,
   * system:basic-user, system:public-info-viewer): API discovery, version and health paths, and
   * reviews of one's own permissions.
   */
  public static final List<PolicyRule> EVERY_AUTHENTICATED_USER =
      List.of(
          new PolicyRuleBuilder()
              .withNonResourceURLs(
                  "/api",
                  "/api/*",
                  "/apis",
                  "/apis/*",
                  "/healthz",
                  "/livez",
                  "/readyz",
                  "/version",
                  "/version/",
                  "/openapi",
                  "/openapi/*")
              .withVerbs("get")
              .build(),
          new PolicyRuleBuilder()
              .withApiGroups("authorization.k8s.io")
              .withResources("selfsubjectaccessreviews", "selfsubjectrulesreviews")
              .withVerbs("create")
              .build(),
          new PolicyRuleBuilder()
              .withApiGroups("authentication.k8s.io")
              .withResources("selfsubjectreviews")
              .withVerbs("create")
              .build());

  private final List<Grant> grants;

  private RbacPolicy(List<Grant> grants) {
    this.grants = List.copyOf(grants);
  }

  /** Every ClusterRole and Role in the files (several YAML documents per file allowed). */
  public static RbacPolicy load(Path... files) {
    List<Grant> grants = new ArrayList<>();
    for (Path file : files) {
      String text;
      try {
        text = Files.readString(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (String yaml : text.split("(?m)^---\\s*$")) {
        if (yaml.lines().map(String::strip).allMatch(l -> l.isEmpty() || l.startsWith("#"))) {
          continue;
        }
        HasMetadata object = Serialization.unmarshal(yaml);
        if (object instanceof ClusterRole role) {
          role.getRules().forEach(r -> grants.add(new Grant(null, r)));
        } else if (object instanceof Role role) {
          role.getRules().forEach(r -> grants.add(new Grant(role.getMetadata().getNamespace(), r)));
        }
      }
    }
    return new RbacPolicy(grants);
  }

  /** {@code rules} granted cluster-wide. */
  public static RbacPolicy of(List<PolicyRule> rules) {
    return new RbacPolicy(List.of()).and(rules);
  }

  /** These rules plus {@code rules} granted cluster-wide. */
  public RbacPolicy and(List<PolicyRule> rules) {
    List<Grant> more = new ArrayList<>(grants);
    rules.forEach(r -> more.add(new Grant(null, r)));
    return new RbacPolicy(more);
  }

  public boolean allows(ApiRequest request) {
    return grants.stream().anyMatch(g -> allows(g, request));
  }

  private static boolean allows(Grant grant, ApiRequest request) {
    PolicyRule rule = grant.rule();
    if (!matches(rule.getVerbs(), request.verb())) {
      return false;
    }
    if (!request.isResourceRequest()) {
      return grant.namespace() == null
          && rule.getNonResourceURLs().stream()
              .anyMatch(
                  url ->
                      url.equals(request.nonResourcePath())
                          || (url.endsWith("*")
                              && request
                                  .nonResourcePath()
                                  .startsWith(url.substring(0, url.length() - 1))));
    }
    if (grant.namespace() != null && !grant.namespace().equals(request.namespace())) {
      return false;
    }
    String resource =
        request.subresource() == null
            ? request.resource()
            : request.resource() + "/" + request.subresource();
    return matches(rule.getApiGroups(), request.apiGroup())
        && matches(rule.getResources(), resource)
        && (rule.getResourceNames().isEmpty() || rule.getResourceNames().contains(request.name()));
  }

  private static boolean matches(List<String> allowed, String value) {
    return allowed.contains("*") || allowed.contains(value);
  }

  /**
   * Every permission the rules grant, as {@link ApiRequest#permission()} spells it ({@code verb
   * group resource[/subresource]}, {@code verb /path}); wildcards are kept as they are.
   */
  public Set<String> permissions() {
    Set<String> out = new TreeSet<>();
    for (Grant grant : grants) {
      PolicyRule rule = grant.rule();
      for (String verb : rule.getVerbs()) {
        for (String url : rule.getNonResourceURLs()) {
          out.add(verb + " " + url);
        }
        for (String group : rule.getApiGroups()) {
          for (String resource : rule.getResources()) {
            out.add(verb + " " + (group.isEmpty() ? "core" : group) + " " + resource);
          }
        }
      }
    }
    return out;
  }
}
