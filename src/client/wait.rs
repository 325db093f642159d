//! Waiting for a job: poll, sleep (interruptibly), back off, until the job
//! finishes, the deadline passes, or the caller cancels.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::cancel::Cancel;
use super::log::{DEBUG, INFO};
use super::{Client, Limits};
use crate::error::{Error, ErrorCode, Result};
use crate::model::{State, Status};

pub const DEFAULT_INTERVAL: Duration = Duration::from_millis(2000);
pub const DEFAULT_MAX_INTERVAL: Duration = Duration::from_millis(30_000);
pub const DEFAULT_TIMEOUT: Duration = Duration::from_millis(900_000);
/// How much the interval grows after each poll.
pub const GROWTH: f64 = 1.5;

#[derive(Clone, Debug)]
pub struct WaitOptions {
    pub interval: Duration,
    pub max_interval: Duration,
    /// The overall deadline from the start of the wait; `None`: no deadline.
    pub timeout: Option<Duration>,
    pub cancel: Option<Arc<Cancel>>,
}

impl Default for WaitOptions {
    fn default() -> WaitOptions {
        WaitOptions {
            interval: DEFAULT_INTERVAL,
            max_interval: DEFAULT_MAX_INTERVAL,
            timeout: Some(DEFAULT_TIMEOUT),
            cancel: None,
        }
    }
}

impl WaitOptions {
    pub fn set_interval_ms(&mut self, ms: u32) -> Result<()> {
        if ms == 0 {
            return Err(Error::invalid("wait interval must be more than 0 ms"));
        }
        self.interval = Duration::from_millis(ms.into());
        Ok(())
    }

    /// Below the first interval (0 included), the interval stays fixed.
    pub fn set_max_interval_ms(&mut self, ms: u32) -> Result<()> {
        self.max_interval = Duration::from_millis(ms.into());
        Ok(())
    }

    /// 0: no deadline.
    pub fn set_timeout_ms(&mut self, ms: u64) -> Result<()> {
        self.timeout = (ms > 0).then(|| Duration::from_millis(ms));
        Ok(())
    }

    /// The sleep after `interval`: ×1.5 up to the cap, or fixed when the cap
    /// is below the first interval.
    pub fn next_interval(&self, interval: Duration) -> Duration {
        if self.max_interval <= self.interval {
            self.interval
        } else {
            interval.mul_f64(GROWTH).min(self.max_interval)
        }
    }
}

/// What the progress callback answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    Continue,
    Stop,
}

impl Client {
    /// Polls until the job's state is terminal and returns that status,
    /// whatever the outcome. Fails only when the final state could not be
    /// learnt: deadline, cancellation (or `progress` answering `Stop`), or an
    /// error that retrying cannot mend.
    pub fn wait(
        &self,
        url_or_job_id: &str,
        options: &WaitOptions,
        progress: &mut dyn FnMut(&Status) -> Progress,
    ) -> Result<Status> {
        let url = self.resolve(url_or_job_id)?;
        let started = Instant::now();
        let deadline = options.timeout.map(|t| started + t);
        let limits = Limits {
            cancel: options.cancel.as_deref(),
            deadline,
        };
        let mut interval = options.interval;
        let mut last_state: Option<State> = None;
        let mut polls = 0u64;
        let explain = |e: Error, last_state: Option<State>, polls: u64| -> Error {
            let state = last_state.map_or("no status yet".to_owned(), |s| {
                format!("last state {}", s.name())
            });
            match e.code {
                ErrorCode::Deadline => Error::new(
                    ErrorCode::Deadline,
                    format!(
                        "job did not finish within {} ms ({state}, {polls} polls): {}",
                        options.timeout.unwrap_or_default().as_millis(),
                        e.message
                    ),
                ),
                ErrorCode::Cancelled => Error::new(
                    ErrorCode::Cancelled,
                    format!(
                        "wait cancelled after {polls} polls ({state}): {}",
                        e.message
                    ),
                ),
                _ => e,
            }
        };
        loop {
            polls += 1;
            let sleep = match self.get_status_within(&url, limits) {
                Ok(status) => {
                    let state = status.job().state;
                    last_state = Some(state);
                    self.logger
                        .log(DEBUG, || format!("poll {polls}: job is {}", state.name()));
                    let answer = progress(&status);
                    if state.is_terminal() {
                        self.logger.log(INFO, || {
                            format!("job finished: {} after {polls} polls", state.name())
                        });
                        return Ok(status);
                    }
                    if answer == Progress::Stop {
                        return Err(explain(
                            Error::new(ErrorCode::Cancelled, "the progress callback asked to stop"),
                            last_state,
                            polls,
                        ));
                    }
                    // A status may ask for a slower pace, as a 429 does.
                    interval.max(status.retry_after().unwrap_or_default())
                }
                Err(f) if f.error.is_transient() => {
                    self.logger.log(INFO, || {
                        format!("poll {polls} failed, will poll again: {}", f.error.message)
                    });
                    interval.max(f.retry_after.unwrap_or_default())
                }
                Err(f) => return Err(explain(f.error, last_state, polls)),
            };
            limits
                .sleep(sleep)
                .map_err(|e| explain(e, last_state, polls))?;
            interval = options.next_interval(interval);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_grows_to_the_cap() {
        let o = WaitOptions {
            interval: Duration::from_millis(100),
            max_interval: Duration::from_millis(300),
            ..WaitOptions::default()
        };
        let mut i = o.interval;
        let mut seen = vec![i.as_millis()];
        for _ in 0..4 {
            i = o.next_interval(i);
            seen.push(i.as_millis());
        }
        assert_eq!(seen, [100, 150, 225, 300, 300]);
    }

    #[test]
    fn max_below_first_is_fixed() {
        let o = WaitOptions {
            interval: Duration::from_millis(500),
            max_interval: Duration::from_millis(100),
            ..WaitOptions::default()
        };
        assert_eq!(o.next_interval(o.interval), Duration::from_millis(500));
    }

    #[test]
    fn option_values() {
        let mut o = WaitOptions::default();
        assert_eq!(
            o.set_interval_ms(0).unwrap_err().code,
            ErrorCode::InvalidArgument
        );
        o.set_timeout_ms(0).unwrap();
        assert_eq!(o.timeout, None);
    }
}
