//! The one place that sends requests: builds the URL (`/api/...` plus `shop_id`), sets the raw
//! key in `Authorization` and `Accept`, retries what may be retried, and turns failures into
//! [`MiraklError`]s with the key scrubbed from every message.

use crate::config::{MiraklConfig, RetryPolicy};
use crate::error::{MiraklError, MiraklResult};
use chrono::{DateTime, NaiveDateTime, Utc};
use reqwest::header::{HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, RETRY_AFTER};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode, Url};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use std::time::Duration;

/// `Accept` of the JSON endpoints.
pub(crate) const JSON: &str = "application/json";
/// Longest error text kept from a non-JSON error body.
const MAX_ERROR_TEXT: usize = 300;
/// Longest connect phase, whatever the overall timeout.
const MAX_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);

/// One part of a `multipart/form-data` body (kept owned so every attempt can rebuild it).
#[derive(Debug, Clone)]
pub(crate) struct FormPart {
    /// Part name (`message_input`, `files`).
    pub name: &'static str,
    /// Content.
    pub data: Vec<u8>,
    /// `filename` of the part, for files.
    pub file_name: Option<String>,
    /// The part's `Content-Type`.
    pub content_type: String,
}

/// One call to the seller API.
#[derive(Debug, Clone)]
pub(crate) struct Call {
    /// HTTP method.
    pub method: Method,
    /// Path segments after `/api` (each percent-encoded as one segment).
    pub path: Vec<String>,
    /// Query pairs (form-encoded; `shop_id` is added by the client).
    pub query: Vec<(&'static str, String)>,
    /// Multipart parts, if the call has a body.
    pub multipart: Option<Vec<FormPart>>,
    /// `Accept` header.
    pub accept: &'static str,
    /// Name of the call in error messages, e.g. `M11 list threads`.
    pub context: &'static str,
}

impl Call {
    /// A GET of `path` below `/api` expecting JSON.
    pub fn get(context: &'static str, path: &[&str]) -> Self {
        Self {
            method: Method::GET,
            path: path.iter().map(|s| (*s).to_owned()).collect(),
            query: Vec::new(),
            multipart: None,
            accept: JSON,
            context,
        }
    }

    /// Adds a query pair.
    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.query.push((name, value.into()));
        self
    }

    /// GET and HEAD may be repeated freely; a POST may have taken effect before it failed.
    fn idempotent(&self) -> bool {
        self.method == Method::GET || self.method == Method::HEAD
    }
}

/// A successful (2xx) answer, body read in full.
#[derive(Debug)]
pub(crate) struct Answer {
    /// Response headers.
    pub headers: HeaderMap,
    /// Response body.
    pub body: Vec<u8>,
}

/// A 2xx answer: read whole, or (for streamed downloads) left open.
pub(crate) enum Reply {
    /// Body read in full.
    Read(Answer),
    /// Body not read yet.
    Open(reqwest::Response),
}

/// What one attempt produced, before the retry decision.
enum Attempt {
    Done(Reply),
    Failed {
        error: MiraklError,
        /// Wait this long and try again (if attempts remain).
        retry_in: Option<Duration>,
    },
}

/// The configured HTTP side of a client.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    base: Url,
    auth: HeaderValue,
    key: SecretString,
    shop_id: Option<i64>,
    retry: RetryPolicy,
    max_answer_bytes: u64,
    gate: Option<std::sync::Arc<dyn crate::ShopGate>>,
}

impl Http {
    /// Checks the configuration and builds the HTTP client.
    pub fn new(config: &MiraklConfig) -> MiraklResult<Self> {
        let raw_base = config.normalized_base_url();
        let base = Url::parse(&raw_base).map_err(|e| MiraklError::Config {
            message: format!("base URL '{raw_base}' is not a URL: {e}"),
        })?;
        if base.cannot_be_a_base() || !matches!(base.scheme(), "http" | "https") {
            return Err(MiraklError::Config {
                message: format!("base URL '{raw_base}' must be an http(s) URL"),
            });
        }
        let key = config.api_key.expose_secret().trim();
        if key.is_empty() {
            return Err(MiraklError::Config {
                message: "the API key is empty".into(),
            });
        }
        let mut auth = HeaderValue::from_str(key).map_err(|_| MiraklError::Config {
            message: "the API key contains characters not allowed in an HTTP header".into(),
        })?;
        auth.set_sensitive(true);
        let client = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(MAX_CONNECT_TIMEOUT))
            .user_agent(config.user_agent.clone())
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| MiraklError::Config {
                message: format!("cannot build the HTTP client: {e}"),
            })?;
        Ok(Self {
            client,
            base,
            auth,
            key: SecretString::from(key.to_owned()),
            shop_id: config.shop_id,
            retry: config.retry.clone(),
            max_answer_bytes: config.max_answer_bytes,
            gate: config.gate.clone(),
        })
    }

    /// The full URL of `call`: base, `/api`, the encoded segments, the query and `shop_id`.
    pub fn url(&self, call: &Call) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().push("api");
            for segment in &call.path {
                segments.push(segment);
            }
        }
        {
            let mut pairs = url.query_pairs_mut();
            for (name, value) in &call.query {
                pairs.append_pair(name, value);
            }
            if let Some(shop_id) = self.shop_id {
                pairs.append_pair("shop_id", &shop_id.to_string());
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        url
    }

    /// Sends `call` and decodes a JSON answer.
    pub async fn json<T: DeserializeOwned>(&self, call: Call) -> MiraklResult<T> {
        let context = call.context;
        let answer = self.send(call).await?;
        serde_json::from_slice(&answer.body).map_err(|e| MiraklError::decode(context, e))
    }

    /// Sends `call`, retrying as the policy allows; returns the first 2xx answer.
    pub async fn send(&self, call: Call) -> MiraklResult<Answer> {
        let context = call.context;
        match self.exchange(call, false).await? {
            Reply::Read(answer) => Ok(answer),
            Reply::Open(response) => match self.read_capped(response).await {
                Ok(Ok(body)) => Ok(Answer {
                    headers: HeaderMap::new(),
                    body,
                }),
                Ok(Err(limit)) => Err(MiraklError::AnswerTooLarge {
                    context: context.to_owned(),
                    limit,
                }),
                Err(error) => Err(MiraklError::Network(error)),
            },
        }
    }

    /// Sends `call` like [`Http::send`] but leaves a 2xx answer's body unread, so a file can
    /// be streamed to the caller.
    pub async fn open(&self, call: Call) -> MiraklResult<reqwest::Response> {
        match self.exchange(call, true).await? {
            Reply::Open(response) => Ok(response),
            Reply::Read(_) => Err(MiraklError::invalid("the answer was read, not opened")),
        }
    }

    /// Sends `call`, retrying as the policy allows, until a 2xx answer (read, or left open
    /// when `open`) or a final failure.
    async fn exchange(&self, call: Call, open: bool) -> MiraklResult<Reply> {
        let attempts = self.retry.max_attempts.max(1);
        let mut attempt = 1;
        loop {
            match self.attempt(&call, attempt, open).await? {
                Attempt::Done(reply) => return Ok(reply),
                Attempt::Failed { error, retry_in } => {
                    let Some(wait) = retry_in.filter(|_| attempt < attempts) else {
                        return Err(error);
                    };
                    attempt += 1;
                    tracing::warn!(
                        call = call.context,
                        attempt,
                        wait_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX),
                        %error,
                        "retrying Mirakl call"
                    );
                    tokio::time::sleep(wait).await;
                }
            }
        }
    }

    /// Attempt number `number`; `Err` only for failures that no retry can fix (building the
    /// request).
    async fn attempt(&self, call: &Call, number: u32, open: bool) -> MiraklResult<Attempt> {
        if let Some(gate) = &self.gate {
            if let Err(wait) = gate.admit().await {
                // The shop is blocked after a 429 somewhere: nothing is sent.
                return Ok(Attempt::Failed {
                    error: MiraklError::RateLimited {
                        retry_after: Some(wait),
                    },
                    retry_in: None,
                });
            }
        }
        let mut request = self
            .client
            .request(call.method.clone(), self.url(call))
            .header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, call.accept);
        if let Some(parts) = &call.multipart {
            request = request.multipart(build_form(parts)?);
        }
        let idempotent = call.idempotent();
        let backoff = || self.retry.backoff(number + 1);
        let response = match request.send().await {
            Ok(response) => response,
            Err(error) => {
                // A POST is only repeated when it surely never reached the server.
                let retry = idempotent || error.is_connect();
                return Ok(Attempt::Failed {
                    error: MiraklError::Network(error),
                    retry_in: retry.then(backoff),
                });
            }
        };
        let status = response.status();
        if status.is_success() && open {
            return Ok(Attempt::Done(Reply::Open(response)));
        }
        let headers = response.headers().clone();
        let body = match self.read_capped(response).await {
            Ok(Ok(body)) => body,
            Ok(Err(limit)) => {
                return Ok(Attempt::Failed {
                    error: MiraklError::AnswerTooLarge {
                        context: call.context.to_owned(),
                        limit,
                    },
                    retry_in: None,
                })
            }
            Err(error) => {
                return Ok(Attempt::Failed {
                    error: MiraklError::Network(error),
                    retry_in: idempotent.then(backoff),
                })
            }
        };
        if status.is_success() {
            return Ok(Attempt::Done(Reply::Read(Answer { headers, body })));
        }
        let message = self.scrub(error_message(&body));
        let retry_after = headers
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, Utc::now()));
        if status == StatusCode::TOO_MANY_REQUESTS {
            if let Some(gate) = &self.gate {
                // Blocked for every worker; the work waits in its queue, not in this call.
                let blocked = gate.rate_limited(retry_after).await;
                return Ok(Attempt::Failed {
                    error: MiraklError::RateLimited {
                        retry_after: Some(blocked),
                    },
                    retry_in: None,
                });
            }
        }
        let (error, retry_in) = failure(
            status,
            message,
            retry_after,
            idempotent,
            &self.retry,
            number + 1,
        );
        Ok(Attempt::Failed { error, retry_in })
    }

    /// Reads a whole body, or `Err(limit)` inside as soon as it proves larger than
    /// `max_answer_bytes` (a 100 MB answer must not take 100 MB of memory).
    async fn read_capped(
        &self,
        mut response: reqwest::Response,
    ) -> Result<Result<Vec<u8>, u64>, reqwest::Error> {
        let limit = self.max_answer_bytes;
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Ok(Err(limit));
        }
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await? {
            if body.len() as u64 + chunk.len() as u64 > limit {
                return Ok(Err(limit));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Ok(body))
    }

    /// `message` with the API key replaced, should a server ever echo it.
    fn scrub(&self, message: String) -> String {
        let key = self.key.expose_secret();
        if key.len() >= 6 && message.contains(key) {
            message.replace(key, "[REDACTED]")
        } else {
            message
        }
    }
}

fn build_form(parts: &[FormPart]) -> MiraklResult<Form> {
    let mut form = Form::new();
    for part in parts {
        let mut built = Part::bytes(part.data.clone())
            .mime_str(&part.content_type)
            .map_err(|_| {
                MiraklError::invalid(format!(
                    "'{}' is not a valid content type",
                    part.content_type
                ))
            })?;
        if let Some(name) = &part.file_name {
            built = built.file_name(name.clone());
        }
        form = form.part(part.name, built);
    }
    Ok(form)
}

/// The error for a failed status and, if the call may be tried again, how long to wait first.
/// 429 waits out a `Retry-After` up to the inline cap (longer: returned at once; absent:
/// backoff), and may be repeated even for a POST since nothing was done; 500/502/503/504 are
/// repeated after the backoff only for idempotent calls.
fn failure(
    status: StatusCode,
    message: String,
    retry_after: Option<Duration>,
    idempotent: bool,
    policy: &RetryPolicy,
    next_attempt: u32,
) -> (MiraklError, Option<Duration>) {
    match status {
        StatusCode::TOO_MANY_REQUESTS => {
            let wait = match retry_after {
                Some(wait) if wait <= policy.max_inline_retry_after => Some(wait),
                Some(_) => None,
                None => Some(policy.backoff(next_attempt)),
            };
            (MiraklError::RateLimited { retry_after }, wait)
        }
        StatusCode::INTERNAL_SERVER_ERROR
        | StatusCode::BAD_GATEWAY
        | StatusCode::SERVICE_UNAVAILABLE
        | StatusCode::GATEWAY_TIMEOUT => {
            let wait = match retry_after {
                Some(wait) if wait <= policy.max_inline_retry_after => wait,
                _ => policy.backoff(next_attempt),
            };
            let error = MiraklError::Server {
                status: status.as_u16(),
                message,
            };
            (error, idempotent.then_some(wait))
        }
        _ => (status_error(status, message), None),
    }
}

/// The error for a non-retryable, non-success status.
fn status_error(status: StatusCode, message: String) -> MiraklError {
    match status {
        StatusCode::UNAUTHORIZED => MiraklError::Unauthorized { message },
        StatusCode::FORBIDDEN => MiraklError::Forbidden { message },
        StatusCode::NOT_FOUND => MiraklError::NotFound { message },
        StatusCode::BAD_REQUEST => MiraklError::BadRequest { message },
        status if status.is_server_error() => MiraklError::Server {
            status: status.as_u16(),
            message,
        },
        status => MiraklError::Rejected {
            status: status.as_u16(),
            message,
        },
    }
}

/// The human-readable part of an error body: `{"message"}`, `{"status","message"}`,
/// `{"errors":[{"message"}]}` (joined), `{"error"}`, or the (shortened) text itself.
pub(crate) fn error_message(body: &[u8]) -> String {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) {
        if let Some(message) = value.get("message").and_then(|m| m.as_str()) {
            return message.to_owned();
        }
        if let Some(errors) = value.get("errors").and_then(|e| e.as_array()) {
            let messages: Vec<String> = errors
                .iter()
                .filter_map(|error| {
                    let message = error.get("message").and_then(|m| m.as_str())?;
                    Some(match error.get("field").and_then(|f| f.as_str()) {
                        Some(field) if !field.is_empty() => format!("{field}: {message}"),
                        _ => message.to_owned(),
                    })
                })
                .collect();
            if !messages.is_empty() {
                return messages.join("; ");
            }
        }
        if let Some(message) = value.get("error").and_then(|m| m.as_str()) {
            return message.to_owned();
        }
    }
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    match text.char_indices().nth(MAX_ERROR_TEXT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// `Retry-After` as delay-seconds or an HTTP-date (IMF-fixdate, RFC 850 or asctime); a date
/// in the past means "now".
pub(crate) fn parse_retry_after(raw: &str, now: DateTime<Utc>) -> Option<Duration> {
    let raw = raw.trim();
    if let Ok(seconds) = raw.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = DateTime::parse_from_rfc2822(raw)
        .map(|d| d.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            ["%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"]
                .iter()
                .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
                .map(|naive| naive.and_utc())
        })?;
    Some((date - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn http(base: &str, shop_id: Option<i64>) -> Http {
        let config = MiraklConfig::new("k-0123456789".to_owned())
            .with_base_url(base)
            .with_shop_id(shop_id);
        Http::new(&config).expect("client")
    }

    #[test]
    fn urls_get_api_encoded_segments_query_and_shop_id() {
        let http = http("https://marketplace.empik.com/api/", Some(2001));
        let call = Call::get("t", &["inbox", "threads", "a/b c"])
            .query("updated_since", "2024-05-02T10:36:36.479+02:00");
        assert_eq!(
            http.url(&call).as_str(),
            "https://marketplace.empik.com/api/inbox/threads/a%2Fb%20c?updated_since=2024-05-02T10%3A36%3A36.479%2B02%3A00&shop_id=2001"
        );
        let plain = self::http("http://127.0.0.1:9/proxy", None);
        assert_eq!(
            plain.url(&Call::get("t", &["account"])).as_str(),
            "http://127.0.0.1:9/proxy/api/account"
        );
    }

    #[test]
    fn bad_configurations_are_refused_without_echoing_the_key() {
        for (base, key) in [
            ("not a url", "key-123456"),
            ("ftp://host", "key-123456"),
            ("https://h", "   "),
            ("https://h", "bad\nkey-123456"),
        ] {
            let config = MiraklConfig::new(key.to_owned()).with_base_url(base);
            match Http::new(&config) {
                Err(error @ MiraklError::Config { .. }) => {
                    assert!(!error.to_string().contains("key-123456"), "{error}");
                }
                other => panic!("{base}: expected Config, got {other:?}"),
            }
        }
    }

    #[test]
    fn error_bodies_are_read_leniently() {
        assert_eq!(error_message(br#"{"message":"m1"}"#), "m1");
        assert_eq!(error_message(br#"{"status":400,"message":"m2"}"#), "m2");
        assert_eq!(
            error_message(
                br#"{"errors":[{"field":"body","message":"too short"},{"message":"x"}]}"#
            ),
            "body: too short; x"
        );
        assert_eq!(error_message(br#"{"error":"e"}"#), "e");
        assert_eq!(
            error_message(b"  <html>Bad gateway</html> "),
            "<html>Bad gateway</html>"
        );
        assert_eq!(error_message(b""), "");
        assert_eq!(error_message(br#"{"status":500}"#), r#"{"status":500}"#);
        let long = "x".repeat(1000);
        assert_eq!(
            error_message(long.as_bytes()).chars().count(),
            MAX_ERROR_TEXT + 1
        );
    }

    #[test]
    fn retry_after_accepts_seconds_and_http_dates() {
        let now = Utc
            .with_ymd_and_hms(1994, 11, 6, 8, 49, 30)
            .single()
            .expect("date");
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        for date in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_retry_after(date, now),
                Some(Duration::from_secs(7)),
                "{date}"
            );
        }
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }

    #[test]
    fn retry_decisions_follow_status_retry_after_and_idempotency() {
        let policy = RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_inline_retry_after: Duration::from_secs(5),
        };
        let decide = |status: u16, retry_after: Option<u64>, idempotent: bool| {
            let status = StatusCode::from_u16(status).expect("status");
            let retry_after = retry_after.map(Duration::from_secs);
            failure(status, String::new(), retry_after, idempotent, &policy, 2)
        };
        let (error, wait) = decide(429, Some(1), false);
        assert!(matches!(error, MiraklError::RateLimited { .. }));
        assert_eq!(
            wait,
            Some(Duration::from_secs(1)),
            "POST too: nothing was done"
        );
        let (error, wait) = decide(429, Some(120), true);
        assert!(matches!(
            error,
            MiraklError::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(120)
        ));
        assert_eq!(wait, None, "too long to wait inline");
        let (_, wait) = decide(429, None, true);
        assert!(
            wait.is_some_and(|w| w < Duration::from_millis(100)),
            "backoff"
        );
        for status in [500, 502, 503, 504] {
            let (error, wait) = decide(status, None, true);
            assert!(matches!(error, MiraklError::Server { .. }));
            assert!(wait.is_some(), "{status}");
            assert_eq!(decide(status, None, false).1, None, "POST {status}");
        }
        assert_eq!(decide(503, Some(2), true).1, Some(Duration::from_secs(2)));
        for status in [400, 401, 403, 404, 409, 501] {
            assert_eq!(decide(status, None, true).1, None, "{status}");
        }
    }

    #[test]
    fn statuses_map_to_variants_and_messages_lose_the_key() {
        let http = http("https://h", None);
        assert_eq!(
            http.scrub("bad key k-0123456789!".into()),
            "bad key [REDACTED]!"
        );
        assert!(matches!(
            status_error(StatusCode::UNAUTHORIZED, String::new()),
            MiraklError::Unauthorized { .. }
        ));
        assert!(matches!(
            status_error(StatusCode::FORBIDDEN, String::new()),
            MiraklError::Forbidden { .. }
        ));
        assert!(matches!(
            status_error(StatusCode::NOT_FOUND, String::new()),
            MiraklError::NotFound { .. }
        ));
        assert!(matches!(
            status_error(StatusCode::BAD_REQUEST, "m".into()),
            MiraklError::BadRequest { message } if message == "m"
        ));
        assert!(matches!(
            status_error(StatusCode::NOT_IMPLEMENTED, String::new()),
            MiraklError::Server { status: 501, .. }
        ));
        assert!(matches!(
            status_error(StatusCode::UNSUPPORTED_MEDIA_TYPE, String::new()),
            MiraklError::Rejected { status: 415, .. }
        ));
    }
}
