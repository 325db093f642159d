//! `psjob_config`: the settings a client is made from.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, c_void};

use super::guard::{self, opt_str, try_str, Handle};
use super::result::psjob_result;
use crate::client::log::LogSink;
use crate::client::Config;
use crate::error::{Error, Result};

/// Client settings, owned by the caller (psjob_config_new /
/// psjob_config_free). A client copies them when it is made, so a config may
/// be changed or freed afterwards. Must not be changed from two threads at
/// once.
pub struct psjob_config {
    _private: [u8; 0],
}

impl Handle for psjob_config {
    type Inner = Config;
}

/// A log callback: `level` is 1 error, 2 warn, 3 info, 4 debug; `message` is
/// one line, valid only during the call. It may be called from any thread
/// that uses the client, so it must be thread-safe.
pub type psjob_log_fn =
    Option<unsafe extern "C" fn(level: i32, message: *const c_char, user_data: *mut c_void)>;

/// Runs a setter on a config.
fn set(c: *mut psjob_config, f: impl FnOnce(&mut Config) -> Result<()>) -> psjob_result {
    guard::with_mut(c, "config", f)
}

/// Runs a setter taking one string.
fn set_str(
    c: *mut psjob_config,
    s: *const c_char,
    name: &str,
    f: impl FnOnce(&mut Config, &str) -> Result<()>,
) -> psjob_result {
    set(c, |config| {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let s = unsafe { try_str(s, name) }?;
        f(config, s)
    })
}

/// A new config with the defaults (see each setter). Free it with
/// psjob_config_free(). NULL only if memory ran out.
#[no_mangle]
pub extern "C" fn psjob_config_new() -> *mut psjob_config {
    guard::value_boundary(std::ptr::null_mut(), || {
        guard::into_ptr::<psjob_config>(Config::default())
    })
}

/// Frees a config (its copies of credentials are wiped). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_free(c: *mut psjob_config) {
    guard::value_boundary((), || unsafe { guard::free_ptr(c) })
}

/// Sets the API key (client id), sent as `x-api-key`. Default: none (with
/// client credentials, the client id). "" clears it. The string is copied.
/// PSJOB_ERR_INVALID_ARGUMENT for NULL, non-UTF-8, or anything but visible
/// ASCII (CR/LF, spaces, control characters).
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_api_key(
    c: *mut psjob_config,
    api_key: *const c_char,
) -> psjob_result {
    set_str(c, api_key, "api_key", Config::set_api_key)
}

/// Sets the access token, sent as `Authorization: Bearer <token>`. Default:
/// none. "" clears it. Copied; validated as psjob_config_set_api_key().
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_token(
    c: *mut psjob_config,
    token: *const c_char,
) -> psjob_result {
    set_str(c, token, "token", Config::set_token)
}

/// Sets the IMS organization id, sent as `x-gw-ims-org-id`. Default: none.
/// "" clears it. Copied; validated as psjob_config_set_api_key().
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_org_id(
    c: *mut psjob_config,
    ims_org_id: *const c_char,
) -> psjob_result {
    set_str(c, ims_org_id, "ims_org_id", Config::set_org_id)
}

/// Sets the User-Agent header. Default: "psjob/VERSION". Printable ASCII
/// (spaces allowed); empty, CR/LF or control characters give
/// PSJOB_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_user_agent(
    c: *mut psjob_config,
    ua: *const c_char,
) -> psjob_result {
    set_str(c, ua, "user_agent", Config::set_user_agent)
}

/// Sets where a bare job id is resolved: the id is percent-encoded as one
/// path segment and appended (with a '/' if the base lacks one). Default:
/// "https://photoshop-api.adobe.io/v2/status/". The base URL's host becomes
/// a trusted host. PSJOB_ERR_INVALID_ARGUMENT unless an absolute http(s) URL.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_status_base_url(
    c: *mut psjob_config,
    url: *const c_char,
) -> psjob_result {
    set_str(c, url, "url", Config::set_status_base_url)
}

/// Adds a host that may receive credentials, besides image.adobe.io,
/// photoshop-api.adobe.io and the status base URL's host. "*.example.com"
/// matches every subdomain of example.com (not example.com itself). Matching
/// ignores case and port. Credentials still never go over plain http except
/// to loopback (127.0.0.0/8, ::1, localhost).
#[no_mangle]
pub unsafe extern "C" fn psjob_config_add_trusted_host(
    c: *mut psjob_config,
    host: *const c_char,
) -> psjob_result {
    set_str(c, host, "host", Config::add_trusted_host)
}

/// Sets the time limit of one whole request (connect to last body byte).
/// Default 30000 ms. 0 is PSJOB_ERR_INVALID_ARGUMENT. Downloads apply it to
/// each read instead, so large files are not cut off.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_timeout_ms(
    c: *mut psjob_config,
    ms: u32,
) -> psjob_result {
    set(c, |config| config.set_timeout_ms(ms))
}

/// Sets the time limit for name resolution and for connecting. Default
/// 10000 ms. 0 is PSJOB_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_connect_timeout_ms(
    c: *mut psjob_config,
    ms: u32,
) -> psjob_result {
    set(c, |config| config.set_connect_timeout_ms(ms))
}

/// Sets how often one request is retried after a transport error, timeout,
/// 429 or 5xx (with exponential backoff and jitter, honouring Retry-After up
/// to 5 minutes). Default 3; at most 100.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_max_retries(
    c: *mut psjob_config,
    n: u32,
) -> psjob_result {
    set(c, |config| config.set_max_retries(n))
}

/// Sets the largest status body accepted, counted after decompression;
/// larger is PSJOB_ERR_TOO_LARGE. Default 64 MiB. 0 is
/// PSJOB_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_max_body_bytes(
    c: *mut psjob_config,
    n: u64,
) -> psjob_result {
    set(c, |config| config.set_max_body_bytes(n))
}

/// Sets OAuth client credentials: the client then fetches its token from IMS
/// on first use (grant_type=client_credentials), caches it, renews it 5
/// minutes before it expires (half way for lifetimes under 10 minutes),
/// renews once and retries on a 401, and sends the client id as x-api-key
/// unless an API key is set. `scopes` NULL means
/// "openid,AdobeID,read_organizations". All strings are copied; the secret is
/// wiped from memory when the config and the client are freed.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_client_credentials(
    c: *mut psjob_config,
    client_id: *const c_char,
    client_secret: *const c_char,
    scopes: *const c_char,
) -> psjob_result {
    set(c, |config| {
        // SAFETY: the caller passes NULL or NUL-terminated strings.
        let id = unsafe { try_str(client_id, "client_id") }?;
        let secret = unsafe { try_str(client_secret, "client_secret") }?;
        let scopes = unsafe { opt_str(scopes, "scopes") }?;
        config.set_client_credentials(id, secret, scopes)
    })
}

/// Sets the IMS token endpoint. Default
/// "https://ims-na1.adobelogin.com/ims/token/v3". The client secret goes
/// there only over https, or http to loopback.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_ims_url(
    c: *mut psjob_config,
    url: *const c_char,
) -> psjob_result {
    set_str(c, url, "url", Config::set_ims_url)
}

/// Trusts the certificates of this PEM bundle instead of the system's trust
/// store. The file is read now: missing, unreadable or holding no PEM
/// certificate is PSJOB_ERR_INVALID_ARGUMENT. Default: the operating
/// system's trust store (honouring SSL_CERT_FILE / SSL_CERT_DIR), as curl.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_ca_file(
    c: *mut psjob_config,
    pem_path: *const c_char,
) -> psjob_result {
    set_str(c, pem_path, "pem_path", Config::set_ca_file)
}

/// Sets the proxy ("http://host:port", "socks5://host:port", with optional
/// user:password@). NULL or "" means no proxy at all. Default: the
/// environment's, as curl reads it (https_proxy / HTTPS_PROXY for https URLs,
/// http_proxy / HTTP_PROXY for http, then all_proxy / ALL_PROXY; no_proxy /
/// NO_PROXY lists hosts reached directly), read when the client is made.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_proxy(
    c: *mut psjob_config,
    url: *const c_char,
) -> psjob_result {
    set(c, |config| {
        // SAFETY: the caller passes NULL or a NUL-terminated string.
        let url = unsafe { opt_str(url, "url") }?;
        config.set_proxy(url)
    })
}

/// Sends log lines of level <= `max_level` (1 error .. 4 debug) to `log_fn`, with
/// `user_data` passed through: every request and response line (method, URL
/// without its query, status, timing) and every retry decision. Credentials
/// never appear. `log_fn` NULL removes the callback. Default: no callback; then
/// PSJOB_LOG=error|warn|info|debug in the environment logs to stderr.
/// `max_level` outside 0..4 is PSJOB_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn psjob_config_set_log_callback(
    c: *mut psjob_config,
    log_fn: psjob_log_fn,
    user_data: *mut c_void,
    max_level: i32,
) -> psjob_result {
    set(c, |config| {
        if !(0..=4).contains(&max_level) {
            return Err(Error::invalid(format!(
                "log level {max_level} is not 0 to 4"
            )));
        }
        config.log = match log_fn {
            None => LogSink::default(),
            Some(f) => {
                // Carried as an address: the caller promises thread safety.
                let data = user_data as usize;
                LogSink::callback(
                    std::sync::Arc::new(move |level, message: &str| {
                        let line =
                            std::ffi::CString::new(message.replace('\0', " ")).unwrap_or_default();
                        // SAFETY: the caller's callback, given a valid string.
                        unsafe { f(level, line.as_ptr(), data as *mut c_void) }
                    }),
                    max_level,
                )
            }
        };
        Ok(())
    })
}
