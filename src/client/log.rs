//! Logging of requests, responses and retry decisions: to a callback, or to
//! stderr when `PSJOB_LOG` asks. Messages never carry credentials (the client
//! logs URLs without their query and no header values).

use std::fmt;
use std::sync::Arc;

pub const ERROR: i32 = 1;
pub const WARN: i32 = 2;
pub const INFO: i32 = 3;
pub const DEBUG: i32 = 4;

pub type LogCallback = Arc<dyn Fn(i32, &str) + Send + Sync>;

/// Where log lines go. Without a callback, `PSJOB_LOG` (error, warn, info,
/// debug) is read when the client is made.
#[derive(Clone, Default)]
pub struct LogSink {
    callback: Option<(LogCallback, i32)>,
}

impl fmt::Debug for LogSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LogSink")
            .field("callback", &self.callback.as_ref().map(|(_, level)| level))
            .finish()
    }
}

impl LogSink {
    pub fn callback(f: LogCallback, max_level: i32) -> LogSink {
        LogSink {
            callback: Some((f, max_level)),
        }
    }

    /// The logger a client uses.
    pub fn logger(&self) -> Logger {
        match &self.callback {
            Some((f, level)) => Logger {
                out: Some(Arc::clone(f)),
                max_level: *level,
            },
            None => {
                let level = std::env::var("PSJOB_LOG")
                    .map(|v| level_from_name(&v))
                    .unwrap_or(0);
                Logger {
                    out: (level > 0).then(|| -> LogCallback {
                        Arc::new(|level, msg: &str| {
                            eprintln!("psjob[{}]: {msg}", level_name(level))
                        })
                    }),
                    max_level: level,
                }
            }
        }
    }
}

pub fn level_from_name(name: &str) -> i32 {
    match name.trim().to_ascii_lowercase().as_str() {
        "error" | "1" => ERROR,
        "warn" | "warning" | "2" => WARN,
        "info" | "3" => INFO,
        "debug" | "trace" | "4" => DEBUG,
        _ => 0,
    }
}

pub fn level_name(level: i32) -> &'static str {
    match level {
        ERROR => "error",
        WARN => "warn",
        INFO => "info",
        _ => "debug",
    }
}

#[derive(Clone, Default)]
pub struct Logger {
    out: Option<LogCallback>,
    max_level: i32,
}

impl Logger {
    pub fn enabled(&self, level: i32) -> bool {
        self.out.is_some() && level <= self.max_level
    }

    /// Formats the message only when it will be written.
    pub fn log(&self, level: i32, message: impl FnOnce() -> String) {
        if let Some(out) = self.out.as_ref().filter(|_| level <= self.max_level) {
            out(level, &message());
        }
    }
}
