//! Opening this camera's shared-memory services by their `shm-schema` names.

use crate::error::{iceoryx, iceoryx_debug, IceoryxError};
use crate::message::{MessagePublisher, MessageSubscriber};
use crate::publisher::SlicePublisher;
use crate::request::{RequestClient, RequestServer};
use crate::subscriber::{Sequenced, SliceSubscriber};
use crate::Ipc;
use iceoryx2::config::Config as IoxConfig;
use iceoryx2::node::{CleanupState, Node, NodeBuilder, NodeState, NodeView};
use iceoryx2::port::backpressure_strategy::BackpressureStrategy;
use iceoryx2::port::listener::Listener;
use iceoryx2::port::notifier::Notifier;
use iceoryx2::port::publisher::Publisher;
use iceoryx2::port::subscriber::Subscriber;
use iceoryx2::prelude::{
    AllocationStrategy, CallbackProgression, FileName, NodeName, SemanticString, ServiceName,
    SignalHandlingMode,
};
use iceoryx2::service::port_factory::event::PortFactory as EventFactory;
use iceoryx2::service::port_factory::publish_subscribe::PortFactory as PubSubFactory;
use iceoryx2::service::port_factory::request_response::PortFactory as RequestFactory;
use iceoryx2::service::port_factory::PortFactory as _;
use mm_shm_schema::{
    streams, CameraId, MessageStream, RequestStream, ServiceNames, SliceStream, Stream,
    StreamVisitor,
};
use std::collections::BTreeSet;

/// The request-response service of stream `S`.
type RequestService<S> =
    RequestFactory<Ipc, <S as RequestStream>::Request, (), <S as RequestStream>::Response, ()>;

/// Runtime state (connected ports) of a publish-subscribe service.
type PubSubDynamicConfig = iceoryx2::service::dynamic_config::publish_subscribe::DynamicConfig<
    <Ipc as iceoryx2::service::Service>::Bag,
>;

/// Listeners (one per subscriber) of each wake-up event service.
const EVENT_MAX_LISTENERS: usize = 16;
/// Notifiers (one per publisher) of each wake-up event service.
const EVENT_MAX_NOTIFIERS: usize = 8;

/// Why opening the bus or one of its ports failed; iceoryx2's own error is the `source`.
#[derive(Debug, thiserror::Error)]
pub enum BusError {
    /// The iceoryx2 node of this process could not be created.
    #[error("cannot create iceoryx2 node {node}")]
    Node {
        /// The node name.
        node: String,
        /// What iceoryx2 reported.
        #[source]
        source: IceoryxError,
    },
    /// A name was rejected by iceoryx2.
    #[error("invalid name {name}")]
    Name {
        /// The rejected name.
        name: String,
        /// What iceoryx2 reported.
        #[source]
        source: IceoryxError,
    },
    /// The service could not be opened or created; a schema mismatch with a running node
    /// (an incompatible type) shows up here.
    #[error("cannot open service {service}")]
    Service {
        /// The service name.
        service: String,
        /// What iceoryx2 reported.
        #[source]
        source: IceoryxError,
    },
    /// A publisher, subscriber, notifier or listener could not be created.
    #[error("cannot create {port} on {service}")]
    Port {
        /// Which kind of port.
        port: &'static str,
        /// The service name.
        service: String,
        /// What iceoryx2 reported.
        #[source]
        source: IceoryxError,
    },
    /// The listener's file descriptor could not be registered with tokio's reactor.
    #[error("cannot register wake-up descriptor of {service} with the async runtime")]
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

/// The iceoryx2 configuration for `camera`: its resources carry the prefix `mm_<camera>_`
/// ([`ServiceNames::resource_prefix`]), so that cameras never collide and a camera's files can
/// be listed and removed by prefix.
pub fn iceoryx_config(camera: &CameraId) -> Result<IoxConfig, BusError> {
    let mut config = IoxConfig::default();
    let prefix = ServiceNames::new(camera.clone()).resource_prefix();
    config.global.prefix = FileName::new(prefix.as_bytes()).map_err(|e| BusError::Name {
        name: prefix.clone(),
        source: iceoryx_debug(e),
    })?;
    Ok(config)
}

impl Bus {
    /// Creates this process's iceoryx2 node `node_name` for `camera`. Signal handling stays
    /// with the runtime, not iceoryx2.
    pub fn open(camera: &CameraId, node_name: &str) -> Result<Self, BusError> {
        let node_error = |source: IceoryxError| BusError::Node {
            node: node_name.to_owned(),
            source,
        };
        let name = NodeName::new(node_name).map_err(|e| node_error(iceoryx_debug(e)))?;
        let node = NodeBuilder::new()
            .name(&name)
            .config(&iceoryx_config(camera)?)
            .signal_handling_mode(SignalHandlingMode::Disabled)
            .create::<Ipc>()
            .map_err(|e| node_error(iceoryx(e)))?;
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

    /// How many publishers and subscribers `stream` has now (servers and clients of a
    /// request-response service); `None` when the service does not exist (nothing opened it).
    /// Opens, never creates, with the stream's declared types.
    pub fn port_counts(&self, stream: Stream) -> Option<PortCounts> {
        stream.visit(PortCounter { bus: self })
    }

    /// The service names of this camera.
    pub fn names(&self) -> &ServiceNames {
        &self.names
    }

    /// The underlying iceoryx2 node, for introspection.
    pub fn node(&self) -> &Node<Ipc> {
        &self.node
    }

    /// A publisher of slices (frames or JPEGs) on stream `S`, sized for `initial_max_len`
    /// bytes and growing when a larger slice is loaned.
    pub fn slice_publisher<S: SliceStream>(
        &self,
        initial_max_len: usize,
    ) -> Result<SlicePublisher<S::Header>, BusError> {
        let service_name = self.names.of(S::STREAM);
        let publisher = self
            .slice_service::<S>()?
            .publisher_builder()
            .initial_max_slice_len(initial_max_len.max(1))
            .allocation_strategy(AllocationStrategy::PowerOfTwo)
            .backpressure_strategy(BackpressureStrategy::DiscardData)
            .max_loaned_samples(S::STREAM.limits().publisher_loans)
            .create()
            .map_err(|e| port_error("publisher", &service_name, e))?;
        let notifier = self.notifier(&service_name)?;
        Ok(SlicePublisher::new(publisher, notifier))
    }

    /// A newest-wins subscriber of slices on stream `S`. Must be called inside a tokio
    /// runtime: the wake-up descriptor is registered with its reactor.
    pub fn slice_subscriber<S: SliceStream>(&self) -> Result<SliceSubscriber<S::Header>, BusError>
    where
        S::Header: Sequenced,
    {
        let service_name = self.names.of(S::STREAM);
        let subscriber = self
            .slice_service::<S>()?
            .subscriber_builder()
            .buffer_size(S::STREAM.limits().subscriber_buffer)
            .create()
            .map_err(|e| port_error("subscriber", &service_name, e))?;
        let listener = self.listener(&service_name)?;
        SliceSubscriber::new(subscriber, listener).map_err(|source| BusError::Reactor {
            service: service_name,
            source,
        })
    }

    /// A publisher of this node's status, without a wake-up notifier: readers drain the
    /// status stream when they need it.
    pub fn status_publisher(
        &self,
    ) -> Result<Publisher<Ipc, <streams::Status as MessageStream>::Message, ()>, BusError> {
        let service_name = self.names.of(Stream::Status);
        self.message_service::<streams::Status>()?
            .publisher_builder()
            .backpressure_strategy(BackpressureStrategy::DiscardData)
            .create()
            .map_err(|e| port_error("publisher", &service_name, e))
    }

    /// A subscriber of every node's status, drained by its reader.
    pub fn status_subscriber(
        &self,
    ) -> Result<Subscriber<Ipc, <streams::Status as MessageStream>::Message, ()>, BusError> {
        let service_name = self.names.of(Stream::Status);
        self.message_service::<streams::Status>()?
            .subscriber_builder()
            .buffer_size(Stream::Status.limits().subscriber_buffer)
            .create()
            .map_err(|e| port_error("subscriber", &service_name, e))
    }

    /// A publisher of fixed-size messages on stream `S` (detections, gallery, policy).
    pub fn message_publisher<S: MessageStream>(
        &self,
    ) -> Result<MessagePublisher<S::Message>, BusError> {
        let service_name = self.names.of(S::STREAM);
        let publisher = self
            .message_service::<S>()?
            .publisher_builder()
            .backpressure_strategy(BackpressureStrategy::DiscardData)
            .create()
            .map_err(|e| port_error("publisher", &service_name, e))?;
        let notifier = self.notifier(&service_name)?;
        Ok(MessagePublisher::new(publisher, notifier))
    }

    /// A subscriber of fixed-size messages on stream `S`. Must be called inside a tokio
    /// runtime.
    pub fn message_subscriber<S: MessageStream>(
        &self,
    ) -> Result<MessageSubscriber<S::Message>, BusError> {
        let service_name = self.names.of(S::STREAM);
        let subscriber = self
            .message_service::<S>()?
            .subscriber_builder()
            .buffer_size(S::STREAM.limits().subscriber_buffer)
            .create()
            .map_err(|e| port_error("subscriber", &service_name, e))?;
        let listener = self.listener(&service_name)?;
        MessageSubscriber::new(subscriber, listener).map_err(|source| BusError::Reactor {
            service: service_name,
            source,
        })
    }

    /// The server side of the request-response service `S`. Must be called inside a tokio
    /// runtime.
    pub fn request_server<S: RequestStream>(
        &self,
    ) -> Result<RequestServer<S::Request, S::Response>, BusError> {
        self.request_port::<S, _, _>(
            "server",
            |service| service.server_builder().create().map_err(iceoryx),
            RequestServer::new,
        )
    }

    /// The client side of the request-response service `S`. Must be called inside a tokio
    /// runtime.
    pub fn request_client<S: RequestStream>(
        &self,
    ) -> Result<RequestClient<S::Request, S::Response>, BusError> {
        self.request_port::<S, _, _>(
            "client",
            |service| service.client_builder().create().map_err(iceoryx),
            RequestClient::new,
        )
    }

    /// One end of a request-response service with the event pair that wakes the other end.
    fn request_port<S: RequestStream, Port, End>(
        &self,
        kind: &'static str,
        create: impl FnOnce(&RequestService<S>) -> Result<Port, IceoryxError>,
        wrap: impl FnOnce(Port, Notifier<Ipc>, Listener<Ipc>) -> std::io::Result<End>,
    ) -> Result<End, BusError> {
        let service_name = self.names.of(S::STREAM);
        let port = create(&self.request_service::<S>()?)
            .map_err(|e| port_error(kind, &service_name, e))?;
        let notifier = self.notifier(&service_name)?;
        let listener = self.listener(&service_name)?;
        wrap(port, notifier, listener).map_err(|source| BusError::Reactor {
            service: service_name,
            source,
        })
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

    /// The publish-subscribe service of message stream `S`, with its declared sizes.
    fn message_service<S: MessageStream>(
        &self,
    ) -> Result<PubSubFactory<Ipc, S::Message, ()>, BusError> {
        let service_name = self.names.of(S::STREAM);
        let limits = S::STREAM.limits();
        self.node
            .service_builder(&self.service_name(&service_name)?)
            .publish_subscribe::<S::Message>()
            .enable_safe_overflow(true)
            .history_size(limits.history)
            .subscriber_max_buffer_size(limits.subscriber_buffer)
            .subscriber_max_borrowed_samples(limits.subscriber_borrowed)
            .max_publishers(limits.max_publishers)
            .max_subscribers(limits.max_subscribers)
            .open_or_create()
            .map_err(|e| service_error(&service_name, e))
    }

    /// The request-response service `S`, with its declared port limits.
    fn request_service<S: RequestStream>(&self) -> Result<RequestService<S>, BusError> {
        let service_name = self.names.of(S::STREAM);
        let limits = S::STREAM.limits();
        self.node
            .service_builder(&self.service_name(&service_name)?)
            .request_response::<S::Request, S::Response>()
            .max_servers(limits.max_publishers)
            .max_clients(limits.max_subscribers)
            .open_or_create()
            .map_err(|e| service_error(&service_name, e))
    }

    /// The publish-subscribe service of slice stream `S`, with its declared sizes.
    fn slice_service<S: SliceStream>(
        &self,
    ) -> Result<PubSubFactory<Ipc, [u8], S::Header>, BusError> {
        let service_name = self.names.of(S::STREAM);
        let limits = S::STREAM.limits();
        self.node
            .service_builder(&self.service_name(&service_name)?)
            .publish_subscribe::<[u8]>()
            .user_header::<S::Header>()
            .enable_safe_overflow(true)
            .history_size(limits.history)
            .subscriber_max_buffer_size(limits.subscriber_buffer)
            .subscriber_max_borrowed_samples(limits.subscriber_borrowed)
            .max_subscribers(limits.max_subscribers)
            .max_publishers(limits.max_publishers)
            .open_or_create()
            .map_err(|e| service_error(&service_name, e))
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
            source: iceoryx_debug(e),
        })
    }
}

/// Port counts of an existing service, opened with its declared types. Servers count as
/// publishers (they answer), clients as subscribers.
struct PortCounter<'a> {
    bus: &'a Bus,
}

impl PortCounter<'_> {
    fn builder(&self, stream: Stream) -> Option<iceoryx2::service::builder::Builder<Ipc>> {
        let name = self.bus.service_name(&self.bus.names.of(stream)).ok()?;
        Some(self.bus.node.service_builder(&name))
    }
}

impl StreamVisitor for PortCounter<'_> {
    type Output = Option<PortCounts>;

    fn slices<S: SliceStream>(self) -> Option<PortCounts> {
        let service = self
            .builder(S::STREAM)?
            .publish_subscribe::<[u8]>()
            .user_header::<S::Header>()
            .open()
            .ok()?;
        Some(counts(service.dynamic_config()))
    }

    fn messages<S: MessageStream>(self) -> Option<PortCounts> {
        let service = self
            .builder(S::STREAM)?
            .publish_subscribe::<S::Message>()
            .open()
            .ok()?;
        Some(counts(service.dynamic_config()))
    }

    fn requests<S: RequestStream>(self) -> Option<PortCounts> {
        let service = self
            .builder(S::STREAM)?
            .request_response::<S::Request, S::Response>()
            .open()
            .ok()?;
        Some(PortCounts {
            publishers: service.dynamic_config().number_of_servers(),
            subscribers: service.dynamic_config().number_of_clients(),
        })
    }
}

fn counts(dynamic: &PubSubDynamicConfig) -> PortCounts {
    PortCounts {
        publishers: dynamic.number_of_publishers(),
        subscribers: dynamic.number_of_subscribers(),
    }
}

fn service_error(service: &str, error: impl std::error::Error + Send + Sync + 'static) -> BusError {
    BusError::Service {
        service: service.to_owned(),
        source: iceoryx(error),
    }
}

fn port_error(port: &'static str, service: &str, error: impl Into<IceoryxError>) -> BusError {
    BusError::Port {
        port,
        service: service.to_owned(),
        source: error.into(),
    }
}
