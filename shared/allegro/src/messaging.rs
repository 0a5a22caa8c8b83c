//! Message Center `/messaging` in the beta.v1 representation (scope `allegro:api:messaging`):
//! threads (cursor paging with `page.id`, filters), one thread, its messages (cursor paging),
//! replying, marking read, and attachments (declare → PUT the bytes → reference the id).

mod model;

pub use model::{
    AdditionalInformation, AttachmentStatus, Message, MessageAttachment, MessageAuthor,
    MessageAuthorRole, MessageKind, MessageStatus, Participant, ParticipantRole, RelatesTo, Thread,
    ThreadOrder, ThreadOrderOffer, ThreadStatus, ThreadSubType, ThreadType,
};

use crate::attachments::IdBody;
use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Call, Media, Retry};
use crate::lenient::sort_by_time;
use crate::models::IdRef;
use crate::token::AccessToken;
use chrono::{DateTime, Utc};
use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// Largest `limit` of the thread and message lists.
pub const MESSAGING_MAX_LIMIT: u32 = 20;
/// Longest Message Center text, in characters.
pub const THREAD_TEXT_MAX_CHARS: usize = 2_000;
/// Most pages the helpers that read several pages follow (a guard against endless paging).
const MAX_PAGES: u32 = 500;

/// Filters of `GET /messaging/threads`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadFilter {
    /// Only read (`true`) or unread (`false`) threads.
    pub read: Option<bool>,
    /// Only open or closed threads.
    pub status: Option<ThreadStatus>,
    /// Only purchase-problem threads of this order.
    pub order_id: Option<String>,
    /// Only this type (the `type` filter, added 2026-09-15).
    pub thread_type: Option<ThreadType>,
}

/// One page of threads, newest last message first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ThreadPage {
    /// The threads.
    pub threads: Vec<Thread>,
    /// The `page.id` of the next page; `None` on the last page.
    pub next_page: Option<String>,
}

/// One page of a thread's messages, newest first as Allegro sends them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessagePage {
    /// The messages.
    pub messages: Vec<Message>,
    /// The `page.id` of the next (older) page; `None` on the last page.
    pub next_page: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct ThreadsList {
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    threads: Vec<Thread>,
    next_page: Option<IdRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
struct MessagesList {
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    messages: Vec<Message>,
    next_page: Option<IdRef>,
}

#[derive(Debug, Serialize)]
struct NewMessageInThread<'a> {
    text: &'a str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attachments: Vec<IdRef>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ReadFlag {
    read: Option<bool>,
}

impl AllegroClient {
    /// One page of `GET /messaging/threads`; `limit` is clamped to 1–20, `page_id` is the
    /// previous page's [`ThreadPage::next_page`].
    pub async fn list_threads(
        &self,
        token: &AccessToken,
        filter: &ThreadFilter,
        limit: u32,
        page_id: Option<&str>,
    ) -> Result<ThreadPage, AllegroError> {
        let mut url = self.http().api_url(&["messaging", "threads"])?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("limit", &limit.clamp(1, MESSAGING_MAX_LIMIT).to_string());
            if let Some(page_id) = page_id {
                query.append_pair("page.id", page_id);
            }
            if let Some(read) = filter.read {
                query.append_pair("read", if read { "true" } else { "false" });
            }
            if let Some(status) = &filter.status {
                query.append_pair("status", status.as_str());
            }
            if let Some(order_id) = &filter.order_id {
                query.append_pair("orderId", order_id);
            }
            if let Some(thread_type) = &filter.thread_type {
                query.append_pair("type", thread_type.as_str());
            }
        }
        let list: ThreadsList = self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Beta, token))
            .await?;
        Ok(ThreadPage {
            threads: list.threads,
            next_page: next_page(list.next_page),
        })
    }

    /// Threads whose last message is at or after `since` (all threads when `None`), following
    /// the cursor until the listing (newest first) passes `since`.
    pub async fn threads_changed_since(
        &self,
        token: &AccessToken,
        filter: &ThreadFilter,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Thread>, AllegroError> {
        let is_recent = |thread: &Thread| match (since, last_message_at(thread)) {
            (Some(since), Some(at)) => at >= since,
            _ => true,
        };
        let mut found = Vec::new();
        let mut page_id: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .list_threads(token, filter, MESSAGING_MAX_LIMIT, page_id.as_deref())
                .await?;
            let passed = page.threads.iter().any(|t| !is_recent(t));
            found.extend(page.threads.into_iter().filter(is_recent));
            match page.next_page {
                Some(next) if !passed && Some(&next) != page_id.as_ref() => page_id = Some(next),
                _ => break,
            }
        }
        Ok(found)
    }

    /// `GET /messaging/threads/{threadId}`.
    pub async fn thread(
        &self,
        token: &AccessToken,
        thread_id: &str,
    ) -> Result<Thread, AllegroError> {
        let url = self.http().api_url(&["messaging", "threads", thread_id])?;
        self.http()
            .call_json(&Call::api(Method::GET, url, Media::Beta, token))
            .await
    }

    /// One page of a thread's messages (newest first, as sent); `limit` is clamped to 1–20.
    pub async fn list_thread_messages(
        &self,
        token: &AccessToken,
        thread_id: &str,
        limit: u32,
        page_id: Option<&str>,
    ) -> Result<MessagePage, AllegroError> {
        let mut url = self
            .http()
            .api_url(&["messaging", "threads", thread_id, "messages"])?;
        {
            let mut query = url.query_pairs_mut();
            query.append_pair("limit", &limit.clamp(1, MESSAGING_MAX_LIMIT).to_string());
            if let Some(page_id) = page_id {
                query.append_pair("page.id", page_id);
            }
        }
        let list: MessagesList = self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Beta, token))
            .await?;
        Ok(MessagePage {
            messages: list.messages,
            next_page: next_page(list.next_page),
        })
    }

    /// A thread's messages written at or after `since` (all when `None`), oldest first,
    /// following the cursor until the listing (newest first) passes `since`.
    pub async fn thread_messages_since(
        &self,
        token: &AccessToken,
        thread_id: &str,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Message>, AllegroError> {
        let is_recent = |message: &Message| {
            let at = message.created_at.as_ref().and_then(|t| t.as_datetime());
            match (since, at) {
                (Some(since), Some(at)) => at >= since,
                _ => true,
            }
        };
        let mut found: Vec<Message> = Vec::new();
        let mut page_id: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let page = self
                .list_thread_messages(token, thread_id, MESSAGING_MAX_LIMIT, page_id.as_deref())
                .await?;
            let passed = page.messages.iter().any(|m| !is_recent(m));
            for message in page.messages.into_iter().filter(is_recent) {
                if message.id.is_empty() || !found.iter().any(|m| m.id == message.id) {
                    found.push(message);
                }
            }
            match page.next_page {
                Some(next) if !passed && Some(&next) != page_id.as_ref() => page_id = Some(next),
                _ => break,
            }
        }
        sort_by_time(&mut found, |m| {
            m.created_at.as_ref().and_then(|t| t.as_datetime())
        });
        Ok(found)
    }

    /// `POST /messaging/threads/{threadId}/messages`. A closed purchase-problem thread answers
    /// [`AllegroError::Validation`] with code `THREAD_CLOSED`. Not retried once sent.
    pub async fn post_thread_message(
        &self,
        token: &AccessToken,
        thread_id: &str,
        text: &str,
        attachment_ids: &[String],
    ) -> Result<Message, AllegroError> {
        let url = self
            .http()
            .api_url(&["messaging", "threads", thread_id, "messages"])?;
        let body = NewMessageInThread {
            text,
            attachments: attachment_ids
                .iter()
                .map(|id| IdRef {
                    id: Some(id.clone()),
                })
                .collect(),
        };
        let call = Call::api(Method::POST, url, Media::Beta, token).json(&body)?;
        self.http().call_json(&call).await
    }

    /// `PUT /messaging/threads/{threadId}/read`; the flag as Allegro confirms it.
    pub async fn mark_thread_read(
        &self,
        token: &AccessToken,
        thread_id: &str,
        read: bool,
    ) -> Result<bool, AllegroError> {
        let url = self
            .http()
            .api_url(&["messaging", "threads", thread_id, "read"])?;
        let call =
            Call::api(Method::PUT, url, Media::Beta, token).json(&json!({ "read": read }))?;
        let flag: ReadFlag = self.http().call_json(&call).await?;
        Ok(flag.read.unwrap_or(read))
    }

    /// `POST /messaging/message-attachments`: declares a file (at most 5 MiB); its id.
    pub async fn declare_message_attachment(
        &self,
        token: &AccessToken,
        file_name: &str,
        size: u64,
    ) -> Result<String, AllegroError> {
        let url = self.http().api_url(&["messaging", "message-attachments"])?;
        // Lower-case `filename` here, unlike the issues API.
        let call = Call::api(Method::POST, url, Media::Beta, token)
            .json(&json!({ "filename": file_name, "size": size }))?
            .retry(Retry::Safe);
        let raw = self.http().call(&call).await?;
        let body: IdBody = crate::http::decode(&raw)?;
        body.id.ok_or_else(|| AllegroError::Decode {
            message: "the attachment declaration has no id".into(),
            trace_id: raw.trace_id(),
        })
    }

    /// Declares and uploads (`PUT /messaging/message-attachments/{id}`) a Message Center
    /// attachment; the id to pass to [`AllegroClient::post_thread_message`].
    pub async fn upload_message_attachment(
        &self,
        token: &AccessToken,
        file_name: &str,
        content_type: &str,
        data: Vec<u8>,
    ) -> Result<String, AllegroError> {
        let id = self
            .declare_message_attachment(token, file_name, data.len() as u64)
            .await?;
        let url = self
            .http()
            .api_url(&["messaging", "message-attachments", &id])?;
        let uploaded = self
            .put_attachment_bytes(token, url, content_type, data)
            .await?;
        Ok(uploaded.unwrap_or(id))
    }
}

fn next_page(next: Option<IdRef>) -> Option<String> {
    next.and_then(|n| n.id).filter(|id| !id.is_empty())
}

fn last_message_at(thread: &Thread) -> Option<DateTime<Utc>> {
    thread
        .last_message_date_time
        .as_ref()
        .and_then(|t| t.as_datetime())
}
