//! The OpenAPI tools of the tests: the document validator and schemathesis, run against a
//! live server.

use crate::python_tools::python_tool;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The OpenAPI document a server serves, fetched and saved in `dir` as `<name>.json`.
pub async fn fetch_document(
    base_url: &str,
    dir: &Path,
    name: &str,
) -> (PathBuf, serde_json::Value) {
    let response = reqwest::get(format!("{base_url}/api/openapi.json"))
        .await
        .expect("GET /api/openapi.json");
    assert_eq!(response.status(), 200, "{base_url}");
    let document: serde_json::Value = response.json().await.expect("a JSON document");
    let path = dir.join(format!("{name}.json"));
    std::fs::write(&path, serde_json::to_vec_pretty(&document).expect("JSON")).expect("save");
    (path, document)
}

/// `openapi-spec-validator` on `document`: its output when it refuses.
pub fn validate(document: &Path) -> Result<(), String> {
    let output = Command::new(python_tool("openapi-spec-validator"))
        .arg(document)
        .output()
        .expect("run openapi-spec-validator");
    if output.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ))
    }
}

/// What schemathesis checks of every reply: never a 5xx, and status, content type and body
/// as documented.
pub const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance";

/// A schemathesis run of the document at `document` against `base_url`.
pub struct Fuzz {
    command: Command,
}

impl Fuzz {
    /// Every operation of `document`, with [`CHECKS`], `examples` cases each.
    pub fn new(document: &Path, base_url: &str, examples: u32) -> Self {
        let mut command = Command::new(python_tool("schemathesis"));
        command
            .arg("run")
            .arg(document)
            .args(["--url", base_url, "--checks", CHECKS])
            .args(["--max-examples", &examples.to_string()])
            .args(["--phases", "examples,coverage,fuzzing"])
            .args([
                "--workers",
                "2",
                "--seed",
                "5002",
                "--request-timeout",
                "20",
            ])
            .args(["--suppress-health-check", "all", "--no-color"])
            .args(["--generation-database", "none"])
            .current_dir(std::env::temp_dir())
            .env("NO_COLOR", "1");
        Self { command }
    }

    /// Sends `name: value` with every request.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.command.args(["--header", &format!("{name}: {value}")]);
        self
    }

    /// Leaves out the operations of `paths` (schemathesis takes one such pattern per run).
    pub fn exclude_paths(mut self, paths: &[&str]) -> Self {
        self.command
            .args(["--exclude-path-regex", &exactly_one_of(paths)]);
        self
    }

    /// Only the operations of `paths`.
    pub fn include_paths(mut self, paths: &[&str]) -> Self {
        self.command
            .args(["--include-path-regex", &exactly_one_of(paths)]);
        self
    }

    /// Runs it: its report when a check failed or a request could not be made.
    pub fn run(mut self) -> Result<String, String> {
        let output = self.command.output().expect("run schemathesis");
        let report = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if output.status.success() {
            Ok(report)
        } else {
            Err(report)
        }
    }
}

/// A regular expression that matches exactly the paths of `paths`.
fn exactly_one_of(paths: &[&str]) -> String {
    let escaped: Vec<String> = paths
        .iter()
        .map(|path| {
            path.chars()
                .flat_map(|c| {
                    let special = "\\.+*?()|[]{}^$".contains(c);
                    special
                        .then_some('\\')
                        .into_iter()
                        .chain(std::iter::once(c))
                })
                .collect()
        })
        .collect();
    format!("^({})$", escaped.join("|"))
}
