#!/usr/bin/env bash
# Regenerates the KmsPlugin CRD from the operator's Java model (fabric8 crd-generator-maven-plugin)
# and copies it to crds/ (the committed copy) and config/crd/ (the kustomize base: kustomize
# refuses files outside its kustomization root). CrdFreshnessTest fails when either copy is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -ntp -pl operator -am package -DskipTests
generated=operator/target/classes/META-INF/fabric8/kmsplugins.kms.sds.dev-v1.yml
for target in crds/kmsplugins.kms.sds.dev-v1.yml config/crd/kmsplugins.kms.sds.dev-v1.yml; do
  cp "$generated" "$target"
  echo "updated $target"
done
