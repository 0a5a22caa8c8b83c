//! `/sale/issues` (beta.v1, scope `allegro:api:disputes`): disputes and claims — list with
//! filters and offset paging, read one, read the chat (sorted oldest first on the client),
//! post a message (`REGULAR` / `END_REQUEST`), and upload an attachment (declare → PUT to the
//! `Location` → reference the id).

mod model;

pub use model::{
    ChatAuthor, ChatMessage, ChatSummary, ClaimReason, ClaimRight, CurrentState, Expectation,
    ExpectationName, Issue, IssueAttachment, IssueAuthorRole, IssueBuyer, IssueCheckoutForm,
    IssueMessageType, IssueOffer, IssueStatus, IssueType, LastMessage, LastMessageStatus,
    NewIssueMessage,
};

use crate::attachments::IdBody;
use crate::client::AllegroClient;
use crate::error::AllegroError;
use crate::http::{Call, Media, Retry};
use crate::lenient::sort_by_time;
use crate::token::AccessToken;
use chrono::{DateTime, Utc};
use model::MessageRequest;
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use url::Url;

/// Largest `limit` of the issue list and the chat.
pub const ISSUES_MAX_LIMIT: u32 = 100;
/// Longest issue message text, in characters.
pub const ISSUE_TEXT_MAX_CHARS: usize = 20_000;
/// Most pages [`AllegroClient::all_issues`] and [`AllegroClient::full_issue_chat`] read
/// (100 × 100 items), a guard against a server that never stops paging.
const MAX_PAGES: u32 = 100;

/// Filters of `GET /sale/issues`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueFilter {
    /// Only these statuses (all when empty).
    pub statuses: Vec<IssueStatus>,
    /// Only issues of this order (`checkoutForm.id`, a uuid).
    pub checkout_form_id: Option<String>,
}

/// A declared issue attachment, waiting for its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueAttachmentDeclaration {
    /// The attachment id to reference in a message.
    pub id: String,
    /// Where to PUT the bytes (the `Location` header, used verbatim).
    pub upload_url: Url,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct IssueList {
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    issues: Vec<Issue>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct Chat {
    #[serde(deserialize_with = "crate::lenient::null_as_default")]
    chat: Vec<ChatMessage>,
}

impl AllegroClient {
    /// One page of `GET /sale/issues` (newest opened first); `limit` is clamped to 1–100.
    pub async fn list_issues(
        &self,
        token: &AccessToken,
        filter: &IssueFilter,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<Issue>, AllegroError> {
        let mut url = self.http().api_url(&["sale", "issues"])?;
        {
            let mut query = url.query_pairs_mut();
            if let Some(id) = &filter.checkout_form_id {
                query.append_pair("checkoutForm.id", id);
            }
            for status in &filter.statuses {
                query.append_pair("status", status.as_str());
            }
            query
                .append_pair("limit", &limit.clamp(1, ISSUES_MAX_LIMIT).to_string())
                .append_pair("offset", &offset.to_string());
        }
        let list: IssueList = self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Beta, token))
            .await?;
        Ok(list.issues)
    }

    /// Every issue matching the filter, paging by 100. With `opened_since`, paging stops after
    /// a page whose issues were all opened before it (the list is ordered by opened date,
    /// newest first), and only issues opened since then (or without a date) are returned.
    pub async fn all_issues(
        &self,
        token: &AccessToken,
        filter: &IssueFilter,
        opened_since: Option<DateTime<Utc>>,
    ) -> Result<Vec<Issue>, AllegroError> {
        let is_recent = |issue: &Issue| {
            let opened = issue.opened_date.as_ref().and_then(|t| t.as_datetime());
            match (opened_since, opened) {
                (Some(since), Some(opened)) => opened >= since,
                _ => true,
            }
        };
        let mut found = Vec::new();
        let mut offset = 0;
        for _ in 0..MAX_PAGES {
            let page = self
                .list_issues(token, filter, ISSUES_MAX_LIMIT, offset)
                .await?;
            let count = page.len();
            let any_recent = page.iter().any(is_recent);
            found.extend(page.into_iter().filter(is_recent));
            if count < ISSUES_MAX_LIMIT as usize || !any_recent {
                break;
            }
            offset += ISSUES_MAX_LIMIT;
        }
        Ok(found)
    }

    /// `GET /sale/issues/{issueId}`.
    pub async fn issue(&self, token: &AccessToken, issue_id: &str) -> Result<Issue, AllegroError> {
        let url = self.http().api_url(&["sale", "issues", issue_id])?;
        self.http()
            .call_json(&Call::api(Method::GET, url, Media::Beta, token))
            .await
    }

    /// One page of an issue's chat, sorted oldest first on the client (Allegro's order is not
    /// reliable); `limit` is clamped to 1–100.
    pub async fn issue_chat(
        &self,
        token: &AccessToken,
        issue_id: &str,
        limit: u32,
        offset: u32,
    ) -> Result<Vec<ChatMessage>, AllegroError> {
        let mut url = self.http().api_url(&["sale", "issues", issue_id, "chat"])?;
        url.query_pairs_mut()
            .append_pair("limit", &limit.clamp(1, ISSUES_MAX_LIMIT).to_string())
            .append_pair("offset", &offset.to_string());
        let mut chat: Chat = self
            .http()
            .call_json(&Call::api(Method::GET, url, Media::Beta, token))
            .await?;
        sort_chat(&mut chat.chat);
        Ok(chat.chat)
    }

    /// The whole chat of an issue (every page), oldest first, without duplicates.
    pub async fn full_issue_chat(
        &self,
        token: &AccessToken,
        issue_id: &str,
    ) -> Result<Vec<ChatMessage>, AllegroError> {
        let mut messages: Vec<ChatMessage> = Vec::new();
        let mut offset = 0;
        for _ in 0..MAX_PAGES {
            let page = self
                .issue_chat(token, issue_id, ISSUES_MAX_LIMIT, offset)
                .await?;
            let count = page.len();
            for message in page {
                if message.id.is_empty() || !messages.iter().any(|m| m.id == message.id) {
                    messages.push(message);
                }
            }
            if count < ISSUES_MAX_LIMIT as usize {
                break;
            }
            offset += ISSUES_MAX_LIMIT;
        }
        sort_chat(&mut messages);
        Ok(messages)
    }

    /// `POST /sale/issues/{issueId}/message`. A closed dispute answers
    /// [`AllegroError::Conflict`] (`DISPUTE_ALREADY_RESOLVED`); `END_REQUEST` on a claim
    /// answers [`AllegroError::Validation`]. Not retried once sent (it could post twice).
    pub async fn post_issue_message(
        &self,
        token: &AccessToken,
        issue_id: &str,
        message: &NewIssueMessage,
    ) -> Result<ChatMessage, AllegroError> {
        let url = self
            .http()
            .api_url(&["sale", "issues", issue_id, "message"])?;
        let call = Call::api(Method::POST, url, Media::Beta, token)
            .json(&MessageRequest::from(message))?;
        self.http().call_json(&call).await
    }

    /// `POST /sale/issues/attachments`: declares a file (at most 2 MiB).
    pub async fn declare_issue_attachment(
        &self,
        token: &AccessToken,
        file_name: &str,
        size: u64,
    ) -> Result<IssueAttachmentDeclaration, AllegroError> {
        let url = self.http().api_url(&["sale", "issues", "attachments"])?;
        let call = Call::api(Method::POST, url, Media::Beta, token)
            .json(&json!({ "fileName": file_name, "size": size }))?
            // A repeated declaration only leaves an unused one behind.
            .retry(Retry::Safe);
        let raw = self.http().call(&call).await?;
        let body: IdBody = crate::http::decode(&raw)?;
        let id = body.id.ok_or_else(|| AllegroError::Decode {
            message: "the attachment declaration has no id".into(),
            trace_id: raw.trace_id(),
        })?;
        let upload_url = match raw.header("location") {
            Some(location) => self.absolute_url(location)?,
            None => self
                .http()
                .api_url(&["sale", "issues", "attachments", &id])?,
        };
        Ok(IssueAttachmentDeclaration { id, upload_url })
    }

    /// Declares and uploads an issue attachment; the id to put in
    /// [`NewIssueMessage::attachments`].
    pub async fn upload_issue_attachment(
        &self,
        token: &AccessToken,
        file_name: &str,
        content_type: &str,
        data: Vec<u8>,
    ) -> Result<String, AllegroError> {
        let declaration = self
            .declare_issue_attachment(token, file_name, data.len() as u64)
            .await?;
        let id = self
            .put_attachment_bytes(token, declaration.upload_url, content_type, data)
            .await?;
        Ok(id.unwrap_or(declaration.id))
    }
}

/// Oldest first by `createdAt`, stable for equal or missing times.
fn sort_chat(messages: &mut [ChatMessage]) {
    sort_by_time(messages, |m| {
        m.created_at.as_ref().and_then(|t| t.as_datetime())
    });
}
