//! The job queue's contract, on every implementation: the embedded queue on SQLite and on
//! MariaDB (the same databases the app migrates) and SQS (moto). Leases, redelivery after a
//! crash, wake-ups, delayed release and exclusive claims.

use std::any::Any;
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use folio_aws::SqsQueue;
use folio_core::ports::{Delivery, JobQueue};
use folio_core::RenderJob;
use folio_sql::SqlQueue;
use folio_testkit::{moto, numbered_job};

use crate::helpers::{bare_db, Database};

enum Backend {
    Sql(Database),
    Sqs,
}

crate::on_both_databases!(a_stale_receipt_acknowledges_nothing);

crate::on_each!(
    [
        queue_sqlite => super::Backend::Sql(crate::helpers::Database::Sqlite),
        queue_mysql => super::Backend::Sql(crate::helpers::Database::MySql),
        queue_sqs => super::Backend::Sqs,
    ]
    [
        a_leased_job_is_invisible_until_its_lease_runs_out,
        a_job_survives_a_worker_that_dies_holding_it,
        a_waiting_receiver_wakes_as_soon_as_a_job_arrives,
        released_jobs_come_back_after_their_delay,
        concurrent_receivers_never_share_a_job,
    ]
);

/// Opens the queue under test the way a new worker process would; what it lives on (a
/// database and its folder, or moto's queue) is kept as long as the fixture.
struct Fixture {
    open: Box<dyn Fn() -> Arc<dyn JobQueue> + Send + Sync>,
    _lives_on: Box<dyn Any + Send>,
}

async fn fixture(backend: Backend) -> Fixture {
    match backend {
        Backend::Sql(database) => {
            let (db, dir) = bare_db(database).await;
            let pool = db.pool.clone();
            Fixture {
                open: Box::new(move || Arc::new(SqlQueue::new(pool.clone()))),
                _lives_on: Box::new((db, dir)),
            }
        }
        Backend::Sqs => {
            let aws = moto::Resources::create("queue").await.unwrap();
            let (sdk, url) = (aws.sdk.clone(), aws.queue_url.clone());
            Fixture {
                open: Box::new(move || Arc::new(SqsQueue::new(&sdk, &url))),
                _lives_on: Box::new(aws),
            }
        }
    }
}

fn job(n: usize) -> RenderJob {
    numbered_job(uuid::Uuid::now_v7(), n)
}

const NO_WAIT: Duration = Duration::from_millis(0);

/// The job waiting now, leased for `lease`; there must be one.
async fn leased(queue: &dyn JobQueue, lease: Duration) -> Delivery {
    let delivery = queue.receive(NO_WAIT, lease).await.unwrap();
    delivery.expect("a job waiting")
}

async fn nothing_waiting(queue: &dyn JobQueue, what: &str) {
    let delivery = queue.receive(NO_WAIT, Duration::from_secs(1)).await.unwrap();
    assert!(delivery.is_none(), "{what}");
}

async fn a_leased_job_is_invisible_until_its_lease_runs_out(backend: Backend) {
    let fixture = fixture(backend).await;
    let queue = (fixture.open)();
    let sent = job(1);
    queue.enqueue(&sent).await.unwrap();

    let first = leased(&*queue, Duration::from_secs(1)).await;
    assert_eq!(first.job, sent);
    assert_eq!(first.receive_count, 1);
    nothing_waiting(&*queue, "leased").await;

    tokio::time::sleep(Duration::from_millis(1100)).await;
    let second = queue
        .receive(Duration::from_secs(2), Duration::from_secs(30))
        .await
        .unwrap()
        .expect("redelivered");
    assert_eq!(second.job, sent);
    assert_eq!(second.receive_count, 2);
    assert!(queue.complete(&second).await.unwrap());
    nothing_waiting(&*queue, "gone for good, not merely leased").await;
}

async fn a_job_survives_a_worker_that_dies_holding_it(backend: Backend) {
    let fixture = fixture(backend).await;
    let sent = job(2);
    {
        let worker = (fixture.open)();
        worker.enqueue(&sent).await.unwrap();
        let leased = worker.receive(NO_WAIT, Duration::from_secs(1)).await.unwrap();
        assert!(leased.is_some());
        // The worker is gone without completing or releasing: a crash.
    }
    let restarted = (fixture.open)();
    let again = restarted
        .receive(Duration::from_secs(5), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(again.expect("redelivered after the lease").job, sent);
}

async fn a_waiting_receiver_wakes_as_soon_as_a_job_arrives(backend: Backend) {
    let fixture = fixture(backend).await;
    let queue = (fixture.open)();
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

async fn released_jobs_come_back_after_their_delay(backend: Backend) {
    let fixture = fixture(backend).await;
    let queue = (fixture.open)();
    queue.enqueue(&job(4)).await.unwrap();
    let delivery = leased(&*queue, Duration::from_secs(30)).await;
    queue
        .release(&delivery, Duration::from_millis(800))
        .await
        .unwrap();
    nothing_waiting(&*queue, "delayed").await;
    let back = queue
        .receive(Duration::from_secs(5), Duration::from_secs(30))
        .await
        .unwrap();
    assert_eq!(back.expect("back after the delay").receive_count, 2);
}

async fn concurrent_receivers_never_share_a_job(backend: Backend) {
    let fixture = fixture(backend).await;
    let queue = (fixture.open)();
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

/// The embedded queue is stricter than SQS (which may let an old receipt delete a message): a
/// worker whose lease ran out cannot acknowledge the job another worker now holds.
async fn a_stale_receipt_acknowledges_nothing(database: Database) {
    let (db, _dir) = bare_db(database).await;
    let queue = SqlQueue::new(db.pool.clone());
    queue.enqueue(&job(5)).await.unwrap();
    let stale = leased(&queue, Duration::from_millis(300)).await;
    tokio::time::sleep(Duration::from_millis(400)).await;
    let current = leased(&queue, Duration::from_secs(30)).await;
    assert!(!queue.complete(&stale).await.unwrap());
    assert!(queue.complete(&current).await.unwrap());
    let (left,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM job_queue")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(left, 0, "no row left behind");
}
