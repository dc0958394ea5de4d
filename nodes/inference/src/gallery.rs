//! The in-memory gallery of enrolled identities and matching against it.

use crate::embedding::{distance, Embedding};

/// One enrolled identity.
#[derive(Debug, Clone, PartialEq)]
pub struct Enrolled {
    /// Identity id (e.g. a wallet address).
    pub identity: String,
    /// Display name.
    pub display_name: String,
    /// Its embedding.
    pub embedding: Embedding,
}

/// The best gallery match of a face.
#[derive(Debug, Clone, PartialEq)]
pub struct Match {
    /// Identity id.
    pub identity: String,
    /// Display name.
    pub display_name: String,
    /// Euclidean distance.
    pub distance: f32,
}

/// Identities a face can be recognised as. Never written to disk.
#[derive(Debug, Clone, Default)]
pub struct Gallery {
    entries: Vec<Enrolled>,
}

impl Gallery {
    /// An empty gallery.
    pub fn new() -> Self {
        Self::default()
    }

    /// Enrolled identities.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nobody is enrolled.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds `identity`, replacing an earlier embedding of it.
    pub fn upsert(&mut self, identity: &str, display_name: &str, embedding: Embedding) {
        self.remove(identity);
        self.entries.push(Enrolled {
            identity: identity.to_owned(),
            display_name: display_name.to_owned(),
            embedding,
        });
    }

    /// Removes `identity`; true when it was enrolled.
    pub fn remove(&mut self, identity: &str) -> bool {
        let before = self.entries.len();
        self.entries.retain(|e| e.identity != identity);
        before != self.entries.len()
    }

    /// Empties the gallery.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    /// The closest identity to `embedding` if its distance is below `threshold`.
    pub fn best_match(&self, embedding: &Embedding, threshold: f32) -> Option<Match> {
        self.entries
            .iter()
            .map(|e| (e, distance(&e.embedding, embedding)))
            .filter(|(_, d)| *d < threshold)
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(e, d)| Match {
                identity: e.identity.clone(),
                display_name: e.display_name.clone(),
                distance: d,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn embedding(value: f32) -> Embedding {
        let mut e = [0.0; 128];
        e[0] = value;
        e
    }

    #[test]
    fn matches_the_closest_identity_under_the_threshold() {
        let mut gallery = Gallery::new();
        gallery.upsert("alice", "Alice", embedding(0.0));
        gallery.upsert("bob", "Bob", embedding(1.0));
        let found = gallery.best_match(&embedding(0.9), 0.6).unwrap();
        assert_eq!(found.identity, "bob");
        assert!((found.distance - 0.1).abs() < 1e-6);
        assert!(gallery.best_match(&embedding(0.5), 0.3).is_none());
    }

    #[test]
    fn an_identity_has_one_embedding() {
        let mut gallery = Gallery::new();
        gallery.upsert("alice", "Alice", embedding(0.0));
        gallery.upsert("alice", "Alice", embedding(2.0));
        assert_eq!(gallery.len(), 1);
        assert!(gallery.best_match(&embedding(2.0), 0.1).is_some());
        assert!(gallery.remove("alice"));
        assert!(gallery.is_empty());
        gallery.upsert("bob", "Bob", embedding(0.0));
        gallery.clear();
        assert!(gallery.is_empty());
    }
}
