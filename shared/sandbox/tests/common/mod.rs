//! Shared helpers for the simulator's tests: a simulator on a free port, an HTTP client with the
//! User-Agent Allegro requires, reading answers and calling the control API. The Allegro
//! helpers live in [`allegro`] (OAuth, REST calls) and [`inbox`] (issues and Message Center).

#![allow(dead_code)]

pub mod allegro;
pub mod inbox;

use marketdesk_sandbox::{RunningSandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::Value;

/// A User-Agent of the shape Allegro requires.
pub const USER_AGENT: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";
/// The default configuration's client id.
pub const CLIENT_ID: &str = "sandbox-client-id";
/// The default configuration's client secret.
pub const CLIENT_SECRET: &str = "sandbox-client-secret";
/// Allegro's stable media type.
pub const PUBLIC: &str = "application/vnd.allegro.public.v1+json";
/// Allegro's beta media type.
pub const BETA: &str = "application/vnd.allegro.beta.v1+json";

/// A simulator on a free loopback port.
pub async fn sandbox() -> RunningSandbox {
    RunningSandbox::start_local()
        .await
        .expect("the sandbox starts")
}

/// A simulator with a custom configuration.
pub async fn sandbox_with(config: SandboxConfig) -> RunningSandbox {
    RunningSandbox::start(std::net::SocketAddr::from(([127, 0, 0, 1], 0)), config)
        .await
        .expect("the sandbox starts")
}

/// An HTTP client that sends the required User-Agent and never follows redirects.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client")
}

/// An answer, read whole.
#[derive(Debug)]
pub struct Reply {
    /// Status code.
    pub status: u16,
    /// Headers.
    pub headers: reqwest::header::HeaderMap,
    /// The body as JSON (`Null` when it is not JSON).
    pub body: Value,
    /// The raw body.
    pub bytes: Vec<u8>,
}

impl Reply {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first error's `code`.
    pub fn error_code(&self) -> &str {
        self.body["errors"][0]["code"].as_str().unwrap_or("")
    }
}

/// Sends a request and reads the answer.
pub async fn send(request: reqwest::RequestBuilder) -> Reply {
    let response = request.send().await.expect("the request is answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.expect("a body").to_vec();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Reply {
        status,
        headers,
        body,
        bytes,
    }
}

/// Status and JSON body (`Null` when it is not JSON) of a response.
pub async fn read(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Status code and JSON body (`Null` when it is not JSON) of a response.
pub async fn status_json(response: reqwest::Response) -> (u16, Value) {
    let (status, body) = read(response).await;
    (status.as_u16(), body)
}
