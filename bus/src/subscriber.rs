//! Awaitable, newest-wins receiving of slices (frames, JPEGs).

use crate::error::{iceoryx, IceoryxError};
use crate::sequence::SequenceTracker;
use crate::wake::EventWait;
use crate::Ipc;
use iceoryx2::identifiers::UniquePublisherId;
use iceoryx2::port::listener::Listener;
use iceoryx2::port::subscriber::Subscriber;
use iceoryx2::prelude::ZeroCopySend;
use iceoryx2::sample::Sample;
use mm_shm_schema::{FrameHeader, H264Header, JpegHeader};
use std::fmt::Debug;
use std::io;

/// How long a node waits after a failed receive before trying again, so that a broken
/// connection (e.g. to a publisher that was just killed) does not become a busy loop.
pub const RECEIVE_RETRY: std::time::Duration = std::time::Duration::from_millis(100);

/// A sample of a slice stream, read in place from shared memory.
pub type SliceSample<H> = Sample<Ipc, [u8], H>;

/// A header that carries the frame's sequence number.
pub trait Sequenced {
    /// The sequence number of the frame.
    fn sequence(&self) -> u64;
}

impl Sequenced for FrameHeader {
    fn sequence(&self) -> u64 {
        self.sequence
    }
}

impl Sequenced for JpegHeader {
    fn sequence(&self) -> u64 {
        self.frame.sequence
    }
}

impl Sequenced for H264Header {
    fn sequence(&self) -> u64 {
        self.unit_sequence
    }
}

/// Why receiving failed; the underlying error is the `source`.
#[derive(Debug, thiserror::Error)]
pub enum ReceiveError {
    /// iceoryx2 could not take a sample (e.g. a publisher's segment became unreachable).
    #[error("cannot receive sample")]
    Receive(#[source] IceoryxError),
    /// Waiting on the wake-up listener failed.
    #[error("cannot wait for notifications")]
    Wait(#[source] io::Error),
    /// A wake-up came, yet no message was there to take.
    #[error("woken without a message")]
    EmptyBatch,
}

/// Receives the newest slice of a stream, sleeping in tokio's reactor until a publisher
/// notifies. A subscriber that is slower than the publisher skips to the newest sample and
/// counts what it skipped; the publisher is never held up.
pub struct SliceSubscriber<H: Debug + ZeroCopySend + 'static> {
    subscriber: Subscriber<Ipc, [u8], H>,
    wake: EventWait,
    tracker: SequenceTracker<UniquePublisherId>,
}

impl<H: Debug + ZeroCopySend + Sequenced + 'static> SliceSubscriber<H> {
    pub(crate) fn new(
        subscriber: Subscriber<Ipc, [u8], H>,
        listener: Listener<Ipc>,
    ) -> io::Result<Self> {
        let wake = EventWait::new(listener)?;
        Ok(Self {
            subscriber,
            wake,
            tracker: SequenceTracker::new(),
        })
    }

    /// Waits for and returns the newest sample not yet returned. Older waiting samples are
    /// released unread and counted in [`SliceSubscriber::skipped`].
    pub async fn next(&mut self) -> Result<SliceSample<H>, ReceiveError> {
        loop {
            if let Some(sample) = self.take_newest()? {
                return Ok(sample);
            }
            self.wait_for_notification().await?;
        }
    }

    /// Waits for and returns the oldest sample not yet returned: every sample in order, for
    /// streams where each one matters (H.264 access units). Samples lost because this
    /// subscriber's queue overflowed are counted in [`SliceSubscriber::skipped`].
    pub async fn next_in_order(&mut self) -> Result<SliceSample<H>, ReceiveError> {
        loop {
            let oldest = self
                .subscriber
                .receive()
                .map_err(|e| ReceiveError::Receive(iceoryx(e)))?;
            if let Some(sample) = oldest {
                self.tracker
                    .observe(sample.origin(), sample.user_header().sequence());
                return Ok(sample);
            }
            self.wait_for_notification().await?;
        }
    }

    /// The newest waiting sample, if any, without waiting.
    pub fn try_next(&mut self) -> Result<Option<SliceSample<H>>, ReceiveError> {
        self.take_newest()
    }

    /// Samples returned so far.
    pub fn received(&self) -> u64 {
        self.tracker.received()
    }

    /// Samples the publisher sent that this subscriber never returned (replaced by newer ones).
    pub fn skipped(&self) -> u64 {
        self.tracker.skipped()
    }

    fn take_newest(&mut self) -> Result<Option<SliceSample<H>>, ReceiveError> {
        let mut newest: Option<SliceSample<H>> = None;
        loop {
            let has_more = self
                .subscriber
                .has_samples()
                .map_err(|e| ReceiveError::Receive(iceoryx(e)))?;
            if !has_more {
                break;
            }
            // Release the older one first: a subscriber may only borrow a few samples at once.
            drop(newest.take());
            newest = self
                .subscriber
                .receive()
                .map_err(|e| ReceiveError::Receive(iceoryx(e)))?;
            if newest.is_none() {
                break;
            }
        }
        if let Some(sample) = &newest {
            self.tracker
                .observe(sample.origin(), sample.user_header().sequence());
        }
        Ok(newest)
    }

    async fn wait_for_notification(&mut self) -> Result<(), ReceiveError> {
        self.wake.wait().await.map_err(ReceiveError::Wait)
    }
}
