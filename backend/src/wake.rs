//! Waking a background loop (webhook deliveries, schedules) when this process gives it work,
//! instead of leaving it to its next look at the database.

use std::sync::Arc;

use tokio::sync::Notify;

#[derive(Clone, Default)]
pub struct Wake(Arc<Notify>);

impl Wake {
    pub fn now(&self) {
        self.0.notify_one();
    }

    /// Completes at the next [`Wake::now`] (or at once if one came since the last wait).
    pub async fn woken(&self) {
        self.0.notified().await;
    }
}
