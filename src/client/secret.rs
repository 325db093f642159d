//! Credentials held in memory: wiped when dropped, never printed.

use std::fmt;

/// A token, API key or client secret. Its bytes are overwritten with zeros
/// when it is dropped, and `Debug` does not show it.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: &str) -> Secret {
        Secret(value.to_owned())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<String> for Secret {
    /// Takes the string without copying it, so only one copy is to wipe.
    fn from(s: String) -> Secret {
        Secret(s)
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // SAFETY: zero bytes are valid UTF-8; volatile so the writes stay.
        unsafe {
            for b in self.0.as_bytes_mut() {
                std::ptr::write_volatile(b, 0);
            }
        }
        std::sync::atomic::compiler_fence(std::sync::atomic::Ordering::SeqCst);
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([REDACTED])")
    }
}

/// Replaces every occurrence of a secret in `text` (a server may echo one
/// back in an error body).
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a Secret>) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        // Short values would blank out ordinary words; real secrets are long.
        if secret.0.len() >= 4 && out.contains(&secret.0) {
            out = out.replace(&secret.0, "[REDACTED]");
        }
    }
    out
}
