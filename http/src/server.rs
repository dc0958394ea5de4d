//! A server of an internal node (Solana, biometric): bound, spawned on the node's runtime
//! beside its bus loop, and stopped gracefully when the node stops.

use std::convert::Infallible;
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use warp::{Filter, Reply};

/// A running server.
pub struct RunningServer {
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// The address could not be bound.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {bind}")]
pub struct BindError {
    /// The address.
    pub bind: SocketAddr,
    /// Why.
    #[source]
    pub source: std::io::Error,
}

/// Binds `bind` and serves `routes` there on a task of the current runtime.
pub async fn spawn<F>(bind: SocketAddr, routes: F) -> Result<RunningServer, BindError>
where
    F: Filter<Error = Infallible> + Clone + Send + Sync + 'static,
    F::Extract: Reply,
{
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .map_err(|source| BindError { bind, source })?;
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(
        warp::serve(routes)
            .incoming(listener)
            .graceful(async move {
                let _ = stopped.await;
            })
            .run(),
    );
    Ok(RunningServer { stop, task })
}

impl RunningServer {
    /// Stops accepting, lets the requests in flight finish, and waits for that.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.task.await;
    }
}
