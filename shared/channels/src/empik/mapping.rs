//! A Mirakl thread as an inbound conversation event.

use chrono::{DateTime, Utc};
use marketdesk_core::domain::{
    Attachment, AuthorKind, ConversationKind, ConversationRef, Integration, PanelProduct,
    TicketPanel,
};
use marketdesk_core::jobs::{InboundEvent, InboundMessage};
use marketdesk_mirakl::{Order, SenderType, Thread, TopicType};
use std::collections::BTreeMap;

/// Most bytes of messages (as JSON) one event carries; a longer thread is split over several
/// events so each fits a queue message (SQS takes 256 KiB).
pub const MAX_EVENT_MESSAGE_BYTES: usize = 180 * 1024;

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

/// The reason code of a `REASON_CODE` topic (free text is no code).
pub fn reason_code(thread: &Thread) -> Option<&str> {
    thread
        .topic
        .as_ref()
        .filter(|t| t.kind == TopicType::ReasonCode)
        .map(|t| t.value.trim())
        .filter(|code| !code.is_empty())
}

/// The ticket subject: a free-text topic as written, a reason code's label (RE02, `labels`
/// by code); a code without a label says so with the code.
pub fn subject(thread: &Thread, labels: &BTreeMap<String, String>) -> String {
    if let Some(code) = reason_code(thread) {
        return match labels.get(code) {
            Some(label) if !label.trim().is_empty() => label.trim().to_owned(),
            _ => format!("Wiadomość od klienta EmpikPlace (powód {code})"),
        };
    }
    match &thread.topic {
        Some(topic) if !topic.value.trim().is_empty() => topic.value.trim().to_owned(),
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

/// The panel of a thread: its reason code, the order's link and, when the order was read, its
/// products.
pub fn panel(thread: &Thread, order: Option<&Order>, order_url: Option<String>) -> TicketPanel {
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
    TicketPanel {
        reason_code: reason_code(thread).map(str::to_owned),
        conversation_url: None,
        order_url,
        products,
    }
}

/// The inbound events for a thread: its messages (all of `thread.messages`) split so no event
/// carries more than [`MAX_EVENT_MESSAGE_BYTES`], oldest first, each with the same subject,
/// state and `panel` (the default panel leaves the stored one as it is).
pub fn events(
    integration: &Integration,
    thread: &Thread,
    subject: String,
    panel: TicketPanel,
    attachment_url: &dyn Fn(&str) -> String,
) -> Vec<InboundEvent> {
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
        .collect::<Vec<_>>();
    let template = InboundEvent {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        conversation: ConversationRef {
            kind: ConversationKind::EmpikThread,
            external_id: thread.id.clone(),
        },
        subject,
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
        panel,
        shop_reply_needed_since: thread.metadata.shop_reply_needed_since,
        messages: Vec::new(),
    };
    chunks(messages, MAX_EVENT_MESSAGE_BYTES)
        .into_iter()
        .map(|messages| InboundEvent {
            messages,
            ..template.clone()
        })
        .collect()
}

/// `messages` in order, cut into runs of at most `budget` bytes of JSON (a bigger message
/// travels alone); one empty run when there are none, so the thread's state still travels.
fn chunks(messages: Vec<InboundMessage>, budget: usize) -> Vec<Vec<InboundMessage>> {
    let mut runs = vec![Vec::new()];
    let mut used = 0;
    for message in messages {
        let size = serde_json::to_string(&message).map_or(budget, |json| json.len());
        let run_is_empty = runs.last().is_none_or(Vec::is_empty);
        if used + size > budget && !run_is_empty {
            runs.push(Vec::new());
            used = 0;
        }
        used += size;
        if let Some(run) = runs.last_mut() {
            run.push(message);
        }
    }
    runs
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::AuthorKind;

    fn thread(topic: serde_json::Value) -> Thread {
        serde_json::from_value(serde_json::json!({"id": "t", "topic": topic})).expect("thread")
    }

    #[test]
    fn subjects_are_the_free_text_or_the_reason_label() {
        let labels = BTreeMap::from([("23".to_owned(), "Nie otrzymałem produktu".to_owned())]);
        let free = thread(serde_json::json!({"type": "FREE_TEXT", "value": " Faktura "}));
        assert_eq!(subject(&free, &labels), "Faktura");
        assert_eq!(reason_code(&free), None);
        let coded = thread(serde_json::json!({"type": "REASON_CODE", "value": "23"}));
        assert_eq!(subject(&coded, &labels), "Nie otrzymałem produktu");
        assert_eq!(reason_code(&coded), Some("23"));
        let unknown = thread(serde_json::json!({"type": "REASON_CODE", "value": "99"}));
        assert_eq!(
            subject(&unknown, &labels),
            "Wiadomość od klienta EmpikPlace (powód 99)"
        );
        let bare = thread(serde_json::Value::Null);
        assert_eq!(subject(&bare, &labels), "Wiadomość od klienta EmpikPlace");
    }

    #[test]
    fn messages_are_split_into_runs_within_the_budget_in_order() {
        let message = |n: usize, text: &str| InboundMessage {
            external_id: format!("m{n}"),
            author: AuthorKind::Buyer,
            author_name: None,
            text: text.to_owned(),
            attachments: Vec::new(),
            created_at: Utc::now(),
        };
        let size = serde_json::to_string(&message(0, "x")).expect("json").len();
        let messages: Vec<InboundMessage> = (0..7).map(|n| message(n, "x")).collect();
        let runs = chunks(messages, size * 3);
        let ids: Vec<Vec<String>> = runs
            .iter()
            .map(|run| run.iter().map(|m| m.external_id.clone()).collect())
            .collect();
        assert_eq!(
            ids,
            [vec!["m0", "m1", "m2"], vec!["m3", "m4", "m5"], vec!["m6"]]
        );
        let huge = chunks(
            vec![message(0, &"y".repeat(size * 5)), message(1, "x")],
            size * 3,
        );
        assert_eq!(huge.len(), 2, "a message over the budget travels alone");
        assert_eq!(
            chunks(Vec::new(), size).len(),
            1,
            "the state travels without messages"
        );
    }
}
