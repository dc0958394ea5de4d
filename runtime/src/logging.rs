//! `tracing` set-up shared by every binary.

use std::io::IsTerminal;
use tracing_subscriber::EnvFilter;

/// Logs to stderr at `level` (e.g. `info`, `mm_capture=debug`); `RUST_LOG` wins when set.
/// Calling it twice is harmless.
pub fn init(level: &str) {
    init_with_defaults(level, &[]);
}

/// Like [`init`], with per-target `defaults` (directives like `warp::server::run=off`) that
/// apply unless `level` or `RUST_LOG` names that target itself.
pub fn init_with_defaults(level: &str, defaults: &[&str]) {
    let chosen = std::env::var("RUST_LOG")
        .ok()
        .filter(|text| EnvFilter::try_new(text).is_ok())
        .unwrap_or_else(|| level.to_owned());
    let mut filter = EnvFilter::new(&chosen);
    for default in defaults {
        let target = default.split('=').next().unwrap_or(default);
        if chosen.contains(target) {
            continue;
        }
        if let Ok(directive) = default.parse() {
            filter = filter.add_directive(directive);
        }
    }
    let _already_set = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal, not in journald or a log file.
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(true)
        .try_init();
    iceoryx2::prelude::set_log_level(iceoryx2::prelude::LogLevel::Error);
}
