//! Search inside every done file: its name, its address and the text its render saw.
//!
//! The worker keeps each file's text beside its PDF (`users/{owner}/{id}.txt`), so it needs no
//! database, under Lambda as in `folio serve`. The backend indexes texts into its own database
//! when a search needs them: each search first indexes the caller's done files the index does
//! not hold yet, then asks the index. Deleting a file takes it out of the index at once
//! (`docs/decisions/0009-search.md`).

mod query;

use folio_core::jobs::names;
use folio_core::ports::{FileFilter, PortError};
use folio_core::{FileRecord, FileStatus};
use futures::{StreamExt, TryStreamExt};
use uuid::Uuid;

pub use query::{SearchQuery, MAX_QUERY_CHARS};

use crate::error::ApiError;
use crate::state::AppState;
use crate::store;

/// Files read at once from the file index while catching up and while checking hits.
const CONCURRENT_READS: usize = 16;
const CATCH_UP_PAGE: usize = 500;

/// A file that matched, with an excerpt of its text around the match.
#[derive(Debug)]
pub struct Hit {
    pub record: FileRecord,
    pub snippet: String,
}

/// One page of `owner`'s files matching `query` and `filter`, best first, from position
/// `offset` of the ranking; with the position the next page starts at, if there is one.
pub async fn search(
    state: &AppState,
    owner: Uuid,
    query: &SearchQuery,
    filter: &FileFilter,
    offset: usize,
    limit: usize,
) -> Result<(Vec<Hit>, Option<usize>), ApiError> {
    catch_up(state, owner).await?;
    let ranked = store::search::search(&state.db, owner, query).await?;
    let mut records = futures::stream::iter(ranked.into_iter().enumerate().skip(offset))
        .map(|(position, id)| {
            let index = state.ports.index.clone();
            async move {
                let record = index.get(owner, id).await?;
                Ok::<_, PortError>((position, id, record))
            }
        })
        .buffered(CONCURRENT_READS);
    let mut page = Vec::new();
    let mut next = None;
    while let Some((position, id, record)) = records.try_next().await? {
        let Some(record) = record else {
            // Deleted while its row stayed behind (the delete could not reach the database).
            store::search::delete(&state.db, owner, id).await?;
            continue;
        };
        if !filter.matches(&record) {
            continue;
        }
        if page.len() == limit {
            next = Some(position);
            break;
        }
        page.push(record);
    }
    drop(records);
    let ids: Vec<Uuid> = page.iter().map(|record| record.id).collect();
    let mut bodies = store::search::bodies(&state.db, owner, &ids).await?;
    let hits = page
        .into_iter()
        .map(|record| {
            let body = bodies.remove(&record.id).unwrap_or_default();
            Hit {
                snippet: query.snippet(&body),
                record,
            }
        })
        .collect();
    Ok((hits, next))
}

/// Indexes `owner`'s done files that the index does not hold yet, from the texts kept beside
/// their PDFs (a file done before texts were kept is indexed by name and address).
async fn catch_up(state: &AppState, owner: Uuid) -> Result<(), ApiError> {
    let indexed = store::search::indexed(&state.db, owner).await?;
    let mut before = None;
    loop {
        let files = state
            .ports
            .index
            .list(owner, before, CATCH_UP_PAGE, &FileFilter::ALL)
            .await?;
        let missing: Vec<FileRecord> = files
            .iter()
            .filter(|file| file.status == FileStatus::Done && !indexed.contains(&file.id))
            .cloned()
            .collect();
        futures::stream::iter(missing)
            .map(|file| index_file(state.clone(), owner, file))
            .buffer_unordered(CONCURRENT_READS)
            .try_collect::<()>()
            .await?;
        match files.last() {
            Some(last) if files.len() == CATCH_UP_PAGE => before = Some(last.id),
            _ => return Ok(()),
        }
    }
}

async fn index_file(state: AppState, owner: Uuid, file: FileRecord) -> Result<(), ApiError> {
    let text = state
        .ports
        .store
        .get_text(&names::text_key(owner, file.id))
        .await?
        .unwrap_or_default();
    store::search::insert(&state.db, owner, file.id, &file.name, &file.source_url, &text).await?;
    Ok(())
}

/// Keeps a renamed file findable by its new name.
pub async fn renamed(state: &AppState, owner: Uuid, file: &FileRecord) -> Result<(), ApiError> {
    store::search::rename(&state.db, owner, file.id, &file.name).await?;
    Ok(())
}

/// Takes a deleted file out of the index, and its text out of the store.
pub async fn forget(state: &AppState, owner: Uuid, file_id: Uuid) -> Result<(), ApiError> {
    store::search::delete(&state.db, owner, file_id).await?;
    state.ports.store.delete(&names::text_key(owner, file_id)).await?;
    Ok(())
}
