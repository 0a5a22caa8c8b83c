//! The simulator's clock: real time plus an offset that the control API can advance, so
//! token expiry and windows can be tested without waiting while rate limits still see time pass.

use chrono::{DateTime, Duration, Utc};

/// Wall-clock time moved forward by a controllable offset.
#[derive(Debug, Clone, Default)]
pub struct SimClock {
    offset: Duration,
}

impl SimClock {
    /// The simulator's current time.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + self.offset
    }

    /// Moves the simulator's time forward.
    pub fn advance(&mut self, by: Duration) {
        self.offset += by;
    }
}
