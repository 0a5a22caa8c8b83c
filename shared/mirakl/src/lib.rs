//! A typed, lenient client of the Mirakl seller (shop) API as EmpikPlace runs it.
//!
//! - A01 [`MiraklClient::account`]: validate the key, read the shop.
//! - M11 [`MiraklClient::list_threads`] / [`MiraklClient::thread_pages`] /
//!   [`MiraklClient::all_threads`]; M10 [`MiraklClient::thread`].
//! - M12 [`MiraklClient::reply`] / [`MiraklClient::reply_to_customer`] (multipart).
//! - M13 [`MiraklClient::download_attachment`].
//! - OR11 [`MiraklClient::orders_by_ids`] / [`MiraklClient::all_orders`].
//! - RE02 [`MiraklClient::reasons`]: labels of reason codes (thread topics).
//! - [`order_url`]: the back-office page of an order.
//!
//! Every call sends the raw API key in `Authorization` (no `Bearer`), `shop_id` when
//! configured, and goes through one retry policy ([`RetryPolicy`]). Responses are decoded
//! leniently: unknown enum values are kept, missing fields become `None` or empty. This crate
//! knows nothing of marketdesk's domain; callers map its types.

#![warn(missing_docs)]

mod account;
mod attachments;
mod client;
mod config;
mod error;
mod gate;
mod http;
mod lenient;
mod links;
mod orders;
mod reasons;
mod reply;
mod thread_model;
mod threads;

pub use account::{Account, ShopState};
pub use attachments::{disposition_file_name, Attachment, AttachmentStream, ByteChunks};
pub use client::MiraklClient;
pub use config::{
    normalize_base_url, MiraklConfig, RetryPolicy, DEFAULT_MAX_ANSWER_BYTES, EMPIK_BASE_URL,
};
pub use error::{MiraklError, MiraklResult};
pub use gate::ShopGate;
pub use lenient::parse_date;
pub use links::order_url;
pub use orders::{
    Channel, Order, OrderCustomer, OrderLine, OrderPage, OrderQuery, MAX_ORDER_IDS, MAX_ORDER_PAGE,
};
pub use reasons::{Reason, REASONS_ORDER_MESSAGING};
pub use reply::{
    check_reply, Recipient, ReplyCreated, ReplyFile, ReplyInput, BODY_MAX_CHARS, BODY_MIN_CHARS,
};
pub use secrecy::SecretString;
pub use thread_model::{
    AttachmentRef, CustomerOrganization, Entity, Message, NoStoreReplyNeeded, Participant,
    ParticipantType, Sender, SenderType, Thread, ThreadMetadata, Topic, TopicType, ENTITY_ORDER,
};
pub use threads::{
    format_date, ThreadPage, ThreadPages, ThreadQuery, LISTED_MESSAGES_MAX, MAX_THREAD_LIMIT,
};
