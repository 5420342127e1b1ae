//! What a finished render says about its page over time: whether its text differs from the
//! previous version's. Texts are compared as the object store keeps them (beside each PDF), so
//! the worker needs nothing but its ports, under Lambda as in `folio serve`.

use folio_core::jobs::names;
use folio_core::ports::{FileFilter, PortError, Ports};
use folio_core::{FileRecord, FileStatus};
use uuid::Uuid;

/// Versions looked through for the previous done one: a page asked for this often is odd.
const LOOK_BACK: usize = 1000;

/// Whether `text` differs from that of the newest done version before `record`'s; `None` when
/// there is no such version or it has no text kept (files from before texts were kept).
pub async fn changed_since_previous(
    ports: &Ports,
    owner: Uuid,
    record: &FileRecord,
    text: &str,
) -> Result<Option<bool>, PortError> {
    if record.version <= 1 {
        return Ok(None);
    }
    let filter = FileFilter::versions_of(record.source_url.clone());
    let versions = ports.index.list(owner, None, LOOK_BACK, &filter).await?;
    let previous = versions
        .iter()
        .filter(|other| other.status == FileStatus::Done && other.version < record.version)
        .max_by_key(|other| other.version);
    let Some(previous) = previous else {
        return Ok(None);
    };
    let before = ports.store.get_text(&names::text_key(owner, previous.id)).await?;
    Ok(before.map(|before| !same_text(&before, text)))
}

/// Equal but for white space: where a layout breaks lines is not a change of the page.
fn same_text(a: &str, b: &str) -> bool {
    a.split_whitespace().eq(b.split_whitespace())
}

#[cfg(test)]
mod tests {
    use super::same_text;

    #[test]
    fn white_space_is_not_a_change_but_words_are() {
        assert!(same_text(
            "Price: 10 EUR\n\nin stock",
            "Price:  10 EUR in\tstock "
        ));
        assert!(!same_text("Price: 10 EUR", "Price: 12 EUR"));
        assert!(!same_text("a b", "a b c"));
        assert!(same_text("", " \n"));
    }
}
