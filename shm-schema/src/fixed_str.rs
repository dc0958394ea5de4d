//! A fixed-capacity UTF-8 string that can live in shared memory.

use iceoryx2::prelude::ZeroCopySend;

/// A string of at most `N` bytes stored inline, zero padded. Longer input is cut at a
/// character boundary, so the stored text is always valid UTF-8.
#[derive(Clone, Copy, PartialEq, Eq, ZeroCopySend)]
#[repr(C)]
pub struct FixedStr<const N: usize> {
    bytes: [u8; N],
}

impl<const N: usize> FixedStr<N> {
    /// The most bytes it holds.
    pub const CAPACITY: usize = N;

    /// The empty string.
    pub const fn empty() -> Self {
        Self { bytes: [0; N] }
    }

    /// Stores `text`, truncated to the longest prefix of at most `N` bytes that ends on a
    /// character boundary.
    pub fn new(text: &str) -> Self {
        let mut end = text.len().min(N);
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        let mut bytes = [0; N];
        bytes[..end].copy_from_slice(&text.as_bytes()[..end]);
        Self { bytes }
    }

    /// The stored text. Bytes written by a foreign process that are not UTF-8 end the text.
    pub fn as_str(&self) -> &str {
        let len = self.bytes.iter().position(|&b| b == 0).unwrap_or(N);
        match std::str::from_utf8(&self.bytes[..len]) {
            Ok(text) => text,
            Err(error) => {
                let valid = error.valid_up_to();
                // `valid_up_to` marks the end of the longest valid prefix.
                std::str::from_utf8(&self.bytes[..valid]).unwrap_or_default()
            }
        }
    }

    /// True when no text is stored.
    pub fn is_empty(&self) -> bool {
        self.bytes[0] == 0
    }
}

impl<const N: usize> Default for FixedStr<N> {
    fn default() -> Self {
        Self::empty()
    }
}

impl<const N: usize> std::fmt::Debug for FixedStr<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<const N: usize> std::fmt::Display for FixedStr<N> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::FixedStr;

    #[test]
    fn stores_and_returns_short_text() {
        let text = FixedStr::<16>::new("capture");
        assert_eq!(text.as_str(), "capture");
        assert!(!text.is_empty());
    }

    #[test]
    fn truncates_on_a_character_boundary() {
        // "é" is two bytes; a cut in its middle must drop it whole.
        let text = FixedStr::<4>::new("abcé");
        assert_eq!(text.as_str(), "abc");
    }

    #[test]
    fn empty_is_empty() {
        assert!(FixedStr::<8>::empty().is_empty());
        assert_eq!(FixedStr::<8>::default().as_str(), "");
    }
}
