//! Builds the application from settings and runs it until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::ops::Deref;
use std::sync::Arc;

use anyhow::Context;
use axum::extract::{DefaultBodyLimit, MatchedPath, Request, State};
use axum::http::{HeaderName, Response, StatusCode};
use axum::response::IntoResponse;
use axum::{Extension, Router};
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;

use crate::auth::{load_or_create_secret, PasswordHasher, TokenKeys, WindowLimiter};
use crate::config::Settings;
use crate::error::ApiError;
use crate::events::{Events, NotifyingIndex};
use crate::openapi::ApiDoc;
use crate::routes;
use crate::store::{Db, Dialect};
use folio_aws as aws;
use folio_core::ports::{FileIndex, JobQueue, ObjectStore};
use folio_lambda::{Ports, Worker};
use folio_render::Renderer;
use folio_sql::{LocalStore, SqlFileIndex, SqlQueue};

/// What every handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

pub struct AppStateInner {
    pub settings: Settings,
    pub db: Db,
    pub hasher: PasswordHasher,
    pub tokens: TokenKeys,
    /// Failed sign-ins (and password checks), per client address and per account and address.
    pub limiter: WindowLimiter,
    /// Accounts created, per client address.
    pub signups: WindowLimiter,
    pub ports: Ports,
    /// Whether jobs are rendered in this process (no SQS queue configured).
    pub renders_in_process: bool,
    /// Whether file changes can happen outside this process, so event streams poll the index.
    pub watch_index: bool,
    pub renderer: Arc<Renderer>,
    pub events: Events,
    pub request_locks: crate::library::RequestLocks,
    /// The built SPA, when there is one to serve.
    pub spa: Option<routes::spa::Spa>,
}

impl Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
}

impl Application {
    /// Connects to the database, migrates it and binds the listener (port 0 picks a free one).
    /// AWS clients, when needed, are configured from the usual AWS sources.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        Self::build_with_sdk(settings, None).await
    }

    /// As [`Self::build`], with the AWS SDK configured by the caller (tests point it at moto).
    pub async fn build_with_sdk(
        settings: Settings,
        sdk: Option<aws_config::SdkConfig>,
    ) -> anyhow::Result<Self> {
        let secret = match &settings.jwt_secret {
            Some(secret) => secret.clone(),
            None => {
                if settings.uses_mysql() {
                    tracing::warn!(
                        "FOLIO_JWT_SECRET is not set: using a secret kept in the data directory, \
                         which other replicas will not share"
                    );
                }
                load_or_create_secret(&settings.data_dir)?
            }
        };
        // Each port runs on AWS when its setting is present, else on this machine: the queue
        // and file index in the database, PDFs under the data folder.
        let aws = &settings.aws;
        let sdk = match (sdk, aws.any() || settings.managed_database.is_some()) {
            (Some(sdk), _) => Some(sdk),
            (None, true) => Some(aws::sdk_config().await),
            (None, false) => None,
        };
        let db = Db::connect(&settings, sdk.as_ref()).await?;
        let (queue, embedded_queue): (Arc<dyn JobQueue>, _) = match (&aws.sqs_queue_url, &sdk) {
            (Some(url), Some(sdk)) => (Arc::new(aws::SqsQueue::new(sdk, url)), None),
            _ => {
                let queue = SqlQueue::new(db.pool.clone());
                (Arc::new(queue.clone()), Some(queue))
            }
        };
        if let (Some(queue), Dialect::Sqlite) = (&embedded_queue, db.dialect) {
            // One process per SQLite file: leases left at start-up are from a stop mid-render.
            let reclaimed = queue
                .reclaim_leases()
                .await
                .context("could not read the job queue")?;
            if reclaimed > 0 {
                tracing::info!(reclaimed, "jobs interrupted by the last stop are queued again");
            }
        }
        let store: Arc<dyn ObjectStore> = match (&aws.s3_bucket, &sdk) {
            (Some(bucket), Some(sdk)) => Arc::new(aws::S3Store::new(sdk, bucket)),
            _ => Arc::new(LocalStore::new(settings.data_dir.join("objects"))),
        };
        let index: Arc<dyn FileIndex> = match (&aws.dynamodb_table, &sdk) {
            (Some(table), Some(sdk)) => Arc::new(aws::DynamoFileIndex::new(sdk, table)),
            _ => Arc::new(SqlFileIndex::new(db.pool.clone())),
        };
        // Changes made elsewhere (a worker process, another replica) reach event streams only
        // by watching the index.
        let watch_index = aws.sqs_queue_url.is_some() || aws.dynamodb_table.is_some();
        tracing::info!(
            queue = if aws.sqs_queue_url.is_some() {
                "sqs"
            } else {
                "embedded"
            },
            store = if aws.s3_bucket.is_some() { "s3" } else { "local" },
            index = if aws.dynamodb_table.is_some() {
                "dynamodb"
            } else {
                "sql"
            },
            "ports"
        );
        let events = Events::default();
        let ports = Ports {
            queue,
            store,
            index: Arc::new(NotifyingIndex::new(index, events.clone())),
        };
        let renderer = Arc::new(Renderer::new(&settings.render));
        let state = AppState(Arc::new(AppStateInner {
            ports,
            renders_in_process: embedded_queue.is_some(),
            watch_index,
            renderer,
            events,
            request_locks: Default::default(),
            spa: routes::spa::Spa::new(&settings.static_dir),
            tokens: TokenKeys::new(&secret, settings.token_ttl),
            hasher: PasswordHasher::new()?,
            limiter: WindowLimiter::new(settings.signin_max_failures, settings.signin_window),
            signups: WindowLimiter::new(settings.signup_max_per_ip, settings.signup_window),
            db,
            settings,
        }));
        let listener = TcpListener::bind(state.settings.addr)
            .await
            .with_context(|| format!("could not listen on {}", state.settings.addr))?;
        let router = router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.listener
            .local_addr()
            .expect("a bound listener has an address")
    }

    pub fn port(&self) -> u16 {
        self.local_addr().port()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves, and renders queued jobs, until `shutdown` completes; then lets in-flight
    /// requests and renders finish.
    pub async fn run_until_stopped(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        tracing::info!(addr = %self.local_addr(), "listening");
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        let until_stopped = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        // Without SQS the jobs are rendered in-process; enqueueing wakes the worker at once.
        let worker = self.state.renders_in_process.then(|| {
            let settings = &self.state.settings;
            let worker = Worker::new(
                self.state.ports.clone(),
                self.state.renderer.clone(),
                settings.render.concurrency,
            )
            .with_limits(folio_lambda::StoreLimits {
                max_file_bytes: settings.max_file_bytes,
                max_stored_bytes: Some(settings.max_stored_bytes),
            });
            let worker = Arc::new(worker);
            tokio::spawn(worker.run(until_stopped(stopped.clone())))
        });
        let header_read_timeout = self.state.settings.header_read_timeout;
        crate::serve::serve(
            self.listener,
            self.router,
            header_read_timeout,
            until_stopped(stopped),
        )
        .await;
        if let Some(worker) = worker {
            let _ = worker.await;
        }
        self.state.renderer.shutdown().await;
        self.state.db.pool.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}

/// Paths no route matched: the SPA's files and pages when it is built, else a JSON 404.
async fn fallback(State(state): State<AppState>, request: Request) -> axum::response::Response {
    match &state.spa {
        Some(spa) => spa.serve(request).await,
        None => routes::not_found(request.uri().clone()).await.into_response(),
    }
}

fn router(state: AppState) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let max_body = state.settings.max_body_bytes;

    let api = OpenApiRouter::new()
        .merge(routes::auth::router())
        .merge(routes::files::router())
        .merge(routes::events::router())
        .routes(utoipa_axum::routes!(crate::openapi::document));
    let (api, document) = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .nest("/api/v1", api)
        .split_for_parts();
    let api = api
        .layer(Extension(Arc::new(document)))
        .layer(TraceLayer::new_for_http().make_span_with(|request: &Request| {
            let route = request
                .extensions()
                .get::<MatchedPath>()
                .map_or("unmatched", MatchedPath::as_str);
            let request_id = request
                .headers()
                .get("x-request-id")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!("request", method = %request.method(), route, request_id)
        }));
    // Probes run every few seconds; at info level they would drown everything else.
    let probes = routes::health::router().layer(
        TraceLayer::new_for_http()
            .make_span_with(DefaultMakeSpan::new().level(Level::DEBUG))
            .on_response(DefaultOnResponse::new().level(Level::DEBUG)),
    );

    Router::new()
        .merge(api)
        .merge(probes)
        .fallback(fallback)
        .method_not_allowed_fallback(routes::method_not_allowed)
        .layer(DefaultBodyLimit::max(max_body))
        .layer(CatchPanicLayer::custom(panic_response))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .with_state(state)
}

/// A bug must not take the connection down or leak a backtrace; it is logged and answered 500.
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response<axum::body::Body> {
    let detail = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    let response = ApiError::Internal(anyhow::anyhow!("handler panicked: {detail}")).into_response();
    debug_assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
    response
}
