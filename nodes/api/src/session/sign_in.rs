//! The Sign-In-With-Solana message (the wallet-standard `signIn` text): written from its
//! fields and read back, strictly, in the one order wallets write it.
//!
//! ```text
//! <domain> wants you to sign in with your Solana account:
//! <address>
//!
//! <statement>
//!
//! URI: <uri>
//! Version: 1
//! Chain ID: <chain>
//! Nonce: <nonce>
//! Issued At: <ISO 8601>
//! Expiration Time: <ISO 8601>
//! ```
//!
//! Every field after the address is optional; present ones take one line each, in this order.

/// The header line's ending, after the domain.
const HEADER_SUFFIX: &str = " wants you to sign in with your Solana account:";

/// The optional one-line fields, in the order they must appear.
const FIELDS: [&str; 8] = [
    "URI: ",
    "Version: ",
    "Chain ID: ",
    "Nonce: ",
    "Issued At: ",
    "Expiration Time: ",
    "Not Before: ",
    "Request ID: ",
];

/// A sign-in message, field by field. As JSON it is the wallet-standard `signIn` input that
/// makes a wallet write exactly this text.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SignInMessage {
    /// Who asks: `host[:port]`.
    pub domain: String,
    /// The wallet (base58 public key).
    pub address: String,
    /// What signing means, for the person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub statement: Option<String>,
    /// The URI the sign-in is for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// Always `1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The chain.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain_id: Option<String>,
    /// The single-use challenge.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// When the challenge was issued (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issued_at: Option<String>,
    /// When it stops being accepted (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_time: Option<String>,
    /// Not valid before (ISO 8601).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// The requester's own id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// URIs the signer is told about.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
}

/// Why a text is not a sign-in message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SignInParseError {
    /// The first line is not `<domain> wants you to sign in with your Solana account:`.
    #[error("the message does not start with \"<domain> wants you to sign in with your Solana account:\"")]
    Header,
    /// No address on the second line.
    #[error("the message has no address line")]
    Address,
    /// Something other than a blank line, a statement or a known field, or a field out of
    /// its order or repeated.
    #[error("unexpected line {line} of the message")]
    Line {
        /// 1-based line number.
        line: usize,
    },
}

impl SignInMessage {
    /// The fields' values in [`FIELDS`] order.
    fn field_values(&self) -> [&Option<String>; 8] {
        [
            &self.uri,
            &self.version,
            &self.chain_id,
            &self.nonce,
            &self.issued_at,
            &self.expiration_time,
            &self.not_before,
            &self.request_id,
        ]
    }

    fn field_slot(&mut self, index: usize) -> Option<&mut Option<String>> {
        Some(match index {
            0 => &mut self.uri,
            1 => &mut self.version,
            2 => &mut self.chain_id,
            3 => &mut self.nonce,
            4 => &mut self.issued_at,
            5 => &mut self.expiration_time,
            6 => &mut self.not_before,
            7 => &mut self.request_id,
            _ => return None,
        })
    }

    /// The text a wallet shows and signs.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}{HEADER_SUFFIX}\n{}", self.domain, self.address);
        if let Some(statement) = &self.statement {
            text.push_str("\n\n");
            text.push_str(statement);
        }
        let mut fields: Vec<String> = FIELDS
            .iter()
            .zip(self.field_values())
            .filter_map(|(prefix, value)| value.as_ref().map(|v| format!("{prefix}{v}")))
            .collect();
        if !self.resources.is_empty() {
            fields.push("Resources:".to_owned());
            fields.extend(self.resources.iter().map(|r| format!("- {r}")));
        }
        if !fields.is_empty() {
            text.push_str("\n\n");
            text.push_str(&fields.join("\n"));
        }
        text
    }

    /// Reads `text` written as [`Self::to_text`] writes it. A text that parses may still
    /// differ from what its fields write (stray blank lines at the end): compare
    /// [`Self::to_text`] with it before trusting it.
    pub fn parse(text: &str) -> Result<Self, SignInParseError> {
        let lines: Vec<&str> = text.split('\n').collect();
        let domain = lines
            .first()
            .and_then(|line| line.strip_suffix(HEADER_SUFFIX))
            .filter(|domain| !domain.is_empty())
            .ok_or(SignInParseError::Header)?;
        let address = lines
            .get(1)
            .filter(|address| !address.is_empty())
            .ok_or(SignInParseError::Address)?;
        let mut message = SignInMessage {
            domain: (*domain).to_owned(),
            address: (*address).to_owned(),
            ..SignInMessage::default()
        };
        let mut index = 2;
        let unexpected = |index: usize| SignInParseError::Line { line: index + 1 };
        if index < lines.len() {
            if !lines[index].is_empty() {
                return Err(unexpected(index));
            }
            index += 1;
            let is_field = |line: &str| {
                line == "Resources:" || FIELDS.iter().any(|prefix| line.starts_with(prefix))
            };
            if let Some(line) = lines.get(index).filter(|line| !is_field(line)) {
                if line.is_empty() {
                    return Err(unexpected(index));
                }
                message.statement = Some((*line).to_owned());
                index += 1;
                if index < lines.len() {
                    if !lines[index].is_empty() {
                        return Err(unexpected(index));
                    }
                    index += 1;
                }
            }
        }
        let mut next_field = 0;
        while index < lines.len() {
            let line = lines[index];
            if line == "Resources:" {
                index += 1;
                while let Some(resource) = lines.get(index).and_then(|l| l.strip_prefix("- ")) {
                    message.resources.push(resource.to_owned());
                    index += 1;
                }
                break;
            }
            let found = FIELDS
                .iter()
                .enumerate()
                .skip(next_field)
                .find_map(|(i, prefix)| line.strip_prefix(prefix).map(|value| (i, value)));
            let Some((field, value)) = found.filter(|(_, value)| !value.is_empty()) else {
                break;
            };
            if let Some(slot) = message.field_slot(field) {
                *slot = Some(value.to_owned());
            }
            next_field = field + 1;
            index += 1;
        }
        // Only blank lines may follow; `to_text` comparison refuses those too.
        match lines[index.min(lines.len())..]
            .iter()
            .position(|line| !line.is_empty())
        {
            Some(offset) => Err(unexpected(index + offset)),
            None => Ok(message),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> SignInMessage {
        SignInMessage {
            domain: "cam.example.org:5002".to_owned(),
            address: "9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin".to_owned(),
            statement: Some("Sign in to camera cam0.".to_owned()),
            uri: Some("https://cam.example.org:5002".to_owned()),
            version: Some("1".to_owned()),
            chain_id: Some("devnet".to_owned()),
            nonce: Some("a1b2c3d4e5f6a7b8".to_owned()),
            issued_at: Some("2026-12-02T10:15:00.123Z".to_owned()),
            expiration_time: Some("2026-12-02T10:20:00.123Z".to_owned()),
            ..SignInMessage::default()
        }
    }

    #[test]
    fn the_text_is_the_wallet_standard_format_and_reads_back() {
        let text = full().to_text();
        assert_eq!(
            text,
            "cam.example.org:5002 wants you to sign in with your Solana account:\n\
             9xQeWvG816bUx9EPjHmaT23yvVM2ZWbrrpZb9PusVFin\n\n\
             Sign in to camera cam0.\n\n\
             URI: https://cam.example.org:5002\n\
             Version: 1\n\
             Chain ID: devnet\n\
             Nonce: a1b2c3d4e5f6a7b8\n\
             Issued At: 2026-12-02T10:15:00.123Z\n\
             Expiration Time: 2026-12-02T10:20:00.123Z"
        );
        assert_eq!(SignInMessage::parse(&text).unwrap(), full());
    }

    #[test]
    fn optional_parts_may_be_left_out() {
        let bare = SignInMessage {
            statement: None,
            resources: vec!["https://a.example".to_owned(), "ipfs://x".to_owned()],
            ..full()
        };
        let text = bare.to_text();
        assert!(text.contains("VFin\n\nURI: "), "{text}");
        assert_eq!(SignInMessage::parse(&text).unwrap(), bare);
        let minimal = SignInMessage {
            domain: "d".to_owned(),
            address: "a".to_owned(),
            ..SignInMessage::default()
        };
        assert_eq!(SignInMessage::parse(&minimal.to_text()).unwrap(), minimal);
    }

    #[test]
    fn fields_out_of_order_or_unknown_lines_are_refused() {
        let text = full().to_text();
        let swapped = text.replace(
            "Version: 1\nChain ID: devnet",
            "Chain ID: devnet\nVersion: 1",
        );
        assert!(SignInMessage::parse(&swapped).is_err());
        let extra = format!("{text}\nSomething: else");
        assert_eq!(
            SignInMessage::parse(&extra),
            Err(SignInParseError::Line { line: 12 })
        );
        assert_eq!(
            SignInMessage::parse("hello\nworld"),
            Err(SignInParseError::Header)
        );
    }
}
