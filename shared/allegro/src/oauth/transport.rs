//! The `oauth2` crate's HTTP extension point ([`oauth2::AsyncHttpClient`]) served by the
//! client's own HTTP machinery. The crate builds every OAuth request (the form body, HTTP Basic
//! client authentication, PKCE, scopes); it goes out through the same pool as the REST calls,
//! so the request gate, the retries, the `User-Agent` and the answer size limit apply.
//!
//! Non-2xx answers are read here, as Allegro writes them: the crate would only see the body and
//! lose the status and `Retry-After` that tell a 401, a 429 and a 5xx apart.

use super::errors::{self, OAuthError};
use crate::client::AllegroClient;
use crate::http::{Body, Call, Media, Retry};
use oauth2::http::header::{AUTHORIZATION, CONTENT_TYPE};
use oauth2::{AsyncHttpClient, ErrorResponse, HttpRequest, HttpResponse, RequestTokenError};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use url::Url;

/// How an answer body is rewritten before the crate reads it.
pub(crate) type Reshape = fn(Vec<u8>) -> Vec<u8>;

/// Sends the crate's requests for one OAuth operation.
pub(crate) struct Transport<'a> {
    client: &'a AllegroClient,
    retry: Retry,
    /// Values cut out of error descriptions (Allegro may quote the refused token).
    secrets: Vec<String>,
    /// Rewrites a 2xx body into the shape the crate reads (Allegro's device answer).
    reshape: Option<Reshape>,
    /// Whether an answer (or a final failure) came back.
    answered: AtomicBool,
    /// The last failure, kept for flows in which the crate swallows it (the device poll).
    failure: Mutex<Option<OAuthError>>,
}

impl<'a> Transport<'a> {
    /// A transport with the call's retry rule and the secrets its request carries.
    pub fn new(client: &'a AllegroClient, retry: Retry, secrets: &[&str]) -> Self {
        Self {
            client,
            retry,
            secrets: secrets
                .iter()
                .filter(|s| !s.is_empty())
                .map(|s| (*s).to_owned())
                .collect(),
            reshape: None,
            answered: AtomicBool::new(false),
            failure: Mutex::new(None),
        }
    }

    /// The same transport rewriting 2xx bodies with `reshape`.
    pub fn reshaping(mut self, reshape: Reshape) -> Self {
        self.reshape = Some(reshape);
        self
    }

    /// Whether one request has been answered (or failed for good).
    pub fn answered(&self) -> bool {
        self.answered.load(Ordering::SeqCst)
    }

    /// The failure of the last request, if it failed.
    pub fn take_failure(&self) -> Option<OAuthError> {
        self.failure.lock().ok().and_then(|mut slot| slot.take())
    }

    /// Sends one request; a non-2xx answer is an [`OAuthError`] read from Allegro's answer.
    async fn exchange(&self, request: HttpRequest) -> Result<HttpResponse, OAuthError> {
        let outcome = self.send(request).await;
        self.answered.store(true, Ordering::SeqCst);
        if let (Err(error), Ok(mut slot)) = (&outcome, self.failure.lock()) {
            *slot = Some(error.clone());
        }
        outcome
    }

    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, OAuthError> {
        let (parts, body) = request.into_parts();
        let url = Url::parse(&parts.uri.to_string()).map_err(|e| OAuthError::InvalidUrl {
            reason: e.to_string(),
        })?;
        let content_type = parts
            .headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("application/x-www-form-urlencoded")
            .to_owned();
        let client_auth = parts.headers.get(AUTHORIZATION).cloned().map(|mut value| {
            value.set_sensitive(true);
            value
        });
        let call = Call {
            method: parts.method,
            url,
            media: Media::Json,
            token: None,
            client_auth,
            body: Some(Body::Bytes {
                content_type,
                data: body,
            }),
            retry: self.retry,
        };
        let raw = self.client.http().send(&call).await?;
        if !raw.status.is_success() {
            let secrets: Vec<&str> = self.secrets.iter().map(String::as_str).collect();
            return Err(errors::from_answer(
                &raw,
                &self.client.config().retry,
                &secrets,
            ));
        }
        let body = match self.reshape {
            Some(reshape) => reshape(raw.body),
            None => raw.body,
        };
        // Only the body goes on: the crate wants exactly 200 and a JSON `Content-Type`, where
        // any 2xx with a JSON body is an answer from Allegro.
        oauth2::http::Response::builder()
            .status(200)
            .body(body)
            .map_err(|e| OAuthError::Decode {
                message: e.to_string(),
            })
    }
}

impl<'c> AsyncHttpClient<'c> for Transport<'_> {
    type Error = OAuthError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, OAuthError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(self.exchange(request))
    }
}

/// The [`OAuthError`] of a failed crate request. The transport already turned every non-2xx
/// answer into one; what is left are bodies that did not read.
pub(crate) fn from_request_error<TE: ErrorResponse>(
    error: RequestTokenError<OAuthError, TE>,
) -> OAuthError {
    match error {
        RequestTokenError::Request(error) => error,
        RequestTokenError::Parse(error, _body) => unreadable(error.inner()),
        // Not reached (non-2xx answers fail in the transport); its text may quote a token.
        RequestTokenError::ServerResponse(_) => OAuthError::Decode {
            message: "an OAuth error answer with a success status".to_owned(),
        },
        RequestTokenError::Other(message) => OAuthError::Decode { message },
    }
}

/// A decode error naming what did not read, never quoting the body (it may hold tokens).
pub(crate) fn unreadable(error: &serde_json::Error) -> OAuthError {
    use serde_json::error::Category;
    let message = match error.classify() {
        // Our own lenient readers fail with messages that name the missing field.
        Category::Data => error.to_string(),
        Category::Syntax => "the answer is not JSON (syntax error)".to_owned(),
        Category::Eof => "the answer is not JSON (truncated)".to_owned(),
        Category::Io => "the answer could not be read".to_owned(),
    };
    OAuthError::Decode { message }
}
