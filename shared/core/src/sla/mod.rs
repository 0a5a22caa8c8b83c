//! The SLA clock: response deadlines counted in business time on a Europe/Warsaw calendar
//! (working days, hours, Polish public holidays).

pub mod calendar;
pub mod holidays;

pub use calendar::{BusinessCalendar, CalendarError};
pub use holidays::{easter_sunday, is_polish_public_holiday, polish_public_holidays};
