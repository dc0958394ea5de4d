//! The Borsh subset `camera_network` uses, written out: little-endian integers, 1-byte bools
//! and enum variants, `u32` length prefixes, `Option` as 0 | 1 + value, 32-byte keys.

use solana_sdk::pubkey::Pubkey;

/// Appends Borsh values to instruction data.
#[derive(Debug, Default)]
pub struct BorshWriter {
    bytes: Vec<u8>,
}

impl BorshWriter {
    /// Data that starts with `discriminator`.
    pub fn with_discriminator(discriminator: super::Discriminator) -> Self {
        Self {
            bytes: discriminator.to_vec(),
        }
    }

    /// A `bool`.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.bytes.push(u8::from(value));
        self
    }

    /// A `u8` (also a unit enum's variant index).
    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.bytes.push(value);
        self
    }

    /// An `i64`.
    pub fn i64(&mut self, value: i64) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// A `u64`.
    pub fn u64(&mut self, value: u64) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_le_bytes());
        self
    }

    /// A `Vec<u8>` (or a `String`'s UTF-8 bytes): `u32` length, then the bytes.
    ///
    /// Callers bound `value` far below `u32::MAX` (the packet limit is 1232 bytes); a longer
    /// one would not fit any transaction, so its length saturates rather than wraps.
    pub fn bytes(&mut self, value: &[u8]) -> &mut Self {
        let len = u32::try_from(value.len()).unwrap_or(u32::MAX);
        self.bytes.extend_from_slice(&len.to_le_bytes());
        self.bytes.extend_from_slice(value);
        self
    }

    /// A `String`.
    pub fn string(&mut self, value: &str) -> &mut Self {
        self.bytes(value.as_bytes())
    }

    /// A `Pubkey`.
    pub fn pubkey(&mut self, value: &Pubkey) -> &mut Self {
        self.bytes.extend_from_slice(value.as_ref());
        self
    }

    /// `Option<[i64; 2]>`.
    pub fn location(&mut self, value: Option<[i64; 2]>) -> &mut Self {
        match value {
            None => self.u8(0),
            Some([lat, lon]) => self.u8(1).i64(lat).i64(lon),
        }
    }

    /// Raw bytes with no prefix (fixed arrays).
    pub fn raw(&mut self, value: &[u8]) -> &mut Self {
        self.bytes.extend_from_slice(value);
        self
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.bytes.len()
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// The data.
    pub fn finish(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.bytes)
    }
}

/// Why Borsh data could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    /// The data ends before `field`.
    #[error("data ends at byte {len} inside {field} (needs {needed} bytes)")]
    TooShort {
        /// The field being read.
        field: &'static str,
        /// Bytes it needs from the start of the data.
        needed: usize,
        /// Bytes there are.
        len: usize,
    },
    /// A value is not what the type allows (a bool of 2, text that is not UTF-8).
    #[error("{field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong with it.
        reason: &'static str,
    },
}

/// Reads Borsh values from account or instruction data.
#[derive(Debug)]
pub struct BorshReader<'a> {
    data: &'a [u8],
    offset: usize,
}

impl<'a> BorshReader<'a> {
    /// Reads `data` from byte `offset`.
    pub fn new(data: &'a [u8], offset: usize) -> Self {
        Self { data, offset }
    }

    /// Where the next value starts.
    pub fn offset(&self) -> usize {
        self.offset
    }

    fn take(&mut self, field: &'static str, len: usize) -> Result<&'a [u8], DecodeError> {
        let end = self.offset.saturating_add(len);
        let slice = self
            .data
            .get(self.offset..end)
            .ok_or(DecodeError::TooShort {
                field,
                needed: end,
                len: self.data.len(),
            })?;
        self.offset = end;
        Ok(slice)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let mut array = [0; N];
        array.copy_from_slice(self.take(field, N)?);
        Ok(array)
    }

    /// A `bool`.
    pub fn bool(&mut self, field: &'static str) -> Result<bool, DecodeError> {
        match self.u8(field)? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(DecodeError::Invalid {
                field,
                reason: "a bool must be 0 or 1",
            }),
        }
    }

    /// A `u8`.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// A `u32`.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    /// An `i64`.
    pub fn i64(&mut self, field: &'static str) -> Result<i64, DecodeError> {
        Ok(i64::from_le_bytes(self.array(field)?))
    }

    /// A `u64`.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    /// A `Pubkey`.
    pub fn pubkey(&mut self, field: &'static str) -> Result<Pubkey, DecodeError> {
        Ok(Pubkey::new_from_array(self.array(field)?))
    }

    /// 32 raw bytes (a hash).
    pub fn hash(&mut self, field: &'static str) -> Result<[u8; 32], DecodeError> {
        self.array(field)
    }

    /// A `Vec<u8>`.
    pub fn bytes(&mut self, field: &'static str) -> Result<&'a [u8], DecodeError> {
        let len = self.u32(field)? as usize;
        self.take(field, len)
    }

    /// A `String`.
    pub fn string(&mut self, field: &'static str) -> Result<String, DecodeError> {
        let bytes = self.bytes(field)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::Invalid {
            field,
            reason: "not UTF-8",
        })
    }

    /// `Option<[i64; 2]>`.
    pub fn location(&mut self, field: &'static str) -> Result<Option<[i64; 2]>, DecodeError> {
        match self.u8(field)? {
            0 => Ok(None),
            1 => Ok(Some([self.i64(field)?, self.i64(field)?])),
            _ => Err(DecodeError::Invalid {
                field,
                reason: "an Option tag must be 0 or 1",
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_round_trip() {
        let key = Pubkey::new_unique();
        let data = BorshWriter::default()
            .bool(true)
            .i64(-5)
            .string("cam")
            .location(Some([1, -2]))
            .location(None)
            .pubkey(&key)
            .finish();
        let mut reader = BorshReader::new(&data, 0);
        assert!(reader.bool("b").unwrap());
        assert_eq!(reader.i64("i").unwrap(), -5);
        assert_eq!(reader.string("s").unwrap(), "cam");
        assert_eq!(reader.location("l").unwrap(), Some([1, -2]));
        assert_eq!(reader.location("l").unwrap(), None);
        assert_eq!(reader.pubkey("k").unwrap(), key);
        assert_eq!(reader.offset(), data.len());
    }

    #[test]
    fn short_and_invalid_data_are_named() {
        let error = BorshReader::new(&[3, 0, 0, 0, b'a'], 0)
            .string("name")
            .unwrap_err();
        assert_eq!(
            error,
            DecodeError::TooShort {
                field: "name",
                needed: 7,
                len: 5
            }
        );
        let error = BorshReader::new(&[2], 0).bool("is_active").unwrap_err();
        assert!(error.to_string().contains("is_active"), "{error}");
    }
}
