//! M11 (list threads, seek-paginated) and M10 (one thread with all its messages).

use crate::client::MiraklClient;
use crate::error::{MiraklError, MiraklResult};
use crate::http::Call;
use crate::lenient;
use crate::thread_model::{Thread, ENTITY_ORDER};
use chrono::{DateTime, FixedOffset, SecondsFormat, TimeZone};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Largest M11 page.
pub const MAX_THREAD_LIMIT: u32 = 100;
/// Most messages M11 carries per thread (its newest); M10 reads the whole thread.
pub const LISTED_MESSAGES_MAX: usize = 100;

/// Filters of an M11 listing (the first page; later pages only send the token).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadQuery {
    /// Threads modified at or after this time (inclusive).
    pub updated_since: Option<DateTime<FixedOffset>>,
    /// Entity type filter, e.g. `MMP_ORDER`.
    pub entity_type: Option<String>,
    /// Entity ids (need `entity_type`).
    pub entity_ids: Vec<String>,
    /// Only order threads of these channels.
    pub channel_codes: Vec<String>,
    /// Include messages (the last 100 per thread).
    pub with_messages: bool,
    /// Page size, 1..=100 (Mirakl's default is 50).
    pub limit: Option<u32>,
}

impl ThreadQuery {
    /// No filter: every thread, without messages, Mirakl's default page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only threads modified at or after `since` (any time zone; sent with its offset).
    pub fn updated_since<Tz: TimeZone>(mut self, since: DateTime<Tz>) -> Self {
        self.updated_since = Some(since.fixed_offset());
        self
    }

    /// Only the threads of these orders (`entity_type=MMP_ORDER&entity_id=...`).
    pub fn orders<I, S>(mut self, order_ids: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.entity_type = Some(ENTITY_ORDER.to_owned());
        self.entity_ids = order_ids.into_iter().map(Into::into).collect();
        self
    }

    /// Only threads about entities of `entity_type` (e.g. `MMP_ORDER`).
    pub fn entity_type(mut self, entity_type: impl Into<String>) -> Self {
        self.entity_type = Some(entity_type.into());
        self
    }

    /// Only order threads of these sales channels.
    pub fn channel_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.channel_codes = codes.into_iter().map(Into::into).collect();
        self
    }

    /// Include each thread's last 100 messages.
    pub fn with_messages(mut self, with_messages: bool) -> Self {
        self.with_messages = with_messages;
        self
    }

    /// Page size (1..=100).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Refuses what Mirakl would answer 400 to.
    fn check(&self) -> MiraklResult<()> {
        if let Some(limit) = self.limit {
            if !(1..=MAX_THREAD_LIMIT).contains(&limit) {
                return Err(MiraklError::invalid(format!(
                    "thread page limit must be 1..={MAX_THREAD_LIMIT}, not {limit}"
                )));
            }
        }
        if !self.entity_ids.is_empty() && self.entity_type.is_none() {
            return Err(MiraklError::invalid(
                "entity ids need an entity type (Mirakl answers 400 otherwise)",
            ));
        }
        Ok(())
    }

    fn call(&self) -> MiraklResult<Call> {
        self.check()?;
        let mut call = Call::get(LIST, &["inbox", "threads"]);
        if let Some(since) = &self.updated_since {
            call = call.query("updated_since", format_date(since));
        }
        if let Some(entity_type) = &self.entity_type {
            call = call.query("entity_type", entity_type.clone());
        }
        if !self.entity_ids.is_empty() {
            call = call.query("entity_id", self.entity_ids.join(","));
        }
        if !self.channel_codes.is_empty() {
            call = call.query("channel_codes", self.channel_codes.join(","));
        }
        if self.with_messages {
            call = call.query("with_messages", "true");
        }
        if let Some(limit) = self.limit {
            call = call.query("limit", limit.to_string());
        }
        Ok(call)
    }
}

/// `2019-08-29T02:34:00.000+02:00`: RFC 3339 with milliseconds and the offset (`+00:00`
/// for UTC), as Mirakl's input pattern documents.
pub fn format_date(date: &DateTime<FixedOffset>) -> String {
    date.to_rfc3339_opts(SecondsFormat::Millis, false)
}

/// One M11 page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ThreadPage {
    /// The threads, newest change first by Mirakl's default sort.
    #[serde(rename = "data", default, deserialize_with = "lenient::null_default")]
    pub threads: Vec<Thread>,
    /// Token of the next page; `None` on the last page.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub next_page_token: Option<String>,
    /// Token of the previous page; `None` on the first page.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub previous_page_token: Option<String>,
}

const LIST: &str = "M11 list threads";
const GET: &str = "M10 get thread";

impl MiraklClient {
    /// M11: the first page of threads matching `query`.
    pub async fn list_threads(&self, query: &ThreadQuery) -> MiraklResult<ThreadPage> {
        let page: ThreadPage = self.http.json(query.call()?).await?;
        Ok(sorted(page))
    }

    /// M11: the page after `page_token` (only the token is sent; Mirakl ignores other filters).
    pub async fn next_threads(&self, page_token: &str) -> MiraklResult<ThreadPage> {
        if page_token.trim().is_empty() {
            return Err(MiraklError::invalid("empty page token"));
        }
        let call = Call::get(LIST, &["inbox", "threads"]).query("page_token", page_token);
        let page: ThreadPage = self.http.json(call).await?;
        Ok(sorted(page))
    }

    /// Walks M11 page by page from `query` (see [`ThreadPages`]).
    pub fn thread_pages(&self, query: ThreadQuery) -> ThreadPages<'_> {
        ThreadPages {
            client: self,
            state: PagerState::Start(query),
            seen_tokens: HashSet::new(),
            seen_threads: HashSet::new(),
        }
    }

    /// M11: every page matching `query`, each thread once (first occurrence kept).
    pub async fn all_threads(&self, query: &ThreadQuery) -> MiraklResult<Vec<Thread>> {
        let mut pages = self.thread_pages(query.clone());
        let mut threads = Vec::new();
        while let Some(page) = pages.next_page().await? {
            threads.extend(page);
        }
        Ok(threads)
    }

    /// M10: one thread with all its messages (oldest first).
    pub async fn thread(&self, thread_id: &str) -> MiraklResult<Thread> {
        if thread_id.trim().is_empty() {
            return Err(MiraklError::invalid("empty thread id"));
        }
        let mut thread: Thread = self
            .http
            .json(Call::get(GET, &["inbox", "threads", thread_id]))
            .await?;
        if thread.id.trim().is_empty() {
            thread.id = thread_id.to_owned();
        }
        thread.sort_messages();
        Ok(thread)
    }
}

/// Drops threads without an id (unusable) and sorts each thread's messages oldest first.
fn sorted(mut page: ThreadPage) -> ThreadPage {
    let before = page.threads.len();
    page.threads.retain(|t| !t.id.trim().is_empty());
    if page.threads.len() < before {
        tracing::warn!(
            dropped = before - page.threads.len(),
            "M11 listed threads without an id"
        );
    }
    page.threads.iter_mut().for_each(Thread::sort_messages);
    page
}

#[derive(Debug)]
enum PagerState {
    Start(ThreadQuery),
    Next(String),
    Done,
}

/// Page-by-page M11 walk: the first call sends the query, later calls only `page_token`.
/// A thread already returned on an earlier page is left out; a token seen twice ends the walk
/// with a `Decode` error instead of looping.
#[derive(Debug)]
pub struct ThreadPages<'a> {
    client: &'a MiraklClient,
    state: PagerState,
    seen_tokens: HashSet<String>,
    seen_threads: HashSet<String>,
}

impl ThreadPages<'_> {
    /// The next page's threads, or `None` after the last page. After an error the walk can be
    /// resumed by calling again (the failed page is asked for again).
    pub async fn next_page(&mut self) -> MiraklResult<Option<Vec<Thread>>> {
        let page = match &self.state {
            PagerState::Done => return Ok(None),
            PagerState::Start(query) => self.client.list_threads(query).await?,
            PagerState::Next(token) => self.client.next_threads(token).await?,
        };
        let next = match page.next_page_token {
            None => PagerState::Done,
            Some(token) if self.seen_tokens.insert(token.clone()) => PagerState::Next(token),
            Some(_) => {
                self.state = PagerState::Done;
                return Err(MiraklError::decode(
                    LIST,
                    "the same next_page_token came back twice",
                ));
            }
        };
        self.state = next;
        let fresh = page
            .threads
            .into_iter()
            .filter(|t| self.seen_threads.insert(t.id.clone()))
            .collect();
        Ok(Some(fresh))
    }

    /// The token of the page `next_page` will fetch, if past the first (to resume later).
    pub fn pending_token(&self) -> Option<&str> {
        match &self.state {
            PagerState::Next(token) => Some(token),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Utc;

    #[test]
    fn dates_are_sent_with_millis_and_offset() {
        let utc = Utc
            .with_ymd_and_hms(2019, 8, 29, 0, 34, 0)
            .single()
            .expect("date");
        assert_eq!(
            format_date(&utc.fixed_offset()),
            "2019-08-29T00:34:00.000+00:00"
        );
        let warsaw = FixedOffset::east_opt(2 * 3600).expect("offset");
        assert_eq!(
            format_date(&utc.with_timezone(&warsaw)),
            "2019-08-29T02:34:00.000+02:00"
        );
    }

    #[test]
    fn queries_are_checked_and_encoded() {
        assert!(ThreadQuery::new().limit(0).call().is_err());
        assert!(ThreadQuery::new().limit(101).call().is_err());
        let orphan_ids = ThreadQuery {
            entity_ids: vec!["x".into()],
            ..ThreadQuery::default()
        };
        assert!(orphan_ids.call().is_err());
        let call = ThreadQuery::new()
            .orders(["1-A", "2-A"])
            .channel_codes(["PL"])
            .with_messages(true)
            .limit(100)
            .call()
            .expect("valid");
        let pairs: Vec<(&str, &str)> = call.query.iter().map(|(k, v)| (*k, v.as_str())).collect();
        assert_eq!(
            pairs,
            vec![
                ("entity_type", "MMP_ORDER"),
                ("entity_id", "1-A,2-A"),
                ("channel_codes", "PL"),
                ("with_messages", "true"),
                ("limit", "100"),
            ]
        );
    }
}
