package dev.sds.kms.operator.testing;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIGroupBuilder;
import io.fabric8.kubernetes.api.model.APIGroupListBuilder;
import io.fabric8.kubernetes.api.model.APIResourceBuilder;
import io.fabric8.kubernetes.api.model.APIResourceListBuilder;
import io.fabric8.kubernetes.api.model.APIVersionsBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.GroupVersionForDiscovery;
import io.fabric8.kubernetes.api.model.ListMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesAttributesExtractor;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.crud.Attribute;
import io.fabric8.mockwebserver.crud.AttributeSet;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * fabric8's CRUD dispatcher made closer to kube-apiserver for migration tests:
 *
 * <ul>
 *   <li>API discovery ({@code /api}, {@code /apis}, {@code /api/v1}, {@code /apis/g/v}) from a
 *       table of served resources;
 *   <li>LIST of secrets and configmaps really honours {@code limit} and {@code continue}: items in
 *       namespace/name order, the continue token an opaque encoding of the last key;
 *   <li>a PUT that changes nothing still writes the object with a new resourceVersion, as
 *       kube-apiserver does for a stale (old key id) object; successful PUTs are counted per
 *       object;
 *   <li>injected faults: N× 409 for an object (optionally written by "someone else" first), 429
 *       with Retry-After for the k-th request, 410 Gone for the j-th continue, object deleted just
 *       before its PUT; 500 or a late answer (beyond the client's timeout) for every n-th LIST, PUT
 *       or status PATCH ({@link #failEvery}, {@link #delayEvery}), counted per object they hit;
 *   <li>a log of every request ({@link #calls()}: method, path, User-Agent, answer code), so that a
 *       test can tell who wrote what and which verbs the operator uses;
 *   <li>fencing: requests from a client whose User-Agent is {@linkplain #fence fenced} change
 *       nothing and answer 403, as if its process had been killed at that moment;
 *   <li>an optional authorizer ({@link #authorize}) that answers 403 to what it does not allow;
 *   <li>the answer every user gets to a SelfSubjectRulesReview (JOSDK's leader election asks).
 * </ul>
 */
public final class PagingDispatcher extends KubernetesCrudDispatcher {
  private static final Pattern LIST =
      Pattern.compile("^/api/v1/(?:namespaces/[^/]+/)?(secrets|configmaps)$");
  private static final Pattern OBJECT =
      Pattern.compile("^/api/v1/namespaces/([^/]+)/([^/]+)/([^/]+)$");
  private static final Pattern GROUP_VERSION = Pattern.compile("^/apis/([^/]+)/([^/]+)$");

  /** One resource the discovery answers announce. */
  public record Served(
      String group, String version, String kind, String plural, boolean namespaced) {
    String groupVersion() {
      return group.isEmpty() ? version : group + "/" + version;
    }
  }

  /** MockWebServer logs every request through java.util.logging; thousands of lines slow tests. */
  private static final java.util.logging.Logger MOCK_SERVER_LOG =
      java.util.logging.Logger.getLogger("io.fabric8.mockwebserver");

  static {
    MOCK_SERVER_LOG.setLevel(java.util.logging.Level.WARNING);
  }

  private final List<Served> served = new CopyOnWriteArrayList<>();
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final Map<String, AtomicInteger> updates = new ConcurrentHashMap<>();
  private final Map<String, Conflict> conflicts = new ConcurrentHashMap<>();
  private final Map<String, Boolean> deleteBeforeUpdate = new ConcurrentHashMap<>();
  private final AtomicInteger requests = new AtomicInteger();
  private final AtomicInteger continues = new AtomicInteger();
  private final AtomicInteger lists = new AtomicInteger();
  private final AtomicLong putRequests = new AtomicLong();
  private final AtomicLong getRequests = new AtomicLong();
  private final AtomicLong discoveryRequests = new AtomicLong();
  private volatile int throttledRequest = -1;
  private volatile int goneContinue = -1;
  private volatile int failNextList = 0;

  // faults by kind, fencing, the request log
  private final Map<Kind, List<EveryNth>> everyNth = new ConcurrentHashMap<>();
  private final Map<Kind, AtomicInteger> seenByKind = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> faultsByObject = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> putsByObject = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> lateUpdates = new ConcurrentHashMap<>();
  private final AtomicInteger injected = new AtomicInteger();
  private final java.util.Set<String> fenced = ConcurrentHashMap.newKeySet();
  private final List<ApiCall> calls = new CopyOnWriteArrayList<>();
  private final AtomicLong sequence = new AtomicLong();
  private volatile java.util.function.Predicate<ApiCall> authorizer;
  private final Map<String, java.util.function.BooleanSupplier> fenceWhen =
      new ConcurrentHashMap<>();
  private volatile boolean recording;

  /** The requests {@link #failEvery} and {@link #delayEvery} count, each kind on its own. */
  public enum Kind {
    /** LIST of secrets or configmaps (a page). */
    LIST,
    /** PUT of one core object in a namespace (a Secret rewritten, say). */
    PUT,
    /** PATCH of any object's {@code status} subresource. */
    STATUS_PATCH
  }

  /**
   * Every n-th request of a kind gets a fault: 500 when {@code delay} is null, else a late answer.
   */
  private record EveryNth(int n, java.time.Duration delay) {}

  /**
   * One request as the API server saw it.
   *
   * @param seq order of arrival
   * @param at when it arrived
   * @param query the decoded query parameters
   * @param userAgent the client's User-Agent header (fabric8: {@code Config#userAgent})
   * @param code the answer's HTTP code
   * @param body the answer's body (the object as stored), kept only for writes of Leases, to follow
   *     who holds them
   */
  public record ApiCall(
      long seq,
      java.time.Instant at,
      String method,
      String path,
      Map<String, String> query,
      String userAgent,
      int code,
      String body) {
    public boolean write() {
      return !"GET".equals(method);
    }

    public boolean accepted() {
      return code >= 200 && code < 300;
    }
  }

  private static final class Conflict {
    int remaining;
    boolean changeFirst;

    Conflict(int remaining, boolean changeFirst) {
      this.remaining = remaining;
      this.changeFirst = changeFirst;
    }
  }

  /**
   * Serves secrets, configmaps, namespaces, deployments.apps and widgets.example.com (v1, v1beta1).
   */
  public PagingDispatcher() {
    super(List.of());
    serve(new Served("", "v1", "Secret", "secrets", true));
    serve(new Served("", "v1", "ConfigMap", "configmaps", true));
    serve(new Served("", "v1", "Namespace", "namespaces", false));
    serve(new Served("apps", "v1", "Deployment", "deployments", true));
    serve(new Served("example.com", "v1", "Widget", "widgets", true));
    serve(new Served("example.com", "v1beta1", "Widget", "widgets", true));
  }

  /** Adds a resource to discovery (and, for a non-built-in group, to the CRUD store). */
  public PagingDispatcher serve(Served resource) {
    served.add(resource);
    if (!resource.group().isEmpty() && !resource.group().equals("apps")) {
      expectCustomResource(
          new CustomResourceDefinitionContext.Builder()
              .withGroup(resource.group())
              .withVersion(resource.version())
              .withKind(resource.kind())
              .withPlural(resource.plural())
              .withScope(resource.namespaced() ? "Namespaced" : "Cluster")
              .build());
    }
    return this;
  }

  // ---- faults

  /**
   * The next {@code times} PUTs of the object answer 409; with {@code changeFirst} someone else
   * writes it first.
   */
  public void conflict(
      String plural, String namespace, String name, int times, boolean changeFirst) {
    conflicts.put(key(plural, namespace, name), new Conflict(times, changeFirst));
  }

  /** The {@code k}-th request from now (1 = the next) answers 429 with Retry-After: 1. */
  public void throttleRequest(int k) {
    throttledRequest = requests.get() + k;
  }

  /** The {@code j}-th LIST with a continue token from now answers 410 Gone. */
  public void expireContinue(int j) {
    goneContinue = continues.get() + j;
  }

  /** The next LIST of secrets or configmaps answers {@code code}. */
  public void failNextList(int code) {
    failNextList = code;
  }

  /** The object is deleted just before its next PUT arrives (so the PUT gets 404). */
  public void deleteBeforeUpdate(String plural, String namespace, String name) {
    deleteBeforeUpdate.put(key(plural, namespace, name), true);
  }

  /**
   * Every {@code n}-th request of {@code kind} from now answers 500 InternalError and changes
   * nothing (fabric8 retries 5xx by itself, as client-go does).
   */
  public void failEvery(Kind kind, int n) {
    everyNth.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(new EveryNth(n, null));
  }

  /**
   * Every {@code n}-th request of {@code kind} from now is answered only after {@code delay} (set
   * it beyond the client's request timeout). A PUT or PATCH is carried out first: kube-apiserver
   * wrote the object, but the client never heard so and tries again.
   */
  public void delayEvery(Kind kind, int n, java.time.Duration delay) {
    everyNth.computeIfAbsent(kind, k -> new CopyOnWriteArrayList<>()).add(new EveryNth(n, delay));
  }

  /**
   * From now on, requests whose User-Agent is {@code userAgent} change nothing and answer 403: the
   * client's process is gone as far as the cluster can tell (a kill, without any goodbye).
   */
  public void fence(String userAgent) {
    fenced.add(userAgent);
  }

  /**
   * Fences {@code userAgent} right after the successful PUT (by anyone) that makes {@code
   * condition} true, for example once so many Secrets have been rewritten: what it sends after that
   * PUT changes nothing.
   */
  public void fenceWhen(String userAgent, java.util.function.BooleanSupplier condition) {
    fenceWhen.put(userAgent, condition);
  }

  /** Whether {@code userAgent} is fenced. */
  public boolean fenced(String userAgent) {
    return fenced.contains(userAgent);
  }

  /** Requests {@code authorizer} does not allow answer 403 Forbidden and change nothing. */
  public void authorize(java.util.function.Predicate<ApiCall> authorizer) {
    this.authorizer = authorizer;
  }

  /** Keeps every request from now on in {@link #calls()} (off by default: benchmarks send many). */
  public PagingDispatcher recordCalls() {
    recording = true;
    return this;
  }

  // ---- what happened

  /** Every request since {@link #recordCalls()} (discovery included), in order of arrival. */
  public List<ApiCall> calls() {
    return List.copyOf(calls);
  }

  /** Injected faults (from {@link #failEvery} and {@link #delayEvery}) so far. */
  public int injectedFaults() {
    return injected.get();
  }

  /**
   * Per {@code plural/namespace/name}: injected faults that hit a PUT of the object or a LIST page
   * holding it (each could make the migration write the object once more).
   */
  public Map<String, Integer> faultsByObject() {
    Map<String, Integer> copy = new LinkedHashMap<>();
    faultsByObject.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /**
   * Per {@code plural/namespace/name}: PUTs that were carried out but answered late ({@link
   * #delayEvery}), so that the client did not learn that they had succeeded.
   */
  public Map<String, Integer> lateUpdates() {
    Map<String, Integer> copy = new LinkedHashMap<>();
    lateUpdates.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /** PUT requests per {@code plural/namespace/name}, answered or not, successful or not. */
  public Map<String, Integer> putRequests() {
    Map<String, Integer> copy = new LinkedHashMap<>();
    putsByObject.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  /** Successful PUTs of one object. */
  public int updates(String plural, String namespace, String name) {
    AtomicInteger count = updates.get(key(plural, namespace, name));
    return count == null ? 0 : count.get();
  }

  /** Successful PUTs per {@code plural/namespace/name}. */
  public Map<String, Integer> updates() {
    Map<String, Integer> copy = new LinkedHashMap<>();
    updates.forEach((k, v) -> copy.put(k, v.get()));
    return copy;
  }

  public int lists() {
    return lists.get();
  }

  public void resetCounts() {
    updates.clear();
    putsByObject.clear();
    faultsByObject.clear();
    lateUpdates.clear();
    lists.set(0);
    putRequests.set(0);
    getRequests.set(0);
    discoveryRequests.set(0);
  }

  /**
   * Request counts since the start (or {@link #resetCounts()}): {@code lists} (LIST requests of
   * secrets/configmaps, one per page), {@code puts} (PUT requests of single objects), {@code
   * updates} (successful ones), {@code gets} (other GETs, object reads), {@code discovery}. Also
   * served as JSON on {@code GET /__counts}, for a client in another process.
   */
  public Map<String, Long> counts() {
    Map<String, Long> counts = new LinkedHashMap<>();
    counts.put("lists", (long) lists.get());
    counts.put("puts", putRequests.get());
    counts.put("updates", updates.values().stream().mapToLong(AtomicInteger::get).sum());
    counts.put("gets", getRequests.get());
    counts.put("discovery", discoveryRequests.get());
    return counts;
  }

  /**
   * Seeds {@code count} small Secrets ({@code data.token}) named {@code s-00000}, … spread over the
   * namespaces {@code app-0} … {@code app-<namespaces - 1>}; returns their keys, {@code
   * secrets/<namespace>/<name>}.
   */
  public List<String> seedSecrets(int count, int namespaces) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      String namespace = "app-" + (i % namespaces);
      String name = String.format("s-%05d", i);
      GenericKubernetesResource secret = new GenericKubernetesResource();
      secret.setApiVersion("v1");
      secret.setKind("Secret");
      secret.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
      secret.setAdditionalProperty("data", Map.of("token", "c2VjcmV0"));
      seed("secrets", secret);
      keys.add("secrets/" + namespace + "/" + name);
    }
    return keys;
  }

  /**
   * Stores an object directly, without an HTTP request (seeding many objects for a benchmark): the
   * object gets a resourceVersion and a uid as if it had been created.
   */
  public void seed(String plural, GenericKubernetesResource object) {
    String namespace = object.getMetadata().getNamespace();
    String path =
        "/api/v1/"
            + (namespace == null ? "" : "namespaces/" + namespace + "/")
            + plural
            + "/"
            + object.getMetadata().getName();
    object.getMetadata().setResourceVersion(String.valueOf(requestResourceVersion()));
    if (object.getMetadata().getUid() == null) {
      object.getMetadata().setUid(java.util.UUID.randomUUID().toString());
    }
    if (object.getMetadata().getCreationTimestamp() == null) {
      object.getMetadata().setCreationTimestamp(java.time.Instant.now().toString());
    }
    if (object.getMetadata().getGeneration() == null) {
      object.getMetadata().setGeneration(1L);
    }
    String json = Serialization.asJson(object);
    locked(
        true,
        () -> {
          processEvent(path, getKey(path), new AttributeSet(), object, json);
          return null;
        });
  }

  // ---- an index by plural/namespace/name: the CRUD store finds an object by scanning every entry,
  // which makes thousands of objects quadratic

  private final Map<String, AttributeSet> index = new ConcurrentHashMap<>();

  /**
   * Per plural, namespace/name (the LIST order) to the key of {@link #index}, so that a LIST page
   * costs its own size and not a scan and parse of the whole store. Deleted objects are dropped
   * lazily when a LIST meets them.
   */
  private final Map<String, ConcurrentSkipListMap<String, String>> sorted =
      new ConcurrentHashMap<>();

  @Override
  public Map.Entry<AttributeSet, String> findResource(AttributeSet attributes) {
    String key = indexKey(attributes);
    if (key == null) {
      return super.findResource(attributes);
    }
    AttributeSet stored = index.get(key);
    String value = stored == null ? null : map.get(stored);
    if (value != null && stored.matches(attributes)) {
      return Map.entry(stored, value);
    }
    return null;
  }

  @Override
  public void processEvent(
      String path,
      AttributeSet pathAttributes,
      AttributeSet oldAttributes,
      GenericKubernetesResource resource,
      String newState) {
    super.processEvent(path, pathAttributes, oldAttributes, resource, newState);
    if (oldAttributes != null) {
      String oldKey = indexKey(oldAttributes);
      if (oldKey != null) {
        index.remove(oldKey);
      }
    }
    if (newState != null) {
      KubernetesAttributesExtractor extractor =
          (KubernetesAttributesExtractor) getAttributeExtractor();
      AttributeSet stored =
          resource != null ? extractor.extract(resource) : extractor.fromResource(newState);
      if (!stored.containsKey(KubernetesAttributesExtractor.PLURAL)) {
        stored = AttributeSet.merge(pathAttributes, stored);
      }
      String newKey = indexKey(stored);
      if (newKey != null && map.containsKey(stored)) {
        index.put(newKey, stored);
        Attribute plural = stored.getAttribute(KubernetesAttributesExtractor.PLURAL);
        GenericKubernetesResource object =
            resource != null
                ? resource
                : Serialization.unmarshal(newState, GenericKubernetesResource.class);
        if (object.getMetadata() != null && object.getMetadata().getName() != null) {
          sorted
              .computeIfAbsent(
                  String.valueOf(plural.getValues()), k -> new ConcurrentSkipListMap<>())
              .put(sortKey(object), newKey);
        }
      }
    }
  }

  private static String indexKey(AttributeSet attributes) {
    Attribute plural = attributes.getAttribute(KubernetesAttributesExtractor.PLURAL);
    Attribute namespace = attributes.getAttribute(KubernetesAttributesExtractor.NAMESPACE);
    Attribute name = attributes.getAttribute(KubernetesAttributesExtractor.NAME);
    if (plural == null || name == null) {
      return null;
    }
    return plural.getValues()
        + "|"
        + (namespace == null ? "" : namespace.getValues())
        + "|"
        + name.getValues();
  }

  // ---- dispatch

  @Override
  public MockResponse dispatch(RecordedRequest request) {
    String fullPath = request.getPath();
    int q = fullPath.indexOf('?');
    String path = q < 0 ? fullPath : fullPath.substring(0, q);
    Map<String, String> query = q < 0 ? Map.of() : query(fullPath.substring(q + 1));
    String method = request.getMethod();
    String userAgent = request.getHeader("User-Agent");
    long seq = sequence.incrementAndGet();
    java.time.Instant arrived = java.time.Instant.now();
    MockResponse response;
    if (userAgent != null && fenced.contains(userAgent)) {
      response = status(403, "Forbidden", "fenced: this client's process is gone");
    } else {
      java.util.function.Predicate<ApiCall> allowed = authorizer;
      if (allowed != null
          && !allowed.test(
              new ApiCall(seq, java.time.Instant.now(), method, path, query, userAgent, 0, null))) {
        response =
            status(
                403,
                "Forbidden",
                method + " " + path + " is forbidden: the operator's role does not allow it");
      } else {
        response = route(request, path, query, method);
      }
    }
    if (recording) {
      String body =
          path.contains("/leases") && !"GET".equals(method) && response.getBody() != null
              ? new String(response.getBody().getBytes(), StandardCharsets.UTF_8)
              : null;
      calls.add(new ApiCall(seq, arrived, method, path, query, userAgent, code(response), body));
    }
    return response;
  }

  private MockResponse route(
      RecordedRequest request, String path, Map<String, String> query, String method) {
    if ("POST".equals(method)
        && path.startsWith("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")) {
      return selfSubjectRulesReview();
    }

    if ("GET".equals(method)) {
      if (path.equals("/__counts")) {
        return json(counts());
      }
      MockResponse discovery = discovery(path);
      if (discovery != null) {
        discoveryRequests.incrementAndGet();
        return discovery;
      }
    }
    if (requests.incrementAndGet() == throttledRequest) {
      return status(429, "TooManyRequests", "slow down").setHeader("Retry-After", "1");
    }
    if ("GET".equals(method) && LIST.matcher(path).matches() && !query.containsKey("watch")) {
      EveryNth fault = fault(Kind.LIST);
      MockResponse page = locked(false, () -> list(path, query));
      if (fault == null) {
        return page;
      }
      Matcher m = LIST.matcher(path);
      m.matches();
      if (code(page) == 200) {
        // every object on the page the client did not get is hit by this fault
        String body = page.getBody().readUtf8();
        for (GenericKubernetesResource item :
            Serialization.unmarshal(body, GenericKubernetesResourceList.class).getItems()) {
          hit(key(m.group(1), item.getMetadata().getNamespace(), item.getMetadata().getName()));
        }
        page = new MockResponse().setResponseCode(200).setBody(body);
      }
      return faulty(fault, page);
    }
    Matcher object = OBJECT.matcher(path);
    if ("GET".equals(method)) {
      getRequests.incrementAndGet();
    }
    if ("PUT".equals(method) && object.matches()) {
      putRequests.incrementAndGet();
      String key = key(object.group(2), object.group(1), object.group(3));
      putsByObject.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      EveryNth fault = fault(Kind.PUT);
      if (fault != null) {
        hit(key);
        if (fault.delay() == null) {
          return faulty(fault, null);
        }
      }
      MockResponse answer =
          locked(
              true, () -> update(request, path, object.group(2), object.group(1), object.group(3)));
      if (fault != null && answer.code() == 200) {
        lateUpdates.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
      }
      return fault == null ? answer : faulty(fault, answer);
    }
    if ("PATCH".equals(method) && path.endsWith("/status")) {
      EveryNth fault = fault(Kind.STATUS_PATCH);
      if (fault != null && fault.delay() == null) {
        return faulty(fault, null);
      }
      MockResponse answer = locked(true, () -> patch(request));
      return fault == null ? answer : faulty(fault, answer);
    }
    boolean write = !"GET".equals(method);
    if ("PATCH".equals(method)) {
      return locked(true, () -> patch(request));
    }
    return locked(write, () -> super.dispatch(request));
  }

  /** The fault for this request of {@code kind}, if it is the n-th of some rule. */
  private EveryNth fault(Kind kind) {
    List<EveryNth> rules = everyNth.get(kind);
    if (rules == null || rules.isEmpty()) {
      return null;
    }
    int seen = seenByKind.computeIfAbsent(kind, k -> new AtomicInteger()).incrementAndGet();
    EveryNth chosen = null;
    for (EveryNth rule : rules) {
      if (seen % rule.n() == 0 && (chosen == null || rule.delay() == null)) {
        chosen = rule; // a failure wins over a delay
      }
    }
    if (chosen != null) {
      injected.incrementAndGet();
    }
    return chosen;
  }

  private void hit(String key) {
    faultsByObject.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }

  /** A 500 instead of {@code answer}, or {@code answer} late. */
  private static MockResponse faulty(EveryNth fault, MockResponse answer) {
    if (fault.delay() == null) {
      return status(500, "InternalError", "injected failure");
    }
    return answer.setBodyDelay(fault.delay());
  }

  private static MockResponse selfSubjectRulesReview() {
    return new MockResponse()
        .setResponseCode(201)
        .setBody(
            Serialization.asJson(
                new io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectRulesReviewBuilder()
                    .withNewStatus()
                    .addNewResourceRule()
                    .withApiGroups("*")
                    .withResources("*")
                    .withVerbs("*")
                    .endResourceRule()
                    .withIncomplete(false)
                    .endStatus()
                    .build()));
  }

  /**
   * A JSON Patch that does not apply (a "replace" of a field the object no longer has: the client
   * computed it from a stale copy) is 422 Unprocessable Entity, as on a real API server; the CRUD
   * dispatcher would throw instead and leave the request unanswered until the client times out.
   */
  private MockResponse patch(RecordedRequest request) {
    try {
      return super.dispatch(request);
    } catch (RuntimeException e) {
      return status(422, "Invalid", "the patch does not apply: " + e.getMessage());
    }
  }

  private MockResponse locked(boolean write, Supplier<MockResponse> action) {
    var held = write ? lock.writeLock() : lock.readLock();
    held.lock();
    try {
      return action.get();
    } finally {
      held.unlock();
    }
  }

  private MockResponse list(String path, Map<String, String> query) {
    lists.incrementAndGet();
    int failure = failNextList;
    if (failure != 0) {
      failNextList = 0;
      return status(failure, "InternalError", "injected failure");
    }
    String token = query.get("continue");
    if (token != null && !token.isEmpty() && continues.incrementAndGet() == goneContinue) {
      return status(410, "Expired", "The provided continue parameter is too old");
    }
    if (!query.containsKey("labelSelector") && !query.containsKey("fieldSelector")) {
      return fastList(path, query, token);
    }
    String body = super.handleGet(path).getBody().readUtf8();
    List<GenericKubernetesResource> all =
        new ArrayList<>(
            Serialization.unmarshal(body, GenericKubernetesResourceList.class).getItems());
    all.sort(Comparator.comparing(PagingDispatcher::sortKey));
    int from = 0;
    if (token != null && !token.isEmpty()) {
      String after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      while (from < all.size() && sortKey(all.get(from)).compareTo(after) <= 0) {
        from++;
      }
    }
    int limit = query.containsKey("limit") ? Integer.parseInt(query.get("limit")) : all.size();
    int to = Math.min(all.size(), from + Math.max(limit, 1));
    GenericKubernetesResourceList page = new GenericKubernetesResourceList();
    page.setItems(new ArrayList<>(all.subList(from, to)));
    ListMeta meta = new ListMeta();
    meta.setResourceVersion(String.valueOf(requestResourceVersion()));
    if (to < all.size()) {
      meta.setContinue(
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(sortKey(all.get(to - 1)).getBytes(StandardCharsets.UTF_8)));
      meta.setRemainingItemCount((long) (all.size() - to));
    }
    page.setMetadata(meta);
    return new MockResponse().setResponseCode(200).setBody(Serialization.asJson(page));
  }

  /** The same answer as the generic path below, from the sorted index. */
  private MockResponse fastList(String path, Map<String, String> query, String token) {
    Matcher m = LIST.matcher(path);
    m.matches();
    String plural = m.group(1);
    String namespacePrefix =
        path.startsWith("/api/v1/namespaces/")
            ? path.substring("/api/v1/namespaces/".length(), path.lastIndexOf('/')) + "/"
            : null;
    Attribute pluralAttribute = getKey(path).getAttribute(KubernetesAttributesExtractor.PLURAL);
    ConcurrentSkipListMap<String, String> all =
        sorted.getOrDefault(
            String.valueOf(pluralAttribute == null ? List.of(plural) : pluralAttribute.getValues()),
            new ConcurrentSkipListMap<>());
    Map<String, String> rest = all;
    if (token != null && !token.isEmpty()) {
      String after = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      rest = all.tailMap(after, false);
    } else if (namespacePrefix != null) {
      rest = all.tailMap(namespacePrefix, true);
    }
    int limit = query.containsKey("limit") ? Math.max(Integer.parseInt(query.get("limit")), 1) : -1;
    StringBuilder items = new StringBuilder();
    int taken = 0;
    long remaining = 0;
    String last = null;
    for (Map.Entry<String, String> entry : rest.entrySet()) {
      if (namespacePrefix != null && !entry.getKey().startsWith(namespacePrefix)) {
        break;
      }
      AttributeSet stored = index.get(entry.getValue());
      String json = stored == null ? null : map.get(stored);
      if (json == null) {
        all.remove(entry.getKey(), entry.getValue());
        continue;
      }
      if (limit < 0 || taken < limit) {
        items.append(taken == 0 ? "" : ",").append(json);
        taken++;
        last = entry.getKey();
      } else {
        // one more object exists: enough for a continue token (remainingItemCount is optional
        // in Kubernetes, and counting every remaining key per page made paging quadratic)
        remaining = 1;
        break;
      }
    }
    ListMeta meta = new ListMeta();
    meta.setResourceVersion(String.valueOf(requestResourceVersion()));
    if (remaining > 0) {
      meta.setContinue(
          Base64.getUrlEncoder()
              .withoutPadding()
              .encodeToString(last.getBytes(StandardCharsets.UTF_8)));
    }
    String body =
        "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"metadata\":"
            + Serialization.asJson(meta)
            + ",\"items\":["
            + items
            + "]}";
    return new MockResponse().setResponseCode(200).setBody(body);
  }

  private MockResponse update(
      RecordedRequest request, String path, String plural, String namespace, String name) {
    String key = key(plural, namespace, name);
    if (deleteBeforeUpdate.remove(key) != null) {
      super.handleDelete(path);
    }
    Conflict conflict = conflicts.get(key);
    if (conflict != null && conflict.remaining > 0) {
      conflict.remaining--;
      if (conflict.changeFirst) {
        conflict.changeFirst = false;
        rewrite(path);
      }
      return status(409, "Conflict", "the object has been modified");
    }
    MockResponse response;
    try {
      response = super.handleUpdate(request);
    } catch (RuntimeException e) {
      java.util.logging.Logger.getLogger(PagingDispatcher.class.getName())
          .log(java.util.logging.Level.WARNING, "PUT " + path + " failed", e);
      throw e;
    }
    if (code(response) != 200) {
      return response;
    }
    updates.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
    fenceWhen.forEach(
        (userAgent, condition) -> {
          if (condition.getAsBoolean()) {
            fenced.add(userAgent);
            fenceWhen.remove(userAgent);
          }
        });
    return new MockResponse().setResponseCode(200).setBody(rewrite(path));
  }

  /**
   * Stores the object again with a new resourceVersion (kube-apiserver rewriting a stale object).
   */
  private String rewrite(String path) {
    AttributeSet attributes = getKey(path);
    Map.Entry<AttributeSet, String> current = findResource(attributes);
    GenericKubernetesResource object =
        Serialization.unmarshal(current.getValue(), GenericKubernetesResource.class);
    object.getMetadata().setResourceVersion(String.valueOf(requestResourceVersion()));
    String json = Serialization.asJson(object);
    processEvent(path, attributes, current.getKey(), object, json);
    return json;
  }

  private MockResponse discovery(String path) {
    if (path.equals("/api")) {
      return json(new APIVersionsBuilder().withVersions("v1").build());
    }
    if (path.equals("/apis")) {
      Map<String, APIGroup> groups = new LinkedHashMap<>();
      for (Served s : served) {
        if (s.group().isEmpty()) {
          continue;
        }
        GroupVersionForDiscovery version =
            new GroupVersionForDiscovery(s.groupVersion(), s.version());
        APIGroup group =
            groups.computeIfAbsent(
                s.group(),
                g -> new APIGroupBuilder().withName(g).withPreferredVersion(version).build());
        if (group.getVersions().stream().noneMatch(v -> v.getVersion().equals(s.version()))) {
          group.getVersions().add(version);
        }
      }
      return json(new APIGroupListBuilder().withGroups(new ArrayList<>(groups.values())).build());
    }
    String groupVersion = null;
    if (path.equals("/api/v1")) {
      groupVersion = "v1";
    } else {
      Matcher m = GROUP_VERSION.matcher(path);
      if (m.matches()) {
        groupVersion = m.group(1) + "/" + m.group(2);
      }
    }
    if (groupVersion == null) {
      return null;
    }
    String gv = groupVersion;
    List<Served> resources = served.stream().filter(s -> s.groupVersion().equals(gv)).toList();
    if (resources.isEmpty()) {
      return status(404, "NotFound", "no such group version");
    }
    return json(
        new APIResourceListBuilder()
            .withGroupVersion(gv)
            .withResources(
                resources.stream()
                    .map(
                        s ->
                            new APIResourceBuilder()
                                .withName(s.plural())
                                .withKind(s.kind())
                                .withNamespaced(s.namespaced())
                                .withVerbs(
                                    "create", "delete", "get", "list", "patch", "update", "watch")
                                .build())
                    .toList())
            .build());
  }

  private static MockResponse json(Object body) {
    return new MockResponse().setResponseCode(200).setBody(Serialization.asJson(body));
  }

  private static MockResponse status(int code, String reason, String message) {
    var status =
        new StatusBuilder()
            .withStatus("Failure")
            .withCode(code)
            .withReason(reason)
            .withMessage(message);
    if (code == 429) {
      status.withNewDetails().withRetryAfterSeconds(1).endDetails();
    }
    return new MockResponse().setResponseCode(code).setBody(Serialization.asJson(status.build()));
  }

  private static int code(MockResponse response) {
    return response.code();
  }

  private static String sortKey(GenericKubernetesResource object) {
    String namespace = object.getMetadata().getNamespace();
    return (namespace == null ? "" : namespace) + "/" + object.getMetadata().getName();
  }

  private static String key(String plural, String namespace, String name) {
    return plural + "/" + namespace + "/" + name;
  }

  private static Map<String, String> query(String raw) {
    Map<String, String> params = new LinkedHashMap<>();
    for (String pair : raw.split("&")) {
      int eq = pair.indexOf('=');
      String name = eq < 0 ? pair : pair.substring(0, eq);
      String value = eq < 0 ? "" : pair.substring(eq + 1);
      params.put(
          URLDecoder.decode(name, StandardCharsets.UTF_8),
          URLDecoder.decode(value, StandardCharsets.UTF_8));
    }
    return params;
  }
}
