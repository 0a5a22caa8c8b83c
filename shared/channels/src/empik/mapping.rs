//! A Mirakl thread as an inbound conversation event.

use chrono::{DateTime, Utc};
use marketdesk_core::domain::{
    Attachment, AuthorKind, ConversationKind, ConversationRef, Integration, PanelProduct,
    TicketPanel,
};
use marketdesk_core::jobs::{InboundEvent, InboundMessage};
use marketdesk_mirakl::{Order, SenderType, Thread, TopicType};

/// Who wrote a Mirakl message, in the domain's terms. A shop message is the seller writing in
/// the Empik panel unless marketdesk posted it (the sender records those ids).
pub fn author(kind: &SenderType) -> AuthorKind {
    match kind {
        SenderType::CustomerUser => AuthorKind::Buyer,
        SenderType::ShopUser => AuthorKind::SellerViaMarketplace,
        SenderType::OperatorUser => AuthorKind::MarketplaceStaff,
        // Unknown kinds are shown as marketplace staff rather than dropped.
        _ => AuthorKind::MarketplaceStaff,
    }
}

/// The ticket subject: the topic's text (free text or reason label).
pub fn subject(thread: &Thread) -> String {
    match &thread.topic {
        Some(topic) if !topic.value.trim().is_empty() => match topic.kind {
            TopicType::ReasonCode => format!("Powód: {}", topic.value),
            _ => topic.value.clone(),
        },
        _ => "Wiadomość od klienta EmpikPlace".to_owned(),
    }
}

/// Whether the thread has a message written after `since` (threads older than the integration
/// are not imported).
pub fn has_message_after(thread: &Thread, since: DateTime<Utc>) -> bool {
    thread
        .messages
        .iter()
        .any(|m| m.date_created.is_some_and(|t| t >= since))
}

/// The inbound event for a thread, with the panel built from its order when known.
pub fn event(
    integration: &Integration,
    thread: &Thread,
    order: Option<&Order>,
    order_url: Option<String>,
    attachment_url: &dyn Fn(&str) -> String,
) -> InboundEvent {
    let customer = thread.customer();
    let messages = thread
        .messages
        .iter()
        .filter(|m| !m.id.is_empty())
        .map(|m| InboundMessage {
            external_id: m.id.clone(),
            author: author(&m.from.kind),
            author_name: Some(m.from.display_name.clone()).filter(|n| !n.is_empty()),
            text: m.body.clone(),
            attachments: m
                .attachments
                .iter()
                .map(|a| Attachment {
                    id: None,
                    link: None,
                    filename: a.name.clone(),
                    content_type: None,
                    url: attachment_url(&a.id),
                })
                .collect(),
            created_at: m.date_created.unwrap_or_else(Utc::now),
        })
        .collect();
    let products = order
        .map(|o| {
            o.order_lines
                .iter()
                .map(|line| PanelProduct {
                    name: line.product_title.clone(),
                    quantity: u32::try_from(line.quantity.unwrap_or(1)).unwrap_or(1),
                    offer_id: line.offer_sku.clone().or_else(|| line.product_sku.clone()),
                    offer_url: None,
                    ean: None,
                })
                .collect()
        })
        .unwrap_or_default();
    InboundEvent {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        conversation: ConversationRef {
            kind: ConversationKind::EmpikThread,
            external_id: thread.id.clone(),
        },
        subject: subject(thread),
        marketplace_status: if thread.needs_shop_reply() {
            "REPLY_NEEDED"
        } else {
            "OPEN"
        }
        .into(),
        open_for_replies: true,
        buyer_login: customer.and_then(|c| c.id.clone()).unwrap_or_default(),
        buyer_name: customer
            .map(|c| c.display_name.clone())
            .filter(|n| !n.is_empty()),
        buyer_emails: Vec::new(),
        order_id: thread.order_id().map(str::to_owned),
        panel: TicketPanel {
            reason_code: thread.topic.as_ref().map(|t| t.value.clone()),
            conversation_url: None,
            order_url,
            products,
        },
        messages,
    }
}
