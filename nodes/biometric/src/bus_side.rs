//! The biometric node's bus side: it keeps the recognition gallery (the wallets the overlay
//! policy labels that are enrolled here), announces each change on `gallery`, gives its
//! entries on `biometric/gallery` sealed to the asker's one-time key, and asks inference for
//! the best face of an enrollment (sealed to this node's one-time key).
//!
//! Its ports live in the node's main loop (iceoryx2 ports are not `Send`); the HTTP routes
//! reach it through a [`BusHandle`].

use crate::store::BiometricStore;
use mm_bus::{Bus, BusError, MessagePublisher, MessageSubscriber, RequestClient, RequestServer};
use mm_bus_seal::Requester;
use mm_runtime::clock::unix_ms;
use mm_runtime::report::ErrorChain;
use mm_shm_schema::{
    streams, BestFaceRequest, BestFaceResponse, BestFaceStatus, GalleryEntryRequest,
    GalleryEntryResponse, GalleryEntryStatus, GalleryRevision, IdentityId, OverlayPolicy,
    EMBEDDING_LEN, MAX_LABELLED_IDENTITIES,
};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, Notify};
use zeroize::Zeroizing;

/// How long inference may take to answer a best-face request (it waits for a frame).
const BEST_FACE_TIMEOUT: Duration = Duration::from_secs(4);
/// Best-face requests waiting for the bus side.
const QUEUE: usize = 4;

/// The best face of the current frame, as inference saw it.
pub struct BestFace {
    /// What inference found.
    pub status: BestFaceStatus,
    /// Faces in the frame.
    pub faces_in_frame: u32,
    /// The frame.
    pub sequence: u64,
    /// The embedding, when `status` is `Found`.
    pub embedding: Option<Zeroizing<[f32; EMBEDDING_LEN]>>,
}

impl std::fmt::Debug for BestFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BestFace")
            .field("status", &self.status)
            .field("faces_in_frame", &self.faces_in_frame)
            .field("sequence", &self.sequence)
            .finish_non_exhaustive()
    }
}

/// Why no best face came back.
#[derive(Debug, thiserror::Error)]
pub enum BestFaceError {
    /// The bus side is not running or too busy.
    #[error("the biometric node's bus side is busy or stopped")]
    Unavailable,
    /// Inference did not answer.
    #[error("inference did not answer")]
    Request(#[from] mm_bus::RequestError),
    /// The answer did not open, or no one-time key could be made.
    #[error("the best face could not be opened")]
    Seal(#[from] mm_bus_seal::BusSealError),
    /// Inference answered a status this node does not know.
    #[error("inference answered the unknown status {0}")]
    UnknownStatus(u32),
}

type BestFaceAsk = oneshot::Sender<Result<BestFace, BestFaceError>>;

/// What the HTTP routes use to reach the bus side.
#[derive(Debug, Clone)]
pub struct BusHandle {
    asks: mpsc::Sender<BestFaceAsk>,
    gallery_changed: Arc<Notify>,
}

/// The other end of a [`BusHandle`], for [`BusSide::open`].
#[derive(Debug)]
pub struct BusInbox {
    asks: mpsc::Receiver<BestFaceAsk>,
    gallery_changed: Arc<Notify>,
}

impl BusHandle {
    /// A handle and the inbox it sends to.
    pub fn new() -> (Self, BusInbox) {
        let (asks, inbox) = mpsc::channel(QUEUE);
        let gallery_changed = Arc::new(Notify::new());
        (
            Self {
                asks,
                gallery_changed: gallery_changed.clone(),
            },
            BusInbox {
                asks: inbox,
                gallery_changed,
            },
        )
    }

    /// The best face of the frame inference is about to process.
    pub async fn best_face(&self) -> Result<BestFace, BestFaceError> {
        let (reply, answer) = oneshot::channel();
        self.asks
            .try_send(reply)
            .map_err(|_| BestFaceError::Unavailable)?;
        answer.await.map_err(|_| BestFaceError::Unavailable)?
    }

    /// Enrollments changed: the gallery is worked out again.
    pub fn gallery_changed(&self) {
        self.gallery_changed.notify_one();
    }
}

/// One entry of the gallery (never its embedding, which is opened per request).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    wallet: String,
    face_id: String,
    display_name: String,
}

/// What woke the bus side.
#[derive(Debug)]
pub enum BusEvent {
    /// The overlay policy changed.
    Policy(Box<OverlayPolicy>),
    /// Enrollments changed.
    GalleryChanged,
    /// Gallery entries were asked for.
    EntryRequests,
    /// A route asks for the best face.
    BestFace(BestFaceAsk),
    /// A port failed (logged).
    Failed,
}

/// The bus side's ports and the gallery it announced.
pub struct BusSide {
    inbox: BusInbox,
    store: Arc<Mutex<BiometricStore>>,
    notices: MessagePublisher<GalleryRevision>,
    entries: RequestServer<GalleryEntryRequest, GalleryEntryResponse>,
    policy: MessageSubscriber<OverlayPolicy>,
    best_face: RequestClient<BestFaceRequest, BestFaceResponse>,
    labelled: Vec<String>,
    revision: u64,
    gallery: Vec<Entry>,
}

impl BusSide {
    /// Opens the ports on `bus` and announces the gallery as it is now.
    pub fn open(
        bus: &Bus,
        inbox: BusInbox,
        store: Arc<Mutex<BiometricStore>>,
    ) -> Result<Self, BusError> {
        let mut side = Self {
            inbox,
            store,
            notices: bus.message_publisher::<streams::Gallery>()?,
            entries: bus.request_server::<streams::GalleryEntry>()?,
            policy: bus.message_subscriber::<streams::OverlayPolicy>()?,
            best_face: bus.request_client::<streams::BestFace>()?,
            labelled: Vec::new(),
            revision: 0,
            gallery: Vec::new(),
        };
        side.announce(true);
        Ok(side)
    }

    /// Waits for the next event; safe to cancel (nothing is lost).
    pub async fn next_event(&mut self) -> BusEvent {
        tokio::select! {
            policy = self.policy.next_latest() => match policy {
                Ok(policy) => BusEvent::Policy(Box::new(policy)),
                Err(error) => {
                    tracing::warn!(error = %ErrorChain(&error), "overlay policy unreadable");
                    BusEvent::Failed
                }
            },
            () = self.inbox.gallery_changed.notified() => BusEvent::GalleryChanged,
            woken = self.entries.wait() => match woken {
                Ok(()) => BusEvent::EntryRequests,
                Err(error) => {
                    tracing::warn!(error = %ErrorChain(&error), "gallery requests unreadable");
                    BusEvent::Failed
                }
            },
            Some(ask) = self.inbox.asks.recv() => BusEvent::BestFace(ask),
        }
    }

    /// Handles `event`.
    pub async fn handle(&mut self, event: BusEvent) {
        match event {
            BusEvent::Policy(policy) => {
                let count = (policy.labelled_count as usize).min(MAX_LABELLED_IDENTITIES);
                self.labelled = policy.labelled[..count]
                    .iter()
                    .map(|identity| identity.as_str().to_owned())
                    .collect();
                self.announce(false);
            }
            BusEvent::GalleryChanged => self.announce(false),
            BusEvent::EntryRequests => self.answer_entries(),
            BusEvent::BestFace(ask) => {
                let answer = self.ask_best_face().await;
                // The route may have given up (its client left): nothing to do.
                let _ = ask.send(answer);
            }
            // Slow down a port that keeps failing.
            BusEvent::Failed => tokio::time::sleep(Duration::from_millis(500)).await,
        }
    }

    /// Works out the gallery; when it changed (or `always`), a new revision is announced.
    fn announce(&mut self, always: bool) {
        let enrolled = self
            .store
            .lock()
            .map_err(|_| ())
            .and_then(|store| {
                store.enrollments().map_err(|error| {
                    tracing::error!(error = %ErrorChain(&error), "enrollments unreadable; the gallery is emptied");
                })
            })
            .unwrap_or_default();
        let gallery: Vec<Entry> = self
            .labelled
            .iter()
            .filter_map(|wallet| enrolled.iter().find(|e| &e.wallet == wallet))
            .map(|e| Entry {
                wallet: e.wallet.clone(),
                face_id: e.face_id.clone(),
                display_name: e.display_name.clone(),
            })
            .collect();
        if !always && gallery == self.gallery {
            return;
        }
        // Wall-clock based, so that a restarted node never repeats a revision.
        self.revision = (self.revision + 1).max(unix_ms());
        self.gallery = gallery;
        let notice = GalleryRevision {
            revision: self.revision,
            count: self.gallery.len() as u32,
            reserved: 0,
        };
        match self.notices.publish(&notice) {
            Ok(()) => tracing::info!(
                revision = self.revision,
                entries = self.gallery.len(),
                "gallery announced"
            ),
            Err(error) => {
                tracing::error!(error = %ErrorChain(&error), "gallery notice not published")
            }
        }
    }

    fn answer_entries(&mut self) {
        while let Ok(Some(request)) = self.entries.try_next() {
            let asked = *request.payload();
            let response = self.entry(&asked);
            if let Err(error) = self.entries.respond(request, &response) {
                tracing::warn!(error = %ErrorChain(&error), "gallery entry not answered");
            }
        }
    }

    fn entry(&mut self, asked: &GalleryEntryRequest) -> GalleryEntryResponse {
        let count = self.gallery.len() as u32;
        if asked.revision != self.revision {
            return GalleryEntryResponse::empty(GalleryEntryStatus::Stale, self.revision, count);
        }
        let Some(entry) = self.gallery.get(asked.index as usize).cloned() else {
            return GalleryEntryResponse::empty(
                GalleryEntryStatus::OutOfRange,
                self.revision,
                count,
            );
        };
        let opened = match self.store.lock() {
            Ok(mut store) => store.gallery(&[&entry.wallet], unix_ms()),
            Err(_) => {
                return GalleryEntryResponse::empty(
                    GalleryEntryStatus::Failed,
                    self.revision,
                    count,
                )
            }
        };
        let face = match opened {
            Ok(mut faces) if !faces.is_empty() => faces.swap_remove(0),
            Ok(_) => {
                // Purged or re-enrolled since: a new revision, read from the start.
                self.announce(false);
                return GalleryEntryResponse::empty(
                    GalleryEntryStatus::Stale,
                    self.revision,
                    self.gallery.len() as u32,
                );
            }
            Err(error) => {
                tracing::error!(error = %ErrorChain(&error), "a gallery entry does not open");
                return GalleryEntryResponse::empty(
                    GalleryEntryStatus::Failed,
                    self.revision,
                    count,
                );
            }
        };
        let mut response = GalleryEntryResponse {
            status: GalleryEntryStatus::Found as u32,
            identity: IdentityId::new(&entry.wallet),
            display_name: mm_shm_schema::DisplayName::new(&entry.display_name),
            ..GalleryEntryResponse::empty(GalleryEntryStatus::Found, self.revision, count)
        };
        let context = response.seal_context(asked.index);
        match mm_bus_seal::seal_f32s(
            &asked.requester_key,
            &context,
            &face.embedding,
            &mut response.sealed_embedding,
        ) {
            Ok(responder_key) => {
                response.responder_key = responder_key;
                response
            }
            Err(error) => {
                tracing::warn!(error = %ErrorChain(&error), "a gallery entry was not sealed");
                GalleryEntryResponse::empty(GalleryEntryStatus::Failed, self.revision, count)
            }
        }
    }

    async fn ask_best_face(&self) -> Result<BestFace, BestFaceError> {
        let requester = Requester::new()?;
        let request = BestFaceRequest {
            min_face_px: 0,
            reserved: 0,
            requester_key: requester.public_key(),
        };
        let response = self.best_face.request(request, BEST_FACE_TIMEOUT).await?;
        let status = BestFaceStatus::from_code(response.status)
            .ok_or(BestFaceError::UnknownStatus(response.status))?;
        let embedding = if status == BestFaceStatus::Found {
            let mut embedding = Zeroizing::new([0f32; EMBEDDING_LEN]);
            requester.open_f32s(
                &response.responder_key,
                &response.seal_context(),
                &response.sealed_embedding,
                embedding.as_mut(),
            )?;
            Some(embedding)
        } else {
            None
        };
        Ok(BestFace {
            status,
            faces_in_frame: response.faces_in_frame,
            sequence: response.sequence,
            embedding,
        })
    }
}
