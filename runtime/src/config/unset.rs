//! Serde for `Option<PathBuf>` keys written as a string in the file, where `""` (or leaving the
//! key out) means unset. In Rust the value is an `Option`; in TOML and the `MM_*` variables it
//! stays a plain string, so every key has a default the environment overrides can find.

use serde::{Deserialize, Deserializer, Serializer};
use std::path::PathBuf;

/// Writes `None` as `""`.
pub(crate) fn serialize<S: Serializer>(
    value: &Option<PathBuf>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match value {
        Some(path) => serde::Serialize::serialize(path, serializer),
        None => serializer.serialize_str(""),
    }
}

/// Reads `""` (or only spaces) as `None`.
pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<PathBuf>, D::Error> {
    let text = String::deserialize(deserializer)?;
    Ok((!text.trim().is_empty()).then(|| PathBuf::from(text)))
}
