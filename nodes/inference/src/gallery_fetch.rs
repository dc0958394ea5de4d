//! Reads the gallery from the biometric node (`biometric/gallery`) entry by entry, each
//! embedding sealed to a one-time key of this process, after every `gallery` revision notice.

use mm_bus::{RequestClient, RequestError};
use mm_bus_seal::{BusSealError, Requester};
use mm_inference::gallery::Gallery;
use mm_shm_schema::{
    GalleryEntryRequest, GalleryEntryResponse, GalleryEntryStatus, GalleryRevision, EMBEDDING_LEN,
};
use std::time::Duration;

/// How long one entry may take.
const ENTRY_TIMEOUT: Duration = Duration::from_secs(2);
/// Restarts when the gallery changes while it is read.
const ATTEMPTS: usize = 3;

/// The client of `biometric/gallery`.
pub type GalleryClient = RequestClient<GalleryEntryRequest, GalleryEntryResponse>;

/// Why the gallery could not be read.
#[derive(Debug, thiserror::Error)]
pub enum GalleryFetchError {
    /// The biometric node did not answer.
    #[error("the biometric node did not answer")]
    Request(#[from] RequestError),
    /// No one-time key, or an entry that does not open.
    #[error("an entry could not be opened")]
    Seal(#[from] BusSealError),
    /// The biometric node could not give an entry.
    #[error("the biometric node could not give entry {index} ({status})")]
    Entry {
        /// The entry.
        index: u32,
        /// The status code it answered.
        status: u32,
    },
    /// The gallery kept changing while it was read.
    #[error("the gallery changed {ATTEMPTS} times while it was read")]
    Unsettled,
}

/// The gallery at `notice`'s revision (or a later one, when it changed meanwhile).
pub async fn fetch(
    client: &GalleryClient,
    notice: GalleryRevision,
) -> Result<(u64, Gallery), GalleryFetchError> {
    let mut revision = notice.revision;
    let mut count = notice.count;
    for _ in 0..ATTEMPTS {
        match fetch_revision(client, revision, count).await? {
            Fetched::Complete(gallery) => return Ok((revision, gallery)),
            Fetched::Changed {
                revision: now,
                count: now_count,
            } => {
                revision = now;
                count = now_count;
            }
        }
    }
    Err(GalleryFetchError::Unsettled)
}

enum Fetched {
    Complete(Gallery),
    Changed { revision: u64, count: u32 },
}

async fn fetch_revision(
    client: &GalleryClient,
    revision: u64,
    count: u32,
) -> Result<Fetched, GalleryFetchError> {
    let requester = Requester::new()?;
    let mut gallery = Gallery::new();
    for index in 0..count {
        let request = GalleryEntryRequest {
            revision,
            index,
            reserved: 0,
            requester_key: requester.public_key(),
        };
        let entry = client.request(request, ENTRY_TIMEOUT).await?;
        match entry.status() {
            Some(GalleryEntryStatus::Found) if entry.revision == revision => {}
            Some(GalleryEntryStatus::Stale | GalleryEntryStatus::Found) => {
                return Ok(Fetched::Changed {
                    revision: entry.revision,
                    count: entry.count,
                })
            }
            _ => {
                return Err(GalleryFetchError::Entry {
                    index,
                    status: entry.status,
                })
            }
        }
        let mut embedding = [0f32; EMBEDDING_LEN];
        requester.open_f32s(
            &entry.responder_key,
            &entry.seal_context(index),
            &entry.sealed_embedding,
            &mut embedding,
        )?;
        gallery.upsert(
            entry.identity.as_str(),
            entry.display_name.as_str(),
            embedding,
        );
    }
    Ok(Fetched::Complete(gallery))
}
