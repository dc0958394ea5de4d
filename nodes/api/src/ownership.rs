//! Whose a photo or a recording is: the wallet in its sidecar, written by the media node for
//! the session that asked for it. A caller sees its own files; the camera's owner sees all.
//! A file whose sidecar names nobody (or is missing, as after a crash) is the owner's only.

use crate::session::Caller;
use mm_runtime::media_files::MediaKind;
use std::path::Path;

/// The wallet named in the sidecar of `name`.
pub fn owner_of(dir: &Path, kind: MediaKind, name: &str) -> Option<String> {
    let sidecar = std::fs::read(dir.join(kind.sidecar_name(name))).ok()?;
    let value: serde_json::Value = serde_json::from_slice(&sidecar).ok()?;
    value["wallet"].as_str().map(str::to_owned)
}

/// Whether `caller` may list, download or delete the file `name`.
pub fn may_access(caller: &Caller, dir: &Path, kind: MediaKind, name: &str) -> bool {
    caller.owner || owner_of(dir, kind, name).is_some_and(|wallet| wallet == caller.wallet)
}
