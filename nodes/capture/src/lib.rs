//! The capture node: frame sources that write straight into loaned shared-memory frames.

pub mod device_wait;
pub mod file;
pub mod scene_pictures;
pub mod select;
pub mod source;
pub mod synthetic;
pub mod v4l2;
