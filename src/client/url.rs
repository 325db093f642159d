//! URLs: parsing, job id resolution, and which hosts may receive credentials.

use crate::error::{Error, Result};

/// The parts of an absolute http(s) URL the client decides on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub https: bool,
    /// Lowercase, without IPv6 brackets.
    pub host: String,
    pub port: u16,
}

/// Checks an absolute `http://` or `https://` URL and returns its parts.
pub fn parse_url(url: &str) -> Result<Target> {
    if let Some(c) = url.chars().find(|c| c.is_control() || *c == ' ') {
        return Err(Error::invalid(format!(
            "URL holds {}; URLs must not contain spaces or control characters",
            if c == '\r' || c == '\n' {
                "a CR or LF".to_owned()
            } else {
                format!("{c:?}")
            }
        )));
    }
    let lower = url.get(..8).unwrap_or(url).to_ascii_lowercase();
    let https = if lower.starts_with("https://") {
        true
    } else if lower.starts_with("http://") {
        false
    } else {
        return Err(Error::invalid(format!(
            "URL {:?} is not an absolute http:// or https:// URL",
            safe_url(url)
        )));
    };
    let uri: ureq::http::Uri = url
        .parse()
        .map_err(|e| Error::invalid(format!("malformed URL {:?}: {e}", safe_url(url))))?;
    let host = uri
        .host()
        .filter(|h| !h.is_empty())
        .ok_or_else(|| Error::invalid(format!("URL {:?} has no host", safe_url(url))))?;
    if uri.authority().is_some_and(|a| a.as_str().contains('@')) {
        return Err(Error::invalid(format!(
            "URL {:?} carries user info; pass credentials through the configuration",
            safe_url(url)
        )));
    }
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    // The http crate reads an unusable port as none at all, which would
    // send the request to the default port: read it from the authority.
    let authority = uri.authority().map_or("", |a| a.as_str());
    let after_host = match authority.rfind(']') {
        Some(end) => &authority[end + 1..],
        None => authority.rfind(':').map_or("", |i| &authority[i..]),
    };
    let port = match after_host.strip_prefix(':').filter(|p| !p.is_empty()) {
        None => {
            if https {
                443
            } else {
                80
            }
        }
        Some(p) => match p.parse::<u16>() {
            Ok(n) if n > 0 && p.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => {
                return Err(Error::invalid(format!(
                    "URL {:?} has an invalid port {p:?}",
                    safe_url(url)
                )))
            }
        },
    };
    Ok(Target { https, host, port })
}

/// True for an absolute http(s) URL; anything else is a job id.
pub fn is_absolute_url(s: &str) -> bool {
    let lower = s.get(..8).unwrap_or(s).to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://")
}

/// The status URL for a job id: percent-encoded as one path segment
/// (everything but RFC 3986 unreserved characters and ':') after the base.
pub fn job_url(base: &str, job_id: &str) -> Result<String> {
    if job_id.is_empty() {
        return Err(Error::invalid("job id is empty"));
    }
    let mut url = String::with_capacity(base.len() + job_id.len() + 1);
    url.push_str(base);
    if !base.ends_with('/') {
        url.push('/');
    }
    for b in job_id.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b':') {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    Ok(url)
}

/// The URL without its query and fragment, for messages and logs
/// (presigned URLs carry signatures there).
pub fn safe_url(url: &str) -> String {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    let mut out: String = url[..end]
        .chars()
        .filter(|c| !c.is_control())
        .take(300)
        .collect();
    if end < url.len() {
        out.push_str("?…");
    }
    out
}

pub fn is_loopback(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    match host.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => false,
    }
}

/// A trusted host: exact, or `*.example.com` for any subdomain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostPattern {
    Exact(String),
    Subdomains(String),
}

impl HostPattern {
    pub fn parse(p: &str) -> Result<HostPattern> {
        let valid = |h: &str| {
            !h.is_empty()
                && h.len() <= 253
                && h.chars().all(|c| {
                    c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | ':' | '[' | ']' | '_')
                })
        };
        let lower = p.trim().to_ascii_lowercase();
        if let Some(domain) = lower.strip_prefix("*.") {
            if valid(domain) && !domain.contains('*') {
                return Ok(HostPattern::Subdomains(domain.to_owned()));
            }
        } else if valid(&lower) {
            let host = lower.trim_start_matches('[').trim_end_matches(']');
            return Ok(HostPattern::Exact(host.to_owned()));
        }
        Err(Error::invalid(format!(
            "trusted host {p:?} is not a host name, an IP address or \"*.domain\""
        )))
    }

    pub fn matches(&self, host: &str) -> bool {
        match self {
            HostPattern::Exact(h) => h == host,
            HostPattern::Subdomains(d) => host
                .strip_suffix(d.as_str())
                .is_some_and(|rest| rest.len() > 1 && rest.ends_with('.')),
        }
    }
}

/// Hosts that may receive credentials.
#[derive(Clone, Debug)]
pub struct TrustPolicy {
    patterns: Vec<HostPattern>,
}

impl TrustPolicy {
    pub fn new(status_base_url: &str, added: &[HostPattern]) -> TrustPolicy {
        let mut patterns = vec![
            HostPattern::Exact("image.adobe.io".into()),
            HostPattern::Exact("photoshop-api.adobe.io".into()),
        ];
        if let Ok(base) = parse_url(status_base_url) {
            patterns.push(HostPattern::Exact(base.host));
        }
        patterns.extend_from_slice(added);
        TrustPolicy { patterns }
    }

    pub fn is_trusted(&self, host: &str) -> bool {
        self.patterns.iter().any(|p| p.matches(host))
    }

    /// Whether credentials may go to `target`: a trusted host, over https or
    /// over http to loopback.
    pub fn check(&self, target: &Target, url: &str) -> Result<()> {
        if !self.is_trusted(&target.host) {
            return Err(Error::new(
                crate::ErrorCode::UntrustedUrl,
                format!(
                    "refusing to send credentials to untrusted host {:?} ({}); add it with psjob_config_add_trusted_host",
                    target.host,
                    safe_url(url)
                ),
            ));
        }
        if !target.https && !is_loopback(&target.host) {
            return Err(Error::new(
                crate::ErrorCode::UntrustedUrl,
                format!(
                    "refusing to send credentials over plain http to {:?} ({}); use https",
                    target.host,
                    safe_url(url)
                ),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorCode;

    #[test]
    fn job_ids_are_one_encoded_segment() {
        let base = "https://photoshop-api.adobe.io/v2/status/";
        assert_eq!(job_url(base, "abc-1").unwrap(), format!("{base}abc-1"));
        assert_eq!(
            job_url("http://h/v2/status", "urn:ff:jobs:a b/c?d").unwrap(),
            "http://h/v2/status/urn:ff:jobs:a%20b%2Fc%3Fd"
        );
        assert_eq!(job_url(base, "é").unwrap(), format!("{base}%C3%A9"));
        assert_eq!(
            job_url(base, "").unwrap_err().code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn urls_are_checked() {
        let t = parse_url("HTTPS://Image.Adobe.IO/x?y").unwrap();
        assert_eq!(
            (t.https, t.host.as_str(), t.port),
            (true, "image.adobe.io", 443)
        );
        let t = parse_url("http://[::1]:8080/").unwrap();
        assert_eq!((t.host.as_str(), t.port), ("::1", 8080));
        for bad in [
            "http://h:99999/",
            "http://h:0/",
            "http://[::1]:70000/",
            "ftp://x/",
            "http://",
            "http://a b/",
            "http://x/\r\nX: y",
            "//x/",
            "http://u:p@x/",
        ] {
            assert_eq!(
                parse_url(bad).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{bad:?}"
            );
        }
    }

    #[test]
    fn trust_rules() {
        let policy = TrustPolicy::new(
            "http://127.0.0.1:9/v2/status/",
            &[
                HostPattern::parse("*.example.com").unwrap(),
                HostPattern::parse("plain.test").unwrap(),
            ],
        );
        let ok = |u: &str| policy.check(&parse_url(u).unwrap(), u);
        assert!(ok("https://image.adobe.io/pie/psdService/status/1").is_ok());
        assert!(ok("https://photoshop-api.adobe.io/v2/status/1").is_ok());
        assert!(
            ok("http://127.0.0.1:1234/x").is_ok(),
            "base host, loopback http"
        );
        assert!(ok("https://a.b.example.com/").is_ok());
        assert_eq!(
            ok("https://example.com/").unwrap_err().code,
            ErrorCode::UntrustedUrl
        );
        assert_eq!(
            ok("https://evil-example.com/").unwrap_err().code,
            ErrorCode::UntrustedUrl
        );
        assert_eq!(
            ok("http://plain.test/").unwrap_err().code,
            ErrorCode::UntrustedUrl,
            "http off loopback"
        );
        assert_eq!(
            ok("http://localhost:1/").unwrap_err().code,
            ErrorCode::UntrustedUrl,
            "not added"
        );
        assert!(is_loopback("127.8.9.10") && is_loopback("::1") && is_loopback("LOCALHOST"));
        assert!(!is_loopback("128.0.0.1"));
    }

    #[test]
    fn safe_url_drops_query() {
        assert_eq!(
            safe_url("https://s3/x.jpg?sig=SECRET"),
            "https://s3/x.jpg?…"
        );
    }
}
