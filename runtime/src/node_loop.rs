//! The main loop every pipeline node runs, written once: the stop signal first, then the
//! status tick, then the node's own inputs; an input that fails backs off instead of spinning.

use crate::node::NodeContext;
use crate::shutdown::StopSignal;
use crate::status::STATUS_PERIOD;
use std::future::Future;

/// A pipeline node's own work, driven by [`NodeContext::run`].
pub trait NodeWork {
    /// What one wake-up brings: a frame, a batch of messages, a request, a pacing tick.
    type Input;
    /// Why waiting for an input failed (e.g. the publisher was just killed).
    type Error: std::error::Error + 'static;

    /// Waits for the next input. Must be cancel-safe: it is dropped whenever the stop signal
    /// or the status tick comes first, and is called again afterwards.
    fn next(&mut self) -> impl Future<Output = Result<Self::Input, Self::Error>>;

    /// Handles one input to completion; never cancelled, so a frame taken is always finished.
    fn handle(&mut self, node: &mut NodeContext, input: Self::Input) -> impl Future<Output = ()>;

    /// Runs at every status tick, before the node's status is published.
    fn on_status_tick(&mut self, _node: &mut NodeContext) {}
}

impl NodeContext {
    /// Runs `work` until `stop` resolves (SIGTERM, SIGINT), publishing the status every
    /// [`STATUS_PERIOD`]; a failed [`NodeWork::next`] is logged, reported in the status and
    /// retried after [`NodeContext::recover_from_receive_error`]'s pause. Reports the node as
    /// stopping when it returns.
    pub async fn run<W: NodeWork>(&mut self, stop: impl Future<Output = StopSignal>, mut work: W) {
        let mut status_tick = tokio::time::interval(STATUS_PERIOD);
        tokio::pin!(stop);
        loop {
            // A node whose input is always ready (inference takes longer than a frame) never
            // lets the select below return Pending on its own: yielding lets tokio poll its
            // timers and descriptors, so the stop signal and the tick are seen between inputs.
            tokio::task::yield_now().await;
            let input = tokio::select! {
                biased;
                signal = &mut stop => {
                    tracing::info!(?signal, "stopping");
                    break;
                }
                _ = status_tick.tick() => {
                    work.on_status_tick(self);
                    self.status.publish();
                    continue;
                }
                input = work.next() => input,
            };
            match input {
                Ok(input) => work.handle(self, input).await,
                Err(error) => self.recover_from_receive_error(&error).await,
            }
        }
        self.status.stopping();
    }
}
