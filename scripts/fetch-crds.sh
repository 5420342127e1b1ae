#!/usr/bin/env bash
# Downloads the ACK and Argo CD CRDs the manifests use into $1, for CI on GitHub (locally the
# same files are in ../shared/crds). The list matches the kinds in manifests/.
set -euo pipefail
dest="${1:?usage: fetch-crds.sh <dir>}"
mkdir -p "$dest"

ack() { # controller, file
    curl -fsSL -o "$dest/$2" "https://raw.githubusercontent.com/aws-controllers-k8s/$1-controller/main/config/crd/bases/$2"
}
ack sqs sqs.services.k8s.aws_queues.yaml
ack s3 s3.services.k8s.aws_buckets.yaml
ack dynamodb dynamodb.services.k8s.aws_tables.yaml
ack lambda lambda.services.k8s.aws_functions.yaml
ack lambda lambda.services.k8s.aws_eventsourcemappings.yaml
ack iam iam.services.k8s.aws_roles.yaml
ack iam iam.services.k8s.aws_policies.yaml
ack rds rds.services.k8s.aws_dbinstances.yaml
ack rds rds.services.k8s.aws_dbsubnetgroups.yaml
for crd in application applicationset appproject; do
    curl -fsSL -o "$dest/$crd-crd.yaml" "https://raw.githubusercontent.com/argoproj/argo-cd/stable/manifests/crds/$crd-crd.yaml"
done
ls "$dest"
