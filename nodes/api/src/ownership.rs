//! Whose a photo or a recording is: the wallet in its sidecar, written by the media node for
//! the session that asked for it. A caller sees its own files; the camera's owner sees all.
//! A file whose sidecar names nobody (or is missing, as after a crash) is the owner's only.

use crate::session::Caller;
use mm_runtime::media_files::MediaKind;
use std::path::Path;

/// The JSON sidecar of the file `name`, if it has a readable one.
pub fn sidecar(dir: &Path, kind: MediaKind, name: &str) -> Option<serde_json::Value> {
    let bytes = std::fs::read(dir.join(kind.sidecar_name(name))).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// The wallet a sidecar names.
pub fn owner_in(sidecar: Option<&serde_json::Value>) -> Option<&str> {
    sidecar?["wallet"].as_str()
}

/// The wallet named in the sidecar of `name`.
pub fn owner_of(dir: &Path, kind: MediaKind, name: &str) -> Option<String> {
    owner_in(sidecar(dir, kind, name).as_ref()).map(str::to_owned)
}

/// Whether `caller` may list, download or delete a file with this sidecar.
pub fn may_access_with(caller: &Caller, sidecar: Option<&serde_json::Value>) -> bool {
    caller.owner || owner_in(sidecar) == Some(caller.wallet.as_str())
}

/// Whether `caller` may list, download or delete the file `name`.
pub fn may_access(caller: &Caller, dir: &Path, kind: MediaKind, name: &str) -> bool {
    may_access_with(caller, sidecar(dir, kind, name).as_ref())
}
