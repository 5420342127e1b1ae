//! What every handler can reach: settings, the database, the ports, the renderer, limits.

use std::ops::Deref;
use std::sync::Arc;

use folio_lambda::Ports;
use folio_render::Renderer;

use crate::auth::{PasswordHasher, SessionCache, TokenKeys, ViewKeys, WindowLimiter};
use crate::config::Settings;
use crate::events::Events;
use crate::routes;
use crate::store::Db;

/// What every handler can reach; cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<AppStateInner>);

pub struct AppStateInner {
    pub settings: Settings,
    pub db: Db,
    pub hasher: PasswordHasher,
    pub tokens: TokenKeys,
    pub sessions: SessionCache,
    /// Signs the short-lived links that show a PDF in a browser tab.
    pub view_links: ViewKeys,
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
    /// Listings kept while unchanged; `None` where changes can happen unheard of (replicas
    /// sharing MySQL, a DynamoDB table without a stream).
    pub listings: Option<routes::listing_cache::ListingCache>,
    pub request_locks: crate::library::RequestLocks,
    pub request_rate: crate::request_rate::RequestLimiter,
    pub share_rate: crate::request_rate::ShareLimiter,
    pub webhook_wake: crate::wake::Wake,
    pub schedule_wake: crate::wake::Wake,
    /// The built SPA, when there is one to serve.
    pub spa: Option<routes::spa::Spa>,
}

impl Deref for AppState {
    type Target = AppStateInner;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl AppState {
    pub fn new(inner: AppStateInner) -> Self {
        Self(Arc::new(inner))
    }
}
