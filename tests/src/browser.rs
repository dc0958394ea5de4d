//! The web page in a real headless Chromium: `tests/browser/web_page.py` (Playwright, driving
//! Debian's `chromium`) with a test wallet injected as a wallet extension would be.

use crate::python_tools::python_tool;
use crate::wallet::TestWallet;
use solana_sdk::signature::Signer;
use std::path::Path;
use std::process::Command;

/// Debian's browser, which `scripts/setup.sh` installs.
const CHROMIUM: &str = "/usr/bin/chromium";

/// What the browser saw of the page (the script's `seen`), or why it failed.
pub fn visit_web_page(
    base_url: &str,
    wallet: &TestWallet,
    seed: [u8; 32],
    screenshot: &Path,
) -> Result<serde_json::Value, String> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("browser/web_page.py");
    let output = Command::new(python_tool("python"))
        .arg(script)
        .args(["--url", base_url])
        .args(["--seed-hex", &hex::encode(seed)])
        .args(["--address", &wallet.address()])
        .args([
            "--public-key-hex",
            &hex::encode(wallet.keypair().pubkey().to_bytes()),
        ])
        .arg("--screenshot")
        .arg(screenshot)
        .args(["--chromium", CHROMIUM])
        .output()
        .map_err(|error| format!("run web_page.py: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let report: Option<serde_json::Value> = stdout
        .lines()
        .rev()
        .find_map(|line| serde_json::from_str(line).ok());
    match report {
        Some(report) if output.status.success() => Ok(report["seen"].clone()),
        Some(report) => Err(format!("the page had problems: {report}\n{stderr}")),
        None => Err(format!(
            "web_page.py failed ({}):\n{stdout}\n{stderr}",
            output.status
        )),
    }
}
