//! The one error type of the library: a stable code, a one-line message and
//! the HTTP status that came with it (0 when no response was involved).

use std::fmt;

/// Error codes. The numbers are part of the C ABI (`psjob_result`) and are
/// never reused for another meaning.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    InvalidArgument = 1,
    UntrustedUrl = 2,
    Transport = 3,
    Timeout = 4,
    Http = 5,
    Unauthorized = 6,
    NotFound = 7,
    RateLimited = 8,
    Parse = 9,
    TooLarge = 10,
    Deadline = 11,
    Cancelled = 12,
    Io = 13,
    NoValue = 14,
    Internal = 15,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    pub code: ErrorCode,
    pub message: String,
    pub http_status: u16,
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Error {
        Error {
            code,
            message: message.into(),
            http_status: 0,
        }
    }

    pub fn with_http_status(mut self, status: u16) -> Error {
        self.http_status = status;
        self
    }

    pub fn invalid(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::InvalidArgument, message)
    }

    pub fn parse(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::Parse, message)
    }

    pub fn no_value(message: impl Into<String>) -> Error {
        Error::new(ErrorCode::NoValue, message)
    }

    /// Errors worth another attempt of the same request.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.code,
            ErrorCode::Transport | ErrorCode::Timeout | ErrorCode::RateLimited
        ) || (self.code == ErrorCode::Http && self.http_status >= 500)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
