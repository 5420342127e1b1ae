"""Strict schema validation of rendered Kubernetes manifests.

Reads YAML documents (files, or `-` for standard input). Core kinds are validated against the
Kubernetes 1.32 schemas (kubernetes-validate, strict: unknown fields are errors); ACK and
Argo CD kinds against the openAPIV3Schema of their CRD in the CRD directory, made strict the
same way (every object schema that does not say otherwise refuses unknown properties). A kind
that is neither is an error. Exits 1 with every finding listed.

usage: validate_manifests.py --crds DIR FILE...
"""

import argparse
import copy
import glob
import os
import sys

import jsonschema
import kubernetes_validate
import yaml

KUBERNETES_VERSION = "1.32.0"
# Fields every object may carry that CRD schemas leave to the API server.
METADATA_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
        "annotations": {"type": "object", "additionalProperties": {"type": "string"}},
        "finalizers": {"type": "array", "items": {"type": "string"}},
    },
    "required": ["name"],
    "additionalProperties": False,
}


def strict(schema):
    """A copy of `schema` in which objects refuse properties they do not declare."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if node.get("x-kubernetes-preserve-unknown-fields"):
                return
            if node.get("type") == "object" and "properties" in node and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for key, value in node.items():
                if key in ("properties", "patternProperties"):
                    for child in value.values():
                        walk(child)
                elif key in ("items", "additionalProperties", "not"):
                    walk(value)
                elif key in ("allOf", "anyOf", "oneOf"):
                    for child in value:
                        walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(schema)
    return schema


def load_crds(directory):
    schemas = {}
    for path in sorted(glob.glob(os.path.join(directory, "*.yaml"))):
        with open(path) as f:
            for crd in yaml.safe_load_all(f):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group = crd["spec"]["group"]
                kind = crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    if not version.get("served", True):
                        continue
                    schema = strict(version["schema"]["openAPIV3Schema"])
                    schema.setdefault("properties", {})["metadata"] = METADATA_SCHEMA
                    schema["required"] = sorted(set(schema.get("required", [])) | {"apiVersion", "kind", "metadata"})
                    schema["additionalProperties"] = False
                    schemas[(f"{group}/{version['name']}", kind)] = schema
    return schemas


def documents(paths):
    for path in paths:
        stream = sys.stdin if path == "-" else open(path)
        with stream:
            for number, doc in enumerate(yaml.safe_load_all(stream), start=1):
                if doc:
                    yield f"{path}#{number}", doc


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crds", required=True, help="directory of CRD YAML files")
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    crds = load_crds(args.crds)
    if not crds:
        sys.exit(f"no CRDs found in {args.crds}")
    failures = 0
    count = 0
    for where, doc in documents(args.files):
        count += 1
        api_version, kind = doc.get("apiVersion", ""), doc.get("kind", "")
        name = f"{kind}/{doc.get('metadata', {}).get('name', '?')} ({where})"
        schema = crds.get((api_version, kind))
        try:
            if schema is not None:
                errors = sorted(jsonschema.Draft7Validator(schema).iter_errors(doc), key=lambda e: list(e.path))
                for error in errors:
                    failures += 1
                    path = ".".join(str(p) for p in error.path) or "(root)"
                    print(f"FAIL {name}: {path}: {error.message}")
            elif "." in api_version.split("/")[0] and not api_version.split("/")[0].endswith(".k8s.io"):
                failures += 1
                print(f"FAIL {name}: {api_version} {kind} is neither a core kind nor one of the CRDs in {args.crds}")
            else:
                kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            failures += 1
            path = ".".join(str(p) for p in error.path) or "(root)"
            print(f"FAIL {name}: {path}: {error.message}")
        except kubernetes_validate.SchemaNotFoundError as error:
            failures += 1
            print(f"FAIL {name}: no Kubernetes {KUBERNETES_VERSION} schema: {error}")
    print(f"{count} objects checked, {failures} problem(s)")
    sys.exit(1 if failures or count == 0 else 0)


if __name__ == "__main__":
    main()
