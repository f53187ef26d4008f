package dev.sds.kms.operator.rollout;

import dev.sds.kms.operator.crd.v1alpha1.AuditSpec;
import dev.sds.kms.operator.crd.v1alpha1.RotationSpec;
import dev.sds.kms.operator.rotation.schedule.Interval;
import dev.sds.kms.operator.rotation.start.SeedGenerationRotator;
import dev.sds.kms.operator.status.SpecProblem;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The rules of {@code spec.rotation} that concern automated rotation and KEK retirement; part of
 * {@link SpecValidator}. Each message names the field.
 */
final class RotationSpecValidator {
  private static final Set<String> ROTATORS = Set.of("Auto", "AdminApi", "SeedOnly");
  private static final Pattern OBJECT_NAME =
      Pattern.compile("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");
  private static final Pattern DATA_KEY = Pattern.compile("^[-._a-zA-Z0-9]{1,253}$");
  private static final String UNITS = " (units d, h, m, s, largest first, e.g. 90d or 1d12h)";

  private RotationSpecValidator() {}

  static void validate(RotationSpec r, String keyId, List<SpecProblem> problems) {
    if (r == null) {
      return;
    }
    String schedule = r.getSchedule();
    if (schedule != null && !schedule.isEmpty() && Interval.parse(schedule).isEmpty()) {
      problems.add(problem("spec.rotation.schedule must be empty or an interval" + UNITS));
    }
    if (r.getMinInterval() != null && Interval.parse(r.getMinInterval()).isEmpty()) {
      problems.add(problem("spec.rotation.minInterval must be an interval" + UNITS));
    }
    if (r.getRotator() != null && !ROTATORS.contains(r.getRotator())) {
      problems.add(problem("spec.rotation.rotator must be Auto, AdminApi or SeedOnly"));
    }
    if (r.getKmaasAdmin() != null) {
      String name = r.getKmaasAdmin().getSecretName();
      if (name == null || name.length() > 253 || !OBJECT_NAME.matcher(name).matches()) {
        problems.add(problem("spec.rotation.kmaasAdmin.secretName must be a valid Secret name"));
      }
      String key = r.getKmaasAdmin().getKey();
      if (key != null && !DATA_KEY.matcher(key).matches()) {
        problems.add(problem("spec.rotation.kmaasAdmin.key must be a valid Secret key"));
      }
    } else if ("AdminApi".equals(r.getRotator())) {
      problems.add(
          problem("spec.rotation.rotator AdminApi needs spec.rotation.kmaasAdmin (the admin key)"));
    }
    boolean seedOnly =
        "SeedOnly".equals(r.getRotator())
            || ((r.getRotator() == null || "Auto".equals(r.getRotator()))
                && r.getKmaasAdmin() == null
                && schedule != null
                && !schedule.isEmpty());
    if (seedOnly && keyId != null && keyId.length() > SeedGenerationRotator.MAX_PREFIX) {
      problems.add(
          problem(
              "spec.keyId must be at most "
                  + SeedGenerationRotator.MAX_PREFIX
                  + " characters with SeedOnly rotations (the seed suffix needs the rest)"));
    }
    if (Boolean.TRUE.equals(r.getRetireOldKeys()) && r.getKmaasAdmin() == null) {
      problems.add(
          problem(
              "spec.rotation.retireOldKeys needs spec.rotation.kmaasAdmin (the admin key that"
                  + " disables KEKs)"));
    }
    if (r.getRetirement() != null) {
      String grace = r.getRetirement().getGracePeriod();
      if (grace != null && Interval.parse(grace).isEmpty()) {
        problems.add(problem("spec.rotation.retirement.gracePeriod must be an interval" + UNITS));
      }
      AuditSpec audit = r.getRetirement().getAudit();
      if (audit != null && audit.getEtcdEndpoints() != null) {
        for (String endpoint : audit.getEtcdEndpoints()) {
          if (endpoint == null || !endpoint.matches("^https?://[^\\s/?#@]+/?$")) {
            problems.add(
                problem(
                    "spec.rotation.retirement.audit.etcdEndpoints must be http:// or https://"
                        + " URLs without a path"));
            break;
          }
        }
      }
    }
  }

  private static SpecProblem problem(String message) {
    return new SpecProblem(SpecValidator.REASON, message);
  }
}
