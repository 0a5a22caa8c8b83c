//! Business time on a Europe/Warsaw calendar: deadlines that skip nights, weekends and
//! public holidays, correct across daylight-saving changes.

use super::holidays::is_polish_public_holiday;
use crate::domain::BusinessHours;
use chrono::{
    DateTime, Datelike, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Europe::Warsaw;

/// Longest span a deadline search walks (a calendar always has a working day within a week,
/// holidays included, so this is only a guard).
const MAX_DAYS: u64 = 3660;

/// Why business hours cannot make a calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// No working day, or a day number outside 1–7.
    #[error("working days must be 1 (Monday) to 7 (Sunday), at least one")]
    Days,
    /// A time that is not `HH:MM` (`24:00` allowed as the end).
    #[error("{0:?} is not a time of day (HH:MM)")]
    Time(String),
    /// The end is not after the start.
    #[error("the end of the working hours must be after their start")]
    Order,
}

/// Working days and hours in Europe/Warsaw, optionally without Polish public holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BusinessCalendar {
    /// Working weekdays, index 0 = Monday.
    days: [bool; 7],
    /// Opening time.
    start: NaiveTime,
    /// Closing time; `None` = midnight at the end of the day (`24:00`).
    end: Option<NaiveTime>,
    /// Whether Polish public holidays are days off.
    skip_holidays: bool,
}

impl BusinessCalendar {
    /// The calendar of `hours` (`end` may be `24:00`); public holidays are days off when
    /// `skip_holidays`.
    pub fn new(hours: &BusinessHours, skip_holidays: bool) -> Result<Self, CalendarError> {
        let mut days = [false; 7];
        for day in &hours.days {
            let index = usize::from(*day)
                .checked_sub(1)
                .filter(|i| *i < 7)
                .ok_or(CalendarError::Days)?;
            days[index] = true;
        }
        if !days.contains(&true) {
            return Err(CalendarError::Days);
        }
        let time = |text: &str| {
            NaiveTime::parse_from_str(text.trim(), "%H:%M")
                .map_err(|_| CalendarError::Time(text.to_owned()))
        };
        let start = time(&hours.start)?;
        let end = if hours.end.trim() == "24:00" {
            None
        } else {
            Some(time(&hours.end)?)
        };
        if end.is_some_and(|end| end <= start) {
            return Err(CalendarError::Order);
        }
        Ok(Self {
            days,
            start,
            end,
            skip_holidays,
        })
    }

    /// Whether `date` (in Warsaw) is a working day.
    pub fn is_working_day(&self, date: NaiveDate) -> bool {
        let weekday = date.weekday().num_days_from_monday() as usize;
        self.days[weekday] && !(self.skip_holidays && is_polish_public_holiday(date))
    }

    /// The moment `duration` of business time after `from`; with a zero duration, the first
    /// business moment at or after `from`.
    pub fn add(&self, from: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
        let mut remaining = duration.max(Duration::zero());
        let mut date = from.with_timezone(&Warsaw).date_naive();
        for _ in 0..MAX_DAYS {
            if let Some((open, close)) = self.window(date) {
                let open = open.max(from);
                if open < close {
                    let available = close - open;
                    if remaining <= available {
                        return open + remaining;
                    }
                    remaining -= available;
                }
            }
            match date.checked_add_days(Days::new(1)) {
                Some(next) => date = next,
                None => break,
            }
        }
        from + duration
    }

    /// Business time between `from` and `to` (zero when `to` is not later).
    pub fn between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        let mut total = Duration::zero();
        let mut date = from.with_timezone(&Warsaw).date_naive();
        let last = to.with_timezone(&Warsaw).date_naive();
        while date <= last {
            if let Some((open, close)) = self.window(date) {
                let (open, close) = (open.max(from), close.min(to));
                if open < close {
                    total += close - open;
                }
            }
            match date.checked_add_days(Days::new(1)) {
                Some(next) => date = next,
                None => break,
            }
        }
        total
    }

    /// The working window of `date` in UTC, if it is a working day.
    fn window(&self, date: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if !self.is_working_day(date) {
            return None;
        }
        let open = local(date.and_time(self.start));
        let close = match self.end {
            Some(end) => local(date.and_time(end)),
            None => local(
                date.checked_add_days(Days::new(1))?
                    .and_time(NaiveTime::MIN),
            ),
        };
        Some((open, close))
    }
}

/// A Warsaw wall-clock time as an instant: the earlier one when the clock is set back, and
/// the moment the clock jumps to when it is set forward (the skipped hour does not exist).
fn local(at: NaiveDateTime) -> DateTime<Utc> {
    match Warsaw.from_local_datetime(&at).earliest() {
        Some(time) => time.with_timezone(&Utc),
        None => Warsaw
            .from_local_datetime(&(at + Duration::hours(1)))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|| at.and_utc()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("time")
            .with_timezone(&Utc)
    }

    fn hours(days: &[u8], start: &str, end: &str) -> BusinessHours {
        BusinessHours {
            days: days.to_vec(),
            start: start.into(),
            end: end.into(),
        }
    }

    fn office() -> BusinessCalendar {
        BusinessCalendar::new(&hours(&[1, 2, 3, 4, 5], "08:00", "16:00"), true).expect("calendar")
    }

    fn working_days() -> BusinessCalendar {
        BusinessCalendar::new(&hours(&[1, 2, 3, 4, 5], "00:00", "24:00"), true).expect("calendar")
    }

    #[test]
    fn a_deadline_inside_one_working_day() {
        // Tuesday 2026-11-24, 10:00 in Warsaw (UTC+1): 2 h later is 12:00 local.
        assert_eq!(
            office().add(at("2026-11-24T09:00:00Z"), Duration::hours(2)),
            at("2026-11-24T11:00:00Z")
        );
    }

    #[test]
    fn deadlines_skip_evenings_and_weekends() {
        // Friday 2026-11-27 15:00 local + 2 h: one hour on Friday, one on Monday from 08:00.
        assert_eq!(
            office().add(at("2026-11-27T14:00:00Z"), Duration::hours(2)),
            at("2026-11-30T08:00:00Z")
        );
        // Saturday night: the clock starts on Monday 08:00 local.
        assert_eq!(
            office().add(at("2026-11-28T22:00:00Z"), Duration::zero()),
            at("2026-11-30T07:00:00Z")
        );
        // 24 h on whole working days: Friday 18:00 local → Monday 18:00 local.
        assert_eq!(
            working_days().add(at("2026-11-27T17:00:00Z"), Duration::hours(24)),
            at("2026-11-30T17:00:00Z")
        );
    }

    #[test]
    fn deadlines_skip_polish_holidays_unless_told_not_to() {
        // Tuesday 2026-11-10 12:00 local + 24 working-day hours: Wednesday 11 November is
        // Independence Day, so Thursday 12:00 local.
        assert_eq!(
            working_days().add(at("2026-11-10T11:00:00Z"), Duration::hours(24)),
            at("2026-11-12T11:00:00Z")
        );
        let with_holidays =
            BusinessCalendar::new(&hours(&[1, 2, 3, 4, 5], "00:00", "24:00"), false)
                .expect("calendar");
        assert_eq!(
            with_holidays.add(at("2026-11-10T11:00:00Z"), Duration::hours(24)),
            at("2026-11-11T11:00:00Z")
        );
        // Easter Monday 2026-04-06 and Christmas Eve to 26 December 2026 are off.
        assert_eq!(
            working_days().add(at("2026-04-03T10:00:00Z"), Duration::hours(24)),
            at("2026-04-07T10:00:00Z")
        );
        assert_eq!(
            working_days().add(at("2026-12-23T11:00:00Z"), Duration::hours(24)),
            at("2026-12-28T11:00:00Z")
        );
    }

    #[test]
    fn deadlines_follow_warsaw_time_across_daylight_saving() {
        // Every day 08:00–16:00. Saturday 2026-03-28 15:00 CET (14:00 UTC) + 2 h: 1 h on
        // Saturday, then Sunday 08:00 CEST (06:00 UTC) + 1 h.
        let daily = BusinessCalendar::new(&hours(&[1, 2, 3, 4, 5, 6, 7], "08:00", "16:00"), false)
            .expect("calendar");
        assert_eq!(
            daily.add(at("2026-03-28T14:00:00Z"), Duration::hours(2)),
            at("2026-03-29T07:00:00Z")
        );
        // Autumn: Sunday 2026-10-25 has 25 hours; a whole-day calendar counts all of them.
        let always = BusinessCalendar::new(&hours(&[1, 2, 3, 4, 5, 6, 7], "00:00", "24:00"), false)
            .expect("calendar");
        assert_eq!(
            always.between(at("2026-10-24T22:00:00Z"), at("2026-10-25T23:00:00Z")),
            Duration::hours(25)
        );
    }

    #[test]
    fn business_time_between_two_moments() {
        // Friday 14:00 local to Monday 10:00 local: 2 h Friday + 2 h Monday.
        assert_eq!(
            office().between(at("2026-11-27T13:00:00Z"), at("2026-11-30T09:00:00Z")),
            Duration::hours(4)
        );
        assert_eq!(
            office().between(at("2026-11-30T09:00:00Z"), at("2026-11-27T13:00:00Z")),
            Duration::zero()
        );
    }

    #[test]
    fn bad_hours_are_refused() {
        for (days, start, end, expected) in [
            (vec![], "08:00", "16:00", CalendarError::Days),
            (vec![8], "08:00", "16:00", CalendarError::Days),
            (vec![0], "08:00", "16:00", CalendarError::Days),
            (vec![1], "8", "16:00", CalendarError::Time("8".into())),
            (vec![1], "16:00", "08:00", CalendarError::Order),
            (vec![1], "08:00", "08:00", CalendarError::Order),
        ] {
            assert_eq!(
                BusinessCalendar::new(&hours(&days, start, end), true),
                Err(expected)
            );
        }
    }
}
