//! `mm-api`: the public REST API and `/stream` (port 5002 by default).

use anyhow::Context;
use mm_api::bus_thread::VisionChannels;
use mm_api::session::Sessions;
use mm_api::state::AppState;
use mm_api::stats::FrameStats;
use mm_api::viewers::FrameBroadcast;
use mm_api::visualization::Visualization;
use mm_api::{bus_thread, routes};
use mm_runtime::clock::{monotonic_ns, unix_ms};
use mm_runtime::{shutdown, Config, NodeArgs};
use std::sync::{Arc, Mutex};

fn main() -> anyhow::Result<()> {
    let args = <NodeArgs as clap::Parser>::parse();
    let config = Config::load(args.config_path().as_deref()).context("loading config")?;
    // hyper reports every viewer that closes /stream mid-frame as a connection error; that is
    // how MJPEG viewers leave, not a fault.
    let log_defaults = [
        &["warp::server::run=off"],
        mm_http::request_log::LOG_DEFAULTS,
    ]
    .concat();
    mm_runtime::logging::init_with_defaults(&config.log.level, &log_defaults);
    let bind = config.api.bind;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let stop = shutdown::stop_signal().context("installing signal handlers")?;
        let broadcast = FrameBroadcast::new();
        let stats = Arc::new(Mutex::new(FrameStats::default()));
        let (detections_tx, detections) = tokio::sync::watch::channel(None);
        let visualization = Visualization::default();
        let (policy, policy_rx) = tokio::sync::watch::channel(visualization.policy());
        let visualization = Arc::new(Mutex::new(visualization));
        let policy = Arc::new(policy);
        let vision = VisionChannels {
            detections: detections_tx,
            policy: policy_rx,
            visualization: visualization.clone(),
            policy_tx: policy.clone(),
        };
        let (mut bus, statuses) =
            bus_thread::spawn(args, broadcast.clone(), stats.clone(), vision).await?;
        let bus_ended = bus.ended();
        let media = mm_api::media_client::MediaControl::spawn(&config)?;
        let sessions = Sessions::open(&config.access, &config.camera_id, unix_ms())
            .context("opening the session database")?;
        let internal = mm_api::internal_nodes::InternalNodes::new(&config)?;
        let state = AppState {
            media,
            internal,
            sessions: Arc::new(sessions),
            detections,
            visualization,
            policy,
            config: Arc::new(config),
            broadcast: broadcast.clone(),
            stats,
            statuses,
            started_ns: monotonic_ns(),
        };
        mm_api::chain_sync::spawn(state.clone());
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .with_context(|| format!("binding {bind}"))?;
        tracing::info!(%bind, "serving");
        // Without its bus thread the API serves no frames and stale health: it ends, so that
        // the supervisor restarts it, instead of answering as if all were well.
        let (bus_lost_tx, bus_lost) = tokio::sync::oneshot::channel();
        warp::serve(routes::routes(state))
            .incoming(listener)
            .graceful(async move {
                tokio::select! {
                    signal = stop => tracing::info!(?signal, "stopping"),
                    () = bus_ended => {
                        tracing::error!("the bus thread ended: stopping the API");
                        let _ = bus_lost_tx.send(());
                    }
                }
                broadcast.close();
            })
            .run()
            .await;
        // The bus thread is stopped last so it can report the node as stopping.
        tokio::task::spawn_blocking(move || bus.stop()).await?;
        if bus_lost.await.is_ok() {
            anyhow::bail!("the bus thread ended unexpectedly");
        }
        anyhow::Ok(())
    })
}
