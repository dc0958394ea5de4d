//! Control and state of the media node (`media/control`): recordings, the RTMP stream and
//! photos, asked for by the API.

use crate::{FixedStr, UnknownCode};
use iceoryx2::prelude::ZeroCopySend;

/// File names the media node makes (`rec-20261202-101500-123.mp4`) fit in this.
pub type MediaName = FixedStr<64>;
/// A short human-readable reason or error.
pub type MediaText = FixedStr<160>;

macro_rules! code_enum {
    ($(#[doc = $doc:literal])* $name:ident, $what:literal { $($(#[doc = $vdoc:literal])* $variant:ident = $code:literal => $text:literal,)* }) => {
        $(#[doc = $doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
        #[repr(u32)]
        pub enum $name {
            #[default]
            $($(#[doc = $vdoc])* $variant = $code,)*
        }

        impl $name {
            /// Lower-case name used in JSON.
            pub const fn name(self) -> &'static str {
                match self { $($name::$variant => $text,)* }
            }
        }

        impl TryFrom<u32> for $name {
            type Error = UnknownCode;
            fn try_from(code: u32) -> Result<Self, UnknownCode> {
                match code {
                    $($code => Ok($name::$variant),)*
                    code => Err(UnknownCode { what: $what, code }),
                }
            }
        }
    };
}

code_enum! {
    /// What the API asks of the media node.
    MediaAction, "media action" {
        /// Only the current state.
        Status = 0 => "status",
        /// Start a recording of `duration_ms` (0: the configured maximum).
        StartRecording = 1 => "start_recording",
        /// Stop the running recording.
        StopRecording = 2 => "stop_recording",
        /// Start streaming to the RTMP ingest.
        StartStream = 3 => "start_stream",
        /// Stop streaming.
        StopStream = 4 => "stop_stream",
        /// Take a photo of the current frame.
        TakePhoto = 5 => "take_photo",
    }
}

code_enum! {
    /// How a [`MediaRequest`] went.
    MediaOutcome, "media outcome" {
        /// Done (or already so: stopping what is stopped).
        Done = 0 => "done",
        /// Refused: something else holds what was asked for (a recording already runs).
        Conflict = 1 => "conflict",
        /// Refused: the request or the configuration does not allow it (no stream key).
        Refused = 2 => "refused",
        /// Not possible now (no frames yet, disk below its floor); try again later.
        Unavailable = 3 => "unavailable",
        /// It failed; `message` says why.
        Failed = 4 => "failed",
    }
}

code_enum! {
    /// Where the recording stands.
    RecordingState, "recording state" {
        /// None has run since the node started.
        Idle = 0 => "idle",
        /// Waiting for the first keyframe, or writing.
        Recording = 1 => "recording",
        /// Ended by request.
        Stopped = 2 => "stopped",
        /// Ended by itself: its duration or size limit, or the free-space floor.
        Finished = 3 => "finished",
        /// Ended by an error.
        Failed = 4 => "failed",
    }
}

code_enum! {
    /// Where the RTMP stream stands.
    StreamingState, "streaming state" {
        /// Not streaming.
        Stopped = 0 => "stopped",
        /// Connecting to the ingest.
        Connecting = 1 => "connecting",
        /// Sending.
        Streaming = 2 => "streaming",
        /// Lost or refused: waiting to reconnect.
        Retrying = 3 => "retrying",
    }
}

/// The recording, as the media node sees it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
pub struct RecordingStatus {
    /// [`RecordingState`] code.
    pub state: u32,
    /// The file's name in the videos folder; empty when none ran.
    pub name: MediaName,
    /// When it started (Unix ms).
    pub started_unix_ms: u64,
    /// Media time written so far, from the frames' capture timestamps (ms).
    pub duration_ms: u64,
    /// Bytes written so far.
    pub bytes: u64,
    /// Where it ends by itself (ms of media time).
    pub limit_ms: u64,
    /// Why it ended, or its error.
    pub detail: MediaText,
}

/// The RTMP stream, as the media node sees it.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
pub struct StreamingStatus {
    /// [`StreamingState`] code.
    pub state: u32,
    /// Reconnections since the stream was started.
    pub reconnects: u32,
    /// Video frames sent since the stream was started.
    pub frames_sent: u64,
    /// Bytes sent since the stream was started.
    pub bytes_sent: u64,
    /// Video bitrate over the last seconds (bits per second).
    pub bitrate_bps: u64,
    /// Capture → written to the ingest's connection over the last seconds, median (µs).
    pub send_latency_p50_us: u32,
    /// The same, 99th percentile (µs).
    pub send_latency_p99_us: u32,
    /// Frames not sent (the ingest was slower than the camera, or was away).
    pub dropped_frames: u64,
    /// When it was started (CLOCK_MONOTONIC ns); 0 when stopped.
    pub started_ns: u64,
    /// The newest connection error; empty when none.
    pub last_error: MediaText,
}

/// Everything the API reports about media.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
pub struct MediaState {
    /// The current or last recording.
    pub recording: RecordingStatus,
    /// The RTMP stream.
    pub streaming: StreamingStatus,
    /// Access units received from `frames/h264` while recording or streaming.
    pub units_received: u64,
}

/// A request to the media node.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[type_name("mm.v2.MediaRequest")]
#[repr(C)]
pub struct MediaRequest {
    /// [`MediaAction`] code.
    pub action: u32,
    /// For [`MediaAction::StartRecording`]: its duration (ms); 0 for the configured maximum.
    pub duration_ms: u64,
    /// For a photo or a recording: the wallet of the session that asked, whose file it is.
    pub wallet: crate::IdentityId,
}

/// The media node's answer.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[type_name("mm.v2.MediaResponse")]
#[repr(C)]
pub struct MediaResponse {
    /// [`MediaOutcome`] code.
    pub outcome: u32,
    /// Why it was refused or failed; empty when done.
    pub message: MediaText,
    /// The file it made (a photo, a started recording); empty otherwise.
    pub name: MediaName,
    /// The state after the request.
    pub state: MediaState,
}
