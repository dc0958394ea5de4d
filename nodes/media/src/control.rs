//! The media node's loop: answers `media/control`, and hands each `frames/h264` unit to the
//! running writers.

use crate::photo_privacy::PhotoPrivacy;
use crate::recorder::RecordingJob;
use crate::sink::{SharedState, SinkFeed, Unit};
use crate::streamer::{started_status, StreamJob};
use mm_bus::{ReceiveError, RequestError, RequestServer, SliceSample, SliceSubscriber};
use mm_runtime::clock::unix_ms;
use mm_runtime::config::{
    EncodeInput, LivepeerConfig, PhotoSource, RecordingConfig, STREAM_KEY_ENV,
};
use mm_runtime::media_files::{self, MediaKind, Retention};
use mm_runtime::node_loop::NodeWork;
use mm_runtime::report::ErrorChain;
use mm_runtime::secret::load_secret;
use mm_runtime::NodeContext;
use mm_shm_schema::{
    streams, H264Header, MediaAction, MediaName, MediaOutcome, MediaRequest, MediaResponse,
    MediaState, MediaText, RecordingState, RecordingStatus, StreamingState, StreamingStatus,
};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

type ControlServer = RequestServer<MediaRequest, MediaResponse>;

/// A recording being written.
struct ActiveRecording {
    feed: SinkFeed,
    thread: JoinHandle<()>,
}

/// What woke the loop.
pub enum Woken {
    /// Requests are waiting.
    Requests,
    /// An access unit arrived.
    Unit(SliceSample<H264Header>),
}

/// Why waiting failed.
#[derive(Debug, thiserror::Error)]
pub enum WaitError {
    /// On `media/control`.
    #[error(transparent)]
    Control(#[from] RequestError),
    /// On `frames/h264`.
    #[error(transparent)]
    Units(#[from] ReceiveError),
}

/// The media node's ports, writers and their states.
pub struct MediaWork {
    control: ControlServer,
    /// Open while a writer runs.
    units: Option<SliceSubscriber<H264Header>>,
    recording: Option<ActiveRecording>,
    recording_status: SharedState<RecordingStatus>,
    stream: Option<SinkFeed>,
    stream_status: SharedState<StreamingStatus>,
    /// The last unit seen: (encoder run, unit sequence).
    last_unit: Option<(u64, u64)>,
    units_received: u64,
    camera_id: String,
    recording_config: RecordingConfig,
    livepeer: LivepeerConfig,
    photos: mm_runtime::config::PhotosConfig,
    /// Detections and consent for raw photos while blurring.
    photo_privacy: Option<PhotoPrivacy>,
}

impl MediaWork {
    /// Opens `media/control`.
    pub fn open(node: &mut NodeContext) -> Result<Self, mm_bus::BusError> {
        let control = node.bus.request_server::<streams::MediaControl>()?;
        node.status
            .set_input(mm_shm_schema::Stream::FramesH264.suffix());
        node.status.set_detail("idle");
        let raw_photos = node.config.photos.source == PhotoSource::Raw
            && node.config.encode.input == EncodeInput::Composited;
        let photo_privacy = if node.config.privacy.blur_unknown_faces && raw_photos {
            Some(PhotoPrivacy::open(node)?)
        } else {
            None
        };
        Ok(Self {
            photo_privacy,
            control,
            units: None,
            recording: None,
            recording_status: SharedState::default(),
            stream: None,
            stream_status: SharedState::default(),
            last_unit: None,
            units_received: 0,
            camera_id: node.config.camera_id.clone(),
            recording_config: node.config.recording.clone(),
            livepeer: node.config.livepeer.clone(),
            photos: node.config.photos.clone(),
        })
    }

    /// Starts the stream when `livepeer.autostart` asks for it, and reads `frames/h264` at
    /// once: the H.264 node encodes only while it has a reader, whichever node started first.
    pub fn autostart(&mut self, node: &mut NodeContext) {
        if self.livepeer.autostart {
            let (outcome, message) = self.start_stream();
            if outcome != MediaOutcome::Done {
                tracing::warn!(%message, "livepeer.autostart: the stream did not start");
                node.status.record_problem(&message);
            }
            self.update_subscription(node);
        }
    }

    fn state(&self) -> MediaState {
        MediaState {
            recording: self.recording_status.get(),
            streaming: self.stream_status.get(),
            units_received: self.units_received,
        }
    }

    async fn answer(&mut self, node: &mut NodeContext, request: &MediaRequest) -> MediaResponse {
        let mut name = String::new();
        let (outcome, message) = match MediaAction::try_from(request.action) {
            Err(unknown) => (MediaOutcome::Refused, unknown.to_string()),
            Ok(MediaAction::Status) => (MediaOutcome::Done, String::new()),
            Ok(MediaAction::StartRecording) => {
                match self.start_recording(request.duration_ms, request.wallet.as_str()) {
                    Ok(started) => {
                        name = started;
                        (MediaOutcome::Done, String::new())
                    }
                    Err(refusal) => refusal,
                }
            }
            Ok(MediaAction::StopRecording) => self.stop_recording(),
            Ok(MediaAction::StartStream) => self.start_stream(),
            Ok(MediaAction::StopStream) => self.stop_stream(),
            Ok(MediaAction::TakePhoto) => {
                match crate::photo::take(
                    &node.bus,
                    &self.photos,
                    node.config.encode.input,
                    self.photo_privacy.as_mut(),
                    &self.camera_id,
                    request.wallet.as_str(),
                )
                .await
                {
                    Ok(taken) => {
                        tracing::info!(name = %taken, "photo taken");
                        name = taken;
                        (MediaOutcome::Done, String::new())
                    }
                    Err(error @ crate::photo::PhotoError::NoFrame(_)) => {
                        (MediaOutcome::Unavailable, ErrorChain(&error).to_string())
                    }
                    Err(error) => {
                        tracing::warn!(error = %ErrorChain(&error), "photo failed");
                        (MediaOutcome::Failed, ErrorChain(&error).to_string())
                    }
                }
            }
        };
        self.update_subscription(node);
        MediaResponse {
            outcome: outcome as u32,
            message: MediaText::new(&message),
            name: MediaName::new(&name),
            state: self.state(),
        }
    }

    fn start_recording(
        &mut self,
        duration_ms: u64,
        wallet: &str,
    ) -> Result<String, (MediaOutcome, String)> {
        self.reap_recording();
        if self.recording.is_some() {
            let running = self.recording_status.get().name;
            return Err((
                MediaOutcome::Conflict,
                format!("a recording is already running ({running})"),
            ));
        }
        let config = &self.recording_config;
        let failed = |error: std::io::Error| (MediaOutcome::Failed, ErrorChain(&error).to_string());
        std::fs::create_dir_all(&config.dir).map_err(failed)?;
        let free = media_files::free_bytes(&config.dir).map_err(failed)?;
        if free < config.min_free_mb << 20 {
            return Err((
                MediaOutcome::Unavailable,
                format!(
                    "the disk has {} MiB free, below recording.min_free_mb = {}",
                    free >> 20,
                    config.min_free_mb
                ),
            ));
        }
        let max = Duration::from_secs(config.max_duration_s);
        let limit = match duration_ms {
            0 => max,
            ms => Duration::from_millis(ms).min(max),
        };
        let started_unix_ms = unix_ms();
        let name = MediaKind::Video.unused_name(&config.dir, started_unix_ms);
        let status = SharedState::new(RecordingStatus {
            state: RecordingState::Recording as u32,
            name: MediaName::new(&name),
            started_unix_ms,
            limit_ms: limit.as_millis() as u64,
            ..RecordingStatus::default()
        });
        let (feed, units) = SinkFeed::new(Arc::new(AtomicU64::new(0)));
        let job = RecordingJob {
            dir: config.dir.clone(),
            name: name.clone(),
            camera_id: self.camera_id.clone(),
            wallet: (!wallet.is_empty()).then(|| wallet.to_owned()),
            limit,
            max_bytes: config.max_file_mb << 20,
            min_free_bytes: config.min_free_mb << 20,
            fragment: Duration::from_millis(config.fragment_ms),
            retention: Retention {
                keep_count: config.keep_count as usize,
                keep_bytes: config.keep_mb << 20,
                keep_age: (config.keep_days > 0)
                    .then(|| Duration::from_secs(u64::from(config.keep_days) * 86_400)),
            },
            status: status.clone(),
        };
        let thread = job.spawn(units).map_err(failed)?;
        tracing::info!(%name, limit_s = limit.as_secs_f64(), "recording");
        self.recording_status = status;
        self.recording = Some(ActiveRecording { feed, thread });
        Ok(name)
    }

    fn stop_recording(&mut self) -> (MediaOutcome, String) {
        match self.recording.take() {
            Some(active) => {
                // The closed queue ends the thread; joining waits for the file's trailer.
                drop(active.feed);
                if active.thread.join().is_err() {
                    self.recording_ended_abruptly();
                }
                (MediaOutcome::Done, String::new())
            }
            None => (MediaOutcome::Done, "no recording was running".to_owned()),
        }
    }

    /// Removes a recording whose thread ended by itself (a limit, an error).
    fn reap_recording(&mut self) {
        if self
            .recording
            .as_ref()
            .is_some_and(|active| active.thread.is_finished())
        {
            self.stop_recording();
        }
    }

    /// A thread that panicked never wrote its end: the state must not stay "recording".
    fn recording_ended_abruptly(&self) {
        self.recording_status.update(|status| {
            if status.state == RecordingState::Recording as u32 {
                status.state = RecordingState::Failed as u32;
                status.detail = MediaText::new("the recording thread ended unexpectedly");
            }
        });
    }

    fn start_stream(&mut self) -> (MediaOutcome, String) {
        if self.stream.is_some() {
            return (MediaOutcome::Done, "already streaming".to_owned());
        }
        let key = match load_secret(STREAM_KEY_ENV, self.livepeer.stream_key_file.as_deref()) {
            Ok(Some(key)) => key,
            Ok(None) => {
                return (
                    MediaOutcome::Refused,
                    format!("no stream key: set {STREAM_KEY_ENV} or livepeer.stream_key_file"),
                )
            }
            Err(error) => return (MediaOutcome::Refused, ErrorChain(&error).to_string()),
        };
        let status = SharedState::new(started_status());
        let dropped = Arc::new(AtomicU64::new(0));
        let (feed, units) = SinkFeed::new(dropped.clone());
        let job = StreamJob {
            ingest_url: self.livepeer.ingest_url.clone(),
            key,
            io_timeout: Duration::from_millis(self.livepeer.io_timeout_ms),
            backoff_initial: Duration::from_millis(self.livepeer.reconnect_initial_ms),
            backoff_max: Duration::from_millis(self.livepeer.reconnect_max_ms),
            status: status.clone(),
            dropped,
        };
        if let Err(error) = job.spawn(units) {
            return (MediaOutcome::Failed, ErrorChain(&error).to_string());
        }
        tracing::info!(ingest = %StreamJob::shown_as(&self.livepeer.ingest_url), "stream started");
        self.stream_status = status;
        self.stream = Some(feed);
        (MediaOutcome::Done, String::new())
    }

    fn stop_stream(&mut self) -> (MediaOutcome, String) {
        // The thread ends on its own once its queue closes, which may take one write's
        // timeout: the state says stopped at once, in a copy the old thread cannot change.
        if self.stream.take().is_none() {
            return (MediaOutcome::Done, "not streaming".to_owned());
        }
        let mut stopped = self.stream_status.get();
        stopped.state = StreamingState::Stopped as u32;
        stopped.started_ns = 0;
        self.stream_status = SharedState::new(stopped);
        (MediaOutcome::Done, String::new())
    }

    /// Reads `frames/h264` exactly while a writer runs.
    fn update_subscription(&mut self, node: &mut NodeContext) {
        let wanted = self.recording.is_some() || self.stream.is_some();
        match (&self.units, wanted) {
            (None, true) => match node.bus.slice_subscriber::<streams::FramesH264>() {
                Ok(units) => {
                    self.units = Some(units);
                    self.last_unit = None;
                }
                Err(error) => {
                    tracing::warn!(error = %ErrorChain(&error), "cannot read frames/h264");
                    node.status.record_error(&error);
                }
            },
            (Some(_), false) => self.units = None,
            _ => {}
        }
        let mut detail = Vec::new();
        if self.recording.is_some() {
            detail.push("recording");
        }
        if self.stream.is_some() {
            detail.push("streaming");
        }
        if detail.is_empty() {
            detail.push("idle");
        }
        node.status.set_detail(&detail.join(", "));
    }

    fn take_unit(&mut self, node: &mut NodeContext, sample: SliceSample<H264Header>) {
        let header = *sample.user_header();
        let gap = self.last_unit.is_some_and(|(run, sequence)| {
            run != header.encoder_run || header.unit_sequence != sequence + 1
        });
        self.last_unit = Some((header.encoder_run, header.unit_sequence));
        let payload = sample.payload();
        let unit = Arc::new(Unit {
            data: payload[..(header.len as usize).min(payload.len())].to_vec(),
            pts_us: (header.frame.capture_ns / 1000) as i64,
            keyframe: header.is_keyframe(),
            width: header.width,
            height: header.height,
            fps: header.fps,
        });
        drop(sample);
        self.units_received += 1;
        let skipped = self.units.as_ref().map_or(0, |units| units.skipped());
        node.status.record_frame(skipped);
        if let Some(active) = &mut self.recording {
            if gap {
                active.feed.resync();
            }
            if active.feed.offer(&unit).is_err() {
                self.reap_recording();
            }
        }
        if let Some(feed) = &mut self.stream {
            if gap {
                feed.resync();
            }
            if feed.offer(&unit).is_err() {
                self.stream = None;
            }
        }
        if self.recording.is_none() && self.stream.is_none() {
            self.update_subscription(node);
        }
    }
}

impl NodeWork for MediaWork {
    type Input = Woken;
    type Error = WaitError;

    async fn next(&mut self) -> Result<Woken, WaitError> {
        let units = async {
            match &mut self.units {
                Some(units) => units.next_in_order().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            biased;
            woken = self.control.wait() => Ok(woken.map(|()| Woken::Requests)?),
            sample = units => Ok(Woken::Unit(sample?)),
        }
    }

    async fn handle(&mut self, node: &mut NodeContext, input: Woken) {
        match input {
            Woken::Requests => loop {
                let request = match self.control.try_next() {
                    Ok(Some(request)) => request,
                    Ok(None) => break,
                    Err(error) => {
                        tracing::warn!(error = %ErrorChain(&error), "cannot take a media request");
                        break;
                    }
                };
                let asked = *request.payload();
                let response = self.answer(node, &asked).await;
                if let Err(error) = self.control.respond(request, &response) {
                    tracing::warn!(error = %ErrorChain(&error), "cannot answer a media request");
                }
            },
            Woken::Unit(sample) => self.take_unit(node, sample),
        }
    }

    fn on_status_tick(&mut self, node: &mut NodeContext) {
        let had_recording = self.recording.is_some();
        self.reap_recording();
        let writing = self.recording.is_some() || self.stream.is_some();
        // Also retries a subscription that could not be made when a writer started.
        if (had_recording && self.recording.is_none()) || (writing && self.units.is_none()) {
            self.update_subscription(node);
        }
    }
}

impl Drop for MediaWork {
    /// Stops the stream and finishes the recording's file before the node exits.
    fn drop(&mut self) {
        self.stream = None;
        self.stop_recording();
    }
}
