//! Every stream of a camera, declared once: its name, messaging pattern, payload types, queue
//! sizes and port limits side by side. The bus opens a stream through its declaration
//! (`bus.slice_subscriber::<streams::FramesRaw>()`), so a stream cannot be opened with another
//! payload type: that does not compile. Tools and the port counts walk [`Stream::ALL`] and
//! reach the types through [`Stream::visit`].

use crate::{
    BestFaceRequest, BestFaceResponse, CheckInEvent, Detections as DetectionsMessage, FrameHeader,
    GalleryEntryRequest, GalleryEntryResponse, GalleryRevision, H264Header, JpegHeader,
    MediaRequest, MediaResponse, NodeStatus, OverlayPolicy,
};
use iceoryx2::prelude::ZeroCopySend;
use std::fmt::Debug;

/// How a stream moves its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Publish-subscribe of `[u8]` slices (frames, JPEGs) with a `#[repr(C)]` user header;
    /// the newest wins.
    Slices,
    /// Publish-subscribe of one fixed-size `#[repr(C)]` message type.
    Messages,
    /// Request-response: one response per request.
    RequestResponse,
}

/// Queue sizes and port limits of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Samples kept for subscribers that connect later.
    pub history: usize,
    /// Samples queued per subscriber (servers' request queue for request-response).
    pub subscriber_buffer: usize,
    /// Samples a subscriber may hold at once.
    pub subscriber_borrowed: usize,
    /// Publishers (servers) the stream admits.
    pub max_publishers: usize,
    /// Subscribers (clients) the stream admits.
    pub max_subscribers: usize,
    /// Samples a publisher may hold on loan at once.
    pub publisher_loans: usize,
}

impl Limits {
    /// Samples iceoryx2 preallocates in each publisher's data segment: every subscriber's
    /// queue and loans, the history, and the publisher's own loans.
    pub const fn samples_per_publisher(&self) -> usize {
        self.max_subscribers * (self.subscriber_buffer + self.subscriber_borrowed)
            + self.history
            + self.publisher_loans
    }
}

/// Frames and JPEGs: one queued sample per subscriber, so with safe overflow a new frame
/// replaces the queued one (newest wins); a subscriber holds the frame it works on and the one
/// it takes; two publishers so a restarted capture can publish before the dead one is cleaned
/// up. Each subscriber costs `buffer + borrowed` frames in every publisher's segment.
const FRAME_LIMITS: Limits = Limits {
    history: 0,
    subscriber_buffer: 1,
    subscriber_borrowed: 2,
    max_publishers: 2,
    max_subscribers: 6,
    publisher_loans: 2,
};

/// H.264 access units: every one matters (a lost unit breaks decoding until the next
/// keyframe), so each subscriber queues a second's worth; one that falls further behind loses
/// the oldest and resynchronises at a keyframe. Few subscribers: the media node, tools.
const H264_LIMITS: Limits = Limits {
    history: 0,
    subscriber_buffer: 32,
    subscriber_borrowed: 2,
    max_publishers: 2,
    max_subscribers: 3,
    publisher_loans: 2,
};

/// Messages of which only the newest matters; a late reader gets it at once.
const NEWEST_MESSAGE_LIMITS: Limits = Limits {
    history: 1,
    subscriber_buffer: 2,
    subscriber_borrowed: 2,
    max_publishers: 8,
    max_subscribers: 8,
    publisher_loans: 2,
};

/// Check-in events: every one matters, and a late (or restarted) reader replays the last
/// 64 in order (the current sessions themselves are on the Solana node's HTTP API).
const CHECKIN_LIMITS: Limits = Limits {
    history: 64,
    subscriber_buffer: 64,
    ..NEWEST_MESSAGE_LIMITS
};

/// Node status: each node's newest is kept as history, so a reader that starts later sees
/// every node at once; a reader's queue holds the newest of every node.
const STATUS_LIMITS: Limits = Limits {
    history: 1,
    subscriber_buffer: 32,
    subscriber_borrowed: 2,
    max_publishers: 16,
    max_subscribers: 8,
    publisher_loans: 2,
};

/// Request-response: servers and clients of each service.
const REQUEST_LIMITS: Limits = Limits {
    history: 0,
    subscriber_buffer: 2,
    subscriber_borrowed: 2,
    max_publishers: 8,
    max_subscribers: 8,
    publisher_loans: 2,
};

/// A stream known at compile time: one of the types in [`streams`].
pub trait StreamKind {
    /// Which stream.
    const STREAM: Stream;
}

/// A stream of `[u8]` slices with a user header.
pub trait SliceStream: StreamKind {
    /// The user header every slice carries.
    type Header: Debug + Default + Copy + ZeroCopySend + 'static;
}

/// A stream of fixed-size messages.
pub trait MessageStream: StreamKind {
    /// The message.
    type Message: Debug + Default + Copy + ZeroCopySend + 'static;
}

/// A request-response service.
pub trait RequestStream: StreamKind {
    /// What a client sends.
    type Request: Debug + Default + Copy + ZeroCopySend + 'static;
    /// What the server answers.
    type Response: Debug + Default + Copy + ZeroCopySend + 'static;
}

/// Something done with a stream's declared types, chosen at run time by [`Stream::visit`].
pub trait StreamVisitor {
    /// What the visit returns.
    type Output;
    /// For a slice stream.
    fn slices<S: SliceStream>(self) -> Self::Output;
    /// For a message stream.
    fn messages<S: MessageStream>(self) -> Self::Output;
    /// For a request-response service.
    fn requests<S: RequestStream>(self) -> Self::Output;
}

macro_rules! declare_streams {
    ($(
        $(#[doc = $doc:literal])*
        $name:ident = $suffix:literal, $limits:expr, $pattern:ident($($types:ty),+);
    )*) => {
        /// A stream of one camera.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Stream {
            $($(#[doc = $doc])* $name,)*
        }

        impl Stream {
            /// Every stream, in pipeline order.
            pub const ALL: [Stream; [$(Stream::$name),*].len()] = [$(Stream::$name),*];

            /// The part of the service name after the camera id.
            pub const fn suffix(self) -> &'static str {
                match self { $(Stream::$name => $suffix,)* }
            }

            /// Its queue sizes and port limits.
            pub const fn limits(self) -> Limits {
                match self { $(Stream::$name => $limits,)* }
            }

            /// How it moves its data.
            pub const fn pattern(self) -> Pattern {
                match self { $(Stream::$name => Pattern::$pattern,)* }
            }

            /// Runs `visitor` with this stream's declared types.
            pub fn visit<V: StreamVisitor>(self, visitor: V) -> V::Output {
                match self { $(Stream::$name => declare_streams!(@visit $pattern, visitor, streams::$name),)* }
            }
        }

        /// One type per stream, naming it to the bus with its payload types.
        pub mod streams {
            $(
                $(#[doc = $doc])*
                #[derive(Debug, Clone, Copy)]
                pub struct $name;
            )*
        }

        $(
            impl StreamKind for streams::$name {
                const STREAM: Stream = Stream::$name;
            }
            declare_streams!(@impl $pattern, streams::$name, $($types),+);
        )*
    };
    (@impl Slices, $decl:ty, $header:ty) => {
        impl SliceStream for $decl { type Header = $header; }
    };
    (@impl Messages, $decl:ty, $message:ty) => {
        impl MessageStream for $decl { type Message = $message; }
    };
    (@impl RequestResponse, $decl:ty, $request:ty, $response:ty) => {
        impl RequestStream for $decl { type Request = $request; type Response = $response; }
    };
    (@visit Slices, $visitor:ident, $decl:ty) => { $visitor.slices::<$decl>() };
    (@visit Messages, $visitor:ident, $decl:ty) => { $visitor.messages::<$decl>() };
    (@visit RequestResponse, $visitor:ident, $decl:ty) => { $visitor.requests::<$decl>() };
}

declare_streams! {
    /// Frames as the source delivered them.
    FramesRaw = "frames/raw", FRAME_LIMITS, Slices(FrameHeader);
    /// Frames with overlays drawn.
    FramesComposited = "frames/composited", FRAME_LIMITS, Slices(FrameHeader);
    /// One JPEG per frame.
    FramesJpeg = "frames/jpeg", FRAME_LIMITS, Slices(JpegHeader);
    /// One H.264 access unit per frame, shared by RTMP and recordings.
    FramesH264 = "frames/h264", H264_LIMITS, Slices(H264Header);
    /// Health of every node.
    Status = "status", STATUS_LIMITS, Messages(NodeStatus);
    /// What inference found in each processed frame.
    Detections = "detections", NEWEST_MESSAGE_LIMITS, Messages(DetectionsMessage);
    /// The recognition gallery changed (no embedding in it: see `GalleryEntry`).
    Gallery = "gallery", NEWEST_MESSAGE_LIMITS, Messages(GalleryRevision);
    /// One gallery entry, its embedding sealed to the requester.
    GalleryEntry = "biometric/gallery", REQUEST_LIMITS, RequestResponse(GalleryEntryRequest, GalleryEntryResponse);
    /// What the overlay may draw.
    OverlayPolicy = "overlay/policy", NEWEST_MESSAGE_LIMITS, Messages(OverlayPolicy);
    /// The best face of the current frame with its embedding.
    BestFace = "inference/best-face", REQUEST_LIMITS, RequestResponse(BestFaceRequest, BestFaceResponse);
    /// Recordings, the RTMP stream and photos, asked of the media node.
    MediaControl = "media/control", REQUEST_LIMITS, RequestResponse(MediaRequest, MediaResponse);
    /// Wallets checking in at this camera and out of it, read from the chain.
    CheckIns = "chain/checkins", CHECKIN_LIMITS, Messages(CheckInEvent);
}

/// Bytes an H.264 sample is first sized for (the segment grows for a larger keyframe): an
/// eighth of an RGB frame is several times a keyframe at the default bitrate.
pub const fn h264_initial_unit_len(frame_len: u64) -> u64 {
    frame_len / 8
}

/// Shared memory the frame segments of one camera take for frames of `frame_len` bytes: one
/// data segment per publisher of `frames/raw` and `frames/composited`, and of `frames/jpeg`
/// (sized for half a frame at first) and of `frames/h264`, each holding the samples iceoryx2
/// preallocates.
pub fn frame_segments_bytes(frame_len: u64) -> u64 {
    let samples = |stream: Stream| stream.limits().samples_per_publisher() as u64;
    (samples(Stream::FramesRaw) + samples(Stream::FramesComposited)) * frame_len
        + samples(Stream::FramesJpeg) * frame_len / 2
        + samples(Stream::FramesH264) * h264_initial_unit_len(frame_len)
}
