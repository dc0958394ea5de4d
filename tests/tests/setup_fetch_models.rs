//! `scripts/fetch-models.sh`, the step of `scripts/launch.sh` that failed first on a machine
//! whose Node.js comes from NodeSource: with a complete model cache it installs nothing and
//! asks apt nothing, whatever `npm` is on `PATH`; with a command missing that it cannot
//! install, it says in one line what is missing and how to get it.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository.
fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Writes an executable `name` into `dir` that records its call in `log` and exits `code`,
/// printing `says` first.
fn stub(dir: &Path, name: &str, log: &Path, says: &str, code: i32) {
    let path = dir.join(name);
    let script = format!(
        "#!/bin/sh\necho \"{name} $*\" >>'{}'\necho '{says}'\nexit {code}\n",
        log.display()
    );
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// Stubs of every way to install a package, recording any call in `log` and failing.
fn installers(dir: &Path, log: &Path) {
    for name in ["apt-get", "apt", "dpkg", "sudo"] {
        stub(dir, name, log, "E: no installing in this test", 100);
    }
}

/// `PATH` with `first` in front of this process's own.
fn path_with(first: &Path) -> String {
    format!(
        "{}:{}",
        first.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

fn fetch_models(args: &[&str], path: &str, model_dir: &Path, downloads: &Path) -> Output {
    Command::new("bash")
        .arg(repository().join("scripts/fetch-models.sh"))
        .args(args)
        .env("PATH", path)
        .env("MM_MODEL_DIR", model_dir)
        .env("MM_MODEL_DL", downloads)
        .current_dir(repository())
        .output()
        .expect("bash")
}

#[test]
fn a_complete_cache_on_a_nodesource_machine_installs_nothing() {
    let models = mm_e2e::model_dir();
    let stubs = tempfile::tempdir().unwrap();
    let log = stubs.path().join("calls.log");
    installers(stubs.path(), &log);
    // NodeSource's npm, already there (Debian's npm package would conflict with it).
    stub(stubs.path(), "npm", &log, "10.9.2", 0);
    let downloads = tempfile::tempdir().unwrap();

    // The launch path: no --mirror, as scripts/launch.sh runs it.
    let output = fetch_models(&[], &path_with(stubs.path()), &models, downloads.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    assert!(stdout.contains("is complete"), "{stdout}\n{stderr}");
    let calls = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(calls.is_empty(), "it called: {calls}");
    assert!(
        std::fs::read_dir(downloads.path())
            .unwrap()
            .next()
            .is_none(),
        "it downloaded something"
    );
}

/// A folder of links to every command on `PATH` but `left_out`, and the installer stubs.
fn path_without(left_out: &str, dir: &Path, log: &Path) -> String {
    installers(dir, log);
    let path = std::env::var("PATH").unwrap_or_default();
    for folder in std::env::split_paths(&path) {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries.filter_map(Result::ok) {
            let name = entry.file_name();
            let link = dir.join(&name);
            if name == left_out || link.exists() {
                continue;
            }
            let _ = std::os::unix::fs::symlink(entry.path(), &link);
        }
    }
    dir.display().to_string()
}

#[test]
fn a_missing_command_it_cannot_install_is_named_in_one_line() {
    let bin = tempfile::tempdir().unwrap();
    let logs = tempfile::tempdir().unwrap();
    let log = logs.path().join("calls.log");
    let path = path_without("unzip", bin.path(), &log);
    let models = tempfile::tempdir().unwrap();
    let downloads = tempfile::tempdir().unwrap();
    let mirror = repository().join("../shared/models");

    let output = fetch_models(
        &["--mirror", mirror.to_str().unwrap()],
        &path,
        models.path(),
        downloads.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("fetch-models.sh: missing unzip")
            && last.contains("apt-get install -y unzip"),
        "the last line should name unzip and how to get it: {stderr}"
    );
    assert!(
        !models.path().join(".complete").exists()
            && !models.path().join("centerface_dyn.onnx").exists(),
        "it went on without unzip"
    );
}
