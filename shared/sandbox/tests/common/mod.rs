//! Shared helpers for the simulator's tests.

#![allow(dead_code)]

use marketdesk_sandbox::RunningSandbox;

/// A User-Agent of the shape Allegro requires.
pub const USER_AGENT: &str = "marketdesk-tests/0.1.0 (+https://github.com/marketdesk/marketdesk)";

/// A simulator on a free loopback port.
pub async fn sandbox() -> RunningSandbox {
    RunningSandbox::start_local()
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
