//! The deployment files are valid as their tools read them: every combination of the compose
//! files (`docker-compose config`, no engine needed) and the systemd unit as the install
//! script fills it in (`systemd-analyze verify`, against the real binaries).

use mm_e2e::bin_dir;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn compose_config(files: &[&str]) -> Output {
    let mut command = Command::new("docker-compose");
    command.current_dir(repository().join("docker"));
    for file in files {
        command.args(["-f", file]);
    }
    command
        .arg("config")
        .env_remove("MM_SHM_SIZE")
        .env_remove("MM_API_PORT")
        .output()
        .expect("run docker-compose (scripts/setup.sh installs it)")
}

#[test]
fn every_combination_of_the_compose_files_is_valid() {
    for files in [
        &["compose.yml"][..],
        &["compose.yml", "compose.camera.yml"],
        &["compose.yml", "compose.jetson.yml"],
        &["compose.yml", "compose.camera.yml", "compose.jetson.yml"],
    ] {
        let output = compose_config(files);
        let config = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{files:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(config.contains("network_mode: host"), "{config}");
        assert!(config.contains("shm_size: 1100m"), "{config}");
        for volume in ["photos", "videos", "data", "keys"] {
            assert!(
                config.contains(&format!("/var/lib/mmoment/{volume}")),
                "{files:?} lacks the {volume} volume"
            );
        }
        // A host without a camera can create the container: the device is opt-in.
        assert_eq!(
            config.contains("/dev/video0"),
            files.contains(&"compose.camera.yml"),
            "{config}"
        );
        assert_eq!(
            config.contains("runtime: nvidia"),
            files.contains(&"compose.jetson.yml"),
            "{config}"
        );
    }
}

#[test]
fn the_build_context_leaves_out_build_outputs_and_caches() {
    let ignored = std::fs::read_to_string(repository().join(".dockerignore")).unwrap();
    for path in ["target/", ".cache/", ".git/"] {
        assert!(ignored.lines().any(|line| line == path), "{path} is sent");
    }
}

#[test]
fn the_installed_unit_verifies_and_keeps_shared_memory() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("prefix");
    std::fs::create_dir_all(prefix.join("bin")).unwrap();
    std::os::unix::fs::symlink(
        bin_dir().join("mm-supervisor"),
        prefix.join("bin/mm-supervisor"),
    )
    .unwrap();
    let units = dir.path().join("units");
    let rendered = Command::new("bash")
        .arg(repository().join("scripts/install-service.sh"))
        .arg("--render-unit")
        .arg(&units)
        .arg("--prefix")
        .arg(&prefix)
        .arg("--state")
        .arg(dir.path())
        .status()
        .unwrap();
    assert!(rendered.success());
    let unit_path = units.join("mmoment-edge.service");
    let unit = std::fs::read_to_string(&unit_path).unwrap();
    assert!(!unit.contains('@'), "a placeholder was left: {unit}");
    assert!(unit.contains("RemoveIPC=no"));
    assert!(unit.contains("User=mmoment"));
    let verified = Command::new("systemd-analyze")
        .arg("verify")
        .arg(&unit_path)
        .output()
        .expect("run systemd-analyze");
    let said = String::from_utf8_lossy(&verified.stderr);
    assert!(verified.status.success(), "{said}");
    assert!(
        !said.contains("mmoment-edge.service"),
        "systemd-analyze warns about the unit: {said}"
    );
}
