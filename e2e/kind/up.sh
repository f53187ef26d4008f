#!/usr/bin/env bash
# Creates a kind cluster whose kube-apiserver encrypts Secrets through the SDS KMS plugin, rolled
# out by the operator, with the standalone KMaaS inside the cluster; writes a Secret and shows its
# value in etcd. Needs docker, kind and kubectl. NOT run on this project's CI machines (no Docker).
#   e2e/kind/up.sh            # create and demo;  e2e/kind/down.sh to delete the cluster
set -euo pipefail
cd "$(dirname "$0")/../.."
CLUSTER=${CLUSTER:-sds-kms}
NODE="$CLUSTER-control-plane"
NS=sds-kms-system

./mvnw -B -q -ntp package -DskipTests
docker build -q -t sds/kms-plugin:dev plugin-daemon
docker build -q -t sds/kms-operator:dev operator
kind create cluster --name "$CLUSTER" --config e2e/kind/kind-config.yaml
kind load docker-image --name "$CLUSTER" sds/kms-plugin:dev sds/kms-operator:dev

# the operator, with the locally built image
kubectl apply -k config/default
kubectl -n "$NS" set image deployment/sds-kms-operator operator=sds/kms-operator:dev
kubectl -n "$NS" patch deployment sds-kms-operator --type=json \
  -p='[{"op":"add","path":"/spec/template/spec/containers/0/imagePullPolicy","value":"Never"}]'
kubectl -n "$NS" rollout status deployment/sds-kms-operator --timeout=180s

# the in-cluster KMaaS, then its API key and CA as the KmsPlugin's Secret and ConfigMap
kubectl apply -f e2e/kind/kmaas.yaml
kubectl -n "$NS" rollout status deployment/kmaas --timeout=180s
until kubectl -n "$NS" exec deploy/kmaas -- test -s /data/api-key 2>/dev/null; do sleep 1; done
kubectl -n "$NS" create secret generic sds-kms-credentials \
  --from-literal=api-key="$(kubectl -n "$NS" exec deploy/kmaas -- cat /data/api-key)"
kubectl -n "$NS" create configmap sds-kms-kmaas-ca \
  --from-literal=ca.crt="$(kubectl -n "$NS" exec deploy/kmaas -- cat /data/tls.crt)"
kubectl apply -f e2e/kind/kmsplugin.yaml
kubectl -n "$NS" wait kmsplugin/sds-kms --for=condition=Available --timeout=300s
kubectl -n "$NS" get kmsp

# turn encryption on: the daemon serves /var/run/kmsplugin/kms.sock on the node
docker exec "$NODE" sh -c 'until [ -S /var/run/kmsplugin/kms.sock ]; do sleep 1; done'
docker cp config/encryption/encryption-config.yaml "$NODE":/etc/kubernetes/enc/encryption-config.yaml
docker exec "$NODE" sed -i \
  's|^    - kube-apiserver$|    - kube-apiserver\n    - --encryption-provider-config=/etc/kubernetes/enc/encryption-config.yaml|' \
  /etc/kubernetes/manifests/kube-apiserver.yaml
sleep 5 # the kubelet notices the changed static pod manifest and restarts kube-apiserver
until kubectl get --raw /readyz/kms-providers >/dev/null 2>&1; do sleep 2; done
kubectl get --raw /readyz/kms-providers; echo

# a Secret, and its bytes in etcd
kubectl create secret generic kind-demo --from-literal=password=hunter2
kubectl -n kube-system exec "etcd-$NODE" -- etcdctl --endpoints=https://127.0.0.1:2379 \
  --cacert=/etc/kubernetes/pki/etcd/ca.crt --cert=/etc/kubernetes/pki/etcd/server.crt \
  --key=/etc/kubernetes/pki/etcd/server.key get /registry/secrets/default/kind-demo \
  | head -c 160 | od -c | head -6
echo "expected: the value starts with k8s:enc:kms:v2:sds-kms:"
