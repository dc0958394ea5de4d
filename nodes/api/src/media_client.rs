//! The API's client of `media/control`, on a thread of its own (iceoryx2 ports are not
//! `Send`) with its own bus connection: a photo or a recording's trailer may take a moment,
//! and the bus thread that feeds every MJPEG viewer must never wait for one.

use mm_bus::{Bus, RequestError};
use mm_http::ApiError;
use mm_runtime::report::ErrorChain;
use mm_runtime::Config;
use mm_shm_schema::{node_name, streams, MediaAction, MediaOutcome, MediaRequest, MediaResponse};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};
use warp::http::StatusCode;

/// Longest the media node may take to answer (a photo waits up to 2 s for its frame).
const ANSWER_TIMEOUT: Duration = Duration::from_secs(8);
/// Requests waiting for the media thread at most; more get 503 at once.
const QUEUE: usize = 8;

type Asked = (
    MediaRequest,
    oneshot::Sender<Result<MediaResponse, RequestError>>,
);

/// The handlers' end: asks the media node and awaits its answer.
#[derive(Debug, Clone)]
pub struct MediaControl {
    queue: mpsc::Sender<Asked>,
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
        Ok(Self { queue })
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
            Ok(MediaOutcome::Done) => return Ok(response),
            Ok(MediaOutcome::Conflict) => StatusCode::CONFLICT,
            Ok(MediaOutcome::Refused) => StatusCode::BAD_REQUEST,
            Ok(MediaOutcome::Unavailable) => StatusCode::SERVICE_UNAVAILABLE,
            Ok(MediaOutcome::Failed) | Err(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        Err(ApiError::new(status, response.message.as_str()))
    }
}
