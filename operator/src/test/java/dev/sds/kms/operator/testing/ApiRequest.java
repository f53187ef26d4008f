package dev.sds.kms.operator.testing;

import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An HTTP request to kube-apiserver as its RBAC authorizer sees it (Kubernetes' request info):
 * verb, API group, resource and subresource, namespace and name, or a non-resource path.
 *
 * <p>Verbs: GET of an object → {@code get}, of a collection → {@code list}, with {@code watch=true}
 * → {@code watch}; POST → {@code create}; PUT → {@code update}; PATCH → {@code patch}; DELETE of an
 * object → {@code delete}, of a collection → {@code deletecollection}. Paths outside {@code
 * /api/v1/...} and {@code /apis/<group>/<version>/...}, and the discovery paths themselves ({@code
 * /api}, {@code /apis/<group>/<version>}), are non-resource requests.
 *
 * @param apiGroup {@code ""} for the core group
 * @param subresource {@code status}, {@code finalizers}, ...; null for none
 * @param nonResourcePath the path of a non-resource request; null for a resource request
 */
public record ApiRequest(
    String verb,
    String apiGroup,
    String resource,
    String subresource,
    String namespace,
    String name,
    String nonResourcePath) {

  public static ApiRequest of(PagingDispatcher.ApiCall call) {
    return of(call.method(), call.path(), call.query());
  }

  public static ApiRequest of(String method, String path, Map<String, String> query) {
    List<String> parts = Arrays.stream(path.split("/")).filter(p -> !p.isEmpty()).toList();
    String group;
    List<String> rest;
    if (parts.size() >= 2 && parts.get(0).equals("api")) {
      group = "";
      rest = parts.subList(2, parts.size());
    } else if (parts.size() >= 3 && parts.get(0).equals("apis")) {
      group = parts.get(1);
      rest = parts.subList(3, parts.size());
    } else {
      return new ApiRequest(nonResourceVerb(method), null, null, null, null, null, path);
    }
    if (rest.isEmpty()) {
      return new ApiRequest(nonResourceVerb(method), null, null, null, null, null, path);
    }
    String namespace = null;
    if (rest.get(0).equals("namespaces") && rest.size() >= 3) {
      namespace = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    String resource = rest.get(0);
    String name = rest.size() > 1 ? rest.get(1) : null;
    String subresource = rest.size() > 2 ? rest.get(2) : null;
    if (resource.equals("namespaces") && name != null) {
      namespace = name;
    }
    return new ApiRequest(
        verb(method, name != null, query), group, resource, subresource, namespace, name, null);
  }

  private static String verb(String method, boolean named, Map<String, String> query) {
    return switch (method) {
      case "GET", "HEAD" -> {
        String watch = query.get("watch");
        if ("true".equals(watch) || "1".equals(watch)) {
          yield "watch";
        }
        yield named ? "get" : "list";
      }
      case "POST" -> "create";
      case "PUT" -> "update";
      case "PATCH" -> "patch";
      case "DELETE" -> named ? "delete" : "deletecollection";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
  }

  private static String nonResourceVerb(String method) {
    return switch (method) {
      case "GET", "HEAD" -> "get";
      case "POST" -> "post";
      case "PUT" -> "put";
      case "PATCH" -> "patch";
      case "DELETE" -> "delete";
      default -> method.toLowerCase(java.util.Locale.ROOT);
    };
  }

  public boolean isResourceRequest() {
    return nonResourcePath == null;
  }

  /**
   * {@code verb group resource[/subresource]} (group {@code core} for ""), or {@code verb path}.
   */
  public String permission() {
    if (!isResourceRequest()) {
      return verb + " " + nonResourcePath;
    }
    return verb
        + " "
        + (apiGroup.isEmpty() ? "core" : apiGroup)
        + " "
        + resource
        + (subresource == null ? "" : "/" + subresource);
  }
}
