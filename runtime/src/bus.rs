//! Opening this camera's shared-memory services by their `shm-schema` names.

use crate::message::{MessagePublisher, MessageSubscriber};
use crate::publisher::SlicePublisher;
use crate::request::{RequestClient, RequestServer};
use crate::subscriber::{Sequenced, SliceSubscriber};
use iceoryx2::config::Config as IoxConfig;
use iceoryx2::node::{CleanupState, Node, NodeBuilder, NodeState, NodeView};
use iceoryx2::port::backpressure_strategy::BackpressureStrategy;
use iceoryx2::port::listener::Listener;
use iceoryx2::port::notifier::Notifier;
use iceoryx2::port::publisher::Publisher;
use iceoryx2::port::subscriber::Subscriber;
use iceoryx2::prelude::{
    ipc, AllocationStrategy, CallbackProgression, FileName, NodeName, SemanticString, ServiceName,
    SignalHandlingMode, ZeroCopySend,
};
use iceoryx2::service::builder::Builder as ServiceBuilder;
use iceoryx2::service::port_factory::event::PortFactory as EventFactory;
use iceoryx2::service::port_factory::publish_subscribe::PortFactory as PubSubFactory;
use iceoryx2::service::port_factory::request_response::PortFactory as RequestFactory;
use iceoryx2::service::port_factory::PortFactory as _;
use mm_shm_schema::{
    BestFaceRequest, BestFaceResponse, CameraId, Detections, FrameHeader, GalleryUpdate,
    JpegHeader, NodeStatus, OverlayPolicy, ServiceNames, Stream,
};
use std::collections::BTreeSet;
use std::fmt::Debug;

/// The service type every node uses: inter-process, shared memory.
pub type Ipc = ipc::Service;

/// Runtime state (connected ports) of a publish-subscribe service.
type PubSubDynamicConfig = iceoryx2::service::dynamic_config::publish_subscribe::DynamicConfig<
    <Ipc as iceoryx2::service::Service>::Bag,
>;

/// Subscribers a frame stream admits. Each costs `buffer + borrowed` frames of shared memory
/// in every publisher's data segment.
const FRAME_MAX_SUBSCRIBERS: usize = 6;
/// Frames queued per frame subscriber. One: with safe overflow a new frame replaces the queued
/// one, which is exactly newest-frame-wins.
const FRAME_SUBSCRIBER_BUFFER: usize = 1;
/// Frames a subscriber may hold at once: the one it is working on and the one it is taking.
const FRAME_SUBSCRIBER_BORROWED: usize = 2;
/// Publishers per frame stream; two so a restarted capture can publish before the dead one is
/// cleaned up.
const FRAME_MAX_PUBLISHERS: usize = 2;
/// Samples a publisher of slices may hold on loan at once.
const SLICE_PUBLISHER_MAX_LOANED: usize = 2;
/// Status messages queued per status subscriber: enough to hold the newest of every node.
const STATUS_SUBSCRIBER_BUFFER: usize = 32;
/// Nodes (each with a status publisher) a camera may run.
const STATUS_MAX_PUBLISHERS: usize = 16;
/// Readers of the status stream (api, mm-shm, benchmarks).
const STATUS_MAX_SUBSCRIBERS: usize = 8;
/// Listeners (one per subscriber) and notifiers of each wake-up event service.
const EVENT_MAX_LISTENERS: usize = 16;
const EVENT_MAX_NOTIFIERS: usize = 8;
/// Publishers, subscribers, servers and clients of each message or request service.
const MESSAGE_MAX_PORTS: usize = 8;
/// Gallery updates kept for a late (or restarted) inference node: it replays them in order.
const GALLERY_HISTORY: usize = 64;

/// Why a bus operation failed. iceoryx2's own error is kept as text in `reason`.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The iceoryx2 node of this process could not be created.
    #[error("cannot create iceoryx2 node {node}: {reason}")]
    Node {
        /// The node name.
        node: String,
        /// What iceoryx2 reported.
        reason: String,
    },
    /// A name was rejected by iceoryx2.
    #[error("invalid name {name}: {reason}")]
    Name {
        /// The rejected name.
        name: String,
        /// What iceoryx2 reported.
        reason: String,
    },
    /// The service could not be opened or created; a schema mismatch with a running node
    /// (an incompatible type) shows up here.
    #[error("cannot open service {service}: {reason}")]
    Service {
        /// The service name.
        service: String,
        /// What iceoryx2 reported.
        reason: String,
    },
    /// A publisher, subscriber, notifier or listener could not be created.
    #[error("cannot create {port} on {service}: {reason}")]
    Port {
        /// Which kind of port.
        port: &'static str,
        /// The service name.
        service: String,
        /// What iceoryx2 reported.
        reason: String,
    },
    /// The listener's file descriptor could not be registered with tokio's reactor.
    #[error("cannot register wake-up descriptor of {service} with the async runtime: {source}")]
    Reactor {
        /// The service name.
        service: String,
        /// The OS error.
        source: std::io::Error,
    },
}

/// One iceoryx2 node of the camera.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NodeEntry {
    /// Node name, e.g. `mm-capture`.
    pub name: String,
    /// Its process.
    pub pid: u32,
    /// Whether the process is alive.
    pub alive: bool,
}

/// Publishers and subscribers connected to a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PortCounts {
    /// Publishers.
    pub publishers: usize,
    /// Subscribers.
    pub subscribers: usize,
}

/// This process's connection to one camera's services.
#[derive(Debug)]
pub struct Bus {
    node: Node<Ipc>,
    names: ServiceNames,
}

/// The iceoryx2 configuration for `camera`: its resources carry the prefix `mm_<camera>_`, so
/// that cameras never collide and a camera's files can be listed and removed by prefix.
pub fn iceoryx_config(camera: &CameraId) -> Result<IoxConfig, BusError> {
    let mut config = IoxConfig::default();
    let prefix = resource_prefix(camera);
    config.global.prefix = FileName::new(prefix.as_bytes()).map_err(|e| BusError::Name {
        name: prefix.clone(),
        reason: format!("{e:?}"),
    })?;
    Ok(config)
}

/// Shared memory the frame segments of one camera take for frames of `frame_len` bytes: one
/// data segment per publisher of `frames/raw`, `frames/composited` and `frames/jpeg` (sized
/// for half a frame at first), each holding the samples iceoryx2 preallocates for every
/// subscriber's queue and loans plus the publisher's own loans.
pub fn frame_segments_bytes(frame_len: u64) -> u64 {
    let samples = FRAME_MAX_SUBSCRIBERS * (FRAME_SUBSCRIBER_BUFFER + FRAME_SUBSCRIBER_BORROWED)
        + SLICE_PUBLISHER_MAX_LOANED;
    let per_publisher = samples as u64 * frame_len;
    // raw + composited full frames, JPEG half a frame.
    per_publisher * 2 + per_publisher / 2
}

/// The prefix of every file iceoryx2 creates for `camera` (in `/dev/shm` and its root folder).
pub fn resource_prefix(camera: &CameraId) -> String {
    format!("mm_{camera}_")
}

impl Bus {
    /// Creates this process's iceoryx2 node `node_name` for `camera`. Signal handling stays
    /// with the runtime (`shutdown`), not iceoryx2.
    pub fn open(camera: &CameraId, node_name: &str) -> Result<Self, BusError> {
        let node_error = |reason: String| BusError::Node {
            node: node_name.to_owned(),
            reason,
        };
        let name = NodeName::new(node_name).map_err(|e| node_error(format!("{e:?}")))?;
        let node = NodeBuilder::new()
            .name(&name)
            .config(&iceoryx_config(camera)?)
            .signal_handling_mode(SignalHandlingMode::Disabled)
            .create::<Ipc>()
            .map_err(|e| node_error(e.to_string()))?;
        Ok(Self {
            node,
            names: ServiceNames::new(camera.clone()),
        })
    }

    /// Removes the shared-memory resources of nodes of this camera whose process died (e.g.
    /// after `kill -9`), so their slots and segments are free again.
    pub fn cleanup_dead_nodes(&self) -> CleanupState {
        self.node.try_cleanup_dead_nodes()
    }

    /// Every iceoryx2 node of this camera: name, process id, and whether the process lives.
    /// A killed process is reported dead at once, long before its status goes stale.
    pub fn nodes(&self) -> Vec<NodeEntry> {
        let mut nodes = Vec::new();
        let listed = Node::<Ipc>::list(self.node.config(), |state| {
            let (alive, details) = match &state {
                NodeState::Alive(view) => (true, view.details().clone()),
                NodeState::Dead(view) => (false, view.details().clone()),
                NodeState::Inaccessible(_) | NodeState::Undefined(_) => (false, None),
            };
            if let Some(details) = details {
                nodes.push(NodeEntry {
                    name: details.name().to_string(),
                    pid: details.process_id().value() as u32,
                    alive,
                });
            }
            CallbackProgression::Continue
        });
        if let Err(error) = listed {
            tracing::debug!(?error, "cannot list nodes");
        }
        nodes
    }

    /// Names of this camera's iceoryx2 nodes (`mm-capture`, ...) whose process is alive now.
    pub fn alive_node_names(&self) -> BTreeSet<String> {
        self.nodes()
            .into_iter()
            .filter(|node| node.alive)
            .map(|node| node.name)
            .collect()
    }

    /// How many publishers and subscribers `stream` has now; `None` when the service does not
    /// exist (nothing opened it). Opens, never creates.
    pub fn port_counts(&self, stream: Stream) -> Option<PortCounts> {
        let name = self.service_name(&self.names.of(stream)).ok()?;
        let builder = self.node.service_builder(&name);
        match stream {
            Stream::FramesRaw | Stream::FramesComposited => slice_counts::<FrameHeader>(builder),
            Stream::FramesJpeg => slice_counts::<JpegHeader>(builder),
            Stream::Status => message_counts::<NodeStatus>(builder),
            Stream::Detections => message_counts::<Detections>(builder),
            Stream::Gallery => message_counts::<GalleryUpdate>(builder),
            Stream::OverlayPolicy => message_counts::<OverlayPolicy>(builder),
            // Servers count as publishers (they answer), clients as subscribers.
            Stream::BestFace => builder
                .request_response::<BestFaceRequest, BestFaceResponse>()
                .open()
                .ok()
                .map(|service| PortCounts {
                    publishers: service.dynamic_config().number_of_servers(),
                    subscribers: service.dynamic_config().number_of_clients(),
                }),
        }
    }

    /// The service names of this camera.
    pub fn names(&self) -> &ServiceNames {
        &self.names
    }

    /// The underlying iceoryx2 node, for introspection.
    pub fn node(&self) -> &Node<Ipc> {
        &self.node
    }

    /// A publisher of slices on `stream` (frames or JPEGs) with header `H`, sized for
    /// `initial_max_len` bytes and growing when a larger slice is loaned.
    pub fn slice_publisher<H>(
        &self,
        stream: Stream,
        initial_max_len: usize,
    ) -> Result<SlicePublisher<H>, BusError>
    where
        H: Debug + Default + ZeroCopySend + Copy + 'static,
    {
        let service_name = self.names.of(stream);
        let service = self.slice_service::<H>(&service_name)?;
        let publisher = service
            .publisher_builder()
            .initial_max_slice_len(initial_max_len.max(1))
            .allocation_strategy(AllocationStrategy::PowerOfTwo)
            .backpressure_strategy(BackpressureStrategy::DiscardData)
            .max_loaned_samples(SLICE_PUBLISHER_MAX_LOANED)
            .create()
            .map_err(|e| port_error("publisher", &service_name, e))?;
        let notifier = self.notifier(&service_name)?;
        Ok(SlicePublisher::new(publisher, notifier))
    }

    /// A newest-wins subscriber of slices on `stream` with header `H`. Must be called inside a
    /// tokio runtime: the wake-up descriptor is registered with its reactor.
    pub fn slice_subscriber<H>(&self, stream: Stream) -> Result<SliceSubscriber<H>, BusError>
    where
        H: Debug + Default + ZeroCopySend + Copy + Sequenced + 'static,
    {
        let service_name = self.names.of(stream);
        let service = self.slice_service::<H>(&service_name)?;
        let subscriber = service
            .subscriber_builder()
            .buffer_size(FRAME_SUBSCRIBER_BUFFER)
            .create()
            .map_err(|e| port_error("subscriber", &service_name, e))?;
        let listener = self.listener(&service_name)?;
        SliceSubscriber::new(subscriber, listener).map_err(|source| BusError::Reactor {
            service: service_name,
            source,
        })
    }

    /// A publisher of this node's [`NodeStatus`].
    pub fn status_publisher(&self) -> Result<Publisher<Ipc, NodeStatus, ()>, BusError> {
        let service_name = self.names.of(Stream::Status);
        self.status_service(&service_name)?
            .publisher_builder()
            .backpressure_strategy(BackpressureStrategy::DiscardData)
            .create()
            .map_err(|e| port_error("publisher", &service_name, e))
    }

    /// A subscriber of every node's [`NodeStatus`].
    pub fn status_subscriber(&self) -> Result<Subscriber<Ipc, NodeStatus, ()>, BusError> {
        let service_name = self.names.of(Stream::Status);
        self.status_service(&service_name)?
            .subscriber_builder()
            .buffer_size(STATUS_SUBSCRIBER_BUFFER)
            .create()
            .map_err(|e| port_error("subscriber", &service_name, e))
    }

    /// A publisher of fixed-size messages on `stream` (detections, gallery, policy).
    pub fn message_publisher<T>(&self, stream: Stream) -> Result<MessagePublisher<T>, BusError>
    where
        T: Debug + Default + ZeroCopySend + 'static,
    {
        let service_name = self.names.of(stream);
        let publisher = self
            .message_service::<T>(stream)?
            .publisher_builder()
            .backpressure_strategy(BackpressureStrategy::DiscardData)
            .create()
            .map_err(|e| port_error("publisher", &service_name, e))?;
        let notifier = self.notifier(&service_name)?;
        Ok(MessagePublisher::new(publisher, notifier))
    }

    /// A subscriber of fixed-size messages on `stream`. Must be called inside a tokio runtime.
    pub fn message_subscriber<T>(&self, stream: Stream) -> Result<MessageSubscriber<T>, BusError>
    where
        T: Debug + Default + Copy + ZeroCopySend + 'static,
    {
        let service_name = self.names.of(stream);
        let (_, buffer) = message_queue_sizes(stream);
        let subscriber = self
            .message_service::<T>(stream)?
            .subscriber_builder()
            .buffer_size(buffer)
            .create()
            .map_err(|e| port_error("subscriber", &service_name, e))?;
        let listener = self.listener(&service_name)?;
        MessageSubscriber::new(subscriber, listener).map_err(|source| BusError::Reactor {
            service: service_name,
            source,
        })
    }

    /// The server side of the request-response service `stream`. Must be called inside a
    /// tokio runtime.
    pub fn request_server<Req, Resp>(
        &self,
        stream: Stream,
    ) -> Result<RequestServer<Req, Resp>, BusError>
    where
        Req: Debug + Default + ZeroCopySend + 'static,
        Resp: Debug + Default + Copy + ZeroCopySend + 'static,
    {
        self.request_port(
            stream,
            "server",
            |service| service.server_builder().create().map_err(|e| e.to_string()),
            RequestServer::new,
        )
    }

    /// The client side of the request-response service `stream`. Must be called inside a
    /// tokio runtime.
    pub fn request_client<Req, Resp>(
        &self,
        stream: Stream,
    ) -> Result<RequestClient<Req, Resp>, BusError>
    where
        Req: Debug + Default + ZeroCopySend + 'static,
        Resp: Debug + Default + Copy + ZeroCopySend + 'static,
    {
        self.request_port(
            stream,
            "client",
            |service| service.client_builder().create().map_err(|e| e.to_string()),
            RequestClient::new,
        )
    }

    /// One end of a request-response service with the event pair that wakes the other end.
    fn request_port<Req, Resp, Port, End>(
        &self,
        stream: Stream,
        kind: &'static str,
        create: impl FnOnce(&RequestFactory<Ipc, Req, (), Resp, ()>) -> Result<Port, String>,
        wrap: impl FnOnce(Port, Notifier<Ipc>, Listener<Ipc>) -> std::io::Result<End>,
    ) -> Result<End, BusError>
    where
        Req: Debug + ZeroCopySend,
        Resp: Debug + ZeroCopySend,
    {
        let service_name = self.names.of(stream);
        let port = create(&self.request_service::<Req, Resp>(&service_name)?)
            .map_err(|e| port_error(kind, &service_name, e))?;
        let (notifier, listener) = self.event_pair(&service_name)?;
        wrap(port, notifier, listener).map_err(|source| BusError::Reactor {
            service: service_name,
            source,
        })
    }

    fn event_pair(&self, service_name: &str) -> Result<(Notifier<Ipc>, Listener<Ipc>), BusError> {
        Ok((self.notifier(service_name)?, self.listener(service_name)?))
    }

    /// The notifier that wakes the readers of `service_name`.
    fn notifier(&self, service_name: &str) -> Result<Notifier<Ipc>, BusError> {
        self.event_service(service_name)?
            .notifier_builder()
            .create()
            .map_err(|e| port_error("notifier", service_name, e))
    }

    /// The listener a reader of `service_name` waits on.
    fn listener(&self, service_name: &str) -> Result<Listener<Ipc>, BusError> {
        self.event_service(service_name)?
            .listener_builder()
            .create()
            .map_err(|e| port_error("listener", service_name, e))
    }

    fn message_service<T>(&self, stream: Stream) -> Result<PubSubFactory<Ipc, T, ()>, BusError>
    where
        T: Debug + ZeroCopySend,
    {
        let service_name = self.names.of(stream);
        let (history, buffer) = message_queue_sizes(stream);
        self.node
            .service_builder(&self.service_name(&service_name)?)
            .publish_subscribe::<T>()
            .enable_safe_overflow(true)
            .history_size(history)
            .subscriber_max_buffer_size(buffer)
            .subscriber_max_borrowed_samples(2)
            .max_publishers(MESSAGE_MAX_PORTS)
            .max_subscribers(MESSAGE_MAX_PORTS)
            .open_or_create()
            .map_err(|e| service_error(&service_name, e))
    }

    fn request_service<Req, Resp>(
        &self,
        service_name: &str,
    ) -> Result<RequestFactory<Ipc, Req, (), Resp, ()>, BusError>
    where
        Req: Debug + ZeroCopySend,
        Resp: Debug + ZeroCopySend,
    {
        self.node
            .service_builder(&self.service_name(service_name)?)
            .request_response::<Req, Resp>()
            .max_servers(MESSAGE_MAX_PORTS)
            .max_clients(MESSAGE_MAX_PORTS)
            .open_or_create()
            .map_err(|e| service_error(service_name, e))
    }

    fn slice_service<H>(&self, service_name: &str) -> Result<PubSubFactory<Ipc, [u8], H>, BusError>
    where
        H: Debug + ZeroCopySend,
    {
        self.node
            .service_builder(&self.service_name(service_name)?)
            .publish_subscribe::<[u8]>()
            .user_header::<H>()
            .enable_safe_overflow(true)
            .history_size(0)
            .subscriber_max_buffer_size(FRAME_SUBSCRIBER_BUFFER)
            .subscriber_max_borrowed_samples(FRAME_SUBSCRIBER_BORROWED)
            .max_subscribers(FRAME_MAX_SUBSCRIBERS)
            .max_publishers(FRAME_MAX_PUBLISHERS)
            .open_or_create()
            .map_err(|e| service_error(service_name, e))
    }

    fn status_service(
        &self,
        service_name: &str,
    ) -> Result<PubSubFactory<Ipc, NodeStatus, ()>, BusError> {
        self.node
            .service_builder(&self.service_name(service_name)?)
            .publish_subscribe::<NodeStatus>()
            .enable_safe_overflow(true)
            // A reader that starts later still gets every node's newest status at once.
            .history_size(1)
            .subscriber_max_buffer_size(STATUS_SUBSCRIBER_BUFFER)
            .subscriber_max_borrowed_samples(2)
            .max_publishers(STATUS_MAX_PUBLISHERS)
            .max_subscribers(STATUS_MAX_SUBSCRIBERS)
            .open_or_create()
            .map_err(|e| service_error(service_name, e))
    }

    fn event_service(&self, service_name: &str) -> Result<EventFactory<Ipc>, BusError> {
        self.node
            .service_builder(&self.service_name(service_name)?)
            .event()
            .max_listeners(EVENT_MAX_LISTENERS)
            .max_notifiers(EVENT_MAX_NOTIFIERS)
            .open_or_create()
            .map_err(|e| service_error(service_name, e))
    }

    fn service_name(&self, name: &str) -> Result<ServiceName, BusError> {
        ServiceName::new(name).map_err(|e| BusError::Name {
            name: name.to_owned(),
            reason: format!("{e:?}"),
        })
    }
}

/// Publishers and subscribers of an existing publish-subscribe service of messages `T`.
fn message_counts<T: Debug + ZeroCopySend>(builder: ServiceBuilder<Ipc>) -> Option<PortCounts> {
    let service = builder.publish_subscribe::<T>().open().ok()?;
    Some(counts(service.dynamic_config()))
}

/// Publishers and subscribers of an existing slice service with user header `H`.
fn slice_counts<H: Debug + ZeroCopySend>(builder: ServiceBuilder<Ipc>) -> Option<PortCounts> {
    let service = builder
        .publish_subscribe::<[u8]>()
        .user_header::<H>()
        .open()
        .ok()?;
    Some(counts(service.dynamic_config()))
}

fn counts(dynamic: &PubSubDynamicConfig) -> PortCounts {
    PortCounts {
        publishers: dynamic.number_of_publishers(),
        subscribers: dynamic.number_of_subscribers(),
    }
}

/// History (kept for late subscribers) and queue length of each message stream.
fn message_queue_sizes(stream: Stream) -> (usize, usize) {
    match stream {
        // Every update matters and a restarted inference node rebuilds its gallery from them.
        Stream::Gallery => (GALLERY_HISTORY, GALLERY_HISTORY),
        // Only the newest matters; a late reader gets it at once.
        _ => (1, 2),
    }
}

fn service_error(service: &str, error: impl std::fmt::Display) -> BusError {
    BusError::Service {
        service: service.to_owned(),
        reason: error.to_string(),
    }
}

fn port_error(port: &'static str, service: &str, error: impl std::fmt::Display) -> BusError {
    BusError::Port {
        port,
        service: service.to_owned(),
        reason: error.to_string(),
    }
}
