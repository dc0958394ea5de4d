//! Secrets (the Livepeer stream key, the device key): taken from an environment variable or a
//! file only its owner can read, never part of [`crate::Config`], and held in a [`Secret`]
//! that never prints, logs or serializes its value.

use std::fmt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

/// A secret value. `Debug` shows `Secret(<redacted>)`; there is no `Display` and no
/// `Serialize`, so it cannot reach a log line, a reply or a config dump by accident.
/// [`Secret::expose`] is the one way to the value, for the code that must send it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    /// Wraps `value`.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The value itself, for the one call that must use it (e.g. building the ingest URL).
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why a secret could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The secret file could not be read.
    #[error("cannot read secret file {}", .path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
    /// The secret file may be read by others than its owner.
    #[error("secret file {} has mode {mode:04o}: others than its owner may read it; run chmod 600 on it", .path.display())]
    Permissions {
        /// The file.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// The variable or file holds nothing.
    #[error("{from} is empty")]
    Empty {
        /// Where it was looked for.
        from: String,
    },
}

/// Loads a secret from the environment variable `env` when it is set, else from `file` when
/// one is configured: the file must not be readable, writable or executable by group or
/// others (mode 0600 or stricter), and one trailing newline is dropped. `None` when neither
/// is given.
pub fn load_secret(env: &str, file: Option<&Path>) -> Result<Option<Secret>, SecretError> {
    load_secret_from(std::env::var(env).ok(), env, file)
}

/// [`load_secret`] with the variable's value given, for tests.
fn load_secret_from(
    value: Option<String>,
    env: &str,
    file: Option<&Path>,
) -> Result<Option<Secret>, SecretError> {
    if let Some(value) = value {
        if value.is_empty() {
            return Err(SecretError::Empty {
                from: format!("${env}"),
            });
        }
        return Ok(Some(Secret(value)));
    }
    let Some(path) = file else {
        return Ok(None);
    };
    let read_error = |source| SecretError::Read {
        path: path.to_owned(),
        source,
    };
    let mode = std::fs::metadata(path)
        .map_err(read_error)?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(SecretError::Permissions {
            path: path.to_owned(),
            mode,
        });
    }
    let text = std::fs::read_to_string(path).map_err(read_error)?;
    let value = text.strip_suffix('\n').unwrap_or(&text);
    if value.is_empty() {
        return Err(SecretError::Empty {
            from: path.display().to_string(),
        });
    }
    Ok(Some(Secret(value.to_owned())))
}

/// Creates `path` (and its folder) readable and writable by its owner only (0600), when it
/// does not exist yet; an existing file is left as it is. For databases that hold keys or
/// session hashes, before the database library opens them with the default mode.
pub fn create_private_file(path: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::OpenOptionsExt;
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs::Permissions;

    fn secret_file(dir: &Path, text: &str, mode: u32) -> PathBuf {
        let path = dir.join("stream_key");
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(mode)).unwrap();
        path
    }

    #[test]
    fn a_secret_never_shows_its_value() {
        let secret = Secret::new("abcd-1234");
        assert_eq!(format!("{secret:?}"), "Secret(<redacted>)");
        assert_eq!(
            format!("{:?}", Some(secret.clone())),
            "Some(Secret(<redacted>))"
        );
        assert_eq!(secret.expose(), "abcd-1234");
    }

    #[test]
    fn an_owner_only_file_is_read_and_its_newline_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = secret_file(dir.path(), "abcd-1234\n", 0o600);
        let secret = load_secret_from(None, "MM_TEST_KEY", Some(&path)).unwrap();
        assert_eq!(secret.unwrap().expose(), "abcd-1234");
        let path = secret_file(dir.path(), "abcd-1234", 0o400);
        assert!(load_secret_from(None, "MM_TEST_KEY", Some(&path)).is_ok());
    }

    #[test]
    fn a_file_others_may_read_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        for mode in [0o644, 0o640, 0o604, 0o660] {
            let path = secret_file(dir.path(), "abcd-1234", mode);
            let error = load_secret_from(None, "MM_TEST_KEY", Some(&path)).unwrap_err();
            let message = error.to_string();
            assert!(
                message.contains("stream_key") && message.contains("chmod 600"),
                "{message}"
            );
            assert!(!message.contains("abcd"), "{message}");
        }
    }

    #[test]
    fn the_environment_wins_and_nothing_configured_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = secret_file(dir.path(), "from-file", 0o600);
        let secret = load_secret_from(Some("from-env".into()), "MM_TEST_KEY", Some(&path));
        assert_eq!(secret.unwrap().unwrap().expose(), "from-env");
        assert!(load_secret_from(None, "MM_TEST_KEY", None)
            .unwrap()
            .is_none());
        let error = load_secret_from(Some(String::new()), "MM_TEST_KEY", None).unwrap_err();
        assert!(error.to_string().contains("$MM_TEST_KEY"));
    }
}
