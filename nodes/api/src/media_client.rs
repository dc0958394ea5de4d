//! The API's client of `media/control`, on a thread of its own (iceoryx2 ports are not
//! `Send`) with its own bus connection: a photo or a recording's trailer may take a moment,
//! and the bus thread that feeds every MJPEG viewer must never wait for one.
//!
//! The routes that only show the media state (status, Livepeer status, metrics) are polled
//! by dashboards and Prometheus; they answer with the newest state the node gave if it is at
//! most [`STATE_FRESH`] old, instead of waiting in the node's queue behind a photo.

use mm_bus::{Bus, RequestError};
use mm_http::ApiError;
use mm_runtime::report::ErrorChain;
use mm_runtime::Config;
use mm_shm_schema::{
    node_name, streams, MediaAction, MediaOutcome, MediaRequest, MediaResponse, MediaState,
};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use warp::http::StatusCode;

/// Longest the media node may take to answer (a photo waits up to 2 s for its frame).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(8);
/// Requests waiting for the media thread at most; more get 503 at once.
const QUEUE: usize = 8;
/// How old a media state [`MediaControl::recent_state`] may answer with.
pub const STATE_FRESH: Duration = Duration::from_millis(250);

type Asked = (
    MediaRequest,
    oneshot::Sender<Result<MediaResponse, RequestError>>,
);

/// The handlers' end: asks the media node and awaits its answer.
#[derive(Debug, Clone)]
pub struct MediaControl {
    queue: mpsc::Sender<Asked>,
    newest_state: Arc<Mutex<NewestState>>,
}

/// The newest media state an answer carried, and when it came.
#[derive(Debug, Default)]
pub struct NewestState(Option<(Instant, MediaState)>);

impl NewestState {
    /// Keeps `state`, answered at `at`, unless a newer one is kept.
    pub fn update(&mut self, at: Instant, state: MediaState) {
        if self.0.is_none_or(|(kept_at, _)| kept_at <= at) {
            self.0 = Some((at, state));
        }
    }

    /// The kept state if it is at most [`STATE_FRESH`] old at `now`.
    pub fn fresh(&self, now: Instant) -> Option<MediaState> {
        self.0
            .filter(|(at, _)| now.saturating_duration_since(*at) <= STATE_FRESH)
            .map(|(_, state)| state)
    }
}

impl MediaControl {
    /// Starts the client thread for the camera of `config`.
    pub fn spawn(config: &Config) -> anyhow::Result<Self> {
        let camera = config.camera()?;
        let (queue, mut asked) = mpsc::channel::<Asked>(QUEUE);
        std::thread::Builder::new()
            .name("mm-api-media".to_owned())
            .spawn(move || {
                let runtime = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(runtime) => runtime,
                    Err(error) => {
                        tracing::error!(error = %ErrorChain(&error), "media client: no runtime");
                        return;
                    }
                };
                runtime.block_on(async move {
                    let client = Bus::open(&camera, &node_name("api-media")).and_then(|bus| {
                        let client = bus.request_client::<streams::MediaControl>()?;
                        Ok((bus, client))
                    });
                    let (_bus, client) = match client {
                        Ok(opened) => opened,
                        Err(error) => {
                            tracing::error!(error = %ErrorChain(&error), "media client: cannot open media/control");
                            return;
                        }
                    };
                    while let Some((request, reply)) = asked.recv().await {
                        let answer = client.request(request, ANSWER_TIMEOUT).await;
                        // The handler may have gone (its client hung up): nothing to do.
                        let _ = reply.send(answer);
                    }
                });
            })?;
        Ok(Self {
            queue,
            newest_state: Arc::default(),
        })
    }

    /// The media state at most [`STATE_FRESH`] old: the newest answer's when it is that
    /// recent, else the node's answer now. For routes that only show it; a decision that
    /// depends on the state (stop what runs, refuse a file being written) asks.
    pub async fn recent_state(&self) -> Result<MediaState, ApiError> {
        let kept = self
            .newest_state
            .lock()
            .ok()
            .and_then(|newest| newest.fresh(Instant::now()));
        match kept {
            Some(state) => Ok(state),
            None => Ok(self.ask(MediaAction::Status, 0, "").await?.state),
        }
    }

    /// Asks for `action` (`duration_ms` for a recording; `wallet`, whose photo or recording it
    /// is, `""` for none) and returns the answer; the media
    /// node's refusals become the JSON errors of their HTTP status (409 conflict, 400
    /// refused, 503 unavailable, 500 failed).
    pub async fn ask(
        &self,
        action: MediaAction,
        duration_ms: u64,
        wallet: &str,
    ) -> Result<MediaResponse, ApiError> {
        let request = MediaRequest {
            action: action as u32,
            duration_ms,
            wallet: mm_shm_schema::IdentityId::new(wallet),
        };
        let (reply, answer) = oneshot::channel();
        self.queue
            .try_send((request, reply))
            .map_err(|_| ApiError::unavailable("the media node is busy; try again"))?;
        let response = answer
            .await
            .map_err(|_| ApiError::unavailable("the media client stopped"))?
            .map_err(|error| match error {
                RequestError::NoServer => ApiError::unavailable("the media node is not running"),
                error => ApiError::unavailable(format!(
                    "the media node did not answer: {}",
                    ErrorChain(&error)
                )),
            })?;
        let status = match MediaOutcome::try_from(response.outcome) {
            Ok(MediaOutcome::Done) => {
                if let Ok(mut newest) = self.newest_state.lock() {
                    newest.update(Instant::now(), response.state);
                }
                return Ok(response);
            }
            Ok(MediaOutcome::Conflict) => StatusCode::CONFLICT,
            Ok(MediaOutcome::Refused) => StatusCode::BAD_REQUEST,
            Ok(MediaOutcome::Unavailable) => StatusCode::SERVICE_UNAVAILABLE,
            Ok(MediaOutcome::Failed) | Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Err(ApiError::new(status, response.message.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording(state: u32) -> MediaState {
        let mut media = MediaState::default();
        media.recording.state = state;
        media
    }

    #[test]
    fn a_state_is_fresh_for_its_time_only_and_a_newer_one_wins() {
        let start = Instant::now();
        let mut newest = NewestState::default();
        assert_eq!(newest.fresh(start), None);
        newest.update(start, recording(1));
        assert_eq!(newest.fresh(start + STATE_FRESH), Some(recording(1)));
        assert_eq!(
            newest.fresh(start + STATE_FRESH + Duration::from_millis(1)),
            None
        );
        // An answer that was asked earlier but came back later does not replace a newer one.
        let later = start + Duration::from_millis(100);
        newest.update(later, recording(2));
        newest.update(start, recording(1));
        assert_eq!(newest.fresh(later), Some(recording(2)));
    }
}
