//! The deployment manifests as the cluster would receive them: an overlay rendered by
//! kustomize (`FOLIO_KUSTOMIZE`, else `kustomize build`, else `kubectl kustomize`;
//! `scripts/deploy-tools.sh` installs it).

use std::process::Command;

use serde_json::Value;

use crate::workspace_root;

/// Every object `dir` (relative to the workspace, or absolute) renders to.
pub fn kustomize(dir: &str) -> Vec<Value> {
    let path = workspace_root().join(dir);
    let candidates: Vec<Vec<String>> = match std::env::var("FOLIO_KUSTOMIZE") {
        Ok(command) => vec![command.split_whitespace().map(str::to_owned).collect()],
        Err(_) => vec![
            vec!["kustomize".into(), "build".into()],
            vec!["kubectl".into(), "kustomize".into()],
        ],
    };
    for command in candidates {
        let Ok(output) = Command::new(&command[0]).args(&command[1..]).arg(&path).output() else {
            continue;
        };
        assert!(
            output.status.success(),
            "{} {dir} failed: {}",
            command.join(" "),
            String::from_utf8_lossy(&output.stderr)
        );
        return serde_yaml::Deserializer::from_slice(&output.stdout)
            .map(|doc| serde::Deserialize::deserialize(doc).expect("YAML"))
            .filter(|doc: &Value| !doc.is_null())
            .collect();
    }
    panic!("no kustomize found: run scripts/deploy-tools.sh (or set FOLIO_KUSTOMIZE)");
}
