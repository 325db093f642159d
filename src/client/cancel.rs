//! Cancellation that wakes a sleeping wait at once, from any thread.

use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Debug, Default)]
pub struct Cancel {
    triggered: Mutex<bool>,
    wake: Condvar,
}

/// Why an interruptible sleep ended.
#[derive(Debug, PartialEq, Eq)]
pub enum Wake {
    Elapsed,
    Cancelled,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Idempotent; wakes every thread sleeping on this token.
    pub fn trigger(&self) {
        *self.triggered.lock().unwrap_or_else(|p| p.into_inner()) = true;
        self.wake.notify_all();
    }

    pub fn is_triggered(&self) -> bool {
        *self.triggered.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Sleeps until `until` or until triggered, on a condition variable:
    /// no CPU is used meanwhile.
    pub fn sleep_until(&self, until: Instant) -> Wake {
        let mut triggered = self.triggered.lock().unwrap_or_else(|p| p.into_inner());
        loop {
            if *triggered {
                return Wake::Cancelled;
            }
            let now = Instant::now();
            if now >= until {
                return Wake::Elapsed;
            }
            triggered = self
                .wake
                .wait_timeout(triggered, until - now)
                .unwrap_or_else(|p| p.into_inner())
                .0;
        }
    }

    pub fn sleep(&self, d: Duration) -> Wake {
        self.sleep_until(Instant::now() + d)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn trigger_wakes_a_sleeper() {
        let c = Arc::new(Cancel::new());
        let c2 = Arc::clone(&c);
        let t = std::thread::spawn(move || {
            let start = Instant::now();
            (c2.sleep(Duration::from_secs(30)), start.elapsed())
        });
        std::thread::sleep(Duration::from_millis(20));
        c.trigger();
        c.trigger();
        let (wake, _took) = t.join().unwrap();
        assert_eq!(wake, Wake::Cancelled);
        assert!(c.is_triggered());
        assert_eq!(c.sleep(Duration::ZERO), Wake::Cancelled);
    }

    #[test]
    fn sleep_elapses() {
        assert_eq!(Cancel::new().sleep(Duration::from_millis(1)), Wake::Elapsed);
    }
}
