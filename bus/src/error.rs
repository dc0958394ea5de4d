//! What iceoryx2 reported, kept as the `source` of our errors: a log line or a status shows
//! the whole chain (`mm_runtime::report::ErrorChain`), and a caller can still downcast it.

use std::fmt::Debug;

/// An iceoryx2 error, boxed: each operation has its own error type.
pub type IceoryxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Boxes an iceoryx2 error as a source.
pub(crate) fn iceoryx(error: impl std::error::Error + Send + Sync + 'static) -> IceoryxError {
    Box::new(error)
}

/// The iceoryx2 errors that implement `Debug` only (name validation), as a source.
pub(crate) fn iceoryx_debug(error: impl Debug) -> IceoryxError {
    Box::new(DebugOnly(format!("{error:?}")))
}

/// An iceoryx2 error without `Display`, shown as its `Debug` text.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct DebugOnly(String);
