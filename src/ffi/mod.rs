//! The `extern "C"` layer: one module per C handle, each a thin shell over
//! the plain-Rust core, all going through `guard`.

mod cancel;
mod client;
mod config;
mod guard;
pub mod result;
pub mod status;
mod wait;
