//! `GET /api/v1/events`: the caller's file status changes as Server-Sent Events, so the SPA
//! updates live. Authenticated by the usual bearer token (the SPA reads it with `fetch`).

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::routing::get;
use axum::Router;
use futures::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::auth::AuthUser;
use crate::startup::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/events", get(events))
}

/// Each event is `event: file` with `{"id","status"}`; a listener that fell too far behind gets
/// `event: resync` and should reload the list.
async fn events(
    State(state): State<AppState>,
    user: AuthUser,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let receiver = state.events.subscribe();
    let owner = user.user_id;
    let stream = futures::stream::unfold(receiver, move |mut receiver| async move {
        loop {
            match receiver.recv().await {
                Ok(change) if change.owner == owner => {
                    let event = Event::default()
                        .event("file")
                        .json_data(&change)
                        .unwrap_or_else(|_| Event::default().event("resync").data("{}"));
                    return Some((Ok(event), receiver));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => {
                    return Some((Ok(Event::default().event("resync").data("{}")), receiver));
                }
                Err(RecvError::Closed) => return None,
            }
        }
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
