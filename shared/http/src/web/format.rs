//! How the pages write times (Europe/Warsaw, in the reader's language's order) and the
//! marketplaces' names.

use super::i18n::{Lang, Strings};
use chrono::{DateTime, Utc};
use chrono_tz::Europe::Warsaw;
use marketdesk_core::domain::Marketplace;

/// A time as shown (Europe/Warsaw) and as `datetime` (ISO 8601).
pub(crate) fn time(t: &Strings, at: DateTime<Utc>) -> (String, String) {
    let local = at.with_timezone(&Warsaw);
    let shown = match t.lang {
        Lang::Pl => local.format("%d.%m.%Y %H:%M"),
        Lang::En => local.format("%Y-%m-%d %H:%M"),
    };
    (shown.to_string(), at.to_rfc3339())
}

/// The marketplace's name.
pub(crate) fn source_name(source: Marketplace) -> &'static str {
    match source {
        Marketplace::Allegro => "Allegro",
        Marketplace::Empik => "EmpikPlace",
    }
}
