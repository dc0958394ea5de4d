//! The thread that owns the API's iceoryx2 ports (they are not `Send`): it takes each new JPEG
//! into the broadcast and answers status requests from the HTTP handlers.

use crate::detections::ReceivedDetections;
use crate::frame::JpegFrame;
use crate::stats::FrameStats;
use crate::viewers::FrameBroadcast;
use crate::visualization::Visualization;
use mm_runtime::clock::monotonic_ns;
use mm_runtime::report::ErrorChain;
use mm_runtime::status::{StatusBoard, STATUS_PERIOD};
use mm_runtime::{NodeArgs, NodeContext};
use mm_shm_schema::{
    streams, CheckInChange, CheckInEvent, Detections, JpegHeader, NodeStatus, OverlayPolicy, Stream,
};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use tokio::sync::{oneshot, watch, Notify};

/// Longest a handler waits for the bus thread to refresh the node statuses before it takes
/// the previous snapshot.
const REFRESH_WAIT: std::time::Duration = std::time::Duration::from_millis(250);

/// What the bus knows about the nodes.
#[derive(Debug, Clone, Default)]
pub struct NodeStatuses {
    /// The newest status each node published, by node name (`capture`, ...).
    pub statuses: BTreeMap<String, NodeStatus>,
    /// iceoryx2 node names (`mm-capture`, ...) whose process is alive.
    pub alive: BTreeSet<String>,
    /// False until the bus thread refreshed them once.
    pub known: bool,
}

/// The node statuses as the bus thread last read them, refreshed on demand. Any number of
/// handlers asking at once cause one refresh: the request is a single coalescing wake-up, not
/// a queue that could fill up and make a node look down.
#[derive(Debug, Clone)]
pub struct StatusView {
    snapshot: watch::Receiver<Arc<NodeStatuses>>,
    wanted: Arc<Notify>,
}

impl StatusView {
    /// Statuses read after this call, or the newest snapshot if the bus thread does not answer
    /// within [`REFRESH_WAIT`] (or is gone).
    pub async fn fresh(&self) -> Arc<NodeStatuses> {
        let mut snapshot = self.snapshot.clone();
        snapshot.mark_unchanged();
        self.wanted.notify_one();
        let _ = tokio::time::timeout(REFRESH_WAIT, snapshot.changed()).await;
        let statuses = snapshot.borrow().clone();
        statuses
    }
}

/// A running bus thread.
pub struct BusThread {
    stop: watch::Sender<bool>,
    handle: JoinHandle<()>,
    ended: Option<oneshot::Receiver<()>>,
}

impl BusThread {
    /// Resolves when the thread ends for any reason, a panic included (its end-of-life
    /// sender is dropped as it unwinds). Resolves at once when asked a second time.
    pub fn ended(&mut self) -> impl std::future::Future<Output = ()> + Send + 'static {
        let ended = self.ended.take();
        async move {
            if let Some(ended) = ended {
                // Nothing is ever sent: the sender's drop is the signal.
                let _ = ended.await;
            }
        }
    }

    /// Asks the thread to stop and waits for it.
    pub fn stop(self) {
        // The thread holds the receiver until it exits; a failed send means it already did.
        let _ = self.stop.send(true);
        if self.handle.join().is_err() {
            tracing::error!("bus thread panicked");
        }
    }
}

/// Channels between the bus thread and the HTTP handlers for vision data.
pub struct VisionChannels {
    /// Where the bus thread puts each new detections message.
    pub detections: watch::Sender<Option<Arc<ReceivedDetections>>>,
    /// The overlay policy the handlers set; the bus thread publishes every change.
    pub policy: watch::Receiver<OverlayPolicy>,
    /// Who wants what drawn; check-ins from the chain change it too.
    pub visualization: Arc<Mutex<Visualization>>,
    /// Where a changed policy goes (the handlers' sender).
    pub policy_tx: Arc<watch::Sender<OverlayPolicy>>,
}

/// Starts the node on its own thread (config, bus, dead-node cleanup) and returns once its
/// ports are open, or with the error that prevented it. The wait is awaited, so the caller's
/// runtime thread is never blocked by it.
pub async fn spawn(
    args: NodeArgs,
    broadcast: FrameBroadcast,
    stats: Arc<Mutex<FrameStats>>,
    vision: VisionChannels,
) -> anyhow::Result<(BusThread, StatusView)> {
    let (stop, stop_rx) = watch::channel(false);
    let (statuses, snapshot) = watch::channel(Arc::new(NodeStatuses::default()));
    let wanted = Arc::new(Notify::new());
    let status_view = StatusView {
        snapshot,
        wanted: wanted.clone(),
    };
    let (ready_tx, ready_rx) = oneshot::channel::<anyhow::Result<()>>();
    let (end_of_life, ended) = oneshot::channel::<()>();
    let handle = std::thread::Builder::new()
        .name("mm-api-bus".to_owned())
        .spawn(move || {
            let _end_of_life = end_of_life;
            let runtime = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime,
                Err(error) => {
                    let _ = ready_tx.send(Err(anyhow::Error::from(error)));
                    return;
                }
            };
            runtime.block_on(async move {
                let ports = open_ports(&args);
                match ports {
                    Ok(ports) => {
                        let _ = ready_tx.send(Ok(()));
                        let refresh = StatusRefresh { statuses, wanted };
                        run(ports, broadcast, stats, vision, stop_rx, refresh).await;
                    }
                    Err(error) => {
                        let _ = ready_tx.send(Err(error));
                    }
                }
            });
        })?;
    ready_rx
        .await
        .map_err(|_| anyhow::anyhow!("bus thread ended during start-up"))??;
    Ok((
        BusThread {
            stop,
            handle,
            ended: Some(ended),
        },
        status_view,
    ))
}

/// The bus thread's side of [`StatusView`].
struct StatusRefresh {
    statuses: watch::Sender<Arc<NodeStatuses>>,
    wanted: Arc<Notify>,
}

struct Ports {
    node: NodeContext,
    jpegs: mm_bus::SliceSubscriber<JpegHeader>,
    board: StatusBoard,
    detections: mm_bus::MessageSubscriber<Detections>,
    check_ins: mm_bus::MessageSubscriber<CheckInEvent>,
    policy: mm_bus::MessagePublisher<OverlayPolicy>,
}

fn open_ports(args: &NodeArgs) -> anyhow::Result<Ports> {
    let mut node = NodeContext::start("api", args)?;
    let jpegs = node.bus.slice_subscriber::<streams::FramesJpeg>()?;
    let board = StatusBoard::new(node.bus.status_subscriber()?);
    let detections = node.bus.message_subscriber::<streams::Detections>()?;
    let check_ins = node.bus.message_subscriber::<streams::CheckIns>()?;
    let policy = node.bus.message_publisher::<streams::OverlayPolicy>()?;
    node.status.set_input(Stream::FramesJpeg.suffix());
    Ok(Ports {
        node,
        jpegs,
        board,
        detections,
        check_ins,
        policy,
    })
}

async fn run(
    mut ports: Ports,
    broadcast: FrameBroadcast,
    stats: Arc<Mutex<FrameStats>>,
    mut vision: VisionChannels,
    mut stop: watch::Receiver<bool>,
    refresh: StatusRefresh,
) {
    let mut status_tick = tokio::time::interval(STATUS_PERIOD);
    // The overlay (and a restarted one, through history) starts from the current policy.
    publish_policy(&mut ports, &vision.policy.borrow_and_update());
    loop {
        tokio::select! {
            biased;
            _ = stop.wait_for(|stopping| *stopping) => break,
            Ok(()) = vision.policy.changed() => {
                let policy = *vision.policy.borrow_and_update();
                publish_policy(&mut ports, &policy);
            }
            batch = ports.detections.next_batch() => match batch {
                Ok(batch) => {
                    if let Some(newest) = batch.last() {
                        let received = ReceivedDetections {
                            detections: Box::new(*newest),
                            received_ns: monotonic_ns(),
                            received_unix_ms: mm_runtime::clock::unix_ms(),
                        };
                        vision.detections.send_replace(Some(Arc::new(received)));
                    }
                }
                Err(error) => ports.node.recover_from_receive_error(&error).await,
            },
            batch = ports.check_ins.next_batch() => match batch {
                Ok(batch) => {
                    for event in batch.iter() {
                        apply_check_in(&vision, event);
                    }
                }
                Err(error) => ports.node.recover_from_receive_error(&error).await,
            },
            _ = status_tick.tick() => {
                ports.node.status.set_detail(&format!("{} viewers", broadcast.viewers()));
                ports.node.status.publish();
            }
            () = refresh.wanted.notified() => {
                let snapshot = NodeStatuses {
                    statuses: ports.board.refresh().clone(),
                    alive: ports.node.bus.alive_node_names(),
                    known: true,
                };
                refresh.statuses.send_replace(Arc::new(snapshot));
            }
            received = ports.jpegs.next() => match received {
                Ok(sample) => {
                    let header = *sample.user_header();
                    let len = (header.jpeg_len as usize).min(sample.payload().len());
                    let frame = JpegFrame::new(header, &sample.payload()[..len]);
                    drop(sample);
                    broadcast.publish(frame);
                    let skipped = ports.jpegs.skipped();
                    if let Ok(mut stats) = stats.lock() {
                        stats.record(header, monotonic_ns(), skipped);
                    }
                    ports.node.status.record_frame(skipped);
                }
                Err(error) => ports.node.recover_from_receive_error(&error).await,
            },
        }
    }
    ports.node.status.stopping();
}

/// A check-in with face recognition lets the wallet be named; a check-out (or a check-in
/// without it) ends that. The new policy goes out through the handlers' channel.
fn apply_check_in(vision: &VisionChannels, event: &CheckInEvent) {
    let wallet = solana_sdk::pubkey::Pubkey::new_from_array(event.wallet).to_string();
    let checked_in = event.change() == Ok(CheckInChange::CheckedIn);
    let labelled = checked_in && event.face_recognition();
    let policy = match vision.visualization.lock() {
        Ok(mut visualization) => {
            visualization.set_checked_in(&wallet, checked_in, event.face_recognition())
        }
        Err(_) => return,
    };
    tracing::info!(%wallet, labelled, "check-in change");
    vision.policy_tx.send_replace(policy);
}

fn publish_policy(ports: &mut Ports, policy: &OverlayPolicy) {
    if let Err(error) = ports.policy.publish(policy) {
        tracing::warn!(error = %ErrorChain(&error), "cannot publish the overlay policy");
        ports.node.status.record_error(&error);
    }
}
