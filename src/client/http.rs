//! One HTTP exchange with ureq, and turning its failures into our codes
//! and one-line messages.

use std::io::Read;
use std::time::Duration;

use ureq::http::Response;
use ureq::Body;

use super::url::safe_url;
use crate::error::{Error, ErrorCode};

/// The most of an error body read for its message.
pub const ERROR_BODY_LIMIT: u64 = 64 * 1024;

/// A failed attempt: the error, and what `Retry-After` asked for.
#[derive(Debug)]
pub struct Failure {
    pub error: Error,
    pub retry_after: Option<Duration>,
    /// A 401 from the API itself: a new token may mend it.
    pub token_rejected: bool,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            error,
            retry_after: None,
            token_rejected: false,
        }
    }
}

/// What the response's `Retry-After` asks for.
pub fn retry_after(resp: &Response<Body>) -> Option<Duration> {
    resp.headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| super::retry::parse_retry_after(v, std::time::SystemTime::now()))
}

/// The failure an API response with a non-success status stands for; reads
/// (a bounded part of) its body for the message.
pub fn response_failure(resp: &mut Response<Body>, what: &str, url: &str) -> Failure {
    let status = resp.status().as_u16();
    let retry_after = retry_after(resp);
    let location = resp
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(safe_url);
    let body = read_error_body(resp);
    let mut error = status_error(status, &body, what, url);
    if let Some(location) = location.filter(|_| (300..400).contains(&status)) {
        error.message = format!("{} (redirect to {location} not followed)", error.message);
    }
    Failure {
        error,
        retry_after,
        token_rejected: status == 401,
    }
}

/// Maps a ureq error for a request to `url` (`what` names the request).
pub fn transport_error(e: ureq::Error, what: &str, url: &str) -> Error {
    use ureq::Error as E;
    let url = safe_url(url);
    let (code, why) = match &e {
        E::Timeout(t) => (ErrorCode::Timeout, format!("timed out ({t})")),
        E::HostNotFound => (
            ErrorCode::Transport,
            "could not resolve the host".to_owned(),
        ),
        E::Io(io) => match io.kind() {
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                (ErrorCode::Timeout, format!("timed out ({io})"))
            }
            std::io::ErrorKind::UnexpectedEof => (
                ErrorCode::Transport,
                "the connection closed before the response was complete".to_owned(),
            ),
            std::io::ErrorKind::ConnectionRefused => {
                (ErrorCode::Transport, "connection refused".to_owned())
            }
            std::io::ErrorKind::ConnectionReset => {
                (ErrorCode::Transport, "connection reset by peer".to_owned())
            }
            _ => (ErrorCode::Transport, io.to_string()),
        },
        E::BodyExceedsLimit(n) => (
            ErrorCode::TooLarge,
            format!("the body is larger than the limit of {n} bytes"),
        ),
        E::BadUri(m) => (ErrorCode::InvalidArgument, format!("malformed URL: {m}")),
        E::Http(h) => (ErrorCode::InvalidArgument, format!("invalid request: {h}")),
        E::Tls(m) => (ErrorCode::Transport, format!("TLS error: {m}")),
        E::Rustls(r) => (ErrorCode::Transport, format!("TLS error: {r}")),
        E::Pem(p) => (ErrorCode::Transport, format!("TLS error: {p}")),
        E::Decompress(_, io) => (
            ErrorCode::Transport,
            format!("could not decompress the body: {io}"),
        ),
        E::ConnectProxyFailed(m) => (
            ErrorCode::Transport,
            format!("the proxy refused the connection: {m}"),
        ),
        E::LargeResponseHeader(_, limit) => (
            ErrorCode::Transport,
            format!("the response header is larger than {limit} bytes"),
        ),
        E::Protocol(p) => (ErrorCode::Transport, format!("HTTP protocol error: {p}")),
        other => (ErrorCode::Transport, other.to_string()),
    };
    Error::new(code, format!("{what} {url}: {why}"))
}

/// Reads a success body whole, under `limit` bytes after decompression.
pub fn read_body(
    resp: &mut Response<Body>,
    limit: u64,
    what: &str,
    url: &str,
) -> Result<Vec<u8>, Error> {
    let status = resp.status().as_u16();
    let expected = resp
        .body()
        .content_length()
        .unwrap_or(0)
        .min(limit)
        .min(16 << 20);
    let mut buf = Vec::with_capacity(expected as usize);
    let result = resp
        .body_mut()
        .with_config()
        .limit(limit)
        .reader()
        .read_to_end(&mut buf);
    match result {
        Ok(_) => Ok(buf),
        Err(e) => {
            let mut err = transport_error(ureq::Error::from(e), what, url).with_http_status(status);
            if err.code == ErrorCode::TooLarge {
                err.message = format!(
                    "{what} {}: the body is larger than the limit of {limit} bytes (psjob_config_set_max_body_bytes)",
                    safe_url(url)
                );
            }
            Err(err)
        }
    }
}

/// The message an HTTP error body carries, in any of Adobe's forms:
/// `{error_code, message}`, `{type, title, code}`, IMS's `{error,
/// error_description}`, plain text or HTML; "" when empty.
pub fn error_body_message(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(text) {
        let field = |names: &[&str]| {
            names.iter().find_map(|n| match map.get(*n) {
                Some(serde_json::Value::String(s)) if !s.is_empty() => Some(s.clone()),
                Some(serde_json::Value::Number(n)) => Some(n.to_string()),
                _ => None,
            })
        };
        let code = field(&["error_code", "errorCode", "code", "error"]);
        let message = field(&["message", "title", "error_description", "detail", "reason"]);
        let kind = field(&["type"]).filter(|t| Some(t) != code.as_ref());
        let parts: Vec<String> = [code, kind, message].into_iter().flatten().collect();
        if !parts.is_empty() {
            return one_line(&parts.join(" "), 300);
        }
    }
    one_line(&strip_tags(text), 200)
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => {
                in_tag = true;
                out.push(' ');
            }
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Collapses whitespace and control characters; cuts at `max` characters.
pub fn one_line(text: &str, max: usize) -> String {
    let words: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|w| !w.is_empty())
        .collect();
    let line = words.join(" ");
    if line.chars().count() > max {
        let cut: String = line.chars().take(max).collect();
        format!("{cut}…")
    } else {
        line
    }
}

/// The error for a non-success HTTP status.
pub fn status_error(status: u16, body: &[u8], what: &str, url: &str) -> Error {
    let code = match status {
        401 | 403 => ErrorCode::Unauthorized,
        404 => ErrorCode::NotFound,
        429 => ErrorCode::RateLimited,
        _ => ErrorCode::Http,
    };
    let detail = error_body_message(body);
    let detail = if detail.is_empty() {
        "(no body)".to_owned()
    } else {
        detail
    };
    Error::new(
        code,
        format!("HTTP {status}: {detail} ({what} {})", safe_url(url)),
    )
    .with_http_status(status)
}

/// Reads up to [`ERROR_BODY_LIMIT`] of an error body; reading it to its end
/// lets the connection go back to the pool.
pub fn read_error_body(resp: &mut Response<Body>) -> Vec<u8> {
    let mut buf = Vec::new();
    let _ = resp
        .body_mut()
        .with_config()
        .limit(ERROR_BODY_LIMIT)
        .reader()
        .read_to_end(&mut buf);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn adobe_error_bodies() {
        assert_eq!(
            error_body_message(br#"{"error_code":"401013","message":"Oauth token is not valid"}"#),
            "401013 Oauth token is not valid"
        );
        assert_eq!(
            error_body_message(
                br#"{"type":"InputValidationError","title":"bad input","code":"400"}"#
            ),
            "400 InputValidationError bad input"
        );
        assert_eq!(
            error_body_message(br#"{"error":"invalid_client","error_description":"bad secret"}"#),
            "invalid_client bad secret"
        );
        assert_eq!(
            error_body_message(b"<html><body><h1>500 Internal\nServer Error</h1></body></html>"),
            "500 Internal Server Error"
        );
        assert_eq!(error_body_message(b"   "), "");
        let long = "x ".repeat(1000);
        assert!(error_body_message(long.as_bytes()).chars().count() <= 201);
    }

    #[test]
    fn status_codes() {
        let e = status_error(
            401,
            br#"{"error_code":"401013","message":"Oauth token is not valid"}"#,
            "GET",
            "http://h/s/1?sig=x",
        );
        assert_eq!(e.code, ErrorCode::Unauthorized);
        assert_eq!(e.http_status, 401);
        assert_eq!(
            e.message,
            "HTTP 401: 401013 Oauth token is not valid (GET http://h/s/1?…)"
        );
        assert_eq!(
            status_error(403, b"", "GET", "u").code,
            ErrorCode::Unauthorized
        );
        assert_eq!(status_error(404, b"", "GET", "u").code, ErrorCode::NotFound);
        assert_eq!(
            status_error(429, b"", "GET", "u").code,
            ErrorCode::RateLimited
        );
        assert_eq!(status_error(302, b"", "GET", "u").code, ErrorCode::Http);
        assert!(status_error(503, b"", "GET", "u")
            .message
            .contains("(no body)"));
    }
}
