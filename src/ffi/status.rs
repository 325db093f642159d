//! `psjob_status` and its borrowed sub-handles: `psjob_output`,
//! `psjob_rendition`, `psjob_job_error`.

#![allow(non_camel_case_types)]

use std::ffi::{c_char, CStr};
use std::ptr;

use super::guard::{self, c_ptr, check_out, opt_ref, try_ref, try_str, write_out, Handle};
use super::result::psjob_result;
use crate::error::Result;
use crate::model::{JobError, Output, Rendition, State, Status};

/// A parsed status document. Owned by the caller, freed with
/// psjob_status_free(). Immutable: may be read from many threads at once.
pub struct psjob_status {
    _private: [u8; 0],
}
/// One output of a job; borrowed from its psjob_status, never freed.
pub struct psjob_output {
    _private: [u8; 0],
}
/// One file of an output; borrowed from its psjob_status, never freed.
pub struct psjob_rendition {
    _private: [u8; 0],
}
/// One error of an output; borrowed from its psjob_status, never freed.
pub struct psjob_job_error {
    _private: [u8; 0],
}

impl Handle for psjob_status {
    type Inner = Status;
}
impl Handle for psjob_output {
    type Inner = Output;
}
impl Handle for psjob_rendition {
    type Inner = Rendition;
}
impl Handle for psjob_job_error {
    type Inner = JobError;
}

/// The state of a job or an output.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum psjob_state {
    /// A status string the library does not know (the raw string is still readable).
    PSJOB_STATE_UNKNOWN = 0,
    /// "pending", "not_started", "queued", and an empty outputs list.
    PSJOB_STATE_PENDING = 1,
    PSJOB_STATE_STARTING = 2,
    PSJOB_STATE_RUNNING = 3,
    PSJOB_STATE_UPLOADING = 4,
    PSJOB_STATE_SUCCEEDED = 5,
    PSJOB_STATE_FAILED = 6,
    /// Finished; some outputs succeeded and some failed.
    PSJOB_STATE_PARTIAL_SUCCESS = 7,
}

impl From<State> for psjob_state {
    fn from(s: State) -> psjob_state {
        use psjob_state::*;
        match s {
            State::Unknown => PSJOB_STATE_UNKNOWN,
            State::Pending => PSJOB_STATE_PENDING,
            State::Starting => PSJOB_STATE_STARTING,
            State::Running => PSJOB_STATE_RUNNING,
            State::Uploading => PSJOB_STATE_UPLOADING,
            State::Succeeded => PSJOB_STATE_SUCCEEDED,
            State::Failed => PSJOB_STATE_FAILED,
            State::PartialSuccess => PSJOB_STATE_PARTIAL_SUCCESS,
        }
    }
}

/// Hands a status to C (used by the client too).
pub(crate) fn status_into_ptr(status: Status) -> *mut psjob_status {
    guard::into_ptr::<psjob_status>(status)
}

/// True for the finished states: SUCCEEDED, FAILED and PARTIAL_SUCCESS.
/// Any other number, valid or not, gives false.
#[no_mangle]
pub extern "C" fn psjob_state_is_terminal(state: i32) -> bool {
    State::from_i32(state).is_some_and(State::is_terminal)
}

/// The lowercase name of a state: "unknown", "pending", "starting",
/// "running", "uploading", "succeeded", "failed" or "partial_success";
/// "unknown" for any other number. The string is static.
#[no_mangle]
pub extern "C" fn psjob_state_name(state: i32) -> *const c_char {
    let name: &'static CStr = match State::from_i32(state).unwrap_or(State::Unknown) {
        State::Unknown => c"unknown",
        State::Pending => c"pending",
        State::Starting => c"starting",
        State::Running => c"running",
        State::Uploading => c"uploading",
        State::Succeeded => c"succeeded",
        State::Failed => c"failed",
        State::PartialSuccess => c"partial_success",
    };
    name.as_ptr()
}

/// Parses a status document from `len` bytes at `json` (any shape of the
/// Photoshop API: v1, v2, Sensei, masking, Lightroom, a submit response or an
/// I/O Events webhook body). The bytes are copied; `json` need not be
/// NUL-terminated. On success writes a new status to `*out`, which the caller
/// frees with psjob_status_free(). Fails with PSJOB_ERR_INVALID_ARGUMENT when
/// `json` or `out` is NULL, and PSJOB_ERR_PARSE when the bytes are not UTF-8
/// JSON, not a JSON object, or nested deeper than 512 levels; `*out` is then
/// untouched.
#[no_mangle]
pub unsafe extern "C" fn psjob_status_parse(
    json: *const c_char,
    len: usize,
    out: *mut *mut psjob_status,
) -> psjob_result {
    guard::result_boundary(|| {
        if json.is_null() {
            return Err(guard::null_error("json"));
        }
        check_out(out, "out")?;
        // SAFETY: the caller gives `len` readable bytes at `json`.
        let bytes = unsafe { std::slice::from_raw_parts(json.cast::<u8>(), len) };
        let status = Status::parse(bytes)?;
        unsafe { write_out(out, status_into_ptr(status)) };
        Ok(())
    })
}

/// Frees a status and everything borrowed from it (outputs, renditions,
/// errors, strings). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn psjob_status_free(status: *mut psjob_status) {
    guard::value_boundary((), || unsafe { guard::free_ptr(status) })
}

/// Runs an accessor on a borrowed handle: NULL or a panic gives `neutral`.
fn with<H: Handle, T: Copy>(p: *const H, neutral: T, f: impl FnOnce(&H::Inner) -> T) -> T {
    // SAFETY: the caller passes NULL or a live handle of this type.
    guard::value_boundary(neutral, || unsafe { opt_ref(p) }.map_or(neutral, f))
}

/// The `i`th element of a list as a borrowed handle, NULL if out of range.
fn nth<H: Handle>(list: &[H::Inner], i: usize) -> *const H {
    list.get(i).map_or(ptr::null(), guard::borrowed_ptr)
}

/// The job id ("jobId" or "jobID"), or NULL if absent. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_status_job_id(s: *const psjob_status) -> *const c_char {
    with(s, ptr::null(), |s| c_ptr(&s.job().job_id))
}

/// The job's status URL: "_links.self.href", else "statusUrl"; NULL if
/// absent. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_status_self_href(s: *const psjob_status) -> *const c_char {
    with(s, ptr::null(), |s| c_ptr(&s.job().self_href))
}

/// The job's state: the top-level "status" where the shape has one,
/// otherwise folded from the outputs (no outputs: PENDING; any output still
/// going: the least advanced state among them; all finished: SUCCEEDED,
/// FAILED or PARTIAL_SUCCESS). PSJOB_STATE_UNKNOWN for NULL.
#[no_mangle]
pub extern "C" fn psjob_status_state(s: *const psjob_status) -> psjob_state {
    with(s, psjob_state::PSJOB_STATE_UNKNOWN, |s| {
        s.job().state.into()
    })
}

/// The raw body exactly as received (for a webhook, the whole event),
/// NUL-terminated; its length in bytes is written to `*len` when `len` is not
/// NULL. Owned by the status. NULL (and *len = 0) for a NULL status.
#[no_mangle]
pub unsafe extern "C" fn psjob_status_json(
    s: *const psjob_status,
    len: *mut usize,
) -> *const c_char {
    let (text, n) = with(s, (ptr::null(), 0), |s| {
        (s.body_c().as_ptr(), s.body().len())
    });
    // SAFETY: `len` is NULL or writable.
    unsafe { write_out(len, n) };
    text
}

/// The HTTP status the document came with (200, 202, ...); 0 when it was
/// parsed from a buffer or `s` is NULL.
#[no_mangle]
pub extern "C" fn psjob_status_http_status(s: *const psjob_status) -> i32 {
    with(s, 0, |s| i32::from(s.http_status()))
}

/// The number of outputs (0 for NULL).
#[no_mangle]
pub extern "C" fn psjob_status_output_count(s: *const psjob_status) -> usize {
    with(s, 0, |s| s.job().outputs.len())
}

/// The `i`th output, borrowed from the status (lives exactly as long as it);
/// NULL if `i` is out of range or `s` is NULL.
#[no_mangle]
pub extern "C" fn psjob_status_output(s: *const psjob_status, i: usize) -> *const psjob_output {
    with(s, ptr::null(), |s| nth(&s.job().outputs, i))
}

/// The output's input URL or path, NULL if absent. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_output_input(o: *const psjob_output) -> *const c_char {
    with(o, ptr::null(), |o| c_ptr(&o.input))
}

/// The output's raw status string as sent ("succeeded", "RUNNING", ...),
/// NULL if absent. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_output_status(o: *const psjob_output) -> *const c_char {
    with(o, ptr::null(), |o| c_ptr(&o.status))
}

/// The output's state, from its status string matched case-insensitively;
/// PSJOB_STATE_UNKNOWN when absent, unrecognised, or `o` is NULL.
#[no_mangle]
pub extern "C" fn psjob_output_state(o: *const psjob_output) -> psjob_state {
    with(o, psjob_state::PSJOB_STATE_UNKNOWN, |o| o.state.into())
}

/// The output's creation timestamp as the raw string sent ("created", or
/// "createdTime" in v2; the document's own when the output has none), NULL
/// if absent. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_output_created(o: *const psjob_output) -> *const c_char {
    with(o, ptr::null(), |o| c_ptr(&o.created))
}

/// The output's last-modified timestamp as the raw string sent, NULL if
/// absent. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_output_modified(o: *const psjob_output) -> *const c_char {
    with(o, ptr::null(), |o| c_ptr(&o.modified))
}

/// The number of renditions (files) of the output (0 for NULL).
#[no_mangle]
pub extern "C" fn psjob_output_rendition_count(o: *const psjob_output) -> usize {
    with(o, 0, |o| o.renditions.len())
}

/// The `i`th rendition, borrowed from the status; NULL if out of range.
#[no_mangle]
pub extern "C" fn psjob_output_rendition(
    o: *const psjob_output,
    i: usize,
) -> *const psjob_rendition {
    with(o, ptr::null(), |o| nth(&o.renditions, i))
}

/// The number of errors of the output (0 for NULL).
#[no_mangle]
pub extern "C" fn psjob_output_error_count(o: *const psjob_output) -> usize {
    with(o, 0, |o| o.errors.len())
}

/// The `i`th error, borrowed from the status; NULL if out of range.
#[no_mangle]
pub extern "C" fn psjob_output_error(o: *const psjob_output, i: usize) -> *const psjob_job_error {
    with(o, ptr::null(), |o| nth(&o.errors, i))
}

/// The rendition's URL ("href", v2 "destination.url" or "url"); NULL if
/// absent (e.g. an embedded v2 result). Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_rendition_href(r: *const psjob_rendition) -> *const c_char {
    with(r, ptr::null(), |r| c_ptr(&r.href))
}

/// The rendition's storage kind ("external", "adobe", "azure", ...), NULL if
/// absent. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_rendition_storage(r: *const psjob_rendition) -> *const c_char {
    with(r, ptr::null(), |r| c_ptr(&r.storage))
}

/// The rendition's media type ("type", v2 "mediaType"), NULL if absent.
/// Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_rendition_type(r: *const psjob_rendition) -> *const c_char {
    with(r, ptr::null(), |r| c_ptr(&r.media_type))
}

/// The rendition's width in pixels (a string of digits is read as its
/// number; 0 means full size); -1 if absent or `r` is NULL.
#[no_mangle]
pub extern "C" fn psjob_rendition_width(r: *const psjob_rendition) -> i64 {
    with(r, -1, |r| r.width.unwrap_or(-1))
}

/// The error's code ("code" or "errorCode"; a number is given as its decimal
/// text), NULL if absent. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_job_error_code(e: *const psjob_job_error) -> *const c_char {
    with(e, ptr::null(), |e| c_ptr(&e.code))
}

/// The error's type ("InputValidationError", ...), NULL if absent. Owned by
/// the status.
#[no_mangle]
pub extern "C" fn psjob_job_error_type(e: *const psjob_job_error) -> *const c_char {
    with(e, ptr::null(), |e| c_ptr(&e.error_type))
}

/// The error's title: "title", else "message"; NULL if absent. Owned by the
/// status.
#[no_mangle]
pub extern "C" fn psjob_job_error_title(e: *const psjob_job_error) -> *const c_char {
    with(e, ptr::null(), |e| c_ptr(&e.title))
}

/// The number of {name, reason} details of the error (from "details",
/// "errorDetails" or "invalidParams"); 0 for NULL.
#[no_mangle]
pub extern "C" fn psjob_job_error_detail_count(e: *const psjob_job_error) -> usize {
    with(e, 0, |e| e.details.len())
}

/// The name of the `i`th detail (the offending parameter), NULL if absent or
/// out of range. Owned by the status.
#[no_mangle]
pub extern "C" fn psjob_job_error_detail_name(
    e: *const psjob_job_error,
    i: usize,
) -> *const c_char {
    with(e, ptr::null(), |e| {
        e.details.get(i).map_or(ptr::null(), |d| c_ptr(&d.name))
    })
}

/// The reason of the `i`th detail, NULL if absent or out of range. Owned by
/// the status.
#[no_mangle]
pub extern "C" fn psjob_job_error_detail_reason(
    e: *const psjob_job_error,
    i: usize,
) -> *const c_char {
    with(e, ptr::null(), |e| {
        e.details.get(i).map_or(ptr::null(), |d| c_ptr(&d.reason))
    })
}

/// Shared body of the pointer accessors: resolves `pointer`, converts with
/// `get`, and writes through `out` only on success.
fn get_value<T>(
    s: *const psjob_status,
    pointer: *const c_char,
    out: *mut T,
    get: impl FnOnce(&Status, &str) -> Result<T>,
) -> psjob_result {
    guard::result_boundary(|| {
        // SAFETY: the caller passes NULL or live pointers.
        let status = unsafe { try_ref(s, "status") }?;
        let pointer = unsafe { try_str(pointer, "pointer") }?;
        check_out(out, "out")?;
        let value = get(status, pointer)?;
        unsafe { write_out(out, value) };
        Ok(())
    })
}

/// Reads the string at an RFC 6901 JSON Pointer (`""` is the whole status,
/// `"/outputs/0/layers/3/name"`, `~0` for `~` and `~1` for `/`). Inside a
/// webhook body, pointers address the status inside the event. On success
/// `*out` points to a NUL-terminated string owned by the status; asking again
/// returns the same pointer. PSJOB_ERR_NO_VALUE when there is no value there,
/// it is not a string, or it holds a NUL character; PSJOB_ERR_INVALID_ARGUMENT
/// for a NULL argument or a malformed pointer (not "" and not starting with
/// '/', or a '~' not followed by 0 or 1). Array indexes are decimal without
/// leading zeros; "-" names no value.
#[no_mangle]
pub unsafe extern "C" fn psjob_status_get_string(
    s: *const psjob_status,
    pointer: *const c_char,
    out: *mut *const c_char,
) -> psjob_result {
    get_value(s, pointer, out, |st, p| st.get_c_str(p).map(CStr::as_ptr))
}

/// Reads an integer at a JSON Pointer: an integral JSON number, or a string
/// of an optional '-' and decimal digits (Adobe sends some numbers as
/// strings), within int64_t. Errors as psjob_status_get_string().
#[no_mangle]
pub unsafe extern "C" fn psjob_status_get_i64(
    s: *const psjob_status,
    pointer: *const c_char,
    out: *mut i64,
) -> psjob_result {
    get_value(s, pointer, out, Status::get_i64)
}

/// Reads any JSON number at a JSON Pointer as a double. Errors as
/// psjob_status_get_string().
#[no_mangle]
pub unsafe extern "C" fn psjob_status_get_f64(
    s: *const psjob_status,
    pointer: *const c_char,
    out: *mut f64,
) -> psjob_result {
    get_value(s, pointer, out, Status::get_f64)
}

/// Reads a JSON true/false at a JSON Pointer. Errors as
/// psjob_status_get_string().
#[no_mangle]
pub unsafe extern "C" fn psjob_status_get_bool(
    s: *const psjob_status,
    pointer: *const c_char,
    out: *mut bool,
) -> psjob_result {
    get_value(s, pointer, out, Status::get_bool)
}

/// The number of elements of the array, or members of the object, at a JSON
/// Pointer. PSJOB_ERR_NO_VALUE for any other value; other errors as
/// psjob_status_get_string().
#[no_mangle]
pub unsafe extern "C" fn psjob_status_get_len(
    s: *const psjob_status,
    pointer: *const c_char,
    out: *mut usize,
) -> psjob_result {
    get_value(s, pointer, out, Status::get_len)
}

/// The value at a JSON Pointer re-serialized as compact JSON, members in
/// document order (strings with NUL characters are escaped, so any value can
/// be read this way). `*out` is owned by the status; asking again for the
/// same value returns the same pointer. Errors as psjob_status_get_string().
#[no_mangle]
pub unsafe extern "C" fn psjob_status_get_json(
    s: *const psjob_status,
    pointer: *const c_char,
    out: *mut *const c_char,
) -> psjob_result {
    get_value(s, pointer, out, |st, p| st.get_json(p).map(CStr::as_ptr))
}
