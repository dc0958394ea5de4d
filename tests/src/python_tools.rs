//! The Python tools the tests drive, installed pinned by `scripts/test-tools.sh` in
//! `.cache/venv-test-tools`: openapi-spec-validator, schemathesis and Playwright.

use std::path::{Path, PathBuf};

/// The tools' virtual environment.
fn venv() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../.cache/venv-test-tools")
}

/// The executable `name` of the tools' environment (`python`, `schemathesis`, ...).
pub fn python_tool(name: &str) -> PathBuf {
    let path = venv().join("bin").join(name);
    assert!(
        path.is_file(),
        "{} missing: run scripts/test-tools.sh",
        path.display()
    );
    path
}
