//! The embedded job queue: leases, redelivery after a crash, wake-ups and exclusive claims,
//! on the same SQLite and MariaDB databases the app migrates.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use folio_core::ports::JobQueue;
use folio_core::{Engine, RenderJob, RenderOptions};
use folio_sql::SqlQueue;

use crate::helpers::{bare_db, Database};

crate::on_both_databases!(
    a_leased_job_is_invisible_until_its_lease_runs_out,
    a_job_survives_a_worker_that_dies_holding_it,
    a_waiting_receiver_wakes_as_soon_as_a_job_arrives,
    released_jobs_come_back_after_their_delay,
    concurrent_receivers_never_share_a_job,
);

fn job(n: usize) -> RenderJob {
    RenderJob::new(
        uuid::Uuid::now_v7(),
        format!("https://example.com/{n}"),
        RenderOptions::default(),
        Engine::Chromium,
    )
}

const NO_WAIT: Duration = Duration::from_millis(0);

async fn a_leased_job_is_invisible_until_its_lease_runs_out(db: Database) {
    let (db, _dir) = bare_db(db).await;
    let queue = SqlQueue::new(db.pool.clone());
    let sent = job(1);
    queue.enqueue(&sent).await.unwrap();

    let first = queue
        .receive(NO_WAIT, Duration::from_secs(1))
        .await
        .unwrap()
        .expect("a job");
    assert_eq!(first.job, sent);
    assert_eq!(first.receive_count, 1);
    assert!(
        queue
            .receive(NO_WAIT, Duration::from_secs(1))
            .await
            .unwrap()
            .is_none(),
        "leased"
    );

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = queue
        .receive(NO_WAIT, Duration::from_secs(30))
        .await
        .unwrap()
        .expect("redelivered");
    assert_eq!(second.job, sent);
    assert_eq!(second.receive_count, 2);
    assert!(
        !queue.complete(&first).await.unwrap(),
        "a stale receipt acknowledges nothing"
    );
    assert!(queue.complete(&second).await.unwrap());
    assert!(
        queue
            .receive(NO_WAIT, Duration::from_secs(1))
            .await
            .unwrap()
            .is_none(),
        "gone"
    );
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM job_queue")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "no row left behind");
}

async fn a_job_survives_a_worker_that_dies_holding_it(db: Database) {
    let (db, _dir) = bare_db(db).await;
    let sent = job(2);
    {
        let worker = SqlQueue::new(db.pool.clone());
        worker.enqueue(&sent).await.unwrap();
        let leased = worker.receive(NO_WAIT, Duration::from_millis(500)).await.unwrap();
        assert!(leased.is_some());
        // The worker is gone without completing or releasing: a crash.
    }
    let restarted = SqlQueue::new(db.pool.clone());
    let again = restarted
        .receive(Duration::from_secs(5), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(again.expect("redelivered after the lease").job, sent);
}

async fn a_waiting_receiver_wakes_as_soon_as_a_job_arrives(db: Database) {
    let (db, _dir) = bare_db(db).await;
    let queue = SqlQueue::new(db.pool.clone());
    let receiver = {
        let queue = queue.clone();
        tokio::spawn(async move {
            let started = Instant::now();
            let delivery = queue
                .receive(Duration::from_secs(20), Duration::from_secs(30))
                .await;
            (delivery, started.elapsed())
        })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = job(3);
    queue.enqueue(&sent).await.unwrap();
    let (delivery, waited) = receiver.await.unwrap();
    assert_eq!(delivery.unwrap().expect("the job").job, sent);
    // Far below the 20 s it was willing to wait: it was woken, not timed out.
    assert!(waited < Duration::from_secs(10), "waited {waited:?}");
}

async fn released_jobs_come_back_after_their_delay(db: Database) {
    let (db, _dir) = bare_db(db).await;
    let queue = SqlQueue::new(db.pool.clone());
    queue.enqueue(&job(4)).await.unwrap();
    let delivery = queue
        .receive(NO_WAIT, Duration::from_secs(30))
        .await
        .unwrap()
        .unwrap();
    queue
        .release(&delivery, Duration::from_millis(800))
        .await
        .unwrap();
    assert!(
        queue
            .receive(NO_WAIT, Duration::from_secs(30))
            .await
            .unwrap()
            .is_none(),
        "delayed"
    );
    let back = queue
        .receive(Duration::from_secs(5), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(back.expect("back after the delay").receive_count, 2);
}

async fn concurrent_receivers_never_share_a_job(db: Database) {
    let (db, _dir) = bare_db(db).await;
    let queue = SqlQueue::new(db.pool.clone());
    let sent: Vec<RenderJob> = (0..20).map(job).collect();
    for job in &sent {
        queue.enqueue(job).await.unwrap();
    }
    let receivers: Vec<_> = (0..4)
        .map(|_| {
            let queue = queue.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                while let Some(delivery) = queue.receive(NO_WAIT, Duration::from_secs(60)).await.unwrap() {
                    got.push(delivery.job.job_id);
                    assert!(queue.complete(&delivery).await.unwrap());
                }
                got
            })
        })
        .collect();
    let mut all = Vec::new();
    for receiver in receivers {
        all.extend(receiver.await.unwrap());
    }
    let unique: HashSet<_> = all.iter().collect();
    assert_eq!(all.len(), 20, "every job delivered once");
    assert_eq!(unique.len(), 20, "no job delivered twice");
}
