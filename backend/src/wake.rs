//! Waking a background loop (webhook deliveries, schedules) when this process gives it work,
//! instead of leaving it to its next look at the database.

use std::sync::Arc;
use std::time::Duration;

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

/// How long a loop whose work is due at `next_due_ms` (Unix ms; `None`: nothing waiting) sleeps
/// from `now_ms`: until then, but never past `idle`, so work another process adds is seen.
pub fn sleep_until_due(next_due_ms: Option<i64>, now_ms: i64, idle: Duration) -> Duration {
    next_due_ms.map_or(idle, |due| {
        Duration::from_millis((due - now_ms).clamp(0, idle.as_millis() as i64) as u64)
    })
}
