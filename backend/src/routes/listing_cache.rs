//! Listings as last answered, per user and query, kept while the user's library has not
//! changed. A library is listed far more often than it changes (a tab refreshing, a script
//! polling), and a repeated listing is then bytes from memory rather than a database read and
//! a serialisation. Only where every change is heard of in this process
//! ([`Events::library_version`](crate::events::Events::library_version)): the embedded mode, or
//! AWS mode reading the table's stream.

use std::time::Duration;

use axum::body::Bytes;
use uuid::Uuid;

/// Memory the kept listings may take.
const HELD_BYTES: u64 = 64 * 1024 * 1024;
/// Even a listing nothing changed is read again after this (a change made where this process
/// cannot hear it, such as another process on the same database).
const KEPT_FOR: Duration = Duration::from_secs(30);

type Version = (u64, u64);

pub struct ListingCache {
    listings: moka::sync::Cache<(Uuid, String), (Version, Bytes)>,
}

impl Default for ListingCache {
    fn default() -> Self {
        Self {
            listings: moka::sync::Cache::builder()
                .max_capacity(HELD_BYTES)
                .weigher(|key: &(Uuid, String), (_, body): &(Version, Bytes)| {
                    u32::try_from(body.len() + key.1.len() + 64).unwrap_or(u32::MAX)
                })
                .time_to_live(KEPT_FOR)
                .build(),
        }
    }
}

impl ListingCache {
    /// The listing of `query` for `owner`, if it was answered at `version` of their library.
    pub fn get(&self, owner: Uuid, query: &str, version: Version) -> Option<Bytes> {
        self.listings
            .get(&(owner, query.to_owned()))
            .filter(|(kept_at, _)| *kept_at == version)
            .map(|(_, body)| body)
    }

    /// Keeps a listing read at `version` (read before the listing itself, so a change made
    /// meanwhile leaves it never matching).
    pub fn keep(&self, owner: Uuid, query: &str, version: Version, body: Bytes) {
        self.listings.insert((owner, query.to_owned()), (version, body));
    }
}
