//! The pictures the synthetic scene shows: the built-in demo set or a folder of JPEGs.

use crate::source::{Cause, SourceError};
use mm_codec::{decode_rgb, DecodedImage};
use std::path::Path;

/// Public-domain portraits and a crowd (from `assets/demo`), compiled in so the demo works
/// offline from any folder.
const DEMO_PICTURES: [(&str, &[u8]); 5] = [
    (
        "obama.jpg",
        include_bytes!("../../../assets/demo/obama.jpg"),
    ),
    (
        "biden.jpg",
        include_bytes!("../../../assets/demo/biden.jpg"),
    ),
    (
        "grace_hopper.jpg",
        include_bytes!("../../../assets/demo/grace_hopper.jpg"),
    ),
    ("city.jpg", include_bytes!("../../../assets/demo/city.jpg")),
    (
        "obama2.jpg",
        include_bytes!("../../../assets/demo/obama2.jpg"),
    ),
];

/// A decoded picture and where it came from.
#[derive(Debug, Clone)]
pub struct Picture {
    /// File name, for logs.
    pub name: String,
    /// RGB24 pixels.
    pub image: DecodedImage,
}

/// Decodes the built-in demo pictures.
pub fn demo_pictures() -> Result<Vec<Picture>, SourceError> {
    DEMO_PICTURES
        .iter()
        .map(|(name, jpeg)| decode(name, jpeg))
        .collect()
}

/// Decodes every `*.jpg` / `*.jpeg` in `dir`, in name order.
pub fn folder_pictures(dir: &Path) -> Result<Vec<Picture>, SourceError> {
    let open_error = |cause: Cause| SourceError::Open {
        source_name: format!("photo folder {}", dir.display()),
        source: cause,
    };
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| open_error(e.into()))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.extension()
                .and_then(|ext| ext.to_str())
                .is_some_and(|ext| {
                    ext.eq_ignore_ascii_case("jpg") || ext.eq_ignore_ascii_case("jpeg")
                })
        })
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(open_error("contains no .jpg or .jpeg photo".into()));
    }
    paths
        .iter()
        .map(|path| {
            let jpeg = std::fs::read(path).map_err(|source| SourceError::Open {
                source_name: format!("photo {}", path.display()),
                source: source.into(),
            })?;
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            decode(&name, &jpeg)
        })
        .collect()
}

fn decode(name: &str, jpeg: &[u8]) -> Result<Picture, SourceError> {
    let image = decode_rgb(jpeg).map_err(|e| SourceError::Open {
        source_name: format!("photo {name}"),
        source: e.into(),
    })?;
    Ok(Picture {
        name: name.to_owned(),
        image,
    })
}
