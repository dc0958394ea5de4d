//! Small fixed-size messages (detections, gallery updates, policies) that wake their readers.

use crate::error::iceoryx;
use crate::publisher::PublishError;
use crate::subscriber::ReceiveError;
use crate::wake::EventWait;
use crate::Ipc;
use iceoryx2::port::notifier::Notifier;
use iceoryx2::port::publisher::Publisher;
use iceoryx2::port::subscriber::Subscriber;
use iceoryx2::prelude::ZeroCopySend;
use std::fmt::Debug;
use std::io;

/// Publishes fixed-size messages of type `T` and wakes every subscriber after each send.
pub struct MessagePublisher<T: Debug + ZeroCopySend + 'static> {
    publisher: Publisher<Ipc, T, ()>,
    notifier: Notifier<Ipc>,
}

impl<T: Debug + Default + ZeroCopySend + 'static> MessagePublisher<T> {
    pub(crate) fn new(publisher: Publisher<Ipc, T, ()>, notifier: Notifier<Ipc>) -> Self {
        Self {
            publisher,
            notifier,
        }
    }

    /// Loans a message initialised to `T::default()`, lets `fill` write it in place in shared
    /// memory, sends it and wakes the subscribers.
    pub fn publish_with(&self, fill: impl FnOnce(&mut T)) -> Result<(), PublishError> {
        let mut sample = self.publisher.loan().map_err(|e| PublishError::Loan {
            len: std::mem::size_of::<T>(),
            source: iceoryx(e),
        })?;
        fill(sample.payload_mut());
        sample.send().map_err(|e| PublishError::Send(iceoryx(e)))?;
        self.notifier
            .notify()
            .map_err(|e| PublishError::Notify(iceoryx(e)))?;
        Ok(())
    }

    /// Sends a copy of `message`.
    pub fn publish(&self, message: &T) -> Result<(), PublishError>
    where
        T: Copy,
    {
        self.publish_with(|slot| *slot = *message)
    }
}

/// Receives fixed-size messages of type `T`, sleeping in tokio's reactor until a publisher
/// notifies.
pub struct MessageSubscriber<T: Debug + ZeroCopySend + 'static> {
    subscriber: Subscriber<Ipc, T, ()>,
    wake: EventWait,
}

impl<T: Debug + Copy + ZeroCopySend + 'static> MessageSubscriber<T> {
    pub(crate) fn new(
        subscriber: Subscriber<Ipc, T, ()>,
        wake: iceoryx2::port::listener::Listener<Ipc>,
    ) -> io::Result<Self> {
        Ok(Self {
            subscriber,
            wake: EventWait::new(wake)?,
        })
    }

    /// Every waiting message, oldest first, without waiting.
    pub fn drain(&mut self) -> Result<Vec<T>, ReceiveError> {
        let mut messages = Vec::new();
        while let Some(sample) = self
            .subscriber
            .receive()
            .map_err(|e| ReceiveError::Receive(iceoryx(e)))?
        {
            messages.push(*sample.payload());
        }
        Ok(messages)
    }

    /// The newest waiting message, if any, without waiting; older ones are dropped.
    pub fn latest(&mut self) -> Result<Option<T>, ReceiveError> {
        Ok(self.drain()?.pop())
    }

    /// Waits until at least one message is there and returns every waiting one, oldest first.
    pub async fn next_batch(&mut self) -> Result<Vec<T>, ReceiveError> {
        loop {
            let messages = self.drain()?;
            if !messages.is_empty() {
                return Ok(messages);
            }
            self.wake.wait().await.map_err(ReceiveError::Wait)?;
        }
    }

    /// Waits for the next message and returns the newest one waiting.
    pub async fn next_latest(&mut self) -> Result<T, ReceiveError> {
        let mut batch = self.next_batch().await?;
        // `next_batch` never returns an empty batch.
        batch.pop().ok_or(ReceiveError::EmptyBatch)
    }
}
