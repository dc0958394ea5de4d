//! `tracing` set-up shared by every binary.

use tracing_subscriber::EnvFilter;

/// Logs to stderr at `level` (e.g. `info`, `mm_capture=debug`); `RUST_LOG` wins when set.
/// Calling it twice is harmless.
pub fn init(level: &str) {
    init_silencing(level, &[]);
}

/// Like [`init`], and never logs the targets in `silenced`, whatever the level.
pub fn init_silencing(level: &str, silenced: &[&str]) {
    let mut filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    for target in silenced {
        if let Ok(directive) = format!("{target}=off").parse() {
            filter = filter.add_directive(directive);
        }
    }
    let _already_set = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(true)
        .try_init();
    iceoryx2::prelude::set_log_level(iceoryx2::prelude::LogLevel::Error);
}
