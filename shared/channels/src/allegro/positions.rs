//! The cursor positions of the two Allegro channels, stored as JSON in `PollCursor.position`.
//!
//! Both remember a small fingerprint per conversation so that an unchanged conversation costs
//! nothing, and both stay bounded so the cursor item stays far below DynamoDB's 400 KB:
//! at most [`MAX_KNOWN_ISSUES`] issues (~90 bytes each) and [`MAX_KNOWN_THREADS`] threads
//! (~110 bytes each), the least recently active dropped first. A position that does not decode
//! (an older format, a hand edit) counts as no position: the next poll imports the sync window
//! again, which ingest absorbs.

use chrono::{DateTime, Duration, Utc};
use marketdesk_allegro::issues::Issue;
use marketdesk_allegro::messaging::Thread;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashSet};

/// Conversations are imported when they changed within this window (the product's sync window).
pub(crate) const SYNC_WINDOW: Duration = Duration::days(30);
/// Most issue fingerprints kept.
pub(crate) const MAX_KNOWN_ISSUES: usize = 2_000;
/// Most thread fingerprints kept.
pub(crate) const MAX_KNOWN_THREADS: usize = 1_000;
/// Format version written into positions.
const VERSION: u32 = 1;

/// Days since the Unix epoch (the granularity of "last seen", so idle positions stay equal).
pub(crate) fn day_number(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(86_400)
}

/// Reads a position, any failure giving the default (with a warning).
fn decode<T: Default + for<'de> Deserialize<'de>>(position: Option<&str>, channel: &str) -> T {
    match position.map(serde_json::from_str::<T>) {
        None => T::default(),
        Some(Ok(decoded)) => decoded,
        Some(Err(error)) => {
            tracing::warn!(channel, %error, "unreadable cursor position; starting over");
            T::default()
        }
    }
}

/// What the issues channel remembers: a fingerprint per imported issue.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IssuesPosition {
    #[serde(default)]
    v: u32,
    /// Fingerprints by issue id.
    #[serde(default)]
    pub issues: BTreeMap<String, IssueMark>,
}

/// One issue's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct IssueMark {
    /// Hash of messages count, last message time, status and `chatActive`.
    #[serde(rename = "f")]
    pub fingerprint: String,
    /// Last activity (last message, else opening), Unix seconds; ranks issues for the cap.
    #[serde(rename = "a", default)]
    pub active_at: i64,
    /// Day (see [`day_number`]) the issue was last listed.
    #[serde(rename = "s", default)]
    pub seen_day: i64,
}

impl IssueMark {
    /// The mark of an issue as listed on `today`.
    pub fn of(issue: &Issue, today: i64) -> Self {
        Self {
            fingerprint: issue_fingerprint(issue),
            active_at: last_activity(issue).map_or(0, |t| t.timestamp()),
            seen_day: today,
        }
    }
}

/// When an issue last changed as far as the list shows: its last message, else its opening.
pub(crate) fn last_activity(issue: &Issue) -> Option<DateTime<Utc>> {
    let last_message = issue
        .chat
        .as_ref()
        .and_then(|c| c.last_message.as_ref())
        .and_then(|m| m.created_at.as_ref())
        .and_then(|t| t.as_datetime());
    let opened = issue.opened_date.as_ref().and_then(|t| t.as_datetime());
    last_message.max(opened)
}

/// What changes when anything happens to an issue: its messages count, last message time,
/// status and `chatActive` (Allegro has no event journal for issues).
pub(crate) fn issue_fingerprint(issue: &Issue) -> String {
    let chat = issue.chat.as_ref();
    let text = format!(
        "{}|{}|{}|{}",
        issue
            .messages_count()
            .map_or_else(|| "-".to_owned(), |c| c.to_string()),
        chat.and_then(|c| c.last_message.as_ref())
            .and_then(|m| m.created_at.as_ref())
            .map_or("-", |t| t.raw()),
        issue.status().map_or("-", |s| s.as_str()),
        issue
            .chat_active()
            .map_or("-", |a| if a { "1" } else { "0" }),
    );
    format!("{:016x}", fnv1a(text.as_bytes()))
}

/// FNV-1a, 64 bit: a hash that stays the same across Rust releases (unlike `DefaultHasher`).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

impl IssuesPosition {
    /// The stored position (empty before the first poll).
    pub fn decode(position: Option<&str>) -> Self {
        decode(position, "allegro_issues")
    }

    /// The JSON to store.
    pub fn encode(&mut self) -> String {
        self.v = VERSION;
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Forgets issues not listed for [`SYNC_WINDOW`], then the least recently active beyond
    /// the cap.
    pub fn prune(&mut self, today: i64) {
        let oldest_day = today - SYNC_WINDOW.num_days();
        self.issues.retain(|_, mark| mark.seen_day >= oldest_day);
        if self.issues.len() > MAX_KNOWN_ISSUES {
            let mut ranked: Vec<(i64, String)> = self
                .issues
                .iter()
                .map(|(id, mark)| (mark.active_at, id.clone()))
                .collect();
            ranked.sort_unstable_by(|a, b| b.cmp(a));
            for (_, id) in ranked.into_iter().skip(MAX_KNOWN_ISSUES) {
                self.issues.remove(&id);
            }
        }
    }
}

/// What the messaging channel remembers: the seller's login, the newest message time seen and
/// a fingerprint per recently seen thread.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ThreadsPosition {
    #[serde(default)]
    v: u32,
    /// The seller's login (tells the sides of `COMMON` threads apart); read once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seller_login: Option<String>,
    /// Newest `lastMessageDateTime` seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub watermark: Option<DateTime<Utc>>,
    /// Fingerprints by thread id.
    #[serde(default)]
    pub threads: BTreeMap<String, ThreadMark>,
}

/// One thread's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct ThreadMark {
    /// `lastMessageDateTime` as sent: also where reading its messages resumes.
    #[serde(rename = "l")]
    pub last: String,
    /// Status as sent.
    #[serde(rename = "s")]
    pub status: String,
}

impl ThreadMark {
    /// The mark of a thread as listed.
    pub fn of(thread: &Thread) -> Self {
        Self {
            last: thread
                .last_message_date_time
                .as_ref()
                .map(|t| t.raw().to_owned())
                .unwrap_or_default(),
            status: thread
                .status
                .as_ref()
                .map(|s| s.as_str().to_owned())
                .unwrap_or_default(),
        }
    }

    /// The last message time, when it parses.
    pub fn last_at(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(self.last.trim())
            .ok()
            .map(|t| t.with_timezone(&Utc))
    }
}

impl ThreadsPosition {
    /// The stored position (empty before the first poll).
    pub fn decode(position: Option<&str>) -> Self {
        decode(position, "allegro_messaging")
    }

    /// The JSON to store.
    pub fn encode(&mut self) -> String {
        self.v = VERSION;
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Forgets threads neither listed in this poll nor active within [`SYNC_WINDOW`], then the
    /// least recently active beyond the cap (a forgotten thread that wakes up is read whole).
    pub fn prune(&mut self, listed: &HashSet<String>, now: DateTime<Utc>) {
        let oldest = now - SYNC_WINDOW;
        self.threads
            .retain(|id, mark| listed.contains(id) || mark.last_at().is_none_or(|at| at >= oldest));
        if self.threads.len() > MAX_KNOWN_THREADS {
            let mut ranked: Vec<(Option<DateTime<Utc>>, String)> = self
                .threads
                .iter()
                .map(|(id, mark)| (mark.last_at(), id.clone()))
                .collect();
            ranked.sort_unstable_by(|a, b| b.cmp(a));
            for (_, id) in ranked.into_iter().skip(MAX_KNOWN_THREADS) {
                self.threads.remove(&id);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(json: &str) -> Issue {
        serde_json::from_str(json).expect("issue")
    }

    #[test]
    fn issue_fingerprints_change_with_messages_status_and_chat_state() {
        let base = r#"{"id":"i","currentState":{"status":"DISPUTE_ONGOING","chatActive":true},
            "chat":{"messagesCount":2,"lastMessage":{"status":"NEW","createdAt":"2026-11-01T10:00:00Z"}}}"#;
        let same = issue(base);
        assert_eq!(issue_fingerprint(&same), issue_fingerprint(&issue(base)));
        assert_eq!(issue_fingerprint(&same).len(), 16);
        for changed in [
            base.replace("\"messagesCount\":2", "\"messagesCount\":3"),
            base.replace("10:00:00Z", "11:00:00Z"),
            base.replace("DISPUTE_ONGOING", "DISPUTE_CLOSED"),
            base.replace("\"chatActive\":true", "\"chatActive\":false"),
        ] {
            assert_ne!(
                issue_fingerprint(&same),
                issue_fingerprint(&issue(&changed))
            );
        }
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325, "a stable hash");
    }

    #[test]
    fn issue_positions_round_trip_and_forget_what_went_quiet() {
        let mut position = IssuesPosition::default();
        for (id, seen, active) in [("old", 100, 5), ("fresh", 140, 7), ("edge", 110, 6)] {
            position.issues.insert(
                id.into(),
                IssueMark {
                    fingerprint: "f".into(),
                    active_at: active,
                    seen_day: seen,
                },
            );
        }
        position.prune(140);
        let kept: Vec<&str> = position.issues.keys().map(String::as_str).collect();
        assert_eq!(kept, ["edge", "fresh"]);
        let json = position.encode();
        assert_eq!(IssuesPosition::decode(Some(&json)), position);
        assert_eq!(
            IssuesPosition::decode(Some("2026-01-01T00:00:00Z")),
            IssuesPosition::default()
        );
        assert_eq!(IssuesPosition::decode(None), IssuesPosition::default());
    }

    #[test]
    fn issue_positions_are_capped_by_recent_activity() {
        let mut position = IssuesPosition::default();
        for n in 0..(MAX_KNOWN_ISSUES + 5) {
            position.issues.insert(
                format!("i{n}"),
                IssueMark {
                    fingerprint: "f".into(),
                    active_at: n as i64,
                    seen_day: 10,
                },
            );
        }
        position.prune(10);
        assert_eq!(position.issues.len(), MAX_KNOWN_ISSUES);
        assert!(!position.issues.contains_key("i0"));
        assert!(position
            .issues
            .contains_key(&format!("i{}", MAX_KNOWN_ISSUES + 4)));
    }

    #[test]
    fn thread_positions_keep_listed_and_recent_threads() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T00:00:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let mut position = ThreadsPosition {
            seller_login: Some("sklep".into()),
            watermark: Some(now),
            ..ThreadsPosition::default()
        };
        for (id, last) in [
            ("listed_old", "2026-01-01T00:00:00Z"),
            ("quiet_old", "2026-01-01T00:00:00Z"),
            ("recent", "2026-11-20T00:00:00Z"),
        ] {
            position.threads.insert(
                id.into(),
                ThreadMark {
                    last: last.into(),
                    status: "OPEN".into(),
                },
            );
        }
        position.prune(&HashSet::from(["listed_old".to_owned()]), now);
        let kept: Vec<&str> = position.threads.keys().map(String::as_str).collect();
        assert_eq!(kept, ["listed_old", "recent"]);
        let json = position.encode();
        assert_eq!(ThreadsPosition::decode(Some(&json)), position);
        assert!(json.contains("\"seller_login\":\"sklep\""));
    }
}
