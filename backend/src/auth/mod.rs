//! Authentication: password hashing, session tokens, the `AuthUser` extractor and the limiter
//! that slows password guessing.

mod extractor;
pub mod keys;
mod password;
mod rate_limit;
mod secret;
mod session_cache;
mod tokens;
mod view_links;

pub use extractor::{AuthUser, Credential};
pub use password::{HashError, PasswordHasher};
pub use rate_limit::{Reservation, WindowLimiter};
pub use secret::load_or_create_secret;
pub use session_cache::SessionCache;
pub use tokens::{IssuedToken, TokenKeys};
pub use view_links::{ViewKeys, VIEW_LINK_TTL};
