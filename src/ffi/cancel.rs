//! `psjob_cancel`: a token that cancels a wait from any thread.

#![allow(non_camel_case_types)]

use super::guard::{self, opt_ref, Handle};
use crate::client::Cancel;

/// A cancellation token, shared: triggering it from any thread ends the
/// waits that hold it within 50 ms. Reference-counted, so it may be freed
/// while a wait still holds it.
pub struct psjob_cancel {
    _private: [u8; 0],
}

impl Handle for psjob_cancel {
    type Inner = Cancel;
}

/// A new, untriggered token. Free it with psjob_cancel_free(). NULL only if
/// memory ran out.
#[no_mangle]
pub extern "C" fn psjob_cancel_new() -> *mut psjob_cancel {
    guard::value_boundary(std::ptr::null_mut(), || {
        guard::arc_into_ptr::<psjob_cancel>(std::sync::Arc::new(Cancel::new())).cast_mut()
    })
}

/// Triggers the token: every wait holding it stops with PSJOB_ERR_CANCELLED.
/// From any thread; idempotent; a trigger cannot be undone. NULL: nothing.
#[no_mangle]
pub extern "C" fn psjob_cancel_trigger(c: *const psjob_cancel) {
    // SAFETY: NULL or a live token.
    guard::value_boundary((), || unsafe { opt_ref(c) }.map_or((), Cancel::trigger))
}

/// Whether the token was triggered (false for NULL).
#[no_mangle]
pub extern "C" fn psjob_cancel_is_triggered(c: *const psjob_cancel) -> bool {
    // SAFETY: NULL or a live token.
    guard::value_boundary(false, || {
        unsafe { opt_ref(c) }.is_some_and(Cancel::is_triggered)
    })
}

/// Drops the caller's reference; safe even while a wait or wait options
/// still hold the token. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn psjob_cancel_free(c: *mut psjob_cancel) {
    guard::value_boundary((), || unsafe { guard::arc_free(c.cast_const()) })
}
