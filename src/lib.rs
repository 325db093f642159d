//! psjob: a client for asynchronous Adobe Photoshop API jobs, shipped as a
//! C-ABI library.
//!
//! - [`model`]: the status documents, every shape folded into one model.
//! - [`json`]: the lazily built tree behind JSON Pointer access.
//! - [`client`]: the blocking HTTP client and the wait loop.
//! - `ffi`: the thin `extern "C"` layer over them (see `include/psjob.h`).

pub mod client;
pub mod error;
pub mod json;
pub mod model;

mod ffi;

pub use error::{Error, ErrorCode, Result};
pub use model::{State, Status};
