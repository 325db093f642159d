//! The safety layer every export goes through: the panic boundary, pointer
//! helpers that turn NULL into `PSJOB_ERR_INVALID_ARGUMENT`, the UTF-8 check
//! for input strings, and the thread-local last error.

use std::cell::RefCell;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::result::psjob_result;
use crate::error::{Error, ErrorCode, Result};

struct LastError {
    message: CString,
    http_status: i32,
}

thread_local! {
    static LAST_ERROR: RefCell<LastError> = RefCell::new(LastError {
        message: CString::default(),
        http_status: 0,
    });
}

/// Records `e` as this thread's last error.
pub(crate) fn set_last_error(e: &Error) {
    // One line, and never an interior NUL.
    let line: String = e
        .message
        .chars()
        .map(|c| {
            if c == '\0' || c == '\n' || c == '\r' {
                ' '
            } else {
                c
            }
        })
        .collect();
    let message = CString::new(line).unwrap_or_default();
    let _ = LAST_ERROR.try_with(|last| {
        if let Ok(mut last) = last.try_borrow_mut() {
            last.message = message;
            last.http_status = i32::from(e.http_status);
        }
    });
}

pub(crate) fn last_error_ptr() -> *const c_char {
    LAST_ERROR
        .try_with(|last| last.borrow().message.as_ptr())
        .unwrap_or(c"".as_ptr())
}

pub(crate) fn last_http_status() -> i32 {
    LAST_ERROR
        .try_with(|last| last.borrow().http_status)
        .unwrap_or(0)
}

fn panic_error(payload: Box<dyn std::any::Any + Send>) -> Error {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".into());
    Error::new(
        ErrorCode::Internal,
        format!("internal error in psjob (please report it): {what}"),
    )
}

/// Runs a fallible export: `Ok` is `PSJOB_OK`; an error or a panic sets the
/// last error and becomes its code.
pub(crate) fn result_boundary(f: impl FnOnce() -> Result<()>) -> psjob_result {
    let e = match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => return psjob_result::PSJOB_OK,
        Ok(Err(e)) => e,
        Err(payload) => panic_error(payload),
    };
    set_last_error(&e);
    psjob_result::from(e.code)
}

/// Runs an accessor: a panic gives the neutral value.
pub(crate) fn value_boundary<T>(neutral: T, f: impl FnOnce() -> T) -> T {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(v) => v,
        Err(payload) => {
            set_last_error(&panic_error(payload));
            neutral
        }
    }
}

/// Maps each C handle type to the Rust value behind its pointer.
pub(crate) trait Handle {
    type Inner;
}

/// A borrowed handle, or `None` for NULL.
///
/// # Safety
/// `p` is NULL or a pointer this library handed out, still alive.
pub(crate) unsafe fn opt_ref<'a, H: Handle>(p: *const H) -> Option<&'a H::Inner> {
    // SAFETY: per the contract above, a non-NULL `p` points at an `H::Inner`.
    unsafe { p.cast::<H::Inner>().as_ref() }
}

/// A borrowed handle, or `INVALID_ARGUMENT` naming the parameter.
///
/// # Safety
/// As [`opt_ref`].
pub(crate) unsafe fn try_ref<'a, H: Handle>(p: *const H, name: &str) -> Result<&'a H::Inner> {
    unsafe { opt_ref(p) }.ok_or_else(|| null_error(name))
}

/// A mutable handle, or `INVALID_ARGUMENT`.
///
/// # Safety
/// As [`opt_ref`], and no one else uses the handle meanwhile.
unsafe fn try_mut<'a, H: Handle>(p: *mut H, name: &str) -> Result<&'a mut H::Inner> {
    unsafe { p.cast::<H::Inner>().as_mut() }.ok_or_else(|| null_error(name))
}

/// Runs a setter on a mutable handle inside the panic boundary: NULL is
/// `INVALID_ARGUMENT` naming `name`.
pub(crate) fn with_mut<H: Handle>(
    p: *mut H,
    name: &str,
    f: impl FnOnce(&mut H::Inner) -> Result<()>,
) -> psjob_result {
    result_boundary(|| {
        // SAFETY: the caller passes NULL or a live handle, used by no one
        // else meanwhile (configs and options are not shared while mutated).
        f(unsafe { try_mut(p, name) }?)
    })
}

/// A borrowed pointer to a value the caller does not own.
pub(crate) fn borrowed_ptr<H: Handle>(inner: &H::Inner) -> *const H {
    (inner as *const H::Inner).cast()
}

/// Hands an owned value to C.
pub(crate) fn into_ptr<H: Handle>(inner: H::Inner) -> *mut H {
    Box::into_raw(Box::new(inner)).cast()
}

/// Takes back and drops a value handed out by [`into_ptr`]; NULL is a no-op.
///
/// # Safety
/// `p` is NULL or came from [`into_ptr`] and is not used again.
pub(crate) unsafe fn free_ptr<H: Handle>(p: *mut H) {
    if !p.is_null() {
        drop(unsafe { Box::from_raw(p.cast::<H::Inner>()) });
    }
}

/// Hands out a shared value: each pointer is one strong count.
pub(crate) fn arc_into_ptr<H: Handle>(inner: Arc<H::Inner>) -> *const H {
    Arc::into_raw(inner).cast()
}

/// A new strong reference to a value handed out by [`arc_into_ptr`].
///
/// # Safety
/// `p` is NULL or came from [`arc_into_ptr`] and is still alive.
pub(crate) unsafe fn arc_clone<H: Handle>(p: *const H) -> Option<Arc<H::Inner>> {
    if p.is_null() {
        return None;
    }
    let p = p.cast::<H::Inner>();
    // SAFETY: `p` holds one strong count, which we leave in place.
    unsafe {
        Arc::increment_strong_count(p);
        Some(Arc::from_raw(p))
    }
}

/// Drops the strong count a pointer holds; NULL is a no-op.
///
/// # Safety
/// As [`arc_clone`], and the pointer is not used again.
pub(crate) unsafe fn arc_free<H: Handle>(p: *const H) {
    if !p.is_null() {
        drop(unsafe { Arc::from_raw(p.cast::<H::Inner>()) });
    }
}

pub(crate) fn null_error(name: &str) -> Error {
    Error::invalid(format!("{name} is NULL"))
}

/// A NUL-terminated UTF-8 input string.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string.
pub(crate) unsafe fn try_str<'a>(p: *const c_char, name: &str) -> Result<&'a str> {
    if p.is_null() {
        return Err(null_error(name));
    }
    let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
    std::str::from_utf8(bytes).map_err(|e| {
        Error::invalid(format!(
            "{name} is not valid UTF-8 (at byte {})",
            e.valid_up_to()
        ))
    })
}

/// Like [`try_str`], but NULL is `None`.
///
/// # Safety
/// As [`try_str`].
pub(crate) unsafe fn opt_str<'a>(p: *const c_char, name: &str) -> Result<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        unsafe { try_str(p, name) }.map(Some)
    }
}

/// Writes a product through an out-parameter (called only on success).
///
/// # Safety
/// `out` is NULL or valid for writes.
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    if !out.is_null() {
        unsafe { out.write(value) };
    }
}

/// Checks an out-parameter before any work is done.
pub(crate) fn check_out<T>(out: *mut T, name: &str) -> Result<()> {
    if out.is_null() {
        Err(null_error(name))
    } else {
        Ok(())
    }
}

/// An owned C string as a pointer, NULL for `None`.
pub(crate) fn c_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr())
}
