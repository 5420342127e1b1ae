//! `GET /api/v1/events`: the caller's file status changes as Server-Sent Events, so the SPA
//! updates live. Authenticated by the usual bearer token (the SPA reads it with `fetch`).
//!
//! Changes made in this process arrive on the [`Events`](crate::events::Events) channel at
//! once, and so do those made elsewhere when the process reads the DynamoDB table's stream
//! ([`feed`](crate::events::feed)). When files can change elsewhere and there is no such feed
//! (a table without a stream, or a worker on SQS beside a SQL index), the stream watches the
//! user's newest files in the index while it is open, often while something is pending and
//! rarely otherwise.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use folio_core::ports::FileFilter;
use futures::Stream;
use tokio::sync::broadcast::{self, error::RecvError};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

use crate::auth::AuthUser;
use crate::error::ApiError;
use crate::events::{FileChange, FileEvent, Notice, StreamSlot};
use crate::state::AppState;

/// How often the index is read while one of the user's files is queued or rendering.
const WATCH_PENDING: Duration = Duration::from_secs(1);
/// How often otherwise: a request made through another replica shows up within this.
const WATCH_IDLE: Duration = Duration::from_secs(5);
/// The newest files watched; a change further down the list is not news to the SPA.
const WATCHED_FILES: usize = 100;
/// Statuses remembered to drop repeats (a change this process made, heard again from the
/// feed) before the memory starts over.
const REMEMBERED: usize = 10_000;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(events))
}

struct Watcher {
    _slot: StreamSlot,
    state: AppState,
    owner: Uuid,
    receiver: broadcast::Receiver<Notice>,
    /// The last status each watched file was reported in (`None` before the first look).
    known: Option<HashMap<Uuid, FileChange>>,
    next_look: tokio::time::Instant,
    ready: VecDeque<Event>,
}

fn file_event(change: &FileEvent) -> Event {
    Event::default()
        .event("file")
        .json_data(change)
        .unwrap_or_else(|_| resync())
}

fn resync() -> Event {
    Event::default().event("resync").data("{}")
}

impl Watcher {
    /// Reports `status` for `id` unless it was the last one reported.
    fn report(&mut self, id: Uuid, status: FileChange) {
        if let Some(known) = &mut self.known {
            if known.len() >= REMEMBERED && !self.state.watch_index {
                known.clear();
            }
            if known.insert(id, status) == Some(status) {
                return;
            }
        }
        self.ready.push_back(file_event(&FileEvent {
            owner: self.owner,
            id,
            status,
        }));
    }

    /// Reads the user's newest files and reports what changed since the last look.
    async fn look(&mut self) {
        let files = match self
            .state
            .ports
            .index
            .list(self.owner, None, WATCHED_FILES, &FileFilter::ALL)
            .await
        {
            Ok(files) => files,
            Err(e) => {
                tracing::warn!(error = %e, "cannot watch the file index; trying again");
                self.next_look = tokio::time::Instant::now() + WATCH_IDLE;
                return;
            }
        };
        let pending = files.iter().any(|f| !f.status.is_final());
        let first = self.known.is_none();
        let mut previous = self.known.take().unwrap_or_default();
        let mut now = HashMap::with_capacity(files.len());
        for file in &files {
            let status = FileChange::Status(file.status);
            if !first && previous.get(&file.id) != Some(&status) {
                self.ready.push_back(file_event(&FileEvent {
                    owner: self.owner,
                    id: file.id,
                    status,
                }));
            }
            previous.remove(&file.id);
            now.insert(file.id, status);
        }
        // Watched before and gone now: deleted, or pushed off the page by newer files.
        let oldest_watched = files.last().map(|f| f.id);
        for (id, status) in previous {
            let surely_gone = files.len() < WATCHED_FILES || oldest_watched.is_some_and(|oldest| id > oldest);
            if status != FileChange::Deleted && surely_gone {
                self.ready.push_back(file_event(&FileEvent {
                    owner: self.owner,
                    id,
                    status: FileChange::Deleted,
                }));
            }
        }
        self.known = Some(now);
        let interval = if pending { WATCH_PENDING } else { WATCH_IDLE };
        self.next_look = tokio::time::Instant::now() + interval;
    }

    async fn next(&mut self) -> Option<Event> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Some(event);
            }
            let watching = self.state.watch_index;
            tokio::select! {
                received = self.receiver.recv() => match received {
                    Ok(Notice::File(change)) if change.owner == self.owner => self.report(change.id, change.status),
                    Ok(Notice::File(_)) => {}
                    Ok(Notice::Resync) => return Some(resync()),
                    Err(RecvError::Lagged(_)) => return Some(resync()),
                    Err(RecvError::Closed) => return None,
                },
                () = tokio::time::sleep_until(self.next_look), if watching => self.look().await,
            }
        }
    }
}

#[utoipa::path(get, path = "/events", tag = "files", security(("bearer" = [])),
    responses(
        (status = 200, description = "A stream of `event: file` with data `{\"id\", \"status\"}` (a file status or `deleted`), and `event: resync` when the client should reload the list", content_type = "text/event-stream", body = String),
        (status = 401, description = "Missing, invalid or revoked token", body = crate::openapi::ErrorResponse),
        (status = 429, description = "The user already holds `FOLIO_MAX_EVENT_STREAMS` open streams (`too_many_streams`), with `Retry-After`", body = crate::openapi::ErrorResponse),
    ))]
/// Each event is `event: file` with `{"id","status"}` (`status` is a file status or
/// `deleted`); a listener that fell too far behind gets `event: resync` and should reload.
async fn events(
    State(state): State<AppState>,
    user: AuthUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let max = state.settings.max_event_streams;
    let slot = state
        .events
        .open_stream(user.user_id, max)
        .ok_or(ApiError::TooManyStreams { max })?;
    let watcher = Watcher {
        _slot: slot,
        receiver: state.events.subscribe(),
        owner: user.user_id,
        // Watching fills it at the first look; without watching, repeats are dropped from the start.
        known: (!state.watch_index).then(HashMap::new),
        next_look: tokio::time::Instant::now(),
        ready: VecDeque::new(),
        state,
    };
    let stream = futures::stream::unfold(watcher, |mut watcher| async move {
        let event = watcher.next().await?;
        Some((Ok(event), watcher))
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
