//! Errors for people: an error with every cause under it, on one line.

use std::error::Error;
use std::fmt;

/// Shows an error and its sources as `outer: inner: innermost`, for log lines and node
/// statuses. Error types keep their causes as `source` (never in their own message), so each
/// cause appears once.
pub struct ErrorChain<'a>(pub &'a (dyn Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)?;
        let mut source = self.0.source();
        while let Some(cause) = source {
            write!(f, ": {cause}")?;
            source = cause.source();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::ErrorChain;

    #[derive(Debug, thiserror::Error)]
    #[error("cannot open camera")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn every_cause_once_outermost_first() {
        let error = Outer(std::io::Error::other("device busy"));
        assert_eq!(
            ErrorChain(&error).to_string(),
            "cannot open camera: device busy"
        );
    }
}
