//! Proxies: set explicitly, or read from the environment as curl reads it
//! (`https_proxy` for https URLs, `http_proxy` for http, then `all_proxy`;
//! either case; `no_proxy` lists hosts to reach directly).

use ureq::Proxy;

use super::config::ProxySetting;
use super::url::Target;
use crate::error::{Error, Result};

pub fn check_proxy_url(url: &str) -> Result<()> {
    Proxy::new(url).map(|_| ()).map_err(|e| {
        Error::invalid(format!(
            "proxy URL {:?} is not valid: {e}",
            super::url::safe_url(url)
        ))
    })
}

/// The proxies a client chooses from, fixed when it is made.
#[derive(Clone, Debug, Default)]
pub struct ProxyChoice {
    https: Option<Proxy>,
    http: Option<Proxy>,
    no_proxy: Vec<String>,
    from_env: bool,
}

fn env(names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| std::env::var(n).ok())
        .filter(|v| !v.trim().is_empty())
}

impl ProxyChoice {
    pub fn new(setting: &ProxySetting) -> Result<ProxyChoice> {
        let parse = |url: &str| {
            Proxy::new(url).map_err(|e| {
                Error::invalid(format!(
                    "proxy URL {:?} is not valid: {e}",
                    super::url::safe_url(url)
                ))
            })
        };
        Ok(match setting {
            ProxySetting::None => ProxyChoice::default(),
            ProxySetting::Url(url) => {
                let p = parse(url)?;
                ProxyChoice {
                    https: Some(p.clone()),
                    http: Some(p),
                    ..ProxyChoice::default()
                }
            }
            ProxySetting::FromEnvironment => {
                let all = env(&["all_proxy", "ALL_PROXY"]);
                // A malformed variable is ignored, as curl-like tools do.
                let pick = |names: &[&str]| {
                    env(names)
                        .or_else(|| all.clone())
                        .and_then(|u| Proxy::new(&u).ok())
                };
                ProxyChoice {
                    https: pick(&["https_proxy", "HTTPS_PROXY"]),
                    http: pick(&["http_proxy", "HTTP_PROXY"]),
                    no_proxy: env(&["no_proxy", "NO_PROXY"])
                        .map(|v| {
                            v.split(',')
                                .map(|s| s.trim().trim_start_matches('.').to_ascii_lowercase())
                                .filter(|s| !s.is_empty())
                                .collect()
                        })
                        .unwrap_or_default(),
                    from_env: true,
                }
            }
        })
    }

    /// The proxy for a request to `target`, if any.
    pub fn for_target(&self, target: &Target) -> Option<Proxy> {
        if self.from_env && self.bypass(&target.host) {
            return None;
        }
        if target.https {
            self.https.clone()
        } else {
            self.http.clone()
        }
    }

    fn bypass(&self, host: &str) -> bool {
        self.no_proxy.iter().any(|entry| {
            let entry = entry.split(':').next().unwrap_or(entry);
            entry == "*"
                || entry == host
                || host
                    .strip_suffix(entry)
                    .is_some_and(|rest| rest.ends_with('.'))
        })
    }
}
