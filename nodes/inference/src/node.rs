//! The inference node: reads `frames/raw` in place, publishes `detections`, reads the gallery
//! from the biometric node after each `gallery` notice, and answers best-face requests (the
//! embedding sealed to the requester).

use crate::gallery_fetch::{self, GalleryClient};
use mm_bus::{
    Incoming, MessagePublisher, MessageSubscriber, ReceiveError, RequestError, RequestServer,
    SliceSample, SliceSubscriber,
};
use mm_inference::image::RgbView;
use mm_inference::report::fill_detections;
use mm_inference::{EmbedFaces, FrameVision, Vision};
use mm_runtime::clock::monotonic_ns;
use mm_runtime::node_loop::NodeWork;
use mm_runtime::report::ErrorChain;
use mm_runtime::NodeContext;
use mm_shm_schema::{
    streams, BestFaceRequest, BestFaceResponse, BestFaceStatus, Detections, FaceDetection,
    FrameHeader, GalleryRevision, Stream, SEAL_KEY_LEN,
};
use std::time::{Duration, Instant};

/// A best-face request waits at most this long for a frame before it is answered `NoFrame`.
const REQUEST_FRAME_WAIT: Duration = Duration::from_secs(1);
/// After a failed read of the gallery, the next try comes this much later.
const GALLERY_RETRY: Duration = Duration::from_secs(2);

type BestFaceServer = RequestServer<BestFaceRequest, BestFaceResponse>;
type PendingRequest = (Instant, Incoming<BestFaceRequest, BestFaceResponse>);

/// Runs the node until SIGTERM/SIGINT.
pub fn run(args: &mm_runtime::NodeArgs) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        // Installed before any work so that no early SIGTERM is lost.
        let stop = mm_runtime::shutdown::stop_signal()?;
        let node = NodeContext::start("inference", args)?;
        serve(stop, node).await
    })
}

async fn serve(
    stop: impl std::future::Future<Output = mm_runtime::shutdown::StopSignal>,
    mut node: NodeContext,
) -> anyhow::Result<()> {
    let niceness = node.config.inference.niceness;
    if let Err(error) = mm_runtime::procfs::set_niceness(niceness) {
        tracing::warn!(error = %ErrorChain(&error), niceness, "cannot lower the scheduling priority");
    }
    let vision = match Vision::load(&node.config.inference) {
        Ok(vision) => vision,
        Err(error) => {
            node.status.record_error(&error);
            node.status.publish();
            return Err(error.into());
        }
    };
    let frames = node.bus.slice_subscriber::<streams::FramesRaw>()?;
    #[cfg(feature = "cuda")]
    let pinned = pin_frames(&vision);
    node.status.set_input(Stream::FramesRaw.suffix());
    node.status.set_detail(&format!(
        "{:?}, hands {}, persons {}",
        vision.provider(),
        node.config.inference.hands,
        node.config.inference.persons
    ));
    let work = InferenceWork {
        vision,
        frames,
        #[cfg(feature = "cuda")]
        pinned,
        detections: node.bus.message_publisher::<streams::Detections>()?,
        gallery_notices: node.bus.message_subscriber::<streams::Gallery>()?,
        gallery_client: node.bus.request_client::<streams::GalleryEntry>()?,
        gallery_retry: None,
        best_face: node.bus.request_server::<streams::BestFace>()?,
        min_face_px: node.config.inference.min_face_px,
        pending: Vec::new(),
        skipped_before: 0,
    };
    tracing::info!("models loaded; waiting for frames");
    node.run(stop, work).await;
    Ok(())
}

/// What woke inference.
enum Arrived {
    /// The gallery changed: the newest notice.
    Gallery(GalleryRevision),
    /// The gallery could not be read: the time to try again came.
    GalleryRetry,
    /// A client sent best-face requests.
    Requests,
    /// A frame to process.
    Frame(SliceSample<FrameHeader>),
}

/// Why waiting for an input failed.
#[derive(Debug, thiserror::Error)]
enum WaitError {
    /// The gallery or the frames.
    #[error(transparent)]
    Receive(#[from] ReceiveError),
    /// The best-face requests.
    #[error(transparent)]
    Request(#[from] RequestError),
}

/// The models, the node's ports and the requests waiting for a frame.
struct InferenceWork {
    vision: Vision,
    frames: SliceSubscriber<FrameHeader>,
    #[cfg(feature = "cuda")]
    pinned: Option<mm_inference::cuda::PinnedFrames>,
    detections: MessagePublisher<Detections>,
    gallery_notices: MessageSubscriber<GalleryRevision>,
    gallery_client: GalleryClient,
    /// The notice to read again, and when, after a failed read.
    gallery_retry: Option<(Instant, GalleryRevision)>,
    best_face: BestFaceServer,
    min_face_px: u32,
    pending: Vec<PendingRequest>,
    skipped_before: u64,
}

impl NodeWork for InferenceWork {
    type Input = Arrived;
    type Error = WaitError;

    async fn next(&mut self) -> Result<Arrived, WaitError> {
        tokio::select! {
            biased;
            notice = self.gallery_notices.next_latest() => Ok(Arrived::Gallery(notice?)),
            () = wait_until(self.gallery_retry.map(|(at, _)| at)) => Ok(Arrived::GalleryRetry),
            woken = self.best_face.wait() => woken.map(|()| Arrived::Requests).map_err(WaitError::from),
            sample = self.frames.next() => Ok(Arrived::Frame(sample?)),
        }
    }

    async fn handle(&mut self, node: &mut NodeContext, input: Arrived) {
        match input {
            Arrived::Gallery(notice) => self.read_gallery(notice).await,
            Arrived::GalleryRetry => {
                if let Some((_, notice)) = self.gallery_retry.take() {
                    self.read_gallery(notice).await;
                }
            }
            Arrived::Requests => {
                while let Ok(Some(request)) = self.best_face.try_next() {
                    self.pending.push((Instant::now(), request));
                }
            }
            Arrived::Frame(sample) => self.process(node, sample),
        }
    }

    fn on_status_tick(&mut self, _node: &mut NodeContext) {
        answer_stale(&self.best_face, &mut self.pending);
    }
}

impl InferenceWork {
    /// Replaces the gallery with the biometric node's at `notice`. A gallery that cannot be
    /// read is emptied (no name is better than a withdrawn one) and read again later.
    async fn read_gallery(&mut self, notice: GalleryRevision) {
        match gallery_fetch::fetch(&self.gallery_client, notice).await {
            Ok((revision, gallery)) => {
                *self.vision.gallery_mut() = gallery;
                self.gallery_retry = None;
                tracing::info!(
                    revision,
                    enrolled = self.vision.gallery_mut().len(),
                    "gallery read"
                );
            }
            Err(error) => {
                self.vision.gallery_mut().clear();
                self.gallery_retry = Some((Instant::now() + GALLERY_RETRY, notice));
                tracing::warn!(error = %ErrorChain(&error), "gallery not read; no face is recognised until it is");
            }
        }
    }

    /// Runs every model over one frame, publishes the detections and answers waiting
    /// best-face requests from it.
    fn process(&mut self, node: &mut NodeContext, sample: SliceSample<FrameHeader>) {
        let header = *sample.user_header();
        let embed = if self.pending.is_empty() {
            EmbedFaces::ToRecognise
        } else {
            EmbedFaces::All
        };
        let view = RgbView::new(
            sample.payload(),
            header.width as usize,
            header.height as usize,
        );
        // The GPU reads a registered frame slot in place (frame-input models).
        #[cfg(feature = "cuda")]
        let view = view.map(|view| {
            match self.pinned.as_mut().map(|p| p.register(sample.payload())) {
                Some(Ok(address)) => view.with_device_address(address),
                Some(Err(error)) => {
                    tracing::warn!(error = %ErrorChain(&error), "frame not registered with CUDA: read from the host");
                    view
                }
                None => view,
            }
        });
        let processed = view
            .map_err(FrameError::from)
            .and_then(|view| self.vision.process(&view, embed).map_err(FrameError::from));
        drop(sample);
        match processed {
            Ok(frame) => {
                let skipped = self.frames.skipped();
                let newly_skipped = (skipped - self.skipped_before) as u32;
                self.skipped_before = skipped;
                let published = self.detections.publish_with(|message| {
                    message.sequence = header.sequence;
                    message.capture_ns = header.capture_ns;
                    message.skipped_frames = newly_skipped;
                    fill_detections(&frame, header.width, header.height, message);
                    message.done_ns = monotonic_ns();
                });
                if let Err(error) = published {
                    node.status.record_error(&error);
                }
                answer_pending(
                    &self.best_face,
                    &mut self.pending,
                    &frame,
                    header.sequence,
                    self.min_face_px,
                );
                node.status.record_frame(skipped);
            }
            Err(error) => {
                tracing::warn!(error = %ErrorChain(&error), "frame not processed");
                node.status.record_error(&error);
            }
        }
    }
}

/// Why one frame could not be processed.
#[derive(Debug, thiserror::Error)]
enum FrameError {
    /// The frame does not match its header.
    #[error(transparent)]
    Image(#[from] mm_inference::image::ImageError),
    /// A model failed on it.
    #[error(transparent)]
    Engine(#[from] mm_inference::engine::EngineError),
}

/// The CUDA registration of frame segments, when the models run on a GPU provider and the
/// driver loads.
#[cfg(feature = "cuda")]
fn pin_frames(vision: &Vision) -> Option<mm_inference::cuda::PinnedFrames> {
    if !vision.on_gpu() {
        return None;
    }
    match mm_inference::cuda::PinnedFrames::load() {
        Ok(pinned) => Some(pinned),
        Err(error) => {
            tracing::warn!(error = %ErrorChain(&error), "frames stay unregistered; models run where ONNX Runtime can");
            None
        }
    }
}

/// Answers every waiting best-face request from `frame` (processed with embeddings).
fn answer_pending(
    server: &BestFaceServer,
    pending: &mut Vec<PendingRequest>,
    frame: &FrameVision,
    sequence: u64,
    default_min_px: u32,
) {
    for (_, request) in pending.drain(..) {
        let asked = *request.payload();
        let min_px = if asked.min_face_px == 0 {
            default_min_px
        } else {
            asked.min_face_px
        };
        let response = best_face_response(frame, sequence, min_px as f32, &asked.requester_key);
        if let Err(error) = server.respond(request, &response) {
            tracing::warn!(error = %ErrorChain(&error), "cannot answer best-face request");
        }
    }
}

/// Answers requests that waited too long for a frame with `NoFrame`.
fn answer_stale(server: &BestFaceServer, pending: &mut Vec<PendingRequest>) {
    let (stale, fresh): (Vec<_>, Vec<_>) = pending
        .drain(..)
        .partition(|(since, _)| since.elapsed() > REQUEST_FRAME_WAIT);
    *pending = fresh;
    for (_, request) in stale {
        let response = BestFaceResponse::empty(BestFaceStatus::NoFrame, 0);
        if let Err(error) = server.respond(request, &response) {
            tracing::warn!(error = %ErrorChain(&error), "cannot answer best-face request");
        }
    }
}

/// The answer for one processed frame.
fn best_face_response(
    frame: &FrameVision,
    sequence: u64,
    min_px: f32,
    requester_key: &[u8; SEAL_KEY_LEN],
) -> BestFaceResponse {
    let faces = frame.faces.len() as u32;
    if frame.faces.is_empty() {
        return BestFaceResponse::empty(BestFaceStatus::NoFace, 0);
    }
    if frame.enrollable_faces(min_px) > 1 {
        return BestFaceResponse::empty(BestFaceStatus::Several, faces);
    }
    let Some(best) = frame.best_face(min_px) else {
        return BestFaceResponse::empty(BestFaceStatus::TooSmall, faces);
    };
    let face = &frame.faces[best];
    let Some(embedding) = face.embedding else {
        return BestFaceResponse::empty(BestFaceStatus::Failed, faces);
    };
    let mut response = BestFaceResponse {
        status: BestFaceStatus::Found as u32,
        faces_in_frame: faces,
        sequence,
        face: FaceDetection {
            bbox: face.bbox,
            score: face.score,
            distance: face.matched.as_ref().map_or(-1.0, |m| m.distance),
            landmarks: face.landmarks,
            ..FaceDetection::default()
        },
        ..BestFaceResponse::empty(BestFaceStatus::Found, faces)
    };
    let sealed = mm_bus_seal::seal_f32s(
        requester_key,
        &response.seal_context(),
        &embedding,
        &mut response.sealed_embedding,
    );
    match sealed {
        Ok(responder_key) => {
            response.responder_key = responder_key;
            response
        }
        Err(error) => {
            tracing::warn!(error = %ErrorChain(&error), "best face not sealed");
            BestFaceResponse::empty(BestFaceStatus::Failed, faces)
        }
    }
}

/// Returns at `at`, never when it is `None`.
async fn wait_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at.into()).await,
        None => std::future::pending().await,
    }
}
