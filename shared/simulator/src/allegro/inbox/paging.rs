//! Cursor paging of Message Center beta.v1 (`page.id` / `nextPage.id`): listings run newest
//! first, a cursor names the last item of the previous page, like Allegro's
//! `base64("p=<time>;s=<n>")`.

use super::timestamp;
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};

/// Where an item sits in a newest-first listing: its time, then its creation counter.
pub type Position = (DateTime<Utc>, u64);

/// The cursor naming `position`.
pub fn encode(position: Position) -> String {
    STANDARD.encode(format!("p={};s={}", timestamp(position.0), position.1))
}

/// The position a cursor names, if it is one of ours.
pub fn decode(cursor: &str) -> Option<Position> {
    let bytes = STANDARD.decode(cursor.trim()).ok()?;
    let text = String::from_utf8(bytes).ok()?;
    let (time, seq) = text.strip_prefix("p=")?.split_once(";s=")?;
    let time = DateTime::parse_from_rfc3339(time).ok()?.with_timezone(&Utc);
    Some((time, seq.parse().ok()?))
}

/// One page: the items after `after` (all when none), newest first, at most `limit`, and the
/// cursor of the next page when more remain.
pub fn page<T>(
    mut items: Vec<(Position, T)>,
    after: Option<Position>,
    limit: usize,
) -> (Vec<T>, Option<String>) {
    items.sort_by_key(|(position, _)| std::cmp::Reverse(*position));
    let mut rest: Vec<(Position, T)> = items
        .into_iter()
        .filter(|(position, _)| after.is_none_or(|after| *position < after))
        .collect();
    let more = rest.len() > limit;
    rest.truncate(limit);
    let next = if more {
        rest.last().map(|(position, _)| encode(*position))
    } else {
        None
    };
    (rest.into_iter().map(|(_, item)| item).collect(), next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let at = super::super::to_millis(Utc::now());
        assert_eq!(decode(&encode((at, 7))), Some((at, 7)));
        assert_eq!(decode("not base64!"), None);
        assert_eq!(decode(&STANDARD.encode("p=yesterday;s=1")), None);
    }

    #[test]
    fn pages_walk_newest_first_without_gaps() {
        let t0 = super::super::to_millis(Utc::now());
        let items: Vec<(Position, u64)> = (0..5)
            .map(|i| ((t0 + Duration::seconds(i as i64 / 2), i), i))
            .collect();
        let (first, next) = page(items.clone(), None, 2);
        assert_eq!(first, vec![4, 3]);
        let (second, next) = page(items.clone(), next.as_deref().and_then(decode), 2);
        assert_eq!(second, vec![2, 1]);
        let (third, next) = page(items, next.as_deref().and_then(decode), 2);
        assert_eq!((third, next), (vec![0], None));
    }
}
