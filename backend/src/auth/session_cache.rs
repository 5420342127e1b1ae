//! Sessions looked up in the last second, so that a client's burst of requests costs one
//! database read rather than one each. Revoking in this process forgets at once (and a lookup
//! that raced the revocation is not kept); other replicas see a revocation within the second.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use uuid::Uuid;

use crate::store::sessions::{self, SessionRow};
use crate::store::Db;

/// How long a session read is trusted: the longest a revocation made by another replica
/// takes to reach this one.
const TRUSTED_FOR: Duration = Duration::from_secs(1);
const HELD: u64 = 100_000;

pub struct SessionCache {
    sessions: moka::sync::Cache<Uuid, SessionRow>,
    /// Moved by every revocation, so a read that started before one is not cached after it.
    revocations: AtomicU64,
}

impl Default for SessionCache {
    fn default() -> Self {
        Self {
            sessions: moka::sync::Cache::builder()
                .max_capacity(HELD)
                .time_to_live(TRUSTED_FOR)
                .build(),
            revocations: AtomicU64::new(0),
        }
    }
}

impl SessionCache {
    pub async fn find(&self, db: &Db, jti: Uuid) -> Result<Option<SessionRow>, sqlx::Error> {
        if let Some(row) = self.sessions.get(&jti) {
            return Ok(Some(row));
        }
        let before = self.revocations.load(Ordering::Acquire);
        let row = sessions::find(db, jti).await?;
        if let Some(row) = &row {
            if self.revocations.load(Ordering::Acquire) == before {
                self.sessions.insert(jti, row.clone());
            }
        }
        Ok(row)
    }

    /// After sessions were revoked or their user deleted.
    pub fn forget_all(&self) {
        self.revocations.fetch_add(1, Ordering::AcqRel);
        self.sessions.invalidate_all();
    }
}
