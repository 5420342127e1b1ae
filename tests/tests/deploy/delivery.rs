//! What the controllers and Argo CD would do with the manifests, beyond their schemas: images
//! that move when a workflow sets them, ACK objects the controllers accept, each environment
//! naming only its own account and cluster, IAM policies that pass `parliament`, and
//! workflows whose actions are pinned.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use folio_testkit::workspace_root;
use serde_json::Value;

use super::{all, kustomize, text, OVERLAYS};

/// The `folio-environment` settings of an overlay (manifests/overlays/<env>/environment).
fn environment(overlay: &str) -> BTreeMap<String, String> {
    let path = workspace_root().join(format!(
        "manifests/overlays/{overlay}/environment/environment.yaml"
    ));
    let map: Value = serde_yaml::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    map["data"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), text(v).to_owned()))
        .collect()
}

/// Every image the overlay deploys: both Deployments' containers and the Function's.
fn images(objects: &[Value]) -> BTreeMap<String, String> {
    let mut images = BTreeMap::new();
    for deployment in all(objects, "Deployment") {
        for container in deployment["spec"]["template"]["spec"]["containers"]
            .as_array()
            .unwrap()
        {
            images.insert(
                format!("Deployment {}", text(&deployment["metadata"]["name"])),
                text(&container["image"]).to_owned(),
            );
        }
    }
    for function in all(objects, "Function") {
        images.insert(
            format!("Function {}", text(&function["metadata"]["name"])),
            text(&function["spec"]["code"]["imageURI"]).to_owned(),
        );
    }
    images
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[test]
fn images_name_each_environments_registry_and_move_when_a_workflow_sets_them() {
    for overlay in OVERLAYS {
        let registry = &environment(overlay)["registry"];
        let objects = kustomize(&format!("manifests/overlays/{overlay}"));
        let before = images(&objects);
        assert_eq!(before.len(), 3, "{overlay}: {before:?}");
        for (who, image) in &before {
            assert!(
                image.starts_with(&format!("{registry}/folio-")) && image.contains(':'),
                "{overlay}: {who} runs {image}, not an image of {registry}"
            );
        }

        // What the workflows do, on a copy: every image follows, the Lambda's included.
        let copy = tempfile::tempdir().unwrap();
        copy_tree(
            &workspace_root().join("manifests"),
            &copy.path().join("manifests"),
        );
        let tag = "t-0123456789abcdef";
        let set = Command::new("kustomize")
            .current_dir(copy.path().join(format!("manifests/overlays/{overlay}/app")))
            .args(["edit", "set", "image"])
            .arg(format!("folio-backend={registry}/folio-backend:{tag}"))
            .arg(format!("folio-worker={registry}/folio-worker:{tag}"))
            .output()
            .expect("kustomize (scripts/deploy-tools.sh installs it)");
        assert!(set.status.success(), "{}", String::from_utf8_lossy(&set.stderr));
        let moved = images(&kustomize(
            copy.path()
                .join(format!("manifests/overlays/{overlay}"))
                .to_str()
                .unwrap(),
        ));
        for (who, image) in &moved {
            let name = if who.contains("backend") {
                "folio-backend"
            } else {
                "folio-worker"
            };
            assert_eq!(image, &format!("{registry}/{name}:{tag}"), "{overlay}: {who}");
        }
    }
}

/// `fooRef`/`fooRefs` → the fields ACK generates them for (`foo`, `fooID`, `fooARN`, …).
fn referenced_fields(reference: &str) -> Vec<String> {
    let stem = reference
        .strip_suffix("Refs")
        .or_else(|| reference.strip_suffix("Ref"))
        .unwrap();
    let mut fields: Vec<String> = ["", "s", "ID", "IDs", "ARN", "ARNs", "Name", "Names", "Arn", "Id"]
        .iter()
        .map(|suffix| format!("{stem}{suffix}"))
        .collect();
    if let Some(singular) = stem.strip_suffix('y') {
        fields.push(format!("{singular}ies"));
    }
    fields
}

fn refs_with_their_fields(value: &Value, path: &str, found: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, child) in map {
                if key.ends_with("Ref") || key.ends_with("Refs") {
                    for field in referenced_fields(key) {
                        if map.contains_key(&field) {
                            found.push(format!("{path}.{field} with {path}.{key}"));
                        }
                    }
                }
                refs_with_their_fields(child, &format!("{path}.{key}"), found);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                refs_with_their_fields(item, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

#[test]
fn no_ack_object_sets_a_field_together_with_its_reference() {
    let mut sample = Vec::new();
    refs_with_their_fields(
        &serde_json::json!({"spec": {"policies": ["arn"], "policyRefs": [{}], "roleRef": {}}}),
        "",
        &mut sample,
    );
    assert_eq!(
        sample,
        [".spec.policies with .spec.policyRefs"],
        "the check itself"
    );
    for overlay in OVERLAYS {
        for object in kustomize(&format!("manifests/overlays/{overlay}")) {
            if !text(&object["apiVersion"]).contains(".services.k8s.aws/") {
                continue;
            }
            let mut found = Vec::new();
            refs_with_their_fields(&object["spec"], "spec", &mut found);
            assert!(
                found.is_empty(),
                "{overlay}: {} {} sets {found:?}; the controller refuses both",
                text(&object["kind"]),
                text(&object["metadata"]["name"])
            );
        }
    }
}

/// Every string in a rendered object, however deep.
fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

#[test]
fn every_account_region_registry_issuer_and_network_is_the_environments_own() {
    let account_id = regex::Regex::new(r"\b\d{12}\b").unwrap();
    let arn = regex::Regex::new(r"arn:aws:([a-z0-9-]+):([a-z0-9-]*):(\d{12}|aws)?:").unwrap();
    let issuer = regex::Regex::new(r"oidc\.eks\.[a-z0-9-]+\.amazonaws\.com/id/[A-Za-z0-9]+").unwrap();
    let registry = regex::Regex::new(r"\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com").unwrap();
    let network = regex::Regex::new(r"\b(subnet|sg|vpc)-[0-9a-f]+\b").unwrap();
    for overlay in OVERLAYS {
        let env = environment(overlay);
        let own_network = [
            &env["databaseSubnetA"],
            &env["databaseSubnetB"],
            &env["databaseSecurityGroup"],
        ];
        let mut all_strings = Vec::new();
        for object in kustomize(&format!("manifests/overlays/{overlay}")) {
            strings(&object, &mut all_strings);
        }
        for s in &all_strings {
            for found in account_id.find_iter(s) {
                assert_eq!(found.as_str(), env["account"], "{overlay}: {s}");
            }
            for found in arn.captures_iter(s) {
                let region = &found[2];
                assert!(
                    region.is_empty() || region == env["region"],
                    "{overlay}: region {region} in {s}"
                );
            }
            for found in issuer.find_iter(s) {
                assert_eq!(found.as_str(), env["oidcIssuer"], "{overlay}: {s}");
            }
            for found in registry.find_iter(s) {
                assert_eq!(found.as_str(), env["registry"], "{overlay}: {s}");
            }
            for found in network.find_iter(s) {
                assert!(
                    own_network.contains(&&found.as_str().to_owned()),
                    "{overlay}: {s}"
                );
            }
            assert!(!s.contains("us-east-1"), "{overlay}: a placeholder left in {s}");
        }
    }
}

#[test]
fn each_environment_is_two_applications_in_its_own_cluster() {
    let overlays: Vec<String> = std::fs::read_dir(workspace_root().join("manifests/overlays"))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    let mut sorted = overlays.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["dev", "prod"],
        "only environments under manifests/overlays"
    );
    let argocd = workspace_root().join("manifests/argocd");
    let applications: Vec<Value> = std::fs::read_dir(&argocd)
        .unwrap()
        .flatten()
        .map(|e| serde_yaml::from_str::<Value>(&std::fs::read_to_string(e.path()).unwrap()).unwrap())
        .filter(|o| o["kind"] == "Application")
        .collect();
    for overlay in OVERLAYS {
        let cluster = &environment(overlay)["cluster"];
        for part in ["app", "data"] {
            let path = format!("manifests/overlays/{overlay}/{part}");
            let app = applications
                .iter()
                .find(|a| a["spec"]["source"]["path"] == path.as_str())
                .unwrap_or_else(|| panic!("no Application syncs {path}"));
            assert_eq!(text(&app["spec"]["destination"]["name"]), cluster, "{path}");
            assert!(app["spec"]["destination"].get("server").is_none(), "{path}");
            // Each part renders on its own, as Argo CD renders it.
            assert!(!kustomize(&path).is_empty());
        }
        // The backend's replicas are its autoscaler's.
        let objects = kustomize(&format!("manifests/overlays/{overlay}"));
        let backend = super::find(&objects, "Deployment", "folio-backend");
        assert!(
            backend["spec"].get("replicas").is_none(),
            "{overlay}: the HPA owns replicas"
        );
        // What holds data is never deleted with its object or Application.
        for kind in ["Queue", "Bucket", "Table", "DBInstance", "DBSubnetGroup"] {
            for object in all(&objects, kind) {
                let annotations = &object["metadata"]["annotations"];
                assert_eq!(
                    annotations["services.k8s.aws/deletion-policy"], "retain",
                    "{overlay}: {kind}"
                );
                assert_eq!(
                    annotations["argocd.argoproj.io/sync-options"], "Prune=false,Delete=false",
                    "{overlay}: {kind}"
                );
            }
        }
    }
}

/// Every identity policy of an overlay. (The Roles' trust policies are resource policies,
/// which parliament does not audit: it calls any statement without a `Resource` malformed.)
fn policy_documents(objects: &[Value]) -> Vec<(String, String)> {
    let mut documents = Vec::new();
    for policy in all(objects, "Policy") {
        documents.push((
            format!("Policy {}", text(&policy["metadata"]["name"])),
            text(&policy["spec"]["policyDocument"]).to_owned(),
        ));
    }
    documents
}

/// parliament's findings at medium severity or above, one JSON object a line.
fn parliament(document: &str) -> String {
    let output = Command::new("parliament")
        .args(["--json", "--minimum_severity", "MEDIUM", "--string", document])
        .output()
        .expect("parliament (pip install parliament; scripts/deploy-tools.sh does)");
    // 0: clean, 1: findings; anything else means it never looked.
    assert!(
        matches!(output.status.code(), Some(0 | 1)),
        "parliament failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn every_iam_policy_passes_parliament() {
    let mismatched = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["s3:GetObject"], "Resource": "arn:aws:sqs:eu-west-1:111111111111:q"}]}"#;
    assert!(
        parliament(mismatched).contains("RESOURCE_MISMATCH"),
        "the check itself"
    );
    for overlay in OVERLAYS {
        let objects = kustomize(&format!("manifests/overlays/{overlay}"));
        let documents = policy_documents(&objects);
        assert_eq!(documents.len(), 2, "{overlay}: the worker's and the backend's");
        for (who, document) in documents {
            let findings = parliament(&document);
            assert!(
                findings.is_empty(),
                "{overlay}: {who} has findings above low:\n{findings}"
            );
        }
    }
}

#[test]
fn every_action_a_workflow_uses_is_pinned_by_commit() {
    let uses = regex::Regex::new(r"(?m)^\s*(?:-\s*)?uses:\s*(\S+)").unwrap();
    let pinned = regex::Regex::new(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$").unwrap();
    let workflows = workspace_root().join(".github/workflows");
    let listed = std::fs::read_to_string(workspace_root().join("docs/actions.md")).unwrap();
    let mut seen = 0;
    for entry in std::fs::read_dir(workflows).unwrap().flatten() {
        let source = std::fs::read_to_string(entry.path()).unwrap();
        for found in uses.captures_iter(&source) {
            let action = &found[1];
            seen += 1;
            assert!(
                action.starts_with("./") || pinned.is_match(action),
                "{}: {action} is not pinned by a full commit SHA",
                entry.file_name().to_string_lossy()
            );
            if let Some((name, commit)) = action.split_once('@') {
                assert!(
                    listed.contains(&format!("| {name} |")) && listed.contains(commit),
                    "docs/actions.md does not list {action}"
                );
            }
        }
    }
    assert!(seen > 5, "the workflows use actions");
}

#[test]
fn the_deploy_guide_makes_no_secret_a_url_or_rds_would_refuse() {
    let guide = std::fs::read_to_string(workspace_root().join("docs/deploy.md")).unwrap();
    assert!(!guide.contains("base64"), "base64 output holds / and +: use hex");
    let recipes: Vec<&str> = guide.lines().filter(|l| l.contains("openssl rand")).collect();
    assert!(!recipes.is_empty());
    for recipe in recipes {
        assert!(recipe.contains("openssl rand -hex"), "{recipe}");
    }
    assert!(!guide.contains("database-url"), "no hand-made database URL");
}
