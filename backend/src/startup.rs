//! Builds the application from settings and runs it until told to stop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::auth::{load_or_create_secret, PasswordHasher, TokenKeys, ViewKeys, WindowLimiter};
use crate::config::Settings;
use crate::events::{Events, NotifyingIndex};
use crate::request_rate::{RequestLimiter, ShareLimiter};
use crate::routes;
use crate::state::{AppState, AppStateInner};
use crate::store::{Db, Dialect};
use folio_aws as aws;
use folio_core::ports::JobQueue;
use folio_lambda::{Ports, Worker};
use folio_render::Renderer;
use folio_sql::{LocalStore, SqlFileIndex, SqlQueue};

pub struct Application {
    listener: TcpListener,
    router: Router,
    state: AppState,
    /// The DynamoDB table's stream, read while the application runs, and the index behind it.
    feed: Option<(aws::FileChanges, Arc<dyn folio_core::ports::FileIndex>)>,
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
        // Installed before anything is counted: what is recorded earlier is lost.
        folio_lambda::metrics::handle();
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
        let on_aws = sdk
            .as_ref()
            .map_or_else(aws::AwsPorts::default, |sdk| aws::AwsPorts::new(sdk, aws));
        // Changes made elsewhere (a worker process, another replica) reach event streams through
        // the table's stream when it has one, else by each stream watching the index.
        let feed = match (&sdk, &aws.dynamodb_table) {
            (Some(sdk), Some(table)) => match aws::FileChanges::open(sdk, table).await {
                Ok(Some(feed)) => Some(feed),
                Ok(None) => {
                    tracing::info!("the file table has no stream: each event stream watches the index");
                    None
                }
                Err(e) => {
                    tracing::warn!(error = %e, "cannot read the file table's stream: each event stream watches the index");
                    None
                }
            },
            _ => None,
        };
        let watch_index = (on_aws.queue.is_some() || on_aws.index.is_some()) && feed.is_none();
        // Every change to the files is heard of here: this process is SQLite's only one, or it
        // reads the DynamoDB table's stream.
        let hears_every_change = !watch_index && (feed.is_some() || db.dialect == Dialect::Sqlite);
        tracing::info!(
            queue = if on_aws.queue.is_some() { "sqs" } else { "embedded" },
            store = if on_aws.store.is_some() { "s3" } else { "local" },
            index = if on_aws.index.is_some() { "dynamodb" } else { "sql" },
            "ports"
        );
        let (queue, embedded_queue): (Arc<dyn JobQueue>, _) = match on_aws.queue {
            Some(queue) => (queue, None),
            None => {
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
        let store = on_aws
            .store
            .unwrap_or_else(|| Arc::new(LocalStore::new(settings.data_dir.join("objects"))));
        let index = on_aws
            .index
            .unwrap_or_else(|| Arc::new(SqlFileIndex::new(db.pool.clone())));
        let events = Events::default();
        let feed = feed.map(|feed| (feed, index.clone()));
        let ports = Ports {
            queue,
            store,
            index: Arc::new(NotifyingIndex::new(index, events.clone())),
        };
        let renderer = Arc::new(Renderer::new(&settings.render));
        let state = AppState::new(AppStateInner {
            ports,
            renders_in_process: embedded_queue.is_some(),
            watch_index,
            renderer,
            events,
            listings: hears_every_change.then(Default::default),
            request_locks: Default::default(),
            request_rate: RequestLimiter::new(settings.request_rate),
            share_rate: ShareLimiter::new(settings.share_rate),
            webhook_wake: Default::default(),
            schedule_wake: Default::default(),
            spa: routes::spa::Spa::new(&settings.static_dir),
            tokens: TokenKeys::new(&secret, settings.token_ttl),
            sessions: Default::default(),
            view_links: ViewKeys::new(&secret),
            hasher: PasswordHasher::new()?,
            limiter: WindowLimiter::new(settings.signin_max_failures, settings.signin_window),
            signups: WindowLimiter::new(settings.signup_max_per_ip, settings.signup_window),
            db,
            settings,
        });
        let listener = TcpListener::bind(state.settings.addr)
            .await
            .with_context(|| format!("could not listen on {}", state.settings.addr))?;
        let router = routes::router(state.clone());
        Ok(Self {
            listener,
            router,
            state,
            feed,
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
        let feed = self.feed.map(|(changes, index)| {
            tokio::spawn(crate::events::feed::run(
                changes,
                self.state.events.clone(),
                index,
                until_stopped(stopped.clone()),
            ))
        });
        let webhooks = tokio::spawn(crate::webhooks::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
        let schedules = tokio::spawn(crate::schedules::run(
            self.state.clone(),
            until_stopped(stopped.clone()),
        ));
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
        let _ = webhooks.await;
        let _ = schedules.await;
        if let Some(feed) = feed {
            let _ = feed.await;
        }
        self.state.renderer.shutdown().await;
        self.state.db.pool.close().await;
        tracing::info!("stopped");
        Ok(())
    }
}
