//! The domain's entities.

pub mod account_event;
pub mod actor;
pub mod api_key;
pub mod audit;
pub mod author;
pub mod budget;
pub mod business_hours;
pub mod checkout_form;
pub mod cursor;
pub mod customer;
pub mod erp;
pub mod integration;
pub mod marketplace;
pub mod message;
pub mod offer;
pub mod offer_command;
pub mod order;
pub mod order_update;
pub mod product;
pub mod reply;
pub mod reply_state;
pub mod saved_reply;
pub mod tenant;
pub mod ticket;
pub mod ticket_status;
pub mod user;
pub mod view;
pub mod webhook;
pub mod words;
pub mod workflow;

pub use actor::Actor;
pub use api_key::{ApiKey, Role};
pub use audit::{AuditEntry, Subject, SubjectKind};
pub use business_hours::BusinessHours;
pub use cursor::{Channel, PollCursor};
pub use customer::{Customer, FieldValue};
pub use integration::{
    AutoresponderSettings, ConnectionState, Environment, Integration, IntegrationSettings,
    StatusMapping,
};
pub use marketplace::Marketplace;
pub use message::{Attachment, AuthorKind, Delivery, Message, Turn};
pub use reply::{FileRef, Reply, ReplyLimits};
pub use reply_state::ReplyState;
pub use saved_reply::SavedReply;
pub use tenant::Tenant;
pub use ticket::{
    AutoreplyPlan, AutoreplyState, ConversationKind, ConversationRef, MessagePreview, PanelProduct,
    Ticket, TicketPanel,
};
pub use ticket_status::TicketStatus;
pub use user::{Language, User};
pub use view::View;
#[cfg(feature = "openapi")]
pub use webhook::SubscribableEvent;
pub use webhook::{DeliveryAttempt, DeliveryState, EventType, Webhook, WebhookDelivery};
pub use workflow::{
    ManualStatus, Priority, SlaClock, SlaSettings, SlaTarget, Snooze, TicketWorkflow,
};
