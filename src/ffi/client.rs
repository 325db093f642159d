//! `psjob_client`: status requests, downloads and waiting.

#![allow(non_camel_case_types)]

use std::ffi::c_char;
use std::path::Path;

use super::config::psjob_config;
use super::guard::{self, check_out, opt_ref, try_ref, try_str, write_out, Handle};
use super::result::psjob_result;
use super::status::{psjob_status, status_into_ptr};
use super::wait::{psjob_wait_options, WaitSettings};
use crate::client::wait::Progress;
use crate::client::{Client, Config};

/// A thread-safe client: may be used from any number of threads at once,
/// sharing pooled keep-alive connections. Made by psjob_client_new(), freed
/// by psjob_client_free() once no thread uses it.
pub struct psjob_client {
    _private: [u8; 0],
}

impl Handle for psjob_client {
    type Inner = Client;
}

/// Makes a client from a copy of `config` (NULL: all defaults). The config
/// may be freed afterwards. Writes the client to `*out` on success; the
/// caller frees it with psjob_client_free(). Fails with
/// PSJOB_ERR_INVALID_ARGUMENT when `out` is NULL or a proxy URL from the
/// config is unusable.
#[no_mangle]
pub unsafe extern "C" fn psjob_client_new(
    config: *const psjob_config,
    out: *mut *mut psjob_client,
) -> psjob_result {
    guard::result_boundary(|| {
        check_out(out, "out")?;
        let default = Config::default();
        // SAFETY: NULL or a live config.
        let config = unsafe { opt_ref(config) }.unwrap_or(&default);
        let client = Client::new(config)?;
        unsafe { write_out(out, guard::into_ptr::<psjob_client>(client)) };
        Ok(())
    })
}

/// Frees a client, closing its pooled connections and wiping its
/// credentials. NULL is a no-op. No other thread may still use it.
#[no_mangle]
pub unsafe extern "C" fn psjob_client_free(client: *mut psjob_client) {
    guard::value_boundary((), || unsafe { guard::free_ptr(client) })
}

/// Replaces the access token used from the next request on (rotate it at
/// any time, from any thread). "" clears it. With client credentials it
/// replaces the cached IMS token until a 401 or its renewal. Copied;
/// PSJOB_ERR_INVALID_ARGUMENT for NULL, non-UTF-8 or anything but visible
/// ASCII.
#[no_mangle]
pub unsafe extern "C" fn psjob_client_set_token(
    client: *mut psjob_client,
    token: *const c_char,
) -> psjob_result {
    guard::result_boundary(|| {
        // SAFETY: NULL or live pointers.
        let client = unsafe { try_ref(client, "client") }?;
        let token = unsafe { try_str(token, "token") }?;
        client.set_token(token)
    })
}

/// GETs a job's status once. `url_or_job_id` is an absolute http(s) URL,
/// used exactly as given, or a job id (percent-encoded, appended to the
/// status base URL). Sends Authorization: Bearer, x-api-key and
/// x-gw-ims-org-id when configured, only to trusted hosts (over https, or
/// http to loopback), else fails with PSJOB_ERR_UNTRUSTED_URL having sent
/// nothing. Never follows redirects (a 3xx is PSJOB_ERR_HTTP). Retries
/// transport errors, timeouts, 429 and 5xx (max_retries). HTTP 200 and 202
/// are success: writes a new status to `*out`, freed by the caller with
/// psjob_status_free(). Errors: 401/403 PSJOB_ERR_UNAUTHORIZED, 404
/// PSJOB_ERR_NOT_FOUND, 429 PSJOB_ERR_RATE_LIMITED, other statuses
/// PSJOB_ERR_HTTP, PSJOB_ERR_PARSE / PSJOB_ERR_TOO_LARGE for a body that is
/// not a status document or too big, PSJOB_ERR_TRANSPORT, PSJOB_ERR_TIMEOUT,
/// PSJOB_ERR_INVALID_ARGUMENT (NULL, empty id, malformed URL).
#[no_mangle]
pub unsafe extern "C" fn psjob_client_get_status(
    client: *mut psjob_client,
    url_or_job_id: *const c_char,
    out: *mut *mut psjob_status,
) -> psjob_result {
    guard::result_boundary(|| {
        // SAFETY: NULL or live pointers.
        let client = unsafe { try_ref(client, "client") }?;
        let url = unsafe { try_str(url_or_job_id, "url_or_job_id") }?;
        check_out(out, "out")?;
        let status = client.get_status(url)?;
        unsafe { write_out(out, status_into_ptr(status)) };
        Ok(())
    })
}

/// Downloads `url` to the file `path`, streaming (the body is never held in
/// memory): writes a temporary file beside `path`, flushes it, and renames
/// it over `path` only when the whole body arrived. On any failure `path` is
/// unchanged and the temporary file is gone. Credentials go only to trusted
/// hosts (https, or http on loopback); other hosts, such as presigned
/// storage URLs, get none and are not refused. Follows up to 5 redirects;
/// credentials never follow one to another host. Retries as
/// psjob_client_get_status(). On success writes the byte count to `*bytes`
/// (`bytes` may be NULL). PSJOB_ERR_IO when the file cannot be written (the
/// directory is missing or read-only, `path` is a directory, the disk is
/// full); HTTP and transport errors as psjob_client_get_status().
#[no_mangle]
pub unsafe extern "C" fn psjob_client_download(
    client: *mut psjob_client,
    url: *const c_char,
    path: *const c_char,
    bytes: *mut u64,
) -> psjob_result {
    guard::result_boundary(|| {
        // SAFETY: NULL or live pointers.
        let client = unsafe { try_ref(client, "client") }?;
        let url = unsafe { try_str(url, "url") }?;
        let path = unsafe { try_str(path, "path") }?;
        if path.is_empty() {
            return Err(crate::Error::invalid("path is empty"));
        }
        let n = client.download(url, Path::new(path))?;
        unsafe { write_out(bytes, n) };
        Ok(())
    })
}

/// Polls a job until its state is terminal and writes that final status to
/// `*out` (freed by the caller), returning PSJOB_OK whether the job
/// succeeded, failed or partly succeeded: read psjob_status_state(). The
/// first poll is immediate; then it sleeps the interval (or what a
/// Retry-After on the last response asks, if longer), growing x1.5 per poll
/// up to the max interval. Transient failures (429, 5xx, transport,
/// timeouts) do not end the wait. Fails with
/// PSJOB_ERR_DEADLINE when the options' timeout passes first,
/// PSJOB_ERR_CANCELLED when the cancel token is triggered or the progress
/// callback returns non-zero for a status that is not terminal (both take
/// effect within 50 ms during sleeps; no request starts after them),
/// PSJOB_ERR_PARSE for a 200 body that is not a status, and the
/// non-retryable errors of psjob_client_get_status(). `options` NULL:
/// defaults. The options are read at the start; they may be freed once the
/// call returns.
#[no_mangle]
pub unsafe extern "C" fn psjob_client_wait(
    client: *mut psjob_client,
    url_or_job_id: *const c_char,
    options: *const psjob_wait_options,
    out: *mut *mut psjob_status,
) -> psjob_result {
    guard::result_boundary(|| {
        // SAFETY: NULL or live pointers.
        let client = unsafe { try_ref(client, "client") }?;
        let url = unsafe { try_str(url_or_job_id, "url_or_job_id") }?;
        check_out(out, "out")?;
        let default = WaitSettings::default();
        let settings = unsafe { opt_ref(options) }.unwrap_or(&default);
        let mut progress = |status: &crate::Status| match settings.progress {
            Some((f, data)) => {
                let ptr = guard::borrowed_ptr::<psjob_status>(status);
                // SAFETY: the caller's callback; the status outlives the call.
                if unsafe { f(ptr, data as *mut std::ffi::c_void) } != 0 {
                    Progress::Stop
                } else {
                    Progress::Continue
                }
            }
            None => Progress::Continue,
        };
        let status = client.wait(url, &settings.options, &mut progress)?;
        unsafe { write_out(out, status_into_ptr(status)) };
        Ok(())
    })
}
