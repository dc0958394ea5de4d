//! One process per node name and camera: a second supervisor, or a second `mm-capture`, for a
//! camera that is running refuses to start and names the pid that runs it.
//!
//! The lock is an exclusive `flock` on `<lock dir>/mm_<camera>_<node>.lock`, which holds the
//! owner's pid. The kernel releases a `flock` when its process dies, however it dies, so a lock
//! file left by a crash or `kill -9` never blocks the next start. The files are never removed:
//! removing a locked file lets a third process lock a new file of the same name while a second
//! still holds the old one.

use mm_shm_schema::CameraId;
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};

/// Environment variable naming the folder of the lock files (default: `mmoment` in the
/// system's temporary folder).
pub const LOCK_DIR_ENV: &str = "MM_LOCK_DIR";

/// Why the instance lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum InstanceLockError {
    /// Another live process holds the lock.
    #[error("{node} of camera {camera} is already running{}; stop it first (lock {})",
        .pid.map(|pid| format!(" as pid {pid}")).unwrap_or_default(), .path.display())]
    AlreadyRunning {
        /// The camera.
        camera: String,
        /// The node, e.g. `mm-capture`.
        node: String,
        /// The pid written by the holder, when readable.
        pid: Option<u32>,
        /// The lock file.
        path: PathBuf,
    },
    /// The lock file could not be created, opened, locked or written.
    #[error("cannot use lock file {}", .path.display())]
    Io {
        /// The lock file.
        path: PathBuf,
        /// The OS error.
        #[source]
        source: std::io::Error,
    },
}

/// Held while this process is the one instance of its node for its camera; dropping it (or the
/// process ending) releases the lock.
#[derive(Debug)]
pub struct InstanceLock {
    _lock: Flock<File>,
    path: PathBuf,
}

impl InstanceLock {
    /// Takes the lock of `node` (e.g. `mm-capture`) for `camera` in the default folder, or
    /// fails at once, never waiting, with the pid of the running instance.
    pub fn acquire(camera: &CameraId, node: &str) -> Result<Self, InstanceLockError> {
        Self::acquire_in(&lock_dir(), camera, node)
    }

    /// Like [`InstanceLock::acquire`] with the lock files in `dir`.
    pub fn acquire_in(
        dir: &Path,
        camera: &CameraId,
        node: &str,
    ) -> Result<Self, InstanceLockError> {
        let prefix = mm_shm_schema::ServiceNames::new(camera.clone()).resource_prefix();
        let path = dir.join(format!("{prefix}{node}.lock"));
        let io_error = |source| InstanceLockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io_error)?;
        // Not truncated on open: the holder's pid must stay readable for the error message.
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io_error)?;
        let mut lock = match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(lock) => lock,
            Err((mut file, Errno::EWOULDBLOCK)) => {
                return Err(InstanceLockError::AlreadyRunning {
                    camera: camera.to_string(),
                    node: node.to_owned(),
                    pid: read_pid(&mut file),
                    path,
                });
            }
            Err((_, errno)) => return Err(io_error(errno.into())),
        };
        write_pid(&mut lock).map_err(io_error)?;
        Ok(Self { _lock: lock, path })
    }

    /// The lock file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// The folder of the lock files: `$MM_LOCK_DIR`, else `<temp>/mmoment`.
pub fn lock_dir() -> PathBuf {
    std::env::var_os(LOCK_DIR_ENV)
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("mmoment"))
}

fn read_pid(file: &mut File) -> Option<u32> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    text.trim().parse().ok()
}

fn write_pid(file: &mut File) -> std::io::Result<()> {
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    file.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_instance_is_refused_with_the_pid_of_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let camera = CameraId::new("lock-test").unwrap();
        let first = InstanceLock::acquire_in(dir.path(), &camera, "mm-capture").unwrap();
        let error = InstanceLock::acquire_in(dir.path(), &camera, "mm-capture").unwrap_err();
        let message = error.to_string();
        assert!(
            message.contains(&format!("pid {}", std::process::id())),
            "{message}"
        );
        assert!(message.contains("mm-capture") && message.contains("lock-test"));
        // Another node, or another camera, is not blocked.
        InstanceLock::acquire_in(dir.path(), &camera, "mm-encode").unwrap();
        let other = CameraId::new("lock-test-2").unwrap();
        InstanceLock::acquire_in(dir.path(), &other, "mm-capture").unwrap();
        // Released with the holder; the file left behind does not block.
        drop(first);
        assert!(first_path_exists(dir.path()));
        InstanceLock::acquire_in(dir.path(), &camera, "mm-capture").unwrap();
    }

    fn first_path_exists(dir: &Path) -> bool {
        dir.join("mm_lock-test_mm-capture.lock").exists()
    }
}
