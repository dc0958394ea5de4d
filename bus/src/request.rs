//! Request-response between nodes (e.g. "the embedding of the best face now"), woken through
//! an event service of the same name instead of polling.

use crate::error::{iceoryx, IceoryxError};
use crate::wake::EventWait;
use crate::Ipc;
use iceoryx2::active_request::ActiveRequest;
use iceoryx2::port::client::Client;
use iceoryx2::port::notifier::Notifier;
use iceoryx2::port::server::Server;
use iceoryx2::prelude::ZeroCopySend;
use std::fmt::Debug;
use std::io;
use std::time::Duration;

/// Why a request (or its answer) failed; the underlying error is the `source`.
#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    /// The request could not be sent (no memory, no connection).
    #[error("cannot send request")]
    Send(#[source] IceoryxError),
    /// No server is running for this service.
    #[error("no node serves this request")]
    NoServer,
    /// The server did not answer in time.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Waiting for the request or its answer failed.
    #[error("cannot wait for the answer")]
    Wait(#[source] IceoryxError),
}

/// A received request: read it with [`ActiveRequest::payload`], answer with
/// [`RequestServer::respond`].
pub type Incoming<Req, Resp> = ActiveRequest<Ipc, Req, (), Resp, ()>;

/// Answers requests of type `Req` with one `Resp` each.
pub struct RequestServer<Req, Resp>
where
    Req: Debug + ZeroCopySend + 'static,
    Resp: Debug + ZeroCopySend + 'static,
{
    server: Server<Ipc, Req, (), Resp, ()>,
    notifier: Notifier<Ipc>,
    wake: EventWait,
}

impl<Req, Resp> RequestServer<Req, Resp>
where
    Req: Debug + Default + ZeroCopySend + 'static,
    Resp: Debug + Default + Copy + ZeroCopySend + 'static,
{
    pub(crate) fn new(
        server: Server<Ipc, Req, (), Resp, ()>,
        notifier: Notifier<Ipc>,
        listener: iceoryx2::port::listener::Listener<Ipc>,
    ) -> io::Result<Self> {
        Ok(Self {
            server,
            notifier,
            wake: EventWait::new(listener)?,
        })
    }

    /// The next waiting request, without waiting.
    pub fn try_next(&self) -> Result<Option<Incoming<Req, Resp>>, RequestError> {
        self.server
            .receive()
            .map_err(|e| RequestError::Wait(iceoryx(e)))
    }

    /// Waits until a client notifies that it sent a request.
    pub async fn wait(&self) -> Result<(), RequestError> {
        self.wake
            .wait()
            .await
            .map_err(|e| RequestError::Wait(iceoryx(e)))
    }

    /// Sends `response` to the client of `request` and wakes it.
    pub fn respond(
        &self,
        request: Incoming<Req, Resp>,
        response: &Resp,
    ) -> Result<(), RequestError> {
        request
            .send_copy(*response)
            .map_err(|e| RequestError::Send(iceoryx(e)))?;
        drop(request);
        self.notifier
            .notify()
            .map_err(|e| RequestError::Send(iceoryx(e)))?;
        Ok(())
    }
}

/// Sends requests of type `Req` and awaits one `Resp` each.
pub struct RequestClient<Req, Resp>
where
    Req: Debug + ZeroCopySend + 'static,
    Resp: Debug + ZeroCopySend + 'static,
{
    client: Client<Ipc, Req, (), Resp, ()>,
    notifier: Notifier<Ipc>,
    wake: EventWait,
}

impl<Req, Resp> RequestClient<Req, Resp>
where
    Req: Debug + Default + ZeroCopySend + 'static,
    Resp: Debug + Copy + ZeroCopySend + 'static,
{
    pub(crate) fn new(
        client: Client<Ipc, Req, (), Resp, ()>,
        notifier: Notifier<Ipc>,
        listener: iceoryx2::port::listener::Listener<Ipc>,
    ) -> io::Result<Self> {
        Ok(Self {
            client,
            notifier,
            wake: EventWait::new(listener)?,
        })
    }

    /// Sends `request` and waits up to `timeout` for the answer.
    pub async fn request(&self, request: Req, timeout: Duration) -> Result<Resp, RequestError> {
        let pending = self
            .client
            .send_copy(request)
            .map_err(|e| RequestError::Send(iceoryx(e)))?;
        if pending.number_of_server_connections() == 0 {
            return Err(RequestError::NoServer);
        }
        self.notifier
            .notify()
            .map_err(|e| RequestError::Send(iceoryx(e)))?;
        let answer = async {
            loop {
                if let Some(response) = pending
                    .receive()
                    .map_err(|e| RequestError::Wait(iceoryx(e)))?
                {
                    return Ok(*response.payload());
                }
                self.wake
                    .wait()
                    .await
                    .map_err(|e| RequestError::Wait(iceoryx(e)))?;
            }
        };
        tokio::time::timeout(timeout, answer)
            .await
            .map_err(|_| RequestError::Timeout(timeout))?
    }
}
