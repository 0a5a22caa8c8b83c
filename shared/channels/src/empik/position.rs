//! The EmpikPlace channel's cursor position, stored as JSON in `PollCursor.position`: the
//! watermark, a mark per recently seen thread (so an unchanged thread costs nothing), when
//! OR11 was last called (at most once a minute per shop) and the shop's reason labels (RE02).
//!
//! It stays bounded: at most [`MAX_KNOWN_THREADS`] marks (~110 bytes each) besides those of the
//! threads the last poll listed, those of threads quiet for [`KEEP_MARKS`] dropped first. Positions written before marks existed were a bare
//! RFC 3339 watermark; they are read as that watermark with no marks (the next poll treats the
//! overlap's threads as new, which ingest absorbs). A position that does not decode counts as
//! none: the poll starts again at the integration's enabling.

use chrono::{DateTime, Duration, Utc};
use marketdesk_mirakl::Thread;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Marks of threads not updated for this long (before the watermark) are dropped.
pub(crate) const KEEP_MARKS: Duration = Duration::days(30);
/// Most thread marks kept.
pub(crate) const MAX_KNOWN_THREADS: usize = 1_000;
/// Format version written into positions.
const VERSION: u32 = 1;

/// What the channel remembers between polls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct EmpikPosition {
    #[serde(default)]
    v: u32,
    /// Newest `date_updated` seen (Mirakl's clock, so skew does not matter).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<DateTime<Utc>>,
    /// Marks by thread id.
    #[serde(default)]
    pub threads: BTreeMap<String, ThreadMark>,
    /// When OR11 was last called (our clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub orders_read_at: Option<DateTime<Utc>>,
    /// The shop's `ORDER_MESSAGING` reason labels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reasons: Option<ReasonLabels>,
}

/// Reason labels as RE02 gave them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ReasonLabels {
    /// When they were read (our clock); also set after a refused read, so it is not repeated
    /// every poll.
    pub read_at: DateTime<Utc>,
    /// Label by code.
    pub labels: BTreeMap<String, String>,
}

/// How far a thread's panel is: does its order still have to be read?
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) enum PanelState {
    /// Nothing more to read: the order was read, or the thread has none.
    #[default]
    #[serde(rename = "d")]
    Done,
    /// OR11 did not return the order: read it again when the thread changes.
    #[serde(rename = "m")]
    OrderMissing,
    /// The order was not read yet (OR11's minute was not over): read it at the next chance,
    /// changed or not.
    #[serde(rename = "w")]
    OrderWaiting,
}

/// What a thread looked like when it was last emitted. Mirakl changes `date_updated` on any
/// change; the other fields guard against a change that would not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ThreadMark {
    /// `date_updated`, Unix milliseconds (0 when absent).
    #[serde(rename = "u")]
    pub updated: i64,
    /// `metadata.last_message_date`, Unix milliseconds (0 when absent).
    #[serde(rename = "l")]
    pub last_message: i64,
    /// Messages stored for it: `metadata.total_count` when it was emitted whole.
    #[serde(rename = "n")]
    pub messages: i64,
    /// `metadata.shop_reply_needed_since`, Unix milliseconds (0 when the shop has replied).
    #[serde(rename = "r")]
    pub reply_needed_since: i64,
    /// Whether its order still has to be read.
    #[serde(rename = "p", default)]
    pub panel: PanelState,
}

fn millis(date: Option<DateTime<Utc>>) -> i64 {
    date.map_or(0, |d| d.timestamp_millis())
}

impl ThreadMark {
    /// The mark of `thread` emitted with `messages` messages stored and its panel at `panel`.
    pub fn of(thread: &Thread, messages: i64, panel: PanelState) -> Self {
        Self {
            updated: millis(thread.date_updated),
            last_message: millis(thread.metadata.last_message_date),
            messages,
            reply_needed_since: millis(thread.metadata.shop_reply_needed_since),
            panel,
        }
    }

    /// Whether `thread` is as it was when this mark was taken.
    pub fn unchanged(&self, thread: &Thread) -> bool {
        self.updated == millis(thread.date_updated)
            && self.last_message == millis(thread.metadata.last_message_date)
            && self.reply_needed_since == millis(thread.metadata.shop_reply_needed_since)
            && thread
                .metadata
                .total_count
                .is_none_or(|total| total == self.messages)
    }

    /// `date_updated` as a time.
    pub fn updated_at(&self) -> Option<DateTime<Utc>> {
        DateTime::from_timestamp_millis(self.updated)
    }
}

impl EmpikPosition {
    /// The stored position: JSON, a bare RFC 3339 watermark (older versions), or nothing.
    pub fn decode(position: Option<&str>) -> Self {
        let Some(raw) = position.map(str::trim).filter(|p| !p.is_empty()) else {
            return Self::default();
        };
        if let Ok(watermark) = DateTime::parse_from_rfc3339(raw) {
            return Self {
                watermark: Some(watermark.with_timezone(&Utc)),
                ..Self::default()
            };
        }
        serde_json::from_str(raw).unwrap_or_else(|error| {
            tracing::warn!(channel = "empik_threads", %error, "unreadable cursor position; starting over");
            Self::default()
        })
    }

    /// The JSON to store.
    pub fn encode(&mut self) -> String {
        self.v = VERSION;
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The oldest `date_updated` of a thread whose order waits to be read: the next listing
    /// must reach back to it.
    pub fn oldest_waiting(&self) -> Option<DateTime<Utc>> {
        self.threads
            .values()
            .filter(|mark| mark.panel == PanelState::OrderWaiting)
            .filter_map(ThreadMark::updated_at)
            .min()
    }

    /// After a poll that listed `listed`: a thread waiting for its order that was not listed
    /// although the listing reached back to it is gone, so it waits no more (the listing stops
    /// reaching back for it). Then forgets threads neither listed, nor waiting, nor updated
    /// within [`KEEP_MARKS`] before the watermark, and the least recently updated beyond the
    /// cap (a forgotten thread that wakes up is read as new: its order and, if long, M10).
    pub fn prune(&mut self, listed: &HashSet<String>) {
        for (id, mark) in &mut self.threads {
            if mark.panel == PanelState::OrderWaiting && !listed.contains(id) {
                mark.panel = PanelState::OrderMissing;
            }
        }
        let Some(watermark) = self.watermark else {
            return;
        };
        let oldest = (watermark - KEEP_MARKS).timestamp_millis();
        self.threads.retain(|id, mark| {
            listed.contains(id) || mark.panel == PanelState::OrderWaiting || mark.updated >= oldest
        });
        if self.threads.len() > MAX_KNOWN_THREADS {
            let mut ranked: Vec<(bool, i64, String)> = self
                .threads
                .iter()
                .map(|(id, mark)| {
                    (
                        mark.panel == PanelState::OrderWaiting,
                        mark.updated,
                        id.clone(),
                    )
                })
                .collect();
            ranked.sort_unstable_by(|a, b| b.cmp(a));
            // A thread listed by this poll keeps its mark whatever the cap: the next poll lists
            // it again (the overlap before the watermark), and without its mark would import it
            // again as new, every poll, for as long as more than the cap changed at once.
            for (_, _, id) in ranked.into_iter().skip(MAX_KNOWN_THREADS) {
                if !listed.contains(&id) {
                    self.threads.remove(&id);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thread(updated: &str, count: i64, reply: Option<&str>) -> Thread {
        serde_json::from_value(serde_json::json!({
            "id": "t",
            "date_updated": updated,
            "metadata": {"last_message_date": updated, "total_count": count,
                         "shop_reply_needed_since": reply}
        }))
        .expect("thread")
    }

    #[test]
    fn marks_notice_new_messages_replies_and_updates() {
        let base = thread(
            "2026-11-01T10:00:00.000Z",
            3,
            Some("2026-11-01T10:00:00.000Z"),
        );
        let mark = ThreadMark::of(&base, 3, PanelState::Done);
        assert!(mark.unchanged(&base));
        for changed in [
            thread(
                "2026-11-01T10:00:00.001Z",
                3,
                Some("2026-11-01T10:00:00.000Z"),
            ),
            thread(
                "2026-11-01T10:00:00.000Z",
                4,
                Some("2026-11-01T10:00:00.000Z"),
            ),
            thread("2026-11-01T10:00:00.000Z", 3, None),
        ] {
            assert!(!mark.unchanged(&changed), "{changed:?}");
        }
    }

    #[test]
    fn positions_round_trip_and_read_the_old_bare_watermark() {
        let mut position = EmpikPosition {
            watermark: Some(Utc::now()),
            orders_read_at: Some(Utc::now()),
            reasons: Some(ReasonLabels {
                read_at: Utc::now(),
                labels: BTreeMap::from([("23".into(), "Nie otrzymałem produktu".into())]),
            }),
            ..EmpikPosition::default()
        };
        position.threads.insert(
            "t".into(),
            ThreadMark::of(
                &thread("2026-11-01T10:00:00Z", 1, None),
                1,
                PanelState::OrderWaiting,
            ),
        );
        let json = position.encode();
        assert_eq!(EmpikPosition::decode(Some(&json)), position);
        let old = EmpikPosition::decode(Some("2026-11-01T10:00:00+00:00"));
        assert_eq!(
            old.watermark.map(|w| w.to_rfc3339()),
            Some("2026-11-01T10:00:00+00:00".into())
        );
        assert!(old.threads.is_empty());
        assert_eq!(
            EmpikPosition::decode(Some("{broken")),
            EmpikPosition::default()
        );
        assert_eq!(EmpikPosition::decode(None), EmpikPosition::default());
    }

    #[test]
    fn pruning_keeps_listed_waiting_and_recent_threads_within_the_cap() {
        let watermark = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let mut position = EmpikPosition {
            watermark: Some(watermark),
            ..EmpikPosition::default()
        };
        let old = thread("2026-01-01T00:00:00Z", 1, None);
        let recent = thread("2026-11-20T00:00:00Z", 1, None);
        for (id, t, panel) in [
            ("listed_old", &old, PanelState::Done),
            ("quiet_old", &old, PanelState::Done),
            ("waiting_old", &old, PanelState::OrderWaiting),
            ("recent", &recent, PanelState::Done),
        ] {
            position
                .threads
                .insert(id.into(), ThreadMark::of(t, 1, panel));
        }
        assert_eq!(
            position.oldest_waiting(),
            Some(old.date_updated.expect("date"))
        );
        position.prune(&HashSet::from([
            "listed_old".to_owned(),
            "waiting_old".to_owned(),
        ]));
        let kept: Vec<&str> = position.threads.keys().map(String::as_str).collect();
        assert_eq!(kept, ["listed_old", "recent", "waiting_old"]);

        for n in 0..(MAX_KNOWN_THREADS + 5) {
            let mut mark = ThreadMark::of(&recent, 1, PanelState::Done);
            mark.updated += n as i64;
            position.threads.insert(format!("n{n:05}"), mark);
        }
        position.prune(&HashSet::from(["waiting_old".to_owned()]));
        assert_eq!(position.threads.len(), MAX_KNOWN_THREADS);
        assert!(
            position.threads.contains_key("waiting_old"),
            "waiting first"
        );
        assert!(
            !position.threads.contains_key("n00000"),
            "least recent dropped"
        );

        // More threads listed by one poll than the cap: every listed one keeps its mark.
        let listed: HashSet<String> = (0..(MAX_KNOWN_THREADS + 5))
            .map(|n| format!("n{n:05}"))
            .collect();
        for id in &listed {
            let mut mark = ThreadMark::of(&recent, 1, PanelState::Done);
            mark.updated -= 1;
            position.threads.insert(id.clone(), mark);
        }
        position.prune(&listed);
        assert!(listed.iter().all(|id| position.threads.contains_key(id)));
        position.prune(&HashSet::from(["waiting_old".to_owned()]));
        assert_eq!(position.threads.len(), MAX_KNOWN_THREADS);

        // Not listed although the listing reached back to it: gone, it waits no more.
        position.prune(&HashSet::new());
        assert_eq!(position.oldest_waiting(), None);
        assert!(!position.threads.contains_key("waiting_old"));
    }
}
