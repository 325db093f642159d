//! The `extern "C"` layer: one module per C handle, each a thin shell over
//! the plain-Rust core, all going through `guard`.

mod guard;
pub mod result;
pub mod status;
