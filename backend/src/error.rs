//! The API's one error type and its JSON body: `{"error": {"code", "message"}}`.
//!
//! Handlers return `ApiError`; every rejection axum can produce is converted into it, so a client
//! never sees an empty or plain-text error. Internal causes are logged, never sent.

use axum::extract::rejection::BytesRejection;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use folio_core::InvalidInput;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    /// The reason is logged at debug level; the client only learns that credentials failed.
    #[error("unauthorized: {0}")]
    Unauthorized(&'static str),
    #[error("invalid email or password")]
    InvalidCredentials,
    #[error("{message}")]
    Forbidden { code: ErrorCode, message: String },
    #[error("not found")]
    NotFound,
    #[error("{message}")]
    Conflict { code: ErrorCode, message: String },
    #[error("request body is larger than this server accepts")]
    PayloadTooLarge,
    #[error("{0}")]
    MethodNotAllowed(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    #[error("too many failed attempts; try again in {retry_after_secs} seconds")]
    RateLimited { retry_after_secs: u64 },
    #[error("too many accounts were created from this address; try again in {retry_after_secs} seconds")]
    TooManySignUps { retry_after_secs: u64 },
    #[error("the server is checking too many passwords at once; try again in a moment")]
    Busy,
    #[error("{0}")]
    QuotaExceeded(String),
    #[error("too many conversion requests at once; try again in {retry_after_secs} seconds")]
    TooManyRequests { retry_after_secs: u64 },
    #[error("too many share links opened from this address; try again in {retry_after_secs} seconds")]
    TooManyOpens { retry_after_secs: u64 },
    #[error("at most {max} event streams may be open at once; close one (another tab?) first")]
    TooManyStreams { max: usize },
    #[error("a dependency is unavailable")]
    Unavailable(#[source] anyhow::Error),
    #[error("internal error")]
    Internal(#[from] anyhow::Error),
}

/// Every error the API returns has this shape.
#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorResponse {
    error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    code: ErrorCode,
    /// For people: what went wrong and what to do.
    message: String,
    /// The request field at fault, for 422s.
    #[serde(skip_serializing_if = "Option::is_none")]
    field: Option<String>,
}

/// Stable and machine-readable: what a client may branch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    BadRequest,
    InvalidInput,
    Unauthorized,
    SessionRequired,
    InvalidCredentials,
    SignupClosed,
    WrongPassword,
    NotFound,
    EmailTaken,
    NotReady,
    /// A file made from an uploaded page: there is no address to capture again.
    Uploaded,
    PayloadTooLarge,
    MethodNotAllowed,
    UnsupportedMediaType,
    RateLimited,
    QuotaExceeded,
    TooManyStreams,
    Unavailable,
    Internal,
}

impl ApiError {
    pub fn status(&self) -> StatusCode {
        match self {
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unauthorized(_) | Self::InvalidCredentials => StatusCode::UNAUTHORIZED,
            Self::Forbidden { .. } => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::MethodNotAllowed(_) => StatusCode::METHOD_NOT_ALLOWED,
            Self::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::RateLimited { .. }
            | Self::TooManySignUps { .. }
            | Self::QuotaExceeded(_)
            | Self::TooManyRequests { .. }
            | Self::TooManyOpens { .. }
            | Self::TooManyStreams { .. } => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy => StatusCode::SERVICE_UNAVAILABLE,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadRequest(_) => ErrorCode::BadRequest,
            Self::Invalid { .. } => ErrorCode::InvalidInput,
            Self::Unauthorized(_) => ErrorCode::Unauthorized,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::Forbidden { code, .. } | Self::Conflict { code, .. } => *code,
            Self::NotFound => ErrorCode::NotFound,
            Self::PayloadTooLarge => ErrorCode::PayloadTooLarge,
            Self::MethodNotAllowed(_) => ErrorCode::MethodNotAllowed,
            Self::UnsupportedMediaType(_) => ErrorCode::UnsupportedMediaType,
            Self::RateLimited { .. }
            | Self::TooManySignUps { .. }
            | Self::TooManyRequests { .. }
            | Self::TooManyOpens { .. } => ErrorCode::RateLimited,
            Self::Busy | Self::Unavailable(_) => ErrorCode::Unavailable,
            Self::QuotaExceeded(_) => ErrorCode::QuotaExceeded,
            Self::TooManyStreams { .. } => ErrorCode::TooManyStreams,
            Self::Internal(_) => ErrorCode::Internal,
        }
    }

    /// What the client is told: the body of an error response, or one item of a batch's.
    pub fn detail(&self) -> ErrorDetail {
        let field = match self {
            Self::Invalid { field, .. } => Some(field.clone()),
            _ => None,
        };
        ErrorDetail {
            code: self.code(),
            message: self.client_message(),
            field,
        }
    }

    fn client_message(&self) -> String {
        match self {
            Self::Unauthorized(_) => "missing, invalid or expired session token".to_owned(),
            Self::Unavailable(_) => "a service Folio depends on is unavailable; try again shortly".to_owned(),
            Self::Internal(_) => "something went wrong on our side; it has been logged".to_owned(),
            other => other.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status();
        match &self {
            Self::Internal(cause) => tracing::error!(error = ?cause, "request failed"),
            Self::Unavailable(cause) => tracing::warn!(error = ?cause, "dependency unavailable"),
            Self::Unauthorized(reason) => tracing::debug!(reason, "request unauthorized"),
            _ => {}
        }
        let body = ErrorResponse { error: self.detail() };
        let mut response = (status, axum::Json(body)).into_response();
        match &self {
            Self::RateLimited { retry_after_secs }
            | Self::TooManySignUps { retry_after_secs }
            | Self::TooManyRequests { retry_after_secs }
            | Self::TooManyOpens { retry_after_secs } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            Self::Busy => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            // A dependency that is away (the database restarting, the queue unreachable) is
            // usually back within seconds.
            Self::TooManyStreams { .. } | Self::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            Self::Unauthorized(_) | Self::InvalidCredentials => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            _ => {}
        }
        response
    }
}

impl From<BytesRejection> for ApiError {
    fn from(rejection: BytesRejection) -> Self {
        Self::from_body_status(rejection.status())
    }
}

impl From<InvalidInput> for ApiError {
    fn from(invalid: InvalidInput) -> Self {
        Self::Invalid {
            field: invalid.field.to_owned(),
            message: invalid.reason,
        }
    }
}

impl ApiError {
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            message: message.into(),
        }
    }

    fn from_body_status(status: StatusCode) -> Self {
        if status == StatusCode::PAYLOAD_TOO_LARGE {
            Self::PayloadTooLarge
        } else {
            Self::BadRequest("the request body could not be read".to_owned())
        }
    }
}

/// Constraint violations mapped by kind, never by matching a driver's message text.
pub trait ResultExt<T> {
    fn on_unique_violation(self, err: impl FnOnce() -> ApiError) -> Result<T, ApiError>;
}

impl<T> ResultExt<T> for Result<T, sqlx::Error> {
    fn on_unique_violation(self, err: impl FnOnce() -> ApiError) -> Result<T, ApiError> {
        self.map_err(|e| match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => err(),
            _ => ApiError::from(anyhow::Error::new(e)),
        })
    }
}

impl From<sqlx::Error> for ApiError {
    fn from(e: sqlx::Error) -> Self {
        match e {
            sqlx::Error::PoolTimedOut | sqlx::Error::Io(_) | sqlx::Error::PoolClosed => {
                Self::Unavailable(anyhow::Error::new(e))
            }
            other => Self::Internal(anyhow::Error::new(other)),
        }
    }
}

impl From<crate::auth::HashError> for ApiError {
    fn from(error: crate::auth::HashError) -> Self {
        match error {
            crate::auth::HashError::Busy => Self::Busy,
            crate::auth::HashError::Failed(cause) => Self::Internal(cause),
        }
    }
}
