//! `mm-shm list`: the camera's services and nodes.

use iceoryx2::prelude::{ipc, CallbackProgression, Service};
use iceoryx2::service::static_config::message_type_details::TypeDetail;
use iceoryx2::service::static_config::messaging_pattern::MessagingPattern as StaticPattern;
use mm_bus::{Bus, NodeEntry, PortCounts};
use mm_shm_schema::Stream;
use serde::Serialize;

/// One service of the camera.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceEntry {
    /// Full name, e.g. `mm/cam0/frames/raw`.
    pub name: String,
    /// `publish_subscribe`, `event`, ...
    pub pattern: String,
    /// Payload type name and size in bytes (per element for slices; the request of a
    /// request-response service).
    pub payload: Option<(String, usize)>,
    /// Response type name and size in bytes (request-response services).
    pub response: Option<(String, usize)>,
    /// User header type name and size in bytes.
    pub header: Option<(String, usize)>,
    /// Publishers connected (publish-subscribe services of ours only).
    pub publishers: Option<usize>,
    /// Subscribers connected (publish-subscribe services of ours only).
    pub subscribers: Option<usize>,
    /// Nodes that opened the service.
    pub nodes: usize,
}

/// Everything `list` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Inventory {
    /// The camera's services.
    pub services: Vec<ServiceEntry>,
    /// The camera's nodes, alive and dead.
    pub nodes: Vec<NodeView>,
}

/// A node as `list` shows it.
#[derive(Debug, Clone, Serialize)]
pub struct NodeView {
    /// Node name.
    pub name: String,
    /// Process id.
    pub pid: u32,
    /// `alive` or `dead`.
    pub state: &'static str,
}

/// Collects the camera's services and nodes.
pub fn collect(bus: &Bus) -> anyhow::Result<Inventory> {
    let prefix = bus.names().prefix();
    let mut services = Vec::new();
    ipc::Service::list(bus.node().config(), |details| {
        let name = details.static_details.name().to_string();
        if !name.starts_with(&prefix) {
            return CallbackProgression::Continue;
        }
        let type_of = |detail: &TypeDetail| Some((detail.type_name().to_string(), detail.size()));
        let messaging_pattern = details.static_details.messaging_pattern();
        let (pattern, payload, header, response) = match messaging_pattern {
            StaticPattern::PublishSubscribe(config) => {
                let types = config.message_type_details();
                (
                    "publish_subscribe",
                    type_of(&types.payload),
                    type_of(&types.user_header),
                    None,
                )
            }
            StaticPattern::Event(_) => ("event", None, None, None),
            StaticPattern::RequestResponse(config) => (
                "request_response",
                type_of(&config.request_message_type_details().payload),
                None,
                type_of(&config.response_message_type_details().payload),
            ),
            _ => ("other", None, None, None),
        };
        services.push(ServiceEntry {
            name,
            pattern: pattern.to_owned(),
            payload,
            response,
            header,
            publishers: None,
            subscribers: None,
            nodes: details
                .dynamic_details
                .as_ref()
                .map_or(0, |d| d.nodes.len()),
        });
        CallbackProgression::Continue
    })
    .map_err(|e| anyhow::anyhow!("cannot list services: {e:?}"))?;
    for stream in Stream::ALL {
        let name = bus.names().of(stream);
        if let Some(PortCounts {
            publishers,
            subscribers,
        }) = bus.port_counts(stream)
        {
            for entry in services
                .iter_mut()
                .filter(|e| e.name == name && e.pattern == "publish_subscribe")
            {
                entry.publishers = Some(publishers);
                entry.subscribers = Some(subscribers);
            }
        }
    }
    services.sort_by(|a, b| (&a.name, &a.pattern).cmp(&(&b.name, &b.pattern)));
    let mut nodes: Vec<NodeView> = bus
        .nodes()
        .into_iter()
        .map(|NodeEntry { name, pid, alive }| NodeView {
            name,
            pid,
            state: if alive { "alive" } else { "dead" },
        })
        .collect();
    nodes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(Inventory { services, nodes })
}

/// Prints the inventory as a table or JSON.
pub fn print(bus: &Bus, json: bool) -> anyhow::Result<()> {
    let inventory = collect(bus)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&inventory)?);
        return Ok(());
    }
    let type_text = |t: &Option<(String, usize)>| {
        t.as_ref()
            .map_or("-".to_owned(), |(name, size)| format!("{name} ({size} B)"))
    };
    let payload_text = |service: &ServiceEntry| match &service.response {
        Some(_) => format!(
            "{} -> {}",
            type_text(&service.payload),
            type_text(&service.response)
        ),
        None => type_text(&service.payload),
    };
    let count = |c: Option<usize>| c.map_or("-".to_owned(), |c| c.to_string());
    let header = [
        "SERVICE", "PATTERN", "PAYLOAD", "HEADER", "PUB", "SUB", "NODES",
    ]
    .map(String::from);
    let rows: Vec<[String; 7]> = std::iter::once(header)
        .chain(inventory.services.iter().map(|service| {
            [
                service.name.clone(),
                service.pattern.clone(),
                payload_text(service),
                type_text(&service.header),
                count(service.publishers),
                count(service.subscribers),
                service.nodes.to_string(),
            ]
        }))
        .collect();
    // Columns as wide as their widest cell; the counts are right-aligned.
    let widths: [usize; 7] = std::array::from_fn(|column| {
        rows.iter()
            .map(|row| row[column].chars().count())
            .max()
            .unwrap_or(0)
    });
    for row in &rows {
        let cells: Vec<String> = row
            .iter()
            .zip(widths)
            .enumerate()
            .map(|(column, (cell, width))| match column {
                0..=3 => format!("{cell:<width$}"),
                _ => format!("{cell:>width$}"),
            })
            .collect();
        println!("{}", cells.join(" "));
    }
    println!();
    println!("{:<16} {:>8} {:<6}", "NODE", "PID", "STATE");
    for node in &inventory.nodes {
        println!("{:<16} {:>8} {:<6}", node.name, node.pid, node.state);
    }
    Ok(())
}
