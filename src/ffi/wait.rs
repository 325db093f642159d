//! `psjob_wait_options`: how `psjob_client_wait` polls.

#![allow(non_camel_case_types)]

use std::ffi::c_void;

use super::cancel::psjob_cancel;
use super::guard::{self, Handle};
use super::result::psjob_result;
use super::status::psjob_status;
use crate::client::WaitOptions;
use crate::error::Result;

/// Called on the waiting thread after every successful poll, the last
/// included, with the status just fetched (borrowed for the duration of the
/// call). Return non-zero to stop waiting (PSJOB_ERR_CANCELLED, unless that
/// status is terminal: then the wait returns PSJOB_OK with it). It may call
/// any psjob function, including on the waiting client.
pub type psjob_progress_fn =
    Option<unsafe extern "C" fn(status: *const psjob_status, user_data: *mut c_void) -> i32>;

type ProgressFn = unsafe extern "C" fn(*const psjob_status, *mut c_void) -> i32;

/// Wait settings, owned by the caller. Not to be changed from two threads at
/// once; may be shared read-only by concurrent waits.
pub struct psjob_wait_options {
    _private: [u8; 0],
}

#[derive(Default)]
pub(crate) struct WaitSettings {
    pub options: WaitOptions,
    /// The callback and its user data (as an address).
    pub progress: Option<(ProgressFn, usize)>,
}

impl Handle for psjob_wait_options {
    type Inner = WaitSettings;
}

fn set(
    o: *mut psjob_wait_options,
    f: impl FnOnce(&mut WaitSettings) -> Result<()>,
) -> psjob_result {
    guard::with_mut(o, "options", f)
}

/// New options with the defaults: first interval 2000 ms, max interval
/// 30000 ms, deadline 900000 ms, no cancel token, no progress callback.
/// Free with psjob_wait_options_free(). NULL only if memory ran out.
#[no_mangle]
pub extern "C" fn psjob_wait_options_new() -> *mut psjob_wait_options {
    guard::value_boundary(std::ptr::null_mut(), || {
        guard::into_ptr::<psjob_wait_options>(WaitSettings::default())
    })
}

/// Frees options (and their reference to a cancel token). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn psjob_wait_options_free(o: *mut psjob_wait_options) {
    guard::value_boundary((), || unsafe { guard::free_ptr(o) })
}

/// Sets the first sleep between polls. Default 2000 ms; 0 is
/// PSJOB_ERR_INVALID_ARGUMENT.
#[no_mangle]
pub unsafe extern "C" fn psjob_wait_options_set_interval_ms(
    o: *mut psjob_wait_options,
    first_ms: u32,
) -> psjob_result {
    set(o, |s| s.options.set_interval_ms(first_ms))
}

/// Sets the longest sleep between polls; the interval grows x1.5 per poll up
/// to it. Default 30000 ms. Below the first interval (0 included), the
/// interval stays fixed at the first one.
#[no_mangle]
pub unsafe extern "C" fn psjob_wait_options_set_max_interval_ms(
    o: *mut psjob_wait_options,
    max_ms: u32,
) -> psjob_result {
    set(o, |s| s.options.set_max_interval_ms(max_ms))
}

/// Sets the overall deadline, from the start of the wait. Default 900000 ms
/// (15 minutes); 0 = no deadline. The wait never sleeps past it, and a
/// request in flight is cut at it.
#[no_mangle]
pub unsafe extern "C" fn psjob_wait_options_set_timeout_ms(
    o: *mut psjob_wait_options,
    ms: u64,
) -> psjob_result {
    set(o, |s| s.options.set_timeout_ms(ms))
}

/// Sets the cancel token (the options hold their own reference, so the
/// caller may free its token); NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn psjob_wait_options_set_cancel(
    o: *mut psjob_wait_options,
    c: *const psjob_cancel,
) -> psjob_result {
    set(o, |s| {
        // SAFETY: NULL or a live token.
        s.options.cancel = unsafe { guard::arc_clone(c) };
        Ok(())
    })
}

/// Sets the progress callback and its user data (passed through untouched);
/// `progress_fn` NULL clears it.
#[no_mangle]
pub unsafe extern "C" fn psjob_wait_options_set_progress(
    o: *mut psjob_wait_options,
    progress_fn: psjob_progress_fn,
    user_data: *mut c_void,
) -> psjob_result {
    set(o, |s| {
        s.progress = progress_fn.map(|f| (f, user_data as usize));
        Ok(())
    })
}
