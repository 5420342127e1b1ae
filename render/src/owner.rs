//! Whose browser state a page is rendered in.

use uuid::Uuid;

/// Cookies, storage and cache of one owner's renders are never seen by another owner's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Owner {
    /// A caller with no account: the command line, benchmarks. Shares state with no user.
    Anonymous,
    User(Uuid),
}
