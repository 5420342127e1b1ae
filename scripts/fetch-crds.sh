#!/usr/bin/env bash
# Downloads the ACK and Argo CD CRD schemas the manifests are checked against into $1, at the
# exact commits ../shared/crds holds (its VERSIONS.md), never a moving branch: CI on GitHub
# uses these; locally the same files are in ../shared/crds.
set -euo pipefail
dest="${1:?usage: fetch-crds.sh <dir>}"
mkdir -p "$dest"

fetch() { # repository, commit, path in the repository
    curl -fsSL -o "$dest/$(basename "$3")" "https://raw.githubusercontent.com/$1/$2/$3"
}
ack() { # controller, commit, CRD file
    fetch "aws-controllers-k8s/$1" "$2" "config/crd/bases/$3"
}
ack sqs-controller eeb8ea4c3762fce9e0184dfc991f1fd6b6ee0fca sqs.services.k8s.aws_queues.yaml        # v1.6.1-1-geeb8ea4
ack s3-controller 1051f76f2b6db0a948e485014e88470ee51a2fa0 s3.services.k8s.aws_buckets.yaml          # v1.10.0-1-g1051f76
ack dynamodb-controller 8f8c351cbd2b81083f062da34dd16f7e867c95e8 dynamodb.services.k8s.aws_tables.yaml # v1.9.2
ack lambda-controller 7efec75615348685401b84d7056d0cf30ecb1a45 lambda.services.k8s.aws_functions.yaml          # v1.14.1-1-g7efec75
ack lambda-controller 7efec75615348685401b84d7056d0cf30ecb1a45 lambda.services.k8s.aws_eventsourcemappings.yaml
ack iam-controller 1bb7fc9fd927620ea0dd9b0b5aaa10d8e139128f iam.services.k8s.aws_roles.yaml             # v1.8.1-1-g1bb7fc9
ack iam-controller 1bb7fc9fd927620ea0dd9b0b5aaa10d8e139128f iam.services.k8s.aws_policies.yaml
ack rds-controller 8b3f5f2746e22133ba4670d9c4688c97bd95c31c rds.services.k8s.aws_dbinstances.yaml       # v1.11.1
ack rds-controller 8b3f5f2746e22133ba4670d9c4688c97bd95c31c rds.services.k8s.aws_dbsubnetgroups.yaml
ack runtime 95428e7b79a341b3bfcc571ae1f799a3fbfd9729 services.k8s.aws_fieldexports.yaml              # v0.61.0-1-g95428e7
# Argo CD's CRDs as ../shared/crds holds them: identical to this commit of argoproj/argo-cd.
for crd in application applicationset appproject; do
    fetch argoproj/argo-cd 37ee0097cf851bc2dd7665fc081bbce61a7e836e "manifests/crds/$crd-crd.yaml"
done
ls "$dest"
