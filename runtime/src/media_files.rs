//! The photo and video folders: the names the media node gives its files, the one check every
//! name coming in from the API must pass, listing, and retention.
//!
//! Names are made here only (`photo-20261202-101500-123.jpg`, `rec-20261202-101500-123.mp4`)
//! and a name from outside is accepted only when it has exactly that form: no separator, no
//! `..`, nothing another program put there. A symlink is never followed, so nothing outside
//! the folder can be reached through one.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

/// Which folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaKind {
    /// JPEG photos.
    Photo,
    /// MP4 recordings.
    Video,
}

impl MediaKind {
    fn prefix(self) -> &'static str {
        match self {
            MediaKind::Photo => "photo",
            MediaKind::Video => "rec",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            MediaKind::Photo => "jpg",
            MediaKind::Video => "mp4",
        }
    }

    /// The HTTP content type of its files.
    pub fn content_type(self) -> &'static str {
        match self {
            MediaKind::Photo => "image/jpeg",
            MediaKind::Video => "video/mp4",
        }
    }

    /// A fresh name for a file made at `unix_ms` (UTC); names sort by time.
    pub fn new_name(self, unix_ms: u64) -> String {
        format!(
            "{}-{}.{}",
            self.prefix(),
            utc_stamp(unix_ms),
            self.extension()
        )
    }

    /// A name made at `unix_ms` that no file in `dir` has yet (two files made in one
    /// millisecond get the next ones).
    pub fn unused_name(self, dir: &Path, unix_ms: u64) -> String {
        (0..1000)
            .map(|offset| self.new_name(unix_ms + offset))
            .find(|name| !dir.join(name).exists())
            .unwrap_or_else(|| self.new_name(unix_ms))
    }

    /// The file a request for `name` means: a recording asked for as `<base>.mov` (the
    /// reference system's web app always asks so) is `<base>.mp4`; any other name is itself.
    pub fn stored_name(self, name: &str) -> std::borrow::Cow<'_, str> {
        match (self, name.strip_suffix(".mov")) {
            (MediaKind::Video, Some(base)) => format!("{base}.{}", self.extension()).into(),
            _ => name.into(),
        }
    }

    /// Whether `name` is one this kind's files could have: exactly
    /// `<prefix>-YYYYMMDD-HHMMSS-mmm.<ext>`.
    pub fn is_valid_name(self, name: &str) -> bool {
        self.stamp_of(name).is_some()
    }

    /// When the file `name` was made (RFC 3339, UTC), read from its name.
    pub fn created_at(self, name: &str) -> Option<String> {
        self.stamp_of(name).map(stamp_to_rfc3339)
    }

    /// The `YYYYMMDD-HHMMSS-mmm` of a valid name.
    fn stamp_of(self, name: &str) -> Option<&str> {
        let stamp = name
            .strip_prefix(self.prefix())?
            .strip_prefix('-')?
            .strip_suffix(self.extension())?
            .strip_suffix('.')?;
        let bytes = stamp.as_bytes();
        let valid = bytes.len() == 19
            && bytes.iter().enumerate().all(|(i, b)| match i {
                8 | 15 => *b == b'-',
                _ => b.is_ascii_digit(),
            });
        valid.then_some(stamp)
    }

    /// The sidecar (JSON metadata) of the file `name`.
    pub fn sidecar_name(self, name: &str) -> String {
        let stem = name
            .strip_suffix(self.extension())
            .unwrap_or(name)
            .trim_end_matches('.');
        format!("{stem}.json")
    }
}

/// `YYYYMMDD-HHMMSS-mmm` in UTC.
fn utc_stamp(unix_ms: u64) -> String {
    let secs = unix_ms / 1000;
    let (year, month, day) = civil_from_days((secs / 86_400) as i64);
    let of_day = secs % 86_400;
    format!(
        "{year:04}{month:02}{day:02}-{:02}{:02}{:02}-{:03}",
        of_day / 3600,
        of_day / 60 % 60,
        of_day % 60,
        unix_ms % 1000
    )
}

/// RFC 3339 UTC time (`2026-12-02T10:15:00.123Z`) of `unix_ms`, for JSON.
pub fn rfc3339(unix_ms: u64) -> String {
    stamp_to_rfc3339(&utc_stamp(unix_ms))
}

/// `YYYYMMDD-HHMMSS-mmm` (ASCII, as [`utc_stamp`] writes it) → `YYYY-MM-DDTHH:MM:SS.mmmZ`.
fn stamp_to_rfc3339(stamp: &str) -> String {
    let part = |range: std::ops::Range<usize>| stamp.get(range).unwrap_or("00");
    format!(
        "{}-{}-{}T{}:{}:{}.{}Z",
        part(0..4),
        part(4..6),
        part(6..8),
        part(9..11),
        part(11..13),
        part(13..15),
        part(16..19)
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// One file of a media folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MediaFile {
    /// Its name (valid for its kind).
    pub name: String,
    /// Its path.
    pub path: PathBuf,
    /// Its size.
    pub bytes: u64,
    /// When it was last written (Unix ms).
    pub modified_unix_ms: u64,
}

/// The regular file `name` of `kind` in `dir`, when the name is valid and such a file (not a
/// symlink, not a folder) is there.
pub fn resolve(dir: &Path, kind: MediaKind, name: &str) -> Option<MediaFile> {
    if !kind.is_valid_name(name) {
        return None;
    }
    let path = dir.join(name);
    let metadata = fs::symlink_metadata(&path).ok()?;
    if !metadata.file_type().is_file() {
        return None;
    }
    Some(MediaFile {
        name: name.to_owned(),
        bytes: metadata.len(),
        modified_unix_ms: unix_ms_of(metadata.modified().ok()),
        path,
    })
}

/// The files of `kind` in `dir`, newest first; a missing folder has none.
pub fn list(dir: &Path, kind: MediaKind) -> io::Result<Vec<MediaFile>> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(error) => return Err(error),
    };
    let mut files: Vec<MediaFile> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| resolve(dir, kind, entry.file_name().to_str()?))
        .collect();
    // Names carry their creation time: newest first is reverse name order.
    files.sort_by(|a, b| b.name.cmp(&a.name));
    Ok(files)
}

/// Deletes the file `name` of `kind` and its sidecar. `Ok(false)` when there is no such file.
pub fn remove(dir: &Path, kind: MediaKind, name: &str) -> io::Result<bool> {
    let Some(file) = resolve(dir, kind, name) else {
        return Ok(false);
    };
    fs::remove_file(&file.path)?;
    let _ = fs::remove_file(dir.join(kind.sidecar_name(name)));
    Ok(true)
}

/// How many files a folder may keep, and how much.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Files kept at most.
    pub keep_count: usize,
    /// Bytes all files may take.
    pub keep_bytes: u64,
    /// Oldest a file may be; `None` for any age.
    pub keep_age: Option<Duration>,
}

/// Deletes the oldest files of `kind` in `dir` (and their sidecars) until `retention` holds,
/// never one named in `keep` (the file being written). Returns the names deleted.
pub fn enforce_retention(
    dir: &Path,
    kind: MediaKind,
    retention: Retention,
    keep: Option<&str>,
) -> io::Result<Vec<String>> {
    let files = list(dir, kind)?;
    let now_ms = unix_ms_of(Some(SystemTime::now()));
    let oldest_ms = retention
        .keep_age
        .map(|age| now_ms.saturating_sub(age.as_millis() as u64));
    let mut kept_count = 0;
    let mut kept_bytes = 0u64;
    let mut removed = Vec::new();
    // Newest first: a file is kept while the newer ones leave it room.
    for file in files {
        let protected = keep == Some(file.name.as_str());
        let too_old = oldest_ms.is_some_and(|oldest| file.modified_unix_ms < oldest);
        let fits = kept_count < retention.keep_count
            && kept_bytes.saturating_add(file.bytes) <= retention.keep_bytes;
        if protected || (fits && !too_old) {
            kept_count += 1;
            kept_bytes = kept_bytes.saturating_add(file.bytes);
        } else if remove(dir, kind, &file.name)? {
            removed.push(file.name);
        }
    }
    Ok(removed)
}

/// Free bytes on the file system of `dir`, for an unprivileged writer.
// fsblkcnt_t and c_ulong are u64 here but not on every target.
#[allow(clippy::useless_conversion)]
pub fn free_bytes(dir: &Path) -> io::Result<u64> {
    let stats = nix::sys::statvfs::statvfs(dir).map_err(io::Error::from)?;
    Ok(u64::from(stats.blocks_available()) * u64::from(stats.fragment_size()))
}

fn unix_ms_of(time: Option<SystemTime>) -> u64 {
    time.and_then(|t| t.duration_since(SystemTime::UNIX_EPOCH).ok())
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_asked_for_as_mov_is_its_mp4() {
        let name = "rec-20261207-210400-123";
        assert_eq!(
            MediaKind::Video.stored_name(&format!("{name}.mov")),
            format!("{name}.mp4")
        );
        assert_eq!(
            MediaKind::Video.stored_name(&format!("{name}.mp4")),
            format!("{name}.mp4")
        );
        assert_eq!(MediaKind::Photo.stored_name("photo.mov"), "photo.mov");
    }

    #[test]
    fn names_are_made_and_checked_by_one_pattern() {
        // 2026-12-02 10:15:00.123 UTC
        let name = MediaKind::Video.new_name(1_796_206_500_123);
        assert_eq!(name, "rec-20261202-101500-123.mp4");
        assert!(MediaKind::Video.is_valid_name(&name));
        assert!(!MediaKind::Photo.is_valid_name(&name));
        assert_eq!(rfc3339(1_796_206_500_123), "2026-12-02T10:15:00.123Z");
        assert_eq!(
            MediaKind::Video.created_at(&name).as_deref(),
            Some("2026-12-02T10:15:00.123Z")
        );
        for bad in [
            "",
            "..",
            "../rec-20261202-101500-123.mp4",
            "rec-20261202-101500-123.mp4/",
            "/etc/passwd",
            "rec-2026120a-101500-123.mp4",
            "rec-20261202-101500-123.mp4.json",
            "rec-20261202_101500-123.mp4",
            "rec-%2e%2e%2f.mp4",
        ] {
            assert!(!MediaKind::Video.is_valid_name(bad), "{bad}");
        }
        assert_eq!(
            MediaKind::Photo.sidecar_name("photo-20261202-101500-123.jpg"),
            "photo-20261202-101500-123.json"
        );
    }

    #[test]
    fn retention_deletes_the_oldest_first_and_spares_the_file_in_progress() {
        let dir = tempfile::tempdir().unwrap();
        let names: Vec<String> = (0..5)
            .map(|i| MediaKind::Video.new_name(1_796_206_500_000 + i * 1000))
            .collect();
        for name in &names {
            fs::write(dir.path().join(name), [0u8; 100]).unwrap();
            fs::write(dir.path().join(MediaKind::Video.sidecar_name(name)), b"{}").unwrap();
        }
        // A symlink with a valid name is not ours: never listed, never followed.
        let outside = dir.path().join("outside");
        fs::write(&outside, b"keep me").unwrap();
        let link = MediaKind::Video.new_name(1_796_206_599_000);
        std::os::unix::fs::symlink(&outside, dir.path().join(&link)).unwrap();
        assert!(resolve(dir.path(), MediaKind::Video, &link).is_none());

        let retention = Retention {
            keep_count: 3,
            keep_bytes: 250,
            keep_age: None,
        };
        let removed =
            enforce_retention(dir.path(), MediaKind::Video, retention, Some(&names[0])).unwrap();
        // Newest first: 4 and 3 fit (200 bytes), 2 would pass 250, 1 too; 0 is in progress.
        assert_eq!(removed, vec![names[2].clone(), names[1].clone()]);
        let left: Vec<String> = list(dir.path(), MediaKind::Video)
            .unwrap()
            .into_iter()
            .map(|f| f.name)
            .collect();
        assert_eq!(
            left,
            vec![names[4].clone(), names[3].clone(), names[0].clone()]
        );
        assert!(!dir
            .path()
            .join(MediaKind::Video.sidecar_name(&names[1]))
            .exists());
        assert_eq!(fs::read(&outside).unwrap(), b"keep me");
    }
}
