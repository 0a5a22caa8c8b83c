//! The demo's HTTP calls: the agent API with the demo's key, the simulator's control API, and
//! the browser steps of the OAuth redirect. Plain HTTP on purpose: the demo uses marketdesk
//! exactly as a person with curl and a browser would.

use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::time::Duration;

/// Longest part of an error answer kept in a message.
const DETAIL_CHARS: usize = 300;

/// A call that failed: which one, and what came back.
#[derive(Debug, thiserror::Error)]
#[error("{method} {url}: {detail}")]
pub struct CallError {
    /// HTTP method.
    pub method: Method,
    /// The URL called.
    pub url: String,
    /// The status, when an answer came.
    pub status: Option<StatusCode>,
    /// What went wrong, with the start of the answer's body.
    pub detail: String,
}

/// Clients of both servers.
#[derive(Clone)]
pub struct Clients {
    /// Follows no redirects: the OAuth steps read them.
    pub http: reqwest::Client,
    /// The agent API, e.g. `http://127.0.0.1:3000`.
    pub api_url: String,
    key: String,
    /// The simulator, e.g. `http://127.0.0.1:3001`.
    pub simulator_url: String,
}

impl Clients {
    /// Clients of the API (with `key`) and of the simulator.
    pub fn new(api_url: &str, key: &str, simulator_url: &str) -> Result<Self, CallError> {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(15))
            .build()
            .map_err(|error| CallError {
                method: Method::GET,
                url: api_url.to_owned(),
                status: None,
                detail: format!("cannot build an HTTP client: {error}"),
            })?;
        Ok(Self {
            http,
            api_url: api_url.to_owned(),
            key: key.to_owned(),
            simulator_url: simulator_url.to_owned(),
        })
    }

    /// `GET` on the agent API.
    pub async fn api_get(&self, path: &str) -> Result<Value, CallError> {
        self.call(Method::GET, &format!("{}{path}", self.api_url), true, None)
            .await
    }

    /// `POST` on the agent API, with a JSON body or none.
    pub async fn api_post(&self, path: &str, body: Option<&Value>) -> Result<Value, CallError> {
        self.call(Method::POST, &format!("{}{path}", self.api_url), true, body)
            .await
    }

    /// `GET` on the simulator's control API (`path` under `/__simulator`).
    pub async fn control_get(&self, path: &str) -> Result<Value, CallError> {
        let url = format!("{}/__simulator{path}", self.simulator_url);
        self.call(Method::GET, &url, false, None).await
    }

    /// `POST` on the simulator's control API (`path` under `/__simulator`).
    pub async fn control_post(&self, path: &str, body: &Value) -> Result<Value, CallError> {
        let url = format!("{}/__simulator{path}", self.simulator_url);
        self.call(Method::POST, &url, false, Some(body)).await
    }

    /// What a browser does with a link: `GET` it and answer the redirect's target, if any,
    /// and the status.
    pub async fn browse(&self, url: &str) -> Result<(StatusCode, Option<String>), CallError> {
        let response = self
            .http
            .get(url)
            .send()
            .await
            .map_err(|error| failed(Method::GET, url, None, error.to_string()))?;
        let status = response.status();
        let location = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        if status.is_client_error() || status.is_server_error() {
            let body = response.text().await.unwrap_or_default();
            return Err(failed(Method::GET, url, Some(status), body));
        }
        Ok((status, location))
    }

    async fn call(
        &self,
        method: Method,
        url: &str,
        with_key: bool,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        let mut request = self.http.request(method.clone(), url);
        if with_key {
            request = request.bearer_auth(&self.key);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request
            .send()
            .await
            .map_err(|error| failed(method.clone(), url, None, error.to_string()))?;
        let status = response.status();
        let text = response
            .text()
            .await
            .map_err(|error| failed(method.clone(), url, Some(status), error.to_string()))?;
        if !status.is_success() {
            return Err(failed(method, url, Some(status), text));
        }
        if text.trim().is_empty() {
            return Ok(Value::Null);
        }
        serde_json::from_str(&text).map_err(|error| {
            failed(
                method,
                url,
                Some(status),
                format!("the answer is not JSON ({error}): {text}"),
            )
        })
    }
}

fn failed(method: Method, url: &str, status: Option<StatusCode>, detail: String) -> CallError {
    let mut detail: String = detail.trim().chars().take(DETAIL_CHARS).collect();
    if let Some(status) = status {
        detail = format!("{status}: {detail}");
    }
    CallError {
        method,
        url: url.to_owned(),
        status,
        detail,
    }
}
