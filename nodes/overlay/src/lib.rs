//! Overlay: draws what inference found onto a copy of the frame, in one pass, showing only
//! what the privacy policy allows.

pub mod canvas;
pub mod compose;
pub mod pairing;
