//! Builds DuckDuckGo's consent-rule engine (`@duckduckgo/autoconsent`, MPL-2.0) into the
//! renderer, for the `clean` option: its standalone bundle carries the engine and its compact
//! rules for every consent platform it knows. The package is not committed; it is fetched once
//! per build directory from the npm registry at the version and integrity pinned below
//! (`curl`, else `npm pack`), or taken from `FOLIO_AUTOCONSENT_TGZ` (a path to that tarball,
//! for builds without the registry). Updating: change the version and the integrity together
//! (`npm view @duckduckgo/autoconsent@VERSION dist.integrity`), then `make test`.

use std::env;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use base64::Engine as _;
use sha2::{Digest, Sha512};

const VERSION: &str = "16.23.0";
const INTEGRITY: &str =
    "sha512-NTmDhASFf5pUsSwg2TyT9R75GYUcuYZXPyBnRcYgJgozg6RLeXXP9uH8ADxA364yQ2gJBMu83AN/D24Y4nkPKg==";
const BUNDLE: &str = "package/dist/autoconsent.standalone.js";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=FOLIO_AUTOCONSENT_TGZ");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let bundle = out.join("autoconsent.standalone.js");
    let stamp = out.join("autoconsent.version");
    if fs::read_to_string(&stamp).is_ok_and(|kept| kept == INTEGRITY) && bundle.exists() {
        return;
    }
    let tarball = match env::var_os("FOLIO_AUTOCONSENT_TGZ") {
        Some(path) => PathBuf::from(path),
        None => download(&out).unwrap_or_else(|reason| fail(&reason)),
    };
    let bytes =
        fs::read(&tarball).unwrap_or_else(|e| fail(&format!("cannot read {}: {e}", tarball.display())));
    let digest = format!(
        "sha512-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&bytes))
    );
    if digest != INTEGRITY {
        fail(&format!(
            "{} is not autoconsent {VERSION} (integrity {digest})",
            tarball.display()
        ));
    }
    let script = extract(&tarball, BUNDLE).unwrap_or_else(|reason| fail(&reason));
    fs::write(&bundle, script).expect("OUT_DIR is writable");
    fs::write(&stamp, INTEGRITY).expect("OUT_DIR is writable");
}

fn download(out: &Path) -> Result<PathBuf, String> {
    let tarball = out.join(format!("autoconsent-{VERSION}.tgz"));
    let url = format!("https://registry.npmjs.org/@duckduckgo/autoconsent/-/autoconsent-{VERSION}.tgz");
    let curl = Command::new("curl")
        .args([
            "--fail",
            "--silent",
            "--show-error",
            "--location",
            "--retry",
            "3",
            "--output",
        ])
        .arg(&tarball)
        .arg(&url)
        .status();
    if matches!(curl, Ok(status) if status.success()) {
        return Ok(tarball);
    }
    // npm knows the machine's registry settings (a mirror, a proxy) when curl cannot go direct.
    let npm = Command::new("npm")
        .args([
            "pack",
            "--silent",
            &format!("@duckduckgo/autoconsent@{VERSION}"),
            "--pack-destination",
        ])
        .arg(out)
        .status();
    match npm {
        Ok(status) if status.success() => Ok(out.join(format!("duckduckgo-autoconsent-{VERSION}.tgz"))),
        _ => Err(format!("could not fetch {url} with curl or npm")),
    }
}

fn extract(tarball: &Path, member: &str) -> Result<Vec<u8>, String> {
    let output = Command::new("tar")
        .arg("-xzOf")
        .arg(tarball)
        .arg(member)
        .output()
        .map_err(|e| format!("cannot run tar: {e}"))?;
    if !output.status.success() || output.stdout.is_empty() {
        return Err(format!("{} holds no {member}", tarball.display()));
    }
    Ok(output.stdout)
}

fn fail(reason: &str) -> ! {
    panic!(
        "folio-render needs @duckduckgo/autoconsent {VERSION} for the `clean` option: {reason}. \
         Give the registry's tarball as FOLIO_AUTOCONSENT_TGZ=/path/to/autoconsent-{VERSION}.tgz"
    )
}
