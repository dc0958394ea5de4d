//! V4L2 cameras: format negotiation, frame conversion and reconnecting, behind a trait seam
//! so the logic is tested without a kernel that has V4L2.

mod camera;
mod convert;
mod negotiate;
mod reconnect;

pub use camera::{Camera, CameraOpener, CameraPixelFormat, Mode, V4lOpener};
pub use convert::yuyv_to_rgb;
pub use negotiate::{negotiate, NegotiationError, Wanted};
pub use reconnect::V4l2Source;
