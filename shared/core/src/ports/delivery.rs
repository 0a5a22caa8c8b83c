//! Delivery port: posting replies into a marketplace conversation and fetching the files
//! buyers attached. Implemented per channel by the channels crate.

use super::marketplace_error::MarketplaceError;
use crate::domain::{Attachment, Channel, Integration, Ticket};
use crate::ids::MessageId;
use async_trait::async_trait;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use futures_core::Stream;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

/// A file sent with a reply.
#[derive(Clone, PartialEq, Eq)]
pub struct OutgoingFile {
    /// File name shown to the buyer.
    pub filename: String,
    /// Media type, e.g. `application/pdf`.
    pub content_type: String,
    /// The bytes.
    pub data: Vec<u8>,
}

impl std::fmt::Debug for OutgoingFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OutgoingFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// One reply as the marketplace should receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingReply {
    /// The reply's id in marketdesk (for logs).
    pub reply_id: MessageId,
    /// Plain text (may be empty only with `ask_to_confirm`, after the closure message default).
    pub text: String,
    /// At most one file.
    pub attachment: Option<OutgoingFile>,
    /// Allegro disputes: send as `END_REQUEST` (ask the buyer to confirm the problem is solved).
    pub ask_to_confirm: bool,
}

/// The marketplace's record of a delivered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivered {
    /// The marketplace's message id.
    pub external_id: String,
    /// The marketplace's timestamp of the message.
    pub created_at: DateTime<Utc>,
}

/// The bytes of a file as they arrive from the marketplace, so a download passes through
/// to the caller without being held whole in memory.
pub type ByteStream = Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>> + Send>>;

/// A buyer's file fetched from the marketplace.
pub struct FetchedFile {
    /// File name to offer.
    pub filename: String,
    /// Media type as the marketplace served it.
    pub content_type: String,
    /// Size in bytes, when the marketplace announced it.
    pub length: Option<u64>,
    /// The bytes, as they arrive.
    pub body: ByteStream,
}

impl FetchedFile {
    /// A file whose bytes are already in memory.
    pub fn from_bytes(filename: String, content_type: String, data: Vec<u8>) -> Self {
        let length = Some(data.len() as u64);
        let mut data = Some(Bytes::from(data));
        let body = single_chunk(move || data.take());
        Self {
            filename,
            content_type,
            length,
            body,
        }
    }

    /// Reads the whole file into memory (tests and small files only).
    pub async fn read_all(mut self) -> Result<Vec<u8>, std::io::Error> {
        let mut data = Vec::new();
        while let Some(chunk) = std::future::poll_fn(|cx| self.body.as_mut().poll_next(cx)).await {
            data.extend_from_slice(&chunk?);
        }
        Ok(data)
    }
}

/// A stream of the one chunk `next` hands out first (then nothing).
fn single_chunk(next: impl FnMut() -> Option<Bytes> + Send + Unpin + 'static) -> ByteStream {
    struct Once<F>(F);
    impl<F: FnMut() -> Option<Bytes> + Unpin> Stream for Once<F> {
        type Item = Result<Bytes, std::io::Error>;
        fn poll_next(
            mut self: Pin<&mut Self>,
            _cx: &mut std::task::Context<'_>,
        ) -> std::task::Poll<Option<Self::Item>> {
            std::task::Poll::Ready((self.0)().map(Ok))
        }
    }
    Box::pin(Once(next))
}

impl std::fmt::Debug for FetchedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchedFile")
            .field("filename", &self.filename)
            .field("content_type", &self.content_type)
            .field("length", &self.length)
            .finish_non_exhaustive()
    }
}

/// Posts replies into one channel's conversations.
#[async_trait]
pub trait ReplyChannel: Send + Sync {
    /// Posts `reply` into the ticket's conversation. Implementations never repeat a POST
    /// whose outcome is unknown (5xx, timeout): they answer `Unavailable`, and the sender
    /// looks with [`ReplyChannel::find_delivered`] before trying again.
    async fn deliver(
        &self,
        integration: &Integration,
        ticket: &Ticket,
        reply: &OutgoingReply,
    ) -> Result<Delivered, MarketplaceError>;

    /// A seller message with exactly `text` written at or after `since` in the ticket's
    /// conversation, if the marketplace shows one: an earlier attempt did get through.
    async fn find_delivered(
        &self,
        integration: &Integration,
        ticket: &Ticket,
        text: &str,
        since: DateTime<Utc>,
    ) -> Result<Option<Delivered>, MarketplaceError>;

    /// Downloads a file a message of the ticket carries, with the account's credentials.
    async fn fetch_attachment(
        &self,
        integration: &Integration,
        ticket: &Ticket,
        attachment: &Attachment,
    ) -> Result<FetchedFile, MarketplaceError>;

    /// Least time between two messages posted by one seller account (Allegro: 1 s).
    fn min_interval(&self) -> Option<Duration> {
        None
    }
}

/// The reply channels available in this build.
#[derive(Default, Clone)]
pub struct DeliveryRegistry {
    channels: Vec<(Channel, Arc<dyn ReplyChannel>)>,
    order_updates: Option<Arc<dyn super::order_updates::OrderUpdates>>,
    offer_commands: Option<Arc<dyn super::offers::OfferCommands>>,
}

impl DeliveryRegistry {
    /// A registry without channels.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Adds the reply channel of `channel`.
    pub fn with_channel(mut self, channel: Channel, sender: Arc<dyn ReplyChannel>) -> Self {
        self.channels.retain(|(c, _)| *c != channel);
        self.channels.push((channel, sender));
        self
    }

    /// Adds the writer of Allegro order updates (fulfillment statuses, invoices).
    pub fn with_order_updates(
        mut self,
        writer: Arc<dyn super::order_updates::OrderUpdates>,
    ) -> Self {
        self.order_updates = Some(writer);
        self
    }

    /// The writer of Allegro order updates, if this build has one.
    pub fn order_updates(&self) -> Option<Arc<dyn super::order_updates::OrderUpdates>> {
        self.order_updates.clone()
    }

    /// Adds the sender of Allegro offer commands (stock, price, renewal).
    pub fn with_offer_commands(mut self, commands: Arc<dyn super::offers::OfferCommands>) -> Self {
        self.offer_commands = Some(commands);
        self
    }

    /// The sender of Allegro offer commands, if this build has one.
    pub fn offer_commands(&self) -> Option<Arc<dyn super::offers::OfferCommands>> {
        self.offer_commands.clone()
    }

    /// The reply channel of `channel`, if this build has one.
    pub fn channel(&self, channel: Channel) -> Option<Arc<dyn ReplyChannel>> {
        self.channels
            .iter()
            .find(|(c, _)| *c == channel)
            .map(|(_, s)| Arc::clone(s))
    }
}
