//! Publishing slices (frames, JPEGs) that wake their subscribers.

use crate::error::{iceoryx, IceoryxError};
use crate::Ipc;
use iceoryx2::port::notifier::Notifier;
use iceoryx2::port::publisher::Publisher;
use iceoryx2::prelude::ZeroCopySend;
use iceoryx2::sample_mut::SampleMut;
use std::fmt::Debug;

/// Why publishing a sample failed; iceoryx2's own error is the `source`.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// No shared-memory sample could be loaned (segment exhausted or too small).
    #[error("cannot loan {len} bytes of shared memory")]
    Loan {
        /// Bytes asked for.
        len: usize,
        /// What iceoryx2 reported.
        #[source]
        source: IceoryxError,
    },
    /// The sample could not be delivered.
    #[error("cannot send sample")]
    Send(#[source] IceoryxError),
    /// The sample was delivered but the subscribers could not be woken.
    #[error("cannot notify subscribers")]
    Notify(#[source] IceoryxError),
}

/// A shared-memory slice loaned from a [`SlicePublisher`], written in place and then sent.
pub struct LoanedSlice<H: Debug + ZeroCopySend + 'static> {
    sample: SampleMut<Ipc, [u8], H>,
}

impl<H: Debug + ZeroCopySend + 'static> LoanedSlice<H> {
    /// The header subscribers will read.
    pub fn header_mut(&mut self) -> &mut H {
        self.sample.user_header_mut()
    }

    /// The header as written so far.
    pub fn header(&self) -> &H {
        self.sample.user_header()
    }

    /// The payload bytes, written in place in shared memory.
    pub fn payload_mut(&mut self) -> &mut [u8] {
        self.sample.payload_mut()
    }

    /// Header and payload together, for sources that fill both at once.
    pub fn parts_mut(&mut self) -> (&mut H, &mut [u8]) {
        let payload: *mut [u8] = self.sample.payload_mut();
        let header = self.sample.user_header_mut();
        // SAFETY: the user header and the payload are disjoint regions of the sample, and both
        // borrows end with the borrow of `self`; `SampleMut` just has no split accessor.
        (header, unsafe { &mut *payload })
    }
}

/// Publishes slices on one stream and wakes every subscriber after each send.
pub struct SlicePublisher<H: Debug + ZeroCopySend + 'static> {
    publisher: Publisher<Ipc, [u8], H>,
    notifier: Notifier<Ipc>,
}

impl<H: Debug + Default + ZeroCopySend + Copy + 'static> SlicePublisher<H> {
    pub(crate) fn new(publisher: Publisher<Ipc, [u8], H>, notifier: Notifier<Ipc>) -> Self {
        Self {
            publisher,
            notifier,
        }
    }

    /// Loans a `len`-byte slice of shared memory with a default header. Nothing is copied
    /// into it: the caller writes the frame in place.
    pub fn loan(&self, len: usize) -> Result<LoanedSlice<H>, PublishError> {
        let mut uninit = self
            .publisher
            .loan_slice_uninit(len)
            .map_err(|e| PublishError::Loan {
                len,
                source: iceoryx(e),
            })?;
        *uninit.user_header_mut() = H::default();
        // SAFETY: the payload lies in a shared-memory mapping whose bytes always hold defined
        // values (zero-filled by the kernel, or a frame written earlier); u8 has no invalid bit
        // patterns. Initialising it here would cost a full extra write of every frame.
        let sample = unsafe { uninit.assume_init() };
        Ok(LoanedSlice { sample })
    }

    /// Sends the sample to every subscriber (a full subscriber queue drops its oldest sample,
    /// never blocks) and wakes them. Returns how many subscribers received it.
    pub fn send(&self, loaned: LoanedSlice<H>) -> Result<usize, PublishError> {
        let receivers = loaned
            .sample
            .send()
            .map_err(|e| PublishError::Send(iceoryx(e)))?;
        self.notifier
            .notify()
            .map_err(|e| PublishError::Notify(iceoryx(e)))?;
        Ok(receivers)
    }
}
