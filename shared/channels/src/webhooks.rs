//! The webhook transport: reqwest, connecting only to the addresses the core checked.

use async_trait::async_trait;
use marketdesk_core::ports::{
    HostResolver, SystemResolver, TransportError, WebhookRequest, WebhookResponse, WebhookTransport,
};
use std::net::SocketAddr;

/// Most bytes of a receiver's answer kept for the delivery log.
const EXCERPT_BYTES: usize = 1024;

/// Posts webhooks over HTTP(S) with reqwest: pinned to the checked addresses (the host is
/// not looked up again, so a DNS answer that changes between the check and the connection
/// cannot lead elsewhere), no redirects, no proxy, a timeout per request.
#[derive(Debug, Clone, Default)]
pub struct HttpWebhookTransport {
    resolver: SystemResolver,
}

impl HttpWebhookTransport {
    /// The transport on the system resolver.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl HostResolver for HttpWebhookTransport {
    async fn resolve(&self, host: &str, port: u16) -> Result<Vec<SocketAddr>, TransportError> {
        self.resolver.resolve(host, port).await
    }
}

#[async_trait]
impl WebhookTransport for HttpWebhookTransport {
    async fn post(&self, request: &WebhookRequest) -> Result<WebhookResponse, TransportError> {
        let url = url::Url::parse(&request.url)
            .map_err(|e| TransportError::Failed(format!("bad URL: {e}")))?;
        let host = url
            .host_str()
            .ok_or_else(|| TransportError::Failed("the URL has no host".into()))?
            .to_owned();
        // The client is built per request because the pinned addresses belong to it.
        let client = reqwest::Client::builder()
            .resolve_to_addrs(&host, &request.addresses)
            .redirect(reqwest::redirect::Policy::none())
            .no_proxy()
            .timeout(request.timeout)
            .build()
            .map_err(|e| TransportError::Failed(format!("cannot build the HTTP client: {e}")))?;
        let mut builder = client.post(url).body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let mut response = builder
            .send()
            .await
            .map_err(|e| TransportError::Failed(describe(&e)))?;
        let status = response.status().as_u16();
        let mut excerpt = Vec::new();
        while excerpt.len() < EXCERPT_BYTES {
            match response.chunk().await {
                Ok(Some(chunk)) => excerpt.extend_from_slice(&chunk),
                // The status is what counts; a body cut short is no failure.
                Ok(None) | Err(_) => break,
            }
        }
        excerpt.truncate(EXCERPT_BYTES);
        Ok(WebhookResponse {
            status,
            body_excerpt: String::from_utf8_lossy(&excerpt).into_owned(),
        })
    }
}

/// A reqwest error in words for the delivery log (without the URL's query, which may hold
/// a receiver's token).
fn describe(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    let error = error.without_url_ref();
    format!("{kind}: {error}")
}

trait WithoutUrl {
    fn without_url_ref(&self) -> String;
}

impl WithoutUrl for reqwest::Error {
    fn without_url_ref(&self) -> String {
        let mut text = self.to_string();
        if let Some(url) = self.url() {
            text = text.replace(url.as_str(), "<url>");
        }
        text
    }
}
