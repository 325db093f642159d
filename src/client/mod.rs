//! The blocking HTTP client: status requests with retries, credentials that
//! go only where they belong, IMS tokens, downloads and the wait loop.
//! Plain Rust; `crate::ffi` wraps it for C.

pub mod cancel;
pub mod config;
mod download;
mod http;
mod ims;
pub mod log;
mod proxy;
pub mod retry;
pub mod secret;
mod tls;
pub mod url;
pub mod wait;

use std::sync::RwLock;
use std::time::{Duration, Instant};

use ureq::config::RedirectAuthHeaders;
use ureq::Agent;

pub use cancel::{Cancel, Wake};
pub use config::Config;
pub use wait::WaitOptions;

pub use self::http::Failure;
use self::ims::TokenCache;
use self::log::{Logger, DEBUG, INFO, WARN};
use self::proxy::ProxyChoice;
use self::secret::{redact, Secret};
use self::url::{is_absolute_url, job_url, parse_url, safe_url, Target, TrustPolicy};
use crate::error::{Error, ErrorCode, Result};
use crate::model::Status;

/// A thread-safe client. Share one across threads: requests reuse pooled
/// keep-alive connections and no lock is held across a request.
pub struct Client {
    config: Config,
    agent: Agent,
    trust: TrustPolicy,
    proxies: ProxyChoice,
    /// The static token (`set_token`), when no IMS credentials are configured.
    token: RwLock<Option<Secret>>,
    ims: Option<TokenCache>,
    logger: Logger,
}

/// What bounds the sleeps and requests of one call: a wait's cancellation
/// and deadline, or nothing for a plain request.
#[derive(Clone, Copy, Default)]
pub struct Limits<'a> {
    pub cancel: Option<&'a Cancel>,
    pub deadline: Option<Instant>,
}

impl Limits<'_> {
    /// Fails once the call was cancelled or its deadline passed.
    pub fn check(&self) -> Result<()> {
        if self.cancel.is_some_and(Cancel::is_triggered) {
            return Err(Error::new(ErrorCode::Cancelled, "cancelled"));
        }
        if self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Err(Error::new(ErrorCode::Deadline, "the deadline passed"));
        }
        Ok(())
    }

    /// Sleeps `d`, cut short by cancellation, and never past the deadline
    /// (reaching it is an error).
    pub fn sleep(&self, d: Duration) -> Result<()> {
        let wanted = Instant::now() + d;
        let until = self.deadline.map_or(wanted, |dl| dl.min(wanted));
        let wake = match self.cancel {
            Some(c) => c.sleep_until(until),
            None => Cancel::new().sleep_until(until),
        };
        if wake == Wake::Cancelled {
            return Err(Error::new(ErrorCode::Cancelled, "cancelled"));
        }
        if until < wanted {
            return Err(Error::new(ErrorCode::Deadline, "the deadline passed"));
        }
        Ok(())
    }

    /// The time a request may take: the request timeout, cut to the
    /// deadline. `true` when the deadline is what cut it.
    fn request_timeout(&self, timeout: Duration) -> (Duration, bool) {
        match self.deadline {
            Some(dl) => {
                let left = dl
                    .saturating_duration_since(Instant::now())
                    .max(Duration::from_millis(1));
                if left < timeout {
                    (left, true)
                } else {
                    (timeout, false)
                }
            }
            None => (timeout, false),
        }
    }
}

/// The credentials one request carries.
/// The token is the current one (it may rotate); the key and org id are
/// borrowed from the client's config, not copied for every request.
#[derive(Default)]
struct Credentials<'a> {
    token: Option<Secret>,
    api_key: Option<&'a Secret>,
    org_id: Option<&'a Secret>,
}

impl Credentials<'_> {
    fn any(&self) -> bool {
        self.token.is_some() || self.api_key.is_some() || self.org_id.is_some()
    }
}

impl Client {
    /// Makes a client from a copy of `config`.
    pub fn new(config: &Config) -> Result<Client> {
        let config = config.clone();
        let proxies = ProxyChoice::new(&config.proxy)?;
        let agent: Agent = Agent::config_builder()
            .http_status_as_error(false)
            .https_only(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .redirect_auth_headers(RedirectAuthHeaders::Never)
            .save_redirect_history(false)
            .proxy(None)
            .user_agent("")
            .accept("")
            .no_delay(true)
            .tls_config(tls::tls_config(config.ca_certs.as_deref()))
            .timeout_global(Some(config.timeout))
            .timeout_per_call(None)
            .timeout_resolve(Some(config.connect_timeout))
            .timeout_connect(Some(config.connect_timeout))
            .timeout_send_request(Some(config.timeout))
            .timeout_await_100(Some(Duration::from_secs(1)))
            .timeout_send_body(Some(config.timeout))
            .timeout_recv_response(Some(config.timeout))
            .timeout_recv_body(Some(config.timeout))
            .max_response_header_size(64 * 1024)
            .max_idle_connections(32)
            .max_idle_connections_per_host(8)
            .max_idle_age(Duration::from_secs(30))
            .build()
            .into();
        let trust = TrustPolicy::new(&config.status_base_url, &config.trusted_hosts);
        let ims = config
            .client_credentials
            .clone()
            .map(|c| TokenCache::new(c, config.ims_url.clone(), config.token.clone()));
        let token = RwLock::new(config.token.clone());
        let logger = config.log.logger();
        Ok(Client {
            config,
            agent,
            trust,
            proxies,
            token,
            ims,
            logger,
        })
    }

    /// Replaces the token used from the next request on, from any thread.
    pub fn set_token(&self, token: &str) -> Result<()> {
        config::check_header_value("token", token, false)?;
        let token = (!token.is_empty()).then(|| Secret::new(token));
        match &self.ims {
            Some(ims) => ims.set(token),
            None => *self.token.write().unwrap_or_else(|p| p.into_inner()) = token,
        }
        Ok(())
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn logger(&self) -> &Logger {
        &self.logger
    }

    /// The status URL for a URL or job id.
    pub fn resolve(&self, url_or_job_id: &str) -> Result<String> {
        if is_absolute_url(url_or_job_id) {
            Ok(url_or_job_id.to_owned())
        } else {
            job_url(&self.config.status_base_url, url_or_job_id)
        }
    }

    /// Fetches a job's status once (with retries).
    pub fn get_status(&self, url_or_job_id: &str) -> Result<Status> {
        self.get_status_within(url_or_job_id, Limits::default())
            .map_err(|f| f.error)
    }

    /// Fetches a status, retrying what is worth retrying, within `limits`.
    /// A failure keeps what the last `Retry-After` asked for.
    pub fn get_status_within(
        &self,
        url_or_job_id: &str,
        limits: Limits,
    ) -> std::result::Result<Status, Failure> {
        let url = self.resolve(url_or_job_id)?;
        let target = parse_url(&url)?;
        self.with_retries(&url, limits, |fresh_token| {
            let creds = self.credentials(fresh_token, limits)?;
            if creds.any() {
                self.trust.check(&target, &url)?;
            }
            self.fetch_status(&url, &target, &creds, limits)
        })
        .map_err(|f| Failure {
            error: self.redacted(f.error),
            ..f
        })
    }

    /// Runs `attempt` until it succeeds, fails for good, or the retries run
    /// out. `attempt(true)` asks for a fresh token (after a 401).
    fn with_retries<T>(
        &self,
        url: &str,
        limits: Limits,
        mut attempt: impl FnMut(bool) -> std::result::Result<T, Failure>,
    ) -> std::result::Result<T, Failure> {
        let max_retries = self.config.max_retries;
        let mut renewed = false;
        let mut fresh_token = false;
        let mut retry = 0;
        loop {
            limits.check()?;
            let failure = match attempt(fresh_token) {
                Ok(v) => return Ok(v),
                Err(f) => f,
            };
            if failure.token_rejected && self.ims.is_some() && !renewed {
                // One more try with a new token: the old one may have expired.
                self.logger.log(INFO, || {
                    format!("{}: HTTP 401, renewing the token once", safe_url(url))
                });
                renewed = true;
                fresh_token = true;
                continue;
            }
            fresh_token = false;
            let e = &failure.error;
            if !e.is_transient() || retry >= max_retries {
                let mut failure = failure;
                if retry > 0 {
                    failure.error.message =
                        format!("{} (after {} attempts)", failure.error.message, retry + 1);
                }
                self.logger
                    .log(WARN, || format!("giving up: {}", failure.error.message));
                return Err(failure);
            }
            let delay = retry::backoff(retry).max(failure.retry_after.unwrap_or_default());
            self.logger.log(INFO, || {
                format!(
                    "{}; retry {} of {max_retries} in {} ms",
                    e.message,
                    retry + 1,
                    delay.as_millis()
                )
            });
            retry += 1;
            limits.sleep(delay)?;
        }
    }

    fn credentials(
        &self,
        fresh_token: bool,
        limits: Limits,
    ) -> std::result::Result<Credentials<'_>, Failure> {
        let token = match &self.ims {
            Some(ims) => Some(ims.token(self, fresh_token, limits)?),
            None => self.token.read().unwrap_or_else(|p| p.into_inner()).clone(),
        };
        let api_key = self.config.api_key.as_ref().or_else(|| {
            self.config
                .client_credentials
                .as_ref()
                .map(|c| &c.client_id)
        });
        Ok(Credentials {
            token,
            api_key,
            org_id: self.config.org_id.as_ref(),
        })
    }

    /// Logs a response's status line and timing; returns the status.
    fn log_response(
        &self,
        url: &str,
        resp: &ureq::http::Response<ureq::Body>,
        started: Instant,
    ) -> u16 {
        let status = resp.status().as_u16();
        self.logger.log(DEBUG, || {
            format!(
                "GET {} -> HTTP {status} in {} ms",
                safe_url(url),
                started.elapsed().as_millis()
            )
        });
        status
    }

    /// A GET with the user agent and these credentials.
    fn get_with(
        &self,
        url: &str,
        accept: &str,
        creds: &Credentials,
    ) -> ureq::RequestBuilder<ureq::typestate::WithoutBody> {
        let mut req = self
            .agent
            .get(url)
            .header("Accept", accept)
            .header("User-Agent", &self.config.user_agent);
        if let Some(t) = &creds.token {
            req = req.header("Authorization", &format!("Bearer {}", t.expose()));
        }
        if let Some(k) = &creds.api_key {
            req = req.header("x-api-key", k.expose());
        }
        if let Some(o) = &creds.org_id {
            req = req.header("x-gw-ims-org-id", o.expose());
        }
        req
    }

    /// One GET of a status URL.
    fn fetch_status(
        &self,
        url: &str,
        target: &Target,
        creds: &Credentials,
        limits: Limits,
    ) -> std::result::Result<Status, Failure> {
        let req = self.get_with(url, "application/json", creds);
        let (timeout, cut_by_deadline) = limits.request_timeout(self.config.timeout);
        let req = req
            .config()
            .timeout_global(Some(timeout))
            .proxy(self.proxies.for_target(target))
            .build();
        let started = Instant::now();
        self.logger.log(DEBUG, || format!("GET {}", safe_url(url)));
        let mut resp = req.call().map_err(|e| {
            let err = http::transport_error(e, "GET", url);
            self.logger.log(DEBUG, || {
                format!(
                    "GET {}: failed after {} ms: {}",
                    safe_url(url),
                    started.elapsed().as_millis(),
                    err.message
                )
            });
            deadline_if_cut(err, cut_by_deadline)
        })?;
        let status = self.log_response(url, &resp, started);
        if (200..300).contains(&status) {
            let retry_after = http::retry_after(&resp);
            let body = http::read_body(&mut resp, self.config.max_body_bytes, "GET", url)
                .map_err(|e| deadline_if_cut(e, cut_by_deadline))?;
            return Status::parse_owned(body, status)
                .map(|s| s.with_retry_after(retry_after))
                .map_err(|e| {
                    Failure::from(Error {
                        message: format!("{} (GET {}, HTTP {status})", e.message, safe_url(url)),
                        ..e.with_http_status(status)
                    })
                });
        }
        Err(http::response_failure(&mut resp, "GET", url))
    }

    /// Removes any credential a server echoed into a message.
    fn redacted(&self, mut e: Error) -> Error {
        // The config's secrets are borrowed; only the current token, which
        // may rotate, is copied.
        let token = self.token.read().unwrap_or_else(|p| p.into_inner()).clone();
        let ims_token = self.ims.as_ref().and_then(TokenCache::current);
        e.message = redact(
            &e.message,
            self.config.secrets().chain(&token).chain(&ims_token),
        );
        e
    }
}

/// A request timeout caused by the wait's deadline is the deadline.
fn deadline_if_cut(e: Error, cut_by_deadline: bool) -> Error {
    if cut_by_deadline && e.code == ErrorCode::Timeout {
        Error::new(
            ErrorCode::Deadline,
            format!("the deadline passed during a request: {}", e.message),
        )
    } else {
        e
    }
}
