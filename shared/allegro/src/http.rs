//! The one place that sends requests: headers (`Authorization`, `Accept`, `User-Agent`),
//! retries of network faults and 5xx with exponential backoff and jitter, 429 turned into
//! [`AllegroError::RateLimited`] without sleeping, and error bodies mapped to [`AllegroError`].

use crate::config::{AllegroConfig, RetryPolicy};
use crate::error::{network_message, parse_auth_error, parse_errors, AllegroError};
use crate::gate::CallKind;
use crate::token::AccessToken;
use reqwest::header::{
    HeaderMap, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER, USER_AGENT,
};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;
use url::Url;

/// Allegro's stable media type.
pub const PUBLIC_JSON: &str = "application/vnd.allegro.public.v1+json";
/// Allegro's beta media type (`/sale/issues*`, `/messaging` beta.v1).
pub const BETA_JSON: &str = "application/vnd.allegro.beta.v1+json";

/// Which representation a call asks for (`Accept`) and sends (`Content-Type` of JSON bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Media {
    /// `application/vnd.allegro.public.v1+json`.
    Public,
    /// `application/vnd.allegro.beta.v1+json`.
    Beta,
    /// `*/*` (binary downloads).
    Any,
    /// `application/json` (the OAuth endpoints).
    Json,
}

impl Media {
    fn name(self) -> &'static str {
        match self {
            Media::Public => PUBLIC_JSON,
            Media::Beta => BETA_JSON,
            Media::Any => "*/*",
            Media::Json => "application/json",
        }
    }
}

/// When a failed attempt may be repeated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// Repeating has no extra effect (GET, PUT, declarations): retry network faults and 5xx.
    Safe,
    /// Repeating could do it twice (posting a message): retry only when the connection failed
    /// before the request was sent.
    OnlyUnsent,
}

/// A request body.
#[derive(Debug, Clone)]
pub(crate) enum Body {
    /// JSON in the call's media type.
    Json(Vec<u8>),
    /// Raw bytes with their own content type (attachment uploads).
    Bytes {
        /// The bytes' MIME type.
        content_type: String,
        /// The bytes.
        data: Vec<u8>,
    },
}

/// A whole answer.
#[derive(Debug)]
pub(crate) struct Raw {
    /// Status code.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Vec<u8>,
}

impl Raw {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Allegro's `trace-id` header.
    pub fn trace_id(&self) -> Option<String> {
        self.header("trace-id").map(str::to_owned)
    }
}

/// The HTTP machinery shared by every call: one connection pool, the configuration.
#[derive(Debug, Clone)]
pub(crate) struct Http {
    client: reqwest::Client,
    config: Arc<AllegroConfig>,
}

/// One request, described so that it can be sent again.
#[derive(Debug, Clone)]
pub(crate) struct Call<'a> {
    /// Method.
    pub method: Method,
    /// Absolute URL.
    pub url: Url,
    /// `Accept` (and JSON `Content-Type`).
    pub media: Media,
    /// Bearer token, if any.
    pub token: Option<&'a AccessToken>,
    /// Client authentication of the OAuth endpoints (`Basic …`, built by the `oauth2` crate).
    pub client_auth: Option<HeaderValue>,
    /// Body, if any.
    pub body: Option<Body>,
    /// Retry rule.
    pub retry: Retry,
}

impl<'a> Call<'a> {
    /// A REST call with a bearer token.
    pub fn api(method: Method, url: Url, media: Media, token: &'a AccessToken) -> Self {
        let retry = if method == Method::POST {
            Retry::OnlyUnsent
        } else {
            Retry::Safe
        };
        Self {
            method,
            url,
            media,
            token: Some(token),
            client_auth: None,
            body: None,
            retry,
        }
    }

    /// The same call with a JSON body.
    pub fn json<B: Serialize>(mut self, body: &B) -> Result<Self, AllegroError> {
        let bytes = serde_json::to_vec(body).map_err(|e| AllegroError::Decode {
            message: format!("could not encode the request body: {e}"),
            trace_id: None,
        })?;
        self.body = Some(Body::Json(bytes));
        Ok(self)
    }

    /// The same call with another retry rule.
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }
}

impl Http {
    /// Builds the connection pool: the configured timeout, no redirects (tokens never follow a
    /// redirect), rustls.
    pub fn new(config: AllegroConfig) -> Result<Self, AllegroError> {
        let client = reqwest::Client::builder()
            .timeout(config.http_timeout)
            .connect_timeout(config.http_timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(config.user_agent.clone())
            .build()
            .map_err(|e| {
                let (message, timeout) = network_message(e);
                AllegroError::Network { message, timeout }
            })?;
        Ok(Self {
            client,
            config: Arc::new(config),
        })
    }

    /// The configuration.
    pub fn config(&self) -> &AllegroConfig {
        &self.config
    }

    /// `api_url` with these path segments appended (each percent-encoded).
    pub fn api_url(&self, segments: &[&str]) -> Result<Url, AllegroError> {
        join(&self.config.api_url, segments)
    }

    /// `auth_url` with these path segments appended.
    pub fn auth_url(&self, segments: &[&str]) -> Result<Url, AllegroError> {
        join(&self.config.auth_url, segments)
    }

    /// Refuses URLs whose host must not receive the bearer token: allowed are the API's own
    /// origin and https hosts under the OAuth host's domain (`upload.allegro.pl`,
    /// `api.allegro.pl`, and the sandbox equivalents).
    pub fn check_trusted(&self, url: &Url) -> Result<(), AllegroError> {
        if is_trusted(url, &self.config.api_url, &self.config.auth_url) {
            Ok(())
        } else {
            Err(AllegroError::InvalidUrl {
                reason: format!(
                    "{} is not an Allegro host; the access token is not sent there",
                    url.host_str().unwrap_or("(no host)")
                ),
            })
        }
    }

    /// Sends a call, retrying per its rule and the policy; 2xx answers come back as they are,
    /// every other status as an [`AllegroError`].
    pub async fn call(&self, call: &Call<'_>) -> Result<Raw, AllegroError> {
        let raw = self.send(call).await?;
        if raw.status.is_success() {
            Ok(raw)
        } else {
            Err(error_from(&raw, &self.config.retry))
        }
    }

    /// Sends a call and decodes a 2xx JSON answer.
    pub async fn call_json<T: DeserializeOwned>(&self, call: &Call<'_>) -> Result<T, AllegroError> {
        let raw = self.call(call).await?;
        decode(&raw)
    }

    /// Sends a call with retries but without judging the status (the caller maps errors).
    pub async fn send(&self, call: &Call<'_>) -> Result<Raw, AllegroError> {
        let response = self
            .respond(call, |status| status.is_server_error())
            .await?;
        self.read(response).await
    }

    /// Sends a call with retries and hands back a 2xx answer unread, so its body can be
    /// streamed to the caller (file downloads); any other status is read and mapped.
    pub async fn open(&self, call: &Call<'_>) -> Result<reqwest::Response, AllegroError> {
        let response = self
            .respond(call, |status| status.is_server_error())
            .await?;
        if response.status().is_success() {
            return Ok(response);
        }
        let raw = self.read(response).await?;
        Err(error_from(&raw, &self.config.retry))
    }

    /// Sends `call` until an answer arrives whose status `retry_status` does not ask to repeat
    /// (or the attempts run out), retrying network faults as the call's rule allows. The
    /// answer's body is not read yet.
    async fn respond(
        &self,
        call: &Call<'_>,
        retry_status: impl Fn(StatusCode) -> bool,
    ) -> Result<reqwest::Response, AllegroError> {
        let policy = &self.config.retry;
        let attempts = policy.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= attempts;
            self.pass_gate(call).await?;
            let sent = self.attempt(call).await;
            if let Ok(response) = &sent {
                self.report_429(response).await;
            }
            match sent {
                Ok(response)
                    if retry_status(response.status()) && !last && call.retry == Retry::Safe =>
                {
                    tracing::warn!(
                        method = %call.method,
                        path = call.url.path(),
                        status = response.status().as_u16(),
                        trace_id = response.headers().get("trace-id").and_then(|v| v.to_str().ok()),
                        attempt,
                        "Allegro answered with a server error; retrying"
                    );
                }
                Ok(response) => return Ok(response),
                Err(error) => {
                    let retryable = match call.retry {
                        Retry::Safe => true,
                        Retry::OnlyUnsent => error.is_connect(),
                    };
                    let (message, timeout) = network_message(error);
                    if last || !retryable {
                        return Err(AllegroError::Network { message, timeout });
                    }
                    tracing::warn!(
                        method = %call.method,
                        path = call.url.path(),
                        error = %message,
                        attempt,
                        "request to Allegro failed; retrying"
                    );
                }
            }
            tokio::time::sleep(policy.delay(attempt - 1, random_unit())).await;
        }
    }

    /// Takes a slot of the shared budget for `call` (each attempt is a call Allegro counts);
    /// a refusal is a [`AllegroError::RateLimited`] and nothing is sent.
    async fn pass_gate(&self, call: &Call<'_>) -> Result<(), AllegroError> {
        let Some(gate) = &self.config.gate else {
            return Ok(());
        };
        let kind = CallKind::of(&call.method, &call.url, &self.config.auth_url);
        gate.admit(&self.config.client_id, kind)
            .await
            .map_err(|retry_after| AllegroError::RateLimited {
                retry_after,
                retry_after_header: None,
                trace_id: None,
            })
    }

    /// Tells the gate of a 429, so every worker stops calling with this client id.
    async fn report_429(&self, response: &reqwest::Response) {
        let Some(gate) = &self.config.gate else {
            return;
        };
        if response.status() != StatusCode::TOO_MANY_REQUESTS {
            return;
        }
        let header = response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let retry_after = header
            .unwrap_or_default()
            .max(self.config.retry.rate_limit_floor);
        gate.rate_limited(&self.config.client_id, retry_after).await;
    }

    /// Reads a whole answer, refusing one larger than `max_answer_bytes` without reading on
    /// (a 100 MB answer must not take 100 MB of memory).
    async fn read(&self, mut response: reqwest::Response) -> Result<Raw, AllegroError> {
        let limit = self.config.max_answer_bytes;
        let too_large = |headers: &HeaderMap| AllegroError::AnswerTooLarge {
            limit,
            trace_id: headers
                .get("trace-id")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        };
        let status = response.status();
        let headers = response.headers().clone();
        if response
            .content_length()
            .is_some_and(|length| length > limit)
        {
            return Err(too_large(&headers));
        }
        let mut body = Vec::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    if body.len() as u64 + chunk.len() as u64 > limit {
                        return Err(too_large(&headers));
                    }
                    body.extend_from_slice(&chunk);
                }
                Ok(None) => break,
                Err(error) => {
                    let (message, timeout) = network_message(error);
                    return Err(AllegroError::Network { message, timeout });
                }
            }
        }
        Ok(Raw {
            status,
            headers,
            body,
        })
    }

    /// One attempt: build and send; the body is left unread.
    async fn attempt(&self, call: &Call<'_>) -> Result<reqwest::Response, reqwest::Error> {
        let config = &self.config;
        let mut request = self
            .client
            .request(call.method.clone(), call.url.clone())
            .header(USER_AGENT, config.user_agent.as_str())
            .header(ACCEPT, call.media.name());
        if let Some(token) = call.token {
            request = request.header(AUTHORIZATION, format!("Bearer {}", token.expose()));
        }
        if let Some(client_auth) = &call.client_auth {
            request = request.header(AUTHORIZATION, client_auth.clone());
        }
        request = match &call.body {
            None => request,
            Some(Body::Json(bytes)) => request
                .header(CONTENT_TYPE, call.media.name())
                .body(bytes.clone()),
            Some(Body::Bytes { content_type, data }) => request
                .header(CONTENT_TYPE, content_type.as_str())
                .body(data.clone()),
        };
        request.send().await
    }
}

/// Decodes a JSON answer; a body that does not fit is a [`AllegroError::Decode`].
pub(crate) fn decode<T: DeserializeOwned>(raw: &Raw) -> Result<T, AllegroError> {
    serde_json::from_slice(&raw.body).map_err(|e| AllegroError::Decode {
        message: e.to_string(),
        trace_id: raw.trace_id(),
    })
}

/// Maps a non-2xx answer to an error.
pub(crate) fn error_from(raw: &Raw, policy: &RetryPolicy) -> AllegroError {
    let trace_id = raw.trace_id();
    let errors = parse_errors(&raw.body);
    let status = raw.status.as_u16();
    match status {
        401 => {
            let (error, description) = match parse_auth_error(&raw.body) {
                Some(body) => (body.error, body.error_description),
                None => match errors.first() {
                    Some(first) => (first.code.clone(), first.message.clone()),
                    None => (String::new(), None),
                },
            };
            AllegroError::Unauthorized {
                error,
                description,
                trace_id,
            }
        }
        403 => AllegroError::Forbidden { errors, trace_id },
        404 => AllegroError::NotFound { errors, trace_id },
        409 => AllegroError::Conflict {
            code: errors.first().map(|e| e.code.clone()).unwrap_or_default(),
            errors,
            trace_id,
        },
        400 | 413 | 415 | 422 => AllegroError::Validation {
            status,
            errors,
            trace_id,
        },
        429 => {
            let header = raw.header(RETRY_AFTER.as_str()).and_then(parse_retry_after);
            AllegroError::RateLimited {
                retry_after: header.unwrap_or_default().max(policy.rate_limit_floor),
                retry_after_header: header,
                trace_id,
            }
        }
        500..=599 => AllegroError::Server {
            status,
            errors,
            trace_id,
        },
        _ => AllegroError::Unexpected {
            status,
            errors,
            trace_id,
        },
    }
}

/// `Retry-After` in whole seconds (the HTTP-date form is ignored).
pub(crate) fn parse_retry_after(value: &str) -> Option<Duration> {
    value.trim().parse::<u64>().ok().map(Duration::from_secs)
}

/// `base` with path segments appended, each percent-encoded; the base's own path is kept.
fn join(base: &Url, segments: &[&str]) -> Result<Url, AllegroError> {
    let mut url = base.clone();
    url.set_query(None);
    url.set_fragment(None);
    {
        let mut path = url
            .path_segments_mut()
            .map_err(|()| AllegroError::InvalidUrl {
                reason: format!("{base} cannot be a base URL"),
            })?;
        path.pop_if_empty();
        for segment in segments {
            path.push(segment);
        }
    }
    Ok(url)
}

/// Whether `url` may receive the token (see [`Http::check_trusted`]).
fn is_trusted(url: &Url, api_url: &Url, auth_url: &Url) -> bool {
    if url.origin() == api_url.origin() {
        return true;
    }
    let (Some(host), Some(domain)) = (url.host_str(), auth_url.host_str()) else {
        return false;
    };
    let host = host.to_ascii_lowercase();
    let domain = domain.to_ascii_lowercase();
    url.scheme() == "https"
        && url.port().is_none()
        && (host == domain || host.ends_with(&format!(".{domain}")))
}

/// A uniform random number in 0.0–1.0 for jitter, from the OS generator (`getrandom`); if
/// that fails, the middle of the range (no jitter) rather than no retry.
fn random_unit() -> f64 {
    getrandom::u64().map_or(0.5, |bits| bits as f64 / u64::MAX as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, headers: &[(&'static str, &'static str)], body: &str) -> Raw {
        let mut map = HeaderMap::new();
        for (name, value) in headers {
            map.insert(*name, HeaderValue::from_static(value));
        }
        Raw {
            status: StatusCode::from_u16(status).expect("status"),
            headers: map,
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn statuses_map_to_variants() {
        let policy = RetryPolicy::default();
        let unauthorized = error_from(
            &raw(
                401,
                &[("trace-id", "t1")],
                r#"{"error":"invalid_token","error_description":"Access token expired"}"#,
            ),
            &policy,
        );
        match unauthorized {
            AllegroError::Unauthorized {
                error,
                description,
                trace_id,
            } => {
                assert_eq!(error, "invalid_token");
                assert_eq!(description.as_deref(), Some("Access token expired"));
                assert_eq!(trace_id.as_deref(), Some("t1"));
            }
            other => panic!("{other:?}"),
        }
        let conflict = error_from(
            &raw(
                409,
                &[],
                r#"{"errors":[{"code":"DISPUTE_ALREADY_RESOLVED","message":"m"}]}"#,
            ),
            &policy,
        );
        assert!(
            matches!(&conflict, AllegroError::Conflict { code, .. } if code == "DISPUTE_ALREADY_RESOLVED")
        );
        assert!(matches!(
            error_from(&raw(403, &[], "{}"), &policy),
            AllegroError::Forbidden { .. }
        ));
        assert!(matches!(
            error_from(&raw(404, &[], "not json"), &policy),
            AllegroError::NotFound { .. }
        ));
        for status in [400, 413, 415, 422] {
            assert!(matches!(
                error_from(&raw(status, &[], "{}"), &policy),
                AllegroError::Validation { .. }
            ));
        }
        assert!(matches!(
            error_from(&raw(503, &[], ""), &policy),
            AllegroError::Server { status: 503, .. }
        ));
        assert!(matches!(
            error_from(&raw(406, &[], ""), &policy),
            AllegroError::Unexpected { status: 406, .. }
        ));
    }

    #[test]
    fn rate_limits_wait_at_least_the_floor() {
        let policy = RetryPolicy::default();
        let wait = |headers: &[(&'static str, &'static str)]| match error_from(
            &raw(429, headers, ""),
            &policy,
        ) {
            AllegroError::RateLimited {
                retry_after,
                retry_after_header,
                ..
            } => (
                retry_after.as_secs(),
                retry_after_header.map(|d| d.as_secs()),
            ),
            other => panic!("{other:?}"),
        };
        assert_eq!(wait(&[]), (60, None));
        assert_eq!(wait(&[("retry-after", "5")]), (60, Some(5)));
        assert_eq!(wait(&[("retry-after", "120")]), (120, Some(120)));
        assert_eq!(
            wait(&[("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT")]),
            (60, None)
        );
    }

    #[test]
    fn urls_join_and_encode_segments() {
        let base = Url::parse("http://127.0.0.1:3001").expect("url");
        assert_eq!(
            join(&base, &["sale", "issues", "a b/c"])
                .expect("joins")
                .as_str(),
            "http://127.0.0.1:3001/sale/issues/a%20b%2Fc"
        );
        let prefixed = Url::parse("https://proxy.example/allegro/").expect("url");
        assert_eq!(
            join(&prefixed, &["me"]).expect("joins").as_str(),
            "https://proxy.example/allegro/me"
        );
    }

    #[test]
    fn only_allegro_hosts_are_trusted_with_the_token() {
        let api = Url::parse("https://api.allegro.pl").expect("url");
        let auth = Url::parse("https://allegro.pl").expect("url");
        let trusted = |u: &str| is_trusted(&Url::parse(u).expect("url"), &api, &auth);
        assert!(trusted("https://api.allegro.pl/sale/issues/attachments/1"));
        assert!(trusted(
            "https://upload.allegro.pl/message-center/message-attachments/1"
        ));
        assert!(!trusted("http://upload.allegro.pl/x"));
        assert!(!trusted("https://evilallegro.pl/x"));
        assert!(!trusted("https://allegro.pl.evil.example/x"));
        let local = Url::parse("http://127.0.0.1:3001").expect("url");
        assert!(is_trusted(
            &Url::parse("http://127.0.0.1:3001/x").expect("url"),
            &local,
            &local
        ));
        assert!(!is_trusted(
            &Url::parse("http://127.0.0.1:3002/x").expect("url"),
            &local,
            &local
        ));
    }

    #[test]
    fn jitter_randoms_are_in_range() {
        for _ in 0..100 {
            let r = random_unit();
            assert!((0.0..=1.0).contains(&r));
        }
    }
}
