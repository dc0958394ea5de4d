//! The device key: from `MM_BIOMETRIC_DEVICE_KEY` (128 hex digits) or its 0600 file, made
//! with a fresh random key on first start. Its value is never logged; the one log line about
//! it names the file.

use crate::seal::{Key, SealError, KEY_LEN};
use mm_runtime::config::DEVICE_KEY_ENV;
use mm_runtime::secret::{load_secret, SecretError};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use zeroize::Zeroizing;

/// Why there is no device key.
#[derive(Debug, thiserror::Error)]
pub enum DeviceKeyError {
    /// The variable or file could not be read, or the file is readable by others.
    #[error(transparent)]
    Secret(#[from] SecretError),
    /// It is not 128 hex digits.
    #[error("the device key must be {} hex digits", KEY_LEN * 2)]
    Malformed,
    /// A new key could not be made or written.
    #[error("cannot create the device key file {path}")]
    Create {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// No randomness.
    #[error(transparent)]
    Seal(#[from] SealError),
}

/// The device key of `file` (or the environment), creating the file when neither exists.
pub fn load_or_create(file: &Path) -> Result<Key, DeviceKeyError> {
    let existing = if std::env::var_os(DEVICE_KEY_ENV).is_some() || file.exists() {
        load_secret(DEVICE_KEY_ENV, Some(file))?
    } else {
        None
    };
    if let Some(secret) = existing {
        let bytes = Zeroizing::new(
            hex::decode(secret.expose().trim()).map_err(|_| DeviceKeyError::Malformed)?,
        );
        return Ok(Key::from_bytes(&bytes)?);
    }
    let key = Key::generate()?;
    let create_error = |source| DeviceKeyError::Create {
        path: file.display().to_string(),
        source,
    };
    if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).map_err(create_error)?;
    }
    let text = Zeroizing::new(hex::encode(key.expose()));
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(file)
        .map_err(create_error)?;
    out.write_all(text.as_bytes())
        .and_then(|()| out.sync_all())
        .map_err(create_error)?;
    tracing::warn!(path = %file.display(), "created a new device key; back it up: without it no sealed embedding can be opened");
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_new_key_is_written_owner_only_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("keys/device.key");
        let made = load_or_create(&file).unwrap();
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(load_or_create(&file).unwrap().expose(), made.expose());
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            load_or_create(&file),
            Err(DeviceKeyError::Secret(_))
        ));
    }
}
