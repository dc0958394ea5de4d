//! Awaiting an iceoryx2 event listener in tokio's reactor.

use crate::Ipc;
use iceoryx2::port::listener::Listener;
use iceoryx2::prelude::FileDescriptorBased;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use tokio::io::unix::AsyncFd;

/// The listener's socket, registered with tokio's reactor. Only its readiness is used; the
/// descriptor stays owned by the listener.
struct WakeFd(RawFd);

impl AsRawFd for WakeFd {
    fn as_raw_fd(&self) -> RawFd {
        self.0
    }
}

/// An iceoryx2 listener whose notifications can be awaited without polling.
pub(crate) struct EventWait {
    // Declared before `listener` so the registration is dropped while the descriptor is open.
    wake: AsyncFd<WakeFd>,
    listener: Listener<Ipc>,
}

impl EventWait {
    /// Registers `listener`'s descriptor with the current tokio runtime.
    pub(crate) fn new(listener: Listener<Ipc>) -> io::Result<Self> {
        // SAFETY: the descriptor is owned by `listener`, which is stored next to `wake` and
        // dropped after it, so it stays open and unchanged for the registration's lifetime.
        let fd = unsafe { listener.file_descriptor().native_handle() };
        // SAFETY: the descriptor is valid and open, and stays so and refers to the same socket
        // until `wake` is dropped: `listener` owns it and is dropped after `wake` (field
        // order), and `WakeFd` always returns this one descriptor.
        let wake =
            unsafe { AsyncFd::register_with_interest(WakeFd(fd), tokio::io::Interest::READABLE) }?;
        Ok(Self { wake, listener })
    }

    /// Waits until at least one notification arrived and consumes every pending one.
    pub(crate) async fn wait(&self) -> io::Result<()> {
        loop {
            let mut guard = self.wake.readable().await?;
            let listener = &self.listener;
            let drained = guard.try_io(|_| match listener.try_wait(|_| {}) {
                Ok(0) => Err(io::ErrorKind::WouldBlock.into()),
                Ok(count) => Ok(count),
                Err(e) => Err(io::Error::other(format!("{e:?}"))),
            });
            match drained {
                Ok(Ok(_)) => return Ok(()),
                Ok(Err(e)) => return Err(e),
                // Spurious readiness: readiness was cleared, wait again.
                Err(_would_block) => continue,
            }
        }
    }
}
