//! IMS access tokens by the OAuth client-credentials grant: fetched on
//! first use, cached, renewed before they expire, one fetch at a time.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use super::config::ClientCredentials;
use super::http::{self, Failure};
use super::log::{DEBUG, INFO};
use super::secret::Secret;
use super::url::{is_loopback, parse_url, safe_url};
use super::{Client, Limits};
use crate::error::{Error, ErrorCode};

struct Cached {
    token: Secret,
    /// When to fetch a new one; `None` for a token given by `set_token`,
    /// kept until a 401 says otherwise.
    renew_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    cached: Option<Cached>,
    fetching: bool,
    /// Counts finished fetches, so waiters know theirs is done.
    fetches: u64,
    last_error: Option<Error>,
}

pub struct TokenCache {
    creds: ClientCredentials,
    url: String,
    state: Mutex<State>,
    done: Condvar,
}

impl TokenCache {
    pub fn new(creds: ClientCredentials, url: String, initial: Option<Secret>) -> TokenCache {
        let state = State {
            cached: initial.map(|token| Cached {
                token,
                renew_at: None,
            }),
            ..State::default()
        };
        TokenCache {
            creds,
            url,
            state: Mutex::new(state),
            done: Condvar::new(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn set(&self, token: Option<Secret>) {
        self.lock().cached = token.map(|token| Cached {
            token,
            renew_at: None,
        });
    }

    pub fn current(&self) -> Option<Secret> {
        self.lock().cached.as_ref().map(|c| c.token.clone())
    }

    /// A valid token: the cached one, or a new one when it is due for
    /// renewal or `fresh` asks (after a 401). Concurrent callers share one
    /// fetch, and its failure.
    pub fn token(&self, client: &Client, fresh: bool, limits: Limits) -> Result<Secret, Failure> {
        let mut state = self.lock();
        let seen = state.fetches;
        loop {
            if let Some(c) = &state.cached {
                let due = c.renew_at.is_some_and(|at| Instant::now() >= at);
                // After a 401, any token fetched since this call began is fresh.
                if !due && (!fresh || state.fetches > seen) {
                    return Ok(c.token.clone());
                }
            }
            if state.fetching {
                state = self.done.wait(state).unwrap_or_else(|p| p.into_inner());
                if state.fetches > seen {
                    if let Some(e) = &state.last_error {
                        return Err(e.clone().into());
                    }
                }
                continue;
            }
            state.fetching = true;
            drop(state);
            let result = self.fetch(client, limits);
            state = self.lock();
            state.fetching = false;
            state.fetches += 1;
            let answer = match result {
                Ok((token, lifetime)) => {
                    state.cached = Some(Cached {
                        token: token.clone(),
                        renew_at: Some(Instant::now() + renew_after(lifetime)),
                    });
                    state.last_error = None;
                    Ok(token)
                }
                Err(f) => {
                    state.cached = None;
                    state.last_error = Some(f.error.clone());
                    Err(f)
                }
            };
            self.done.notify_all();
            return answer;
        }
    }

    /// One POST to IMS. Transient failures are retried by the request that
    /// needed the token, so the retries do not multiply.
    fn fetch(&self, client: &Client, limits: Limits) -> Result<(Secret, Duration), Failure> {
        let target = parse_url(&self.url)?;
        if !target.https && !is_loopback(&target.host) {
            return Err(Error::new(
                ErrorCode::UntrustedUrl,
                format!(
                    "refusing to send client credentials over plain http to {}",
                    safe_url(&self.url)
                ),
            )
            .into());
        }
        let form = form_encode(&[
            ("grant_type", "client_credentials"),
            ("client_id", self.creds.client_id.expose()),
            ("client_secret", self.creds.client_secret.expose()),
            ("scope", &self.creds.scopes),
        ]);
        let url = self.url.as_str();
        let attempt = || -> Result<(Secret, Duration), Failure> {
            client
                .logger
                .log(DEBUG, || format!("POST {} (IMS token)", safe_url(url)));
            let (timeout, _) = limits.request_timeout(client.config.timeout);
            let req = client
                .agent
                .post(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .header("User-Agent", &client.config.user_agent)
                .config()
                .timeout_global(Some(timeout))
                .proxy(client.proxies.for_target(&target))
                .build();
            let mut resp = req
                .send(form.expose())
                .map_err(|e| http::transport_error(e, "IMS token request: POST", url))?;
            let status = resp.status().as_u16();
            if !(200..300).contains(&status) {
                let body = http::read_error_body(&mut resp);
                let mut e = http::status_error(status, &body, "IMS token request: POST", url);
                if matches!(status, 400 | 401 | 403) {
                    e.code = ErrorCode::Unauthorized;
                }
                e.message = format!("IMS refused the token request: {}", e.message);
                return Err(e.into());
            }
            let body = http::read_body(&mut resp, 1 << 20, "IMS token request: POST", url)?;
            let parsed = parse_token_response(&body).map_err(|e| e.with_http_status(status))?;
            client.logger.log(INFO, || {
                format!("fetched an IMS token valid for {} s", parsed.1.as_secs())
            });
            Ok(parsed)
        };
        attempt()
    }
}

/// Renew 5 minutes early, or half way for lifetimes under 10 minutes.
pub fn renew_after(lifetime: Duration) -> Duration {
    if lifetime < Duration::from_secs(600) {
        lifetime / 2
    } else {
        lifetime - Duration::from_secs(300)
    }
}

fn parse_token_response(body: &[u8]) -> Result<(Secret, Duration), Error> {
    let bad = |why: &str| Error::new(ErrorCode::Parse, format!("IMS token response {why}"));
    let v: serde_json::Value = serde_json::from_slice(body).map_err(|_| bad("is not JSON"))?;
    let token = v
        .get("access_token")
        .and_then(|t| t.as_str())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("has no access_token"))?;
    super::config::check_header_value("IMS access token", token, false)?;
    let expires_in = match v.get("expires_in") {
        Some(serde_json::Value::Number(n)) => n.as_f64(),
        Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|s| s.is_finite() && *s > 0.0)
    .unwrap_or(3600.0);
    // IMS has given expires_in in milliseconds in some versions: values
    // longer than a year are taken as milliseconds.
    let secs = if expires_in > 366.0 * 86_400.0 {
        expires_in / 1000.0
    } else {
        expires_in
    };
    Ok((Secret::new(token), Duration::from_secs_f64(secs.min(1e9))))
}

/// `application/x-www-form-urlencoded`, held as a secret (it carries one).
fn form_encode(pairs: &[(&str, &str)]) -> Secret {
    let mut out = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        for (j, part) in [k, v].iter().enumerate() {
            if j == 1 {
                out.push('=');
            }
            for b in part.bytes() {
                match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                        out.push(b as char)
                    }
                    b' ' => out.push('+'),
                    _ => out.push_str(&format!("%{b:02X}")),
                }
            }
        }
    }
    Secret::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renewal_times() {
        assert_eq!(
            renew_after(Duration::from_secs(86_399)),
            Duration::from_secs(86_099)
        );
        assert_eq!(
            renew_after(Duration::from_secs(600)),
            Duration::from_secs(300)
        );
        assert_eq!(renew_after(Duration::from_secs(4)), Duration::from_secs(2));
    }

    #[test]
    fn token_responses() {
        let (t, d) = parse_token_response(
            br#"{"access_token":"abc","token_type":"bearer","expires_in":86399}"#,
        )
        .unwrap();
        assert_eq!((t.expose(), d), ("abc", Duration::from_secs(86_399)));
        let (_, d) = parse_token_response(br#"{"access_token":"abc","expires_in":"60"}"#).unwrap();
        assert_eq!(d, Duration::from_secs(60));
        let (_, d) =
            parse_token_response(br#"{"access_token":"abc","expires_in":86399000}"#).unwrap();
        assert_eq!(d, Duration::from_secs(86_399));
        assert_eq!(
            parse_token_response(b"nope").unwrap_err().code,
            ErrorCode::Parse
        );
        assert_eq!(
            parse_token_response(br#"{"expires_in":1}"#)
                .unwrap_err()
                .code,
            ErrorCode::Parse
        );
        assert_eq!(
            parse_token_response(br#"{"access_token":"a\r\nb"}"#)
                .unwrap_err()
                .code,
            ErrorCode::InvalidArgument
        );
    }

    #[test]
    fn form_encoding() {
        let f = form_encode(&[("a", "x y&z=é"), ("scope", "openid,AdobeID")]);
        assert_eq!(f.expose(), "a=x+y%26z%3D%C3%A9&scope=openid%2CAdobeID");
    }
}
