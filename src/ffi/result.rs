//! `psjob_result`, the version and the last-error functions.

use std::ffi::c_char;

use super::guard;
use crate::error::ErrorCode;

/// The result of every fallible function. The numbers are stable forever:
/// a number is never reused for another meaning.
#[repr(C)]
#[allow(non_camel_case_types)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum psjob_result {
    PSJOB_OK = 0,
    /// NULL, non-UTF-8, malformed URL, CR/LF in a header value, bad option value.
    PSJOB_ERR_INVALID_ARGUMENT = 1,
    /// Credentials would go to a host that is not trusted, or over plain http
    /// to a non-loopback host. Nothing was sent.
    PSJOB_ERR_UNTRUSTED_URL = 2,
    /// DNS, connect, TLS, connection reset, truncated body.
    PSJOB_ERR_TRANSPORT = 3,
    /// One request exceeded its time limit.
    PSJOB_ERR_TIMEOUT = 4,
    /// A non-success HTTP status not covered below (incl. 3xx, 400, 5xx after retries).
    PSJOB_ERR_HTTP = 5,
    /// HTTP 401 or 403, or IMS refused the client credentials.
    PSJOB_ERR_UNAUTHORIZED = 6,
    /// HTTP 404.
    PSJOB_ERR_NOT_FOUND = 7,
    /// HTTP 429 after retries.
    PSJOB_ERR_RATE_LIMITED = 8,
    /// The body is not JSON, or not a JSON object.
    PSJOB_ERR_PARSE = 9,
    /// The body is larger than the configured limit.
    PSJOB_ERR_TOO_LARGE = 10,
    /// Wait: the deadline passed before the job finished.
    PSJOB_ERR_DEADLINE = 11,
    /// Wait: cancelled, or the progress callback asked to stop.
    PSJOB_ERR_CANCELLED = 12,
    /// A local file could not be written.
    PSJOB_ERR_IO = 13,
    /// JSON pointer accessor: no value there, or not of the asked type.
    PSJOB_ERR_NO_VALUE = 14,
    /// A bug in the library (a caught panic).
    PSJOB_ERR_INTERNAL = 15,
}

impl From<ErrorCode> for psjob_result {
    fn from(code: ErrorCode) -> psjob_result {
        use psjob_result::*;
        match code {
            ErrorCode::InvalidArgument => PSJOB_ERR_INVALID_ARGUMENT,
            ErrorCode::UntrustedUrl => PSJOB_ERR_UNTRUSTED_URL,
            ErrorCode::Transport => PSJOB_ERR_TRANSPORT,
            ErrorCode::Timeout => PSJOB_ERR_TIMEOUT,
            ErrorCode::Http => PSJOB_ERR_HTTP,
            ErrorCode::Unauthorized => PSJOB_ERR_UNAUTHORIZED,
            ErrorCode::NotFound => PSJOB_ERR_NOT_FOUND,
            ErrorCode::RateLimited => PSJOB_ERR_RATE_LIMITED,
            ErrorCode::Parse => PSJOB_ERR_PARSE,
            ErrorCode::TooLarge => PSJOB_ERR_TOO_LARGE,
            ErrorCode::Deadline => PSJOB_ERR_DEADLINE,
            ErrorCode::Cancelled => PSJOB_ERR_CANCELLED,
            ErrorCode::Io => PSJOB_ERR_IO,
            ErrorCode::NoValue => PSJOB_ERR_NO_VALUE,
            ErrorCode::Internal => PSJOB_ERR_INTERNAL,
        }
    }
}

const RESULT_NAMES: [&std::ffi::CStr; 16] = [
    c"PSJOB_OK",
    c"PSJOB_ERR_INVALID_ARGUMENT",
    c"PSJOB_ERR_UNTRUSTED_URL",
    c"PSJOB_ERR_TRANSPORT",
    c"PSJOB_ERR_TIMEOUT",
    c"PSJOB_ERR_HTTP",
    c"PSJOB_ERR_UNAUTHORIZED",
    c"PSJOB_ERR_NOT_FOUND",
    c"PSJOB_ERR_RATE_LIMITED",
    c"PSJOB_ERR_PARSE",
    c"PSJOB_ERR_TOO_LARGE",
    c"PSJOB_ERR_DEADLINE",
    c"PSJOB_ERR_CANCELLED",
    c"PSJOB_ERR_IO",
    c"PSJOB_ERR_NO_VALUE",
    c"PSJOB_ERR_INTERNAL",
];

/// The library's version as "MAJOR.MINOR.PATCH" (the same numbers as the
/// PSJOB_VERSION_* macros of the header it was built with). The string is
/// static: never free it.
#[no_mangle]
pub extern "C" fn psjob_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The name of a result code, e.g. "PSJOB_ERR_TIMEOUT"; any number that is
/// not a psjob_result gives "PSJOB_ERR_UNKNOWN". The string is static.
#[no_mangle]
pub extern "C" fn psjob_result_name(code: i32) -> *const c_char {
    usize::try_from(code)
        .ok()
        .and_then(|i| RESULT_NAMES.get(i))
        .map_or(c"PSJOB_ERR_UNKNOWN".as_ptr(), |name| name.as_ptr())
}

/// A one-line message describing the last failed call on this thread, or ""
/// if none failed yet. Never NULL. Owned by the library: valid until the next
/// failing call on the same thread; copy it to keep it. Never contains a
/// token, API key or client secret.
#[no_mangle]
pub extern "C" fn psjob_last_error() -> *const c_char {
    guard::value_boundary(c"".as_ptr(), guard::last_error_ptr)
}

/// The HTTP status of the last failed call on this thread: the response's
/// status when one was involved (e.g. 200 for a PSJOB_ERR_PARSE of a 200
/// body), 0 when none was or no call failed yet.
#[no_mangle]
pub extern "C" fn psjob_last_http_status() -> i32 {
    guard::value_boundary(0, guard::last_http_status)
}
