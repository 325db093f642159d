//! Job and output states, and how a job's state folds from its outputs.

/// The numbers are part of the C ABI (`psjob_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub enum State {
    #[default]
    Unknown = 0,
    Pending = 1,
    Starting = 2,
    Running = 3,
    Uploading = 4,
    Succeeded = 5,
    Failed = 6,
    PartialSuccess = 7,
}

impl State {
    pub const ALL: [State; 8] = [
        State::Unknown,
        State::Pending,
        State::Starting,
        State::Running,
        State::Uploading,
        State::Succeeded,
        State::Failed,
        State::PartialSuccess,
    ];

    /// Reads a status string, case-insensitively.
    pub fn from_status(s: &str) -> State {
        const NAMES: [(&str, State); 11] = [
            ("pending", State::Pending),
            ("not_started", State::Pending),
            ("queued", State::Pending),
            ("starting", State::Starting),
            ("running", State::Running),
            ("in_progress", State::Running),
            ("uploading", State::Uploading),
            ("succeeded", State::Succeeded),
            ("failed", State::Failed),
            ("partial_success", State::PartialSuccess),
            ("partially_succeeded", State::PartialSuccess),
        ];
        let s = s.trim();
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map_or(State::Unknown, |&(_, state)| state)
    }

    pub fn from_i32(n: i32) -> Option<State> {
        usize::try_from(n)
            .ok()
            .and_then(|i| State::ALL.get(i).copied())
    }

    pub fn name(self) -> &'static str {
        match self {
            State::Unknown => "unknown",
            State::Pending => "pending",
            State::Starting => "starting",
            State::Running => "running",
            State::Uploading => "uploading",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
            State::PartialSuccess => "partial_success",
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            State::Succeeded | State::Failed | State::PartialSuccess
        )
    }

    /// Order of progress among non-terminal states; UNKNOWN counts as RUNNING.
    fn progress(self) -> u8 {
        match self {
            State::Pending => 0,
            State::Starting => 1,
            State::Unknown | State::Running => 2,
            State::Uploading => 3,
            _ => 4,
        }
    }

    /// The job's state from its outputs' states: no outputs is PENDING; any
    /// output still going gives the least advanced one; all finished gives
    /// SUCCEEDED, FAILED or PARTIAL_SUCCESS.
    pub fn fold(states: impl IntoIterator<Item = State>) -> State {
        let mut least_running: Option<State> = None;
        let (mut any, mut all_succeeded, mut all_failed) = (false, true, true);
        for state in states {
            any = true;
            if state.is_terminal() {
                all_succeeded &= state == State::Succeeded;
                all_failed &= state == State::Failed;
            } else {
                // UNKNOWN folds as RUNNING: the job is not known to be done.
                let state = if state == State::Unknown {
                    State::Running
                } else {
                    state
                };
                if least_running.is_none_or(|least| state.progress() < least.progress()) {
                    least_running = Some(state);
                }
            }
        }
        match (any, least_running) {
            (false, _) => State::Pending,
            (true, Some(state)) => state,
            _ if all_succeeded => State::Succeeded,
            _ if all_failed => State::Failed,
            _ => State::PartialSuccess,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::State::*;
    use super::*;

    #[test]
    fn status_strings_match_case_insensitively() {
        assert_eq!(State::from_status("SUCCEEDED"), Succeeded);
        assert_eq!(State::from_status("Not_Started"), Pending);
        assert_eq!(State::from_status("queued"), Pending);
        assert_eq!(State::from_status("exploded"), Unknown);
        assert_eq!(State::from_status(""), Unknown);
    }

    #[test]
    fn fold_no_outputs_is_pending() {
        assert_eq!(State::fold([]), Pending);
    }

    #[test]
    fn fold_least_advanced_running_state() {
        assert_eq!(State::fold([Succeeded, Uploading, Starting]), Starting);
        assert_eq!(State::fold([Uploading, Running]), Running);
        assert_eq!(State::fold([Failed, Pending, Running]), Pending);
    }

    #[test]
    fn fold_unknown_counts_as_running() {
        assert_eq!(State::fold([Unknown, Uploading]), Running);
        assert_eq!(State::fold([Unknown, Succeeded]), Running);
        assert_eq!(State::fold([Unknown, Starting]), Starting);
    }

    #[test]
    fn fold_terminal_outcomes() {
        assert_eq!(State::fold([Succeeded, Succeeded]), Succeeded);
        assert_eq!(State::fold([Failed, Failed]), Failed);
        assert_eq!(State::fold([Succeeded, Failed]), PartialSuccess);
        assert_eq!(State::fold([PartialSuccess]), PartialSuccess);
        assert_eq!(State::fold([PartialSuccess, Succeeded]), PartialSuccess);
    }

    #[test]
    fn names_and_numbers() {
        for (i, s) in State::ALL.iter().enumerate() {
            assert_eq!(*s as usize, i);
            assert_eq!(State::from_i32(i as i32), Some(*s));
        }
        assert_eq!(State::from_i32(8), None);
        assert_eq!(State::from_i32(-1), None);
        assert_eq!(PartialSuccess.name(), "partial_success");
    }
}
