//! The worker against the embedded ports (SQLite queue and index, local files) and real
//! Chromium, with pages served on 127.0.0.1.

use std::net::SocketAddr;
use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::response::Html;
use axum::routing::get;
use folio_core::jobs::names;
use folio_core::ports::{FileIndex, JobQueue, ObjectStore};
use folio_core::{FileStatus, RenderJob};
use folio_lambda::{Outcome, Ports, Worker};
use folio_render::{RenderSettings, Renderer};
use folio_sql::{LocalStore, SqlFileIndex, SqlQueue};
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use uuid::Uuid;

struct Setup {
    ports: Ports,
    queue: SqlQueue,
    index: SqlFileIndex,
    store: LocalStore,
    worker: Arc<Worker>,
    site: SocketAddr,
    owner: Uuid,
    _dir: tempfile::TempDir,
}

mod lambda;

/// A page on 127.0.0.1 for the worker to render.
async fn serve_site() -> SocketAddr {
    let app = axum::Router::new()
        .route(
            "/page",
            get(|| async { Html("<title>Worker Page</title><h1>Rendered by the worker</h1>") }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                Html("<title>Slow Page</title><h1>Worth the wait</h1>")
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let site = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    site
}

fn renderer_for(site: SocketAddr) -> Arc<Renderer> {
    Arc::new(Renderer::new(&RenderSettings {
        allowed_addrs: vec![site],
        timeout: Duration::from_secs(20),
        ..RenderSettings::default()
    }))
}

async fn setup() -> Setup {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("folio.db").display());
    let pool = AnyPoolOptions::new()
        .max_connections(4)
        .connect_with(AnyConnectOptions::from_str(&url).unwrap())
        .await
        .unwrap();
    folio_sql::SQLITE_MIGRATIONS.run(&pool).await.unwrap();
    let owner = Uuid::now_v7();
    sqlx::query(
        "INSERT INTO users (id, email, password_hash, created_at, updated_at) VALUES (?, ?, 'x', 0, 0)",
    )
    .bind(owner.to_string())
    .bind(format!("{owner}@example.com"))
    .execute(&pool)
    .await
    .unwrap();

    let site = serve_site().await;

    let queue = SqlQueue::new(pool.clone());
    let index = SqlFileIndex::new(pool);
    let store = LocalStore::new(dir.path().join("objects"));
    let ports = Ports {
        queue: Arc::new(queue.clone()),
        store: Arc::new(store.clone()),
        index: Arc::new(index.clone()),
    };
    let worker = Arc::new(Worker::new(ports.clone(), renderer_for(site), 2));
    Setup {
        ports,
        queue,
        index,
        store,
        worker,
        site,
        owner,
        _dir: dir,
    }
}

impl Setup {
    /// The PDF stored for `job`, if any.
    async fn stored(&self, job: &RenderJob) -> Option<Vec<u8>> {
        let key = names::object_key(self.owner, job.job_id, folio_core::render::Output::Pdf);
        let object = self.store.get(&key).await.unwrap()?;
        Some(object.bytes().await.unwrap())
    }

    async fn status(&self, id: Uuid) -> FileStatus {
        self.index.get(self.owner, id).await.unwrap().unwrap().status
    }

    /// Whether the queue has nothing left to hand out.
    async fn queue_is_empty(&self) -> bool {
        self.queue
            .receive(Duration::ZERO, folio_lambda::LEASE)
            .await
            .unwrap()
            .is_none()
    }

    /// What the API does for a request: record the file, then queue the job.
    async fn request(&self, url: &str) -> RenderJob {
        let job = folio_testkit::record_queued_job(&self.index, self.owner, url.to_owned()).await;
        self.queue.enqueue(&job).await.unwrap();
        job
    }

    async fn next(&self) -> folio_core::ports::Delivery {
        self.queue
            .receive(Duration::from_secs(5), folio_lambda::LEASE)
            .await
            .unwrap()
            .expect("a job")
    }
}

#[tokio::test]
async fn a_job_becomes_a_stored_pdf_and_a_done_file() {
    let s = setup().await;
    let job = s.request(&format!("http://{}/page", s.site)).await;
    assert_eq!(s.worker.handle(&s.next().await).await.unwrap(), Outcome::Done);
    let file = s.index.get(s.owner, job.job_id).await.unwrap().unwrap();
    assert_eq!(file.status, FileStatus::Done);
    assert_eq!(file.name, "Worker Page");
    assert_eq!(file.pages, Some(1));
    let pdf = s.stored(&job).await.expect("stored");
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(file.size_bytes, Some(pdf.len() as u64));
    assert!(s.queue_is_empty().await, "acknowledged");
}

#[tokio::test]
async fn a_redelivered_job_is_skipped_and_stores_nothing_twice() {
    let s = setup().await;
    let job = s.request(&format!("http://{}/page", s.site)).await;
    assert_eq!(s.worker.handle(&s.next().await).await.unwrap(), Outcome::Done);
    s.queue.enqueue(&job).await.unwrap(); // SQS delivers at least once
    assert_eq!(s.worker.handle(&s.next().await).await.unwrap(), Outcome::Skipped);
    assert_eq!(
        s.index
            .list(s.owner, None, 10, &folio_core::ports::FileFilter::ALL)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
async fn a_refused_url_fails_the_file_with_the_reason_and_is_not_retried() {
    let s = setup().await;
    let job = s.request("http://127.0.0.1:9/secret").await;
    let outcome = s.worker.handle(&s.next().await).await.unwrap();
    assert!(
        matches!(&outcome, Outcome::Failed(reason) if reason.contains("loopback")),
        "{outcome:?}"
    );
    let file = s.index.get(s.owner, job.job_id).await.unwrap().unwrap();
    assert_eq!(file.status, FileStatus::Failed);
    assert!(file.error.unwrap().contains("loopback"));
    assert!(s.queue_is_empty().await, "not retried");
}

#[tokio::test]
async fn a_job_whose_file_was_deleted_is_skipped() {
    let s = setup().await;
    let job = s.request(&format!("http://{}/page", s.site)).await;
    assert!(s.index.delete(s.owner, job.job_id).await.unwrap());
    assert_eq!(s.worker.handle(&s.next().await).await.unwrap(), Outcome::Skipped);
    assert!(s.stored(&job).await.is_none());
}

#[tokio::test]
async fn the_loop_renders_everything_queued_and_stops_on_shutdown() {
    let s = setup().await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(s.worker.clone().run(async {
        let _ = stopped.await;
    }));
    let mut jobs = Vec::new();
    for _ in 0..3 {
        jobs.push(s.request(&format!("http://{}/page", s.site)).await);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    for job in &jobs {
        loop {
            let file = s.index.get(s.owner, job.job_id).await.unwrap().unwrap();
            if file.status == FileStatus::Done {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "job {} stuck in {:?}",
                job.job_id,
                file.status
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("stops")
        .unwrap();
}

/// Polls `done` every 20 ms for up to 30 s.
async fn until(what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done().await {
        assert!(Instant::now() < deadline, "never: {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_stopping_worker_finishes_its_render_and_gives_back_the_job_it_claimed_ahead() {
    let s = setup().await;
    // One render at a time: the second job is claimed while the first renders, and waits.
    let worker = Arc::new(Worker::new(s.ports.clone(), renderer_for(s.site), 1));
    let first = s.request(&format!("http://{}/slow", s.site)).await;
    let second = s.request(&format!("http://{}/slow", s.site)).await;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let running = tokio::spawn(worker.clone().run(async {
        let _ = stopped.await;
    }));
    until("the first job renders", async || {
        s.status(first.job_id).await == FileStatus::Rendering
    })
    .await;
    until("the second job is claimed", async || {
        s.queue.depth().await.unwrap() == Some(0)
    })
    .await;
    assert_eq!(
        s.status(second.job_id).await,
        FileStatus::Queued,
        "waiting is not rendering"
    );

    stop.send(()).unwrap();
    tokio::time::timeout(Duration::from_secs(30), running)
        .await
        .expect("stops")
        .unwrap();
    assert_eq!(s.status(first.job_id).await, FileStatus::Done);
    assert_eq!(s.status(second.job_id).await, FileStatus::Queued);
    let again = s
        .queue
        .receive(Duration::ZERO, folio_lambda::LEASE)
        .await
        .unwrap()
        .expect("the second job is in the queue again at once, not after its lease");
    assert_eq!(again.job.job_id, second.job_id);
}

#[tokio::test]
async fn a_job_that_used_up_its_attempts_ends_failed_and_stops_counting_as_queued() {
    let s = setup().await;
    let job = s.request(&format!("http://{}/page", s.site)).await;
    // Five deliveries whose worker died without a word: their leases simply run out.
    for attempt in 1..=folio_lambda::MAX_ATTEMPTS {
        let delivery = s
            .queue
            .receive(Duration::from_secs(1), Duration::ZERO)
            .await
            .unwrap()
            .expect("the job comes back");
        assert_eq!(delivery.receive_count, attempt);
    }
    assert_eq!(s.index.usage(s.owner).await.unwrap().pending_jobs, 1);
    let outcome = s.worker.handle(&s.next().await).await.unwrap();
    assert_eq!(outcome, Outcome::Failed("gave up after 5 attempts".to_owned()));
    let file = s.index.get(s.owner, job.job_id).await.unwrap().unwrap();
    assert_eq!(file.status, FileStatus::Failed);
    assert_eq!(file.error.as_deref(), Some("gave up after 5 attempts"));
    assert_eq!(s.index.usage(s.owner).await.unwrap().pending_jobs, 0);
    assert!(s.queue_is_empty().await, "acknowledged, not looping");
}

#[tokio::test]
async fn a_pdf_over_the_file_limit_or_the_quota_is_not_kept_and_the_job_says_why() {
    let s = setup().await;
    let limited = |limits| Worker::new(s.ports.clone(), renderer_for(s.site), 1).with_limits(limits);
    let cases = [
        (
            folio_lambda::StoreLimits {
                max_file_bytes: 100,
                max_stored_bytes: None,
            },
            "file too large",
        ),
        (
            folio_lambda::StoreLimits {
                max_file_bytes: folio_lambda::DEFAULT_MAX_FILE_BYTES,
                max_stored_bytes: Some(100),
            },
            "storage quota exceeded",
        ),
    ];
    for (limits, reason) in cases {
        let job = s.request(&format!("http://{}/page", s.site)).await;
        let outcome = limited(limits).handle(&s.next().await).await.unwrap();
        assert!(
            matches!(&outcome, Outcome::Failed(r) if r.starts_with(reason)),
            "{outcome:?}"
        );
        assert!(s.stored(&job).await.is_none());
        let file = s.index.get(s.owner, job.job_id).await.unwrap().unwrap();
        assert_eq!(file.status, FileStatus::Failed);
        assert_eq!(s.index.usage(s.owner).await.unwrap().pending_jobs, 0);
    }
}

#[test]
fn store_limits_default_and_refuse_what_is_not_a_number() {
    use folio_core::settings::Env;
    use folio_lambda::StoreLimits;
    assert_eq!(
        StoreLimits::read(&Env::new(|_| None)).unwrap(),
        StoreLimits::default()
    );
    let set = StoreLimits::read(&Env::new(|name| match name {
        "FOLIO_MAX_FILE_BYTES" => Some("1000".into()),
        "FOLIO_MAX_STORED_BYTES" => Some(" 5000 ".into()),
        _ => None,
    }))
    .unwrap();
    assert_eq!((set.max_file_bytes, set.max_stored_bytes), (1000, Some(5000)));
    let err = StoreLimits::read(&Env::new(|name| {
        (name == "FOLIO_MAX_FILE_BYTES").then(|| "lots".into())
    }))
    .unwrap_err();
    assert_eq!(err.name, "FOLIO_MAX_FILE_BYTES");
}

#[tokio::test]
async fn a_lease_outlasts_a_wait_for_a_turn_a_render_and_storing() {
    let s = setup().await;
    let renderer = |seconds| {
        Arc::new(Renderer::new(&RenderSettings {
            timeout: Duration::from_secs(seconds),
            ..RenderSettings::default()
        }))
    };
    // A job claimed ahead may wait behind one job that prints twice, then print twice itself.
    for seconds in [30, 100] {
        let worker = Worker::new(s.ports.clone(), renderer(seconds), 1);
        let longest_job = Duration::from_secs(seconds * 2);
        assert!(
            worker.lease() > longest_job * 2 + Duration::from_secs(30),
            "a {seconds} s timeout leases for {:?}",
            worker.lease()
        );
    }
}
