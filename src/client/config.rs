//! The client's configuration: plain values, validated when set, copied
//! into a client when it is made.

use std::path::PathBuf;
use std::time::Duration;

use super::log::LogSink;
use super::secret::Secret;
use super::url::{parse_url, HostPattern};
use crate::error::{Error, Result};

pub const DEFAULT_STATUS_BASE_URL: &str = "https://photoshop-api.adobe.io/v2/status/";
pub const DEFAULT_IMS_URL: &str = "https://ims-na1.adobelogin.com/ims/token/v3";
pub const DEFAULT_SCOPES: &str = "openid,AdobeID,read_organizations";
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(30_000);
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(10_000);
pub const DEFAULT_MAX_RETRIES: u32 = 3;
pub const DEFAULT_MAX_BODY_BYTES: u64 = 64 * 1024 * 1024;

/// OAuth client credentials for IMS.
#[derive(Clone, Debug)]
pub struct ClientCredentials {
    pub client_id: Secret,
    pub client_secret: Secret,
    pub scopes: String,
}

/// Where requests go through.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ProxySetting {
    /// `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY` / `NO_PROXY`, as curl reads them.
    FromEnvironment,
    None,
    Url(String),
}

#[derive(Clone, Debug)]
pub struct Config {
    pub api_key: Option<Secret>,
    pub token: Option<Secret>,
    pub org_id: Option<Secret>,
    pub user_agent: String,
    pub status_base_url: String,
    pub trusted_hosts: Vec<HostPattern>,
    pub timeout: Duration,
    pub connect_timeout: Duration,
    pub max_retries: u32,
    pub max_body_bytes: u64,
    pub client_credentials: Option<ClientCredentials>,
    pub ims_url: String,
    pub ca_file: Option<PathBuf>,
    /// PEM certificates read from `ca_file` when it was set.
    pub ca_certs: Option<Vec<Vec<u8>>>,
    pub proxy: ProxySetting,
    pub log: LogSink,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            api_key: None,
            token: None,
            org_id: None,
            user_agent: concat!("psjob/", env!("CARGO_PKG_VERSION")).to_owned(),
            status_base_url: DEFAULT_STATUS_BASE_URL.to_owned(),
            trusted_hosts: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            max_retries: DEFAULT_MAX_RETRIES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            client_credentials: None,
            ims_url: DEFAULT_IMS_URL.to_owned(),
            ca_file: None,
            ca_certs: None,
            proxy: ProxySetting::FromEnvironment,
            log: LogSink::default(),
        }
    }
}

/// Header values are visible ASCII; the user agent may also hold spaces.
pub fn check_header_value(name: &str, value: &str, spaces_allowed: bool) -> Result<()> {
    if let Some(c) = value
        .chars()
        .find(|&c| !(c.is_ascii_graphic() || (spaces_allowed && c == ' ')))
    {
        let what = match c {
            '\r' | '\n' => "a CR or LF".to_owned(),
            c if c.is_ascii_control() => format!("control character {:#04x}", c as u32),
            ' ' => "a space".to_owned(),
            c => format!("non-ASCII character {c:?}"),
        };
        return Err(Error::invalid(format!(
            "{name} holds {what}; header values must be visible ASCII"
        )));
    }
    Ok(())
}

fn secret_header(name: &str, value: &str) -> Result<Option<Secret>> {
    check_header_value(name, value, false)?;
    Ok((!value.is_empty()).then(|| Secret::new(value)))
}

impl Config {
    /// `""` clears it.
    pub fn set_api_key(&mut self, v: &str) -> Result<()> {
        self.api_key = secret_header("api key", v)?;
        Ok(())
    }

    pub fn set_token(&mut self, v: &str) -> Result<()> {
        self.token = secret_header("token", v)?;
        Ok(())
    }

    pub fn set_org_id(&mut self, v: &str) -> Result<()> {
        self.org_id = secret_header("IMS org id", v)?;
        Ok(())
    }

    pub fn set_user_agent(&mut self, v: &str) -> Result<()> {
        check_header_value("user agent", v, true)?;
        if v.is_empty() {
            return Err(Error::invalid("user agent is empty"));
        }
        self.user_agent = v.to_owned();
        Ok(())
    }

    pub fn set_status_base_url(&mut self, v: &str) -> Result<()> {
        parse_url(v)?;
        self.status_base_url = v.to_owned();
        Ok(())
    }

    pub fn add_trusted_host(&mut self, v: &str) -> Result<()> {
        self.trusted_hosts.push(HostPattern::parse(v)?);
        Ok(())
    }

    pub fn set_timeout_ms(&mut self, ms: u32) -> Result<()> {
        if ms == 0 {
            return Err(Error::invalid("request timeout must be more than 0 ms"));
        }
        self.timeout = Duration::from_millis(ms.into());
        Ok(())
    }

    pub fn set_connect_timeout_ms(&mut self, ms: u32) -> Result<()> {
        if ms == 0 {
            return Err(Error::invalid("connect timeout must be more than 0 ms"));
        }
        self.connect_timeout = Duration::from_millis(ms.into());
        Ok(())
    }

    pub fn set_max_retries(&mut self, n: u32) -> Result<()> {
        if n > 100 {
            return Err(Error::invalid(format!("max retries {n} is more than 100")));
        }
        self.max_retries = n;
        Ok(())
    }

    pub fn set_max_body_bytes(&mut self, n: u64) -> Result<()> {
        if n == 0 {
            return Err(Error::invalid("max body bytes must be more than 0"));
        }
        self.max_body_bytes = n;
        Ok(())
    }

    pub fn set_client_credentials(
        &mut self,
        id: &str,
        secret: &str,
        scopes: Option<&str>,
    ) -> Result<()> {
        if id.is_empty() || secret.is_empty() {
            return Err(Error::invalid(
                "client id and client secret must not be empty",
            ));
        }
        check_header_value("client id", id, false)?;
        if secret.chars().any(|c| c.is_control()) {
            return Err(Error::invalid("client secret holds a control character"));
        }
        let scopes = scopes.unwrap_or(DEFAULT_SCOPES);
        if scopes.chars().any(|c| c.is_control()) {
            return Err(Error::invalid("scopes hold a control character"));
        }
        self.client_credentials = Some(ClientCredentials {
            client_id: Secret::new(id),
            client_secret: Secret::new(secret),
            scopes: scopes.to_owned(),
        });
        Ok(())
    }

    pub fn set_ims_url(&mut self, v: &str) -> Result<()> {
        parse_url(v)?;
        self.ims_url = v.to_owned();
        Ok(())
    }

    /// Reads the PEM bundle now, so a bad file is reported here.
    pub fn set_ca_file(&mut self, path: &str) -> Result<()> {
        let certs = super::tls::read_pem_certificates(path)?;
        self.ca_file = Some(PathBuf::from(path));
        self.ca_certs = Some(certs);
        Ok(())
    }

    /// `None` or `""`: no proxy.
    pub fn set_proxy(&mut self, url: Option<&str>) -> Result<()> {
        self.proxy = match url {
            None | Some("") => ProxySetting::None,
            Some(url) => {
                super::proxy::check_proxy_url(url)?;
                ProxySetting::Url(url.to_owned())
            }
        };
        Ok(())
    }

    /// Every credential, for redacting messages.
    pub fn secrets(&self) -> impl Iterator<Item = &Secret> {
        let creds = self
            .client_credentials
            .iter()
            .flat_map(|c| [&c.client_id, &c.client_secret]);
        self.api_key
            .iter()
            .chain(&self.token)
            .chain(&self.org_id)
            .chain(creds)
    }
}
