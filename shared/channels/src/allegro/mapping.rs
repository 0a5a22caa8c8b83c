//! Allegro conversations as inbound events: a post-purchase issue (`/sale/issues`) with its
//! chat, or a Message Center thread with its messages. Kinds, subjects, statuses and authors
//! are decided here; unknown enum values are kept and never fail.
//!
//! The panel and the buyer's name and e-mails come from the order and are sent only for a
//! conversation new to the poller (`order` = `Some`). Updates carry an empty panel, which
//! ingest reads as "keep the stored one", so an update never wipes the products.

use super::links;
use super::panel::OrderContext;
use super::subjects;
use chrono::{DateTime, Utc};
use marketdesk_allegro::issues::{
    ChatMessage, Issue, IssueAttachment, IssueAuthorRole, IssueStatus, IssueType,
};
use marketdesk_allegro::messaging::{
    Message, MessageAttachment, MessageAuthorRole, Thread, ThreadStatus, ThreadType,
};
use marketdesk_allegro::Timestamp;
use marketdesk_core::domain::{
    Attachment, AuthorKind, ConversationKind, ConversationRef, Integration, TicketPanel,
};
use marketdesk_core::jobs::{InboundEvent, InboundMessage};

/// Subject of a dispute whose reason Allegro did not send.
pub const DISPUTE_FALLBACK_SUBJECT: &str = "Dyskusja";
/// Subject of a claim whose reason Allegro did not send.
pub const CLAIM_FALLBACK_SUBJECT: &str = "Reklamacja";
/// Subject of a purchase-problem thread without a subtype.
pub const PURCHASE_PROBLEM_FALLBACK_SUBJECT: &str = "Problem z zakupem";
/// Subject of an ordinary Message Center thread (a buyer's question).
pub const COMMON_THREAD_SUBJECT: &str = "Pytanie kupującego";

/// DISPUTE → dispute, CLAIM → claim; an unknown type counts as a dispute.
pub fn issue_kind(issue: &Issue) -> ConversationKind {
    match issue.issue_type {
        Some(IssueType::Claim) => ConversationKind::AllegroClaim,
        _ => ConversationKind::AllegroDispute,
    }
}

/// The raw reason: a dispute's `subject`, a claim's `reason.type` (each falling back to the
/// other).
pub fn issue_reason_code(issue: &Issue) -> Option<&str> {
    let subject = issue.subject.as_deref();
    let reason = issue.reason.as_ref().and_then(|r| r.reason_type.as_deref());
    let (first, second) = match issue_kind(issue) {
        ConversationKind::AllegroClaim => (reason, subject),
        _ => (subject, reason),
    };
    first
        .or(second)
        .map(str::trim)
        .filter(|code| !code.is_empty())
}

/// The buyer's reason in Polish (the code itself when unknown, a generic subject when absent).
pub fn issue_subject(issue: &Issue) -> String {
    let code = issue_reason_code(issue);
    let fallback = match issue_kind(issue) {
        ConversationKind::AllegroClaim => CLAIM_FALLBACK_SUBJECT,
        _ => DISPUTE_FALLBACK_SUBJECT,
    };
    subjects::subject(code.and_then(subjects::issue_reason), code, fallback)
}

/// `currentState.status` verbatim (empty when Allegro sent none).
pub fn issue_status(issue: &Issue) -> String {
    issue
        .status()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default()
}

/// `currentState.chatActive`; when absent, open unless the dispute is closed (claims take
/// messages in any status).
pub fn issue_open_for_replies(issue: &Issue) -> bool {
    issue.chat_active().unwrap_or_else(|| {
        !matches!(
            issue.status(),
            Some(IssueStatus::DisputeClosed | IssueStatus::DisputeUnresolved)
        )
    })
}

/// Who wrote an issue message: the buyer, the seller on allegro.pl (marketdesk's own replies
/// are recognised later by the sender's records), Allegro's automatic messages (SYSTEM: the
/// assistant Allina and notices; a CHATBOT role too, should it appear), or Allegro's people
/// (ADMIN advisers, FULFILLMENT, and any role this client does not know, so an unknown author
/// is shown to a person rather than ignored).
pub fn issue_author(role: Option<&IssueAuthorRole>) -> AuthorKind {
    match role {
        Some(IssueAuthorRole::Buyer) => AuthorKind::Buyer,
        Some(IssueAuthorRole::Seller) => AuthorKind::SellerViaMarketplace,
        Some(IssueAuthorRole::System) => AuthorKind::MarketplaceSystem,
        Some(IssueAuthorRole::Unknown(role)) if role.eq_ignore_ascii_case("CHATBOT") => {
            AuthorKind::MarketplaceSystem
        }
        _ => AuthorKind::MarketplaceStaff,
    }
}

/// A conversation's opening written by Allegro (its assistant or staff) instead of the
/// buyer is the buyer's opening, written for them (allegro-2026-rules.md §2); Allegro's other
/// messages stay its own, and the seller's stay the seller's.
fn as_opening(author: AuthorKind) -> AuthorKind {
    match author {
        AuthorKind::MarketplaceSystem | AuthorKind::MarketplaceStaff => {
            AuthorKind::MarketplaceForBuyer
        }
        other => other,
    }
}

/// The event of an issue with the chat read in this poll.
pub fn issue_event(
    integration: &Integration,
    issue: &Issue,
    chat: &[ChatMessage],
    order: Option<&OrderContext>,
    now: DateTime<Utc>,
) -> InboundEvent {
    let environment = integration.environment;
    let order_id = issue
        .checkout_form
        .as_ref()
        .and_then(|f| f.id.clone())
        .filter(|id| !id.trim().is_empty());
    let mut chat: Vec<ChatMessage> = chat.to_vec();
    // The opening message: from the summary when the chat lacks it, with the files the buyer
    // attached when opening.
    let initial = issue.chat.as_ref().and_then(|c| c.initial_message.as_ref());
    if let Some(initial) = initial.filter(|m| !m.id.is_empty()) {
        if !chat.iter().any(|m| m.id == initial.id) {
            chat.push(initial.clone());
        }
        if let Some(message) = chat.iter_mut().find(|m| m.id == initial.id) {
            for file in &issue.attachments {
                if !message.attachments.iter().any(|a| a.url == file.url) {
                    message.attachments.push(file.clone());
                }
            }
        }
    }
    let start = time(issue.opened_date.as_ref()).unwrap_or(now);
    let mut messages = to_inbound(
        chat.iter().map(|m| Read {
            id: &m.id,
            author: issue_author(m.role()),
            login: m.author.as_ref().and_then(|a| a.login.clone()),
            text: m.text.clone().unwrap_or_default(),
            attachments: m.attachments.iter().filter_map(issue_attachment).collect(),
            created_at: time(m.created_at.as_ref()),
        }),
        start,
    );
    // The opening: the summary's initial message, else the oldest of the chat (read whole).
    let opening = initial
        .map(|m| m.id.clone())
        .filter(|id| !id.is_empty())
        .or_else(|| messages.first().map(|m| m.external_id.clone()));
    if let Some(message) = messages
        .iter_mut()
        .find(|m| Some(&m.external_id) == opening.as_ref())
    {
        message.author = as_opening(message.author);
    }
    let panel = order.map(|context| TicketPanel {
        reason_code: issue_reason_code(issue).map(str::to_owned),
        conversation_url: links::issue_url(environment, &issue.id),
        order_url: order_id
            .as_deref()
            .and_then(|id| links::order_url(environment, id)),
        products: context.products(environment),
    });
    InboundEvent {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        conversation: ConversationRef {
            kind: issue_kind(issue),
            external_id: issue.id.clone(),
        },
        subject: issue_subject(issue),
        marketplace_status: issue_status(issue),
        open_for_replies: issue_open_for_replies(issue),
        buyer_login: issue
            .buyer
            .as_ref()
            .and_then(|b| b.login.as_deref())
            .filter(|l| !l.is_empty())
            .or_else(|| order.and_then(OrderContext::buyer_login))
            .unwrap_or_default()
            .to_owned(),
        buyer_name: order.and_then(OrderContext::buyer_name),
        buyer_emails: order.map(OrderContext::buyer_emails).unwrap_or_default(),
        order_id,
        panel: panel.unwrap_or_default(),
        shop_reply_needed_since: None,
        messages,
    }
}

/// POST_PURCHASE_ISSUE → purchase problem; COMMON → a buyer's question. An unknown type counts
/// as a purchase problem when it has a subtype, else as a question.
pub fn thread_kind(thread: &Thread) -> ConversationKind {
    match &thread.thread_type {
        Some(ThreadType::PostPurchaseIssue) => ConversationKind::AllegroPurchaseProblem,
        Some(ThreadType::Unknown(_)) if thread.sub_type.is_some() => {
            ConversationKind::AllegroPurchaseProblem
        }
        _ => ConversationKind::AllegroCommonThread,
    }
}

/// The subtype in Polish for purchase problems; a fixed subject for questions.
pub fn thread_subject(thread: &Thread) -> String {
    match thread_kind(thread) {
        ConversationKind::AllegroPurchaseProblem => {
            let code = thread.sub_type.as_ref().map(|s| s.as_str());
            subjects::subject(
                code.and_then(subjects::thread_sub_type),
                code,
                PURCHASE_PROBLEM_FALLBACK_SUBJECT,
            )
        }
        _ => COMMON_THREAD_SUBJECT.to_owned(),
    }
}

/// The thread status verbatim (`OPEN`, `CLOSED`, or what Allegro adds; empty when absent).
pub fn thread_status(thread: &Thread) -> String {
    thread
        .status
        .as_ref()
        .map(|s| s.as_str().to_owned())
        .unwrap_or_default()
}

/// Who wrote a thread message. `COMMON` threads call both sides `USER`, so the login decides:
/// the seller's login is the seller writing on allegro.pl, any other user is the buyer.
/// Allegro itself, its system and chatbot are automatic messages; its consultants and unknown
/// roles are marketplace staff.
pub fn thread_author(message: &Message, seller_login: &str, buyer_login: &str) -> AuthorKind {
    let login = message.author.as_ref().and_then(|a| a.login.as_deref());
    let is = |who: &str| login.is_some_and(|l| !who.is_empty() && l.eq_ignore_ascii_case(who));
    match message.role() {
        Some(MessageAuthorRole::Buyer) => AuthorKind::Buyer,
        Some(MessageAuthorRole::Seller) => AuthorKind::SellerViaMarketplace,
        Some(MessageAuthorRole::User) if is(seller_login) => AuthorKind::SellerViaMarketplace,
        Some(MessageAuthorRole::User) => AuthorKind::Buyer,
        Some(
            MessageAuthorRole::Allegro | MessageAuthorRole::System | MessageAuthorRole::Chatbot,
        ) => AuthorKind::MarketplaceSystem,
        Some(_) => AuthorKind::MarketplaceStaff,
        None if is(seller_login) => AuthorKind::SellerViaMarketplace,
        None if is(buyer_login) => AuthorKind::Buyer,
        None => AuthorKind::MarketplaceStaff,
    }
}

/// The buyer's login of a thread: the BUYER participant, or in a `COMMON` thread the user who
/// is not the seller; else the order's buyer.
pub fn thread_buyer_login(
    thread: &Thread,
    seller_login: &str,
    order: Option<&OrderContext>,
) -> String {
    thread
        .buyer_login(seller_login)
        .filter(|l| !l.is_empty())
        .or_else(|| order.and_then(OrderContext::buyer_login))
        .unwrap_or_default()
        .to_owned()
}

/// The event of a thread with the messages read in this poll. `attachment_url` gives the
/// download address of an attachment Allegro listed without one.
pub fn thread_event(
    integration: &Integration,
    thread: &Thread,
    messages: &[Message],
    seller_login: &str,
    order: Option<&OrderContext>,
    attachment_url: &dyn Fn(&str) -> Option<String>,
    now: DateTime<Utc>,
) -> InboundEvent {
    let environment = integration.environment;
    let kind = thread_kind(thread);
    let order_id = thread
        .orders
        .iter()
        .find_map(|o| o.id.clone())
        .filter(|id| !id.trim().is_empty());
    let buyer_login = thread_buyer_login(thread, seller_login, order);
    let start = time(thread.created_at.as_ref()).unwrap_or(now);
    let mut inbound = to_inbound(
        messages.iter().map(|m| Read {
            id: &m.id,
            author: thread_author(m, seller_login, &buyer_login),
            login: m.author.as_ref().and_then(|a| a.login.clone()),
            text: m.text.clone().unwrap_or_default(),
            attachments: m
                .attachments
                .iter()
                .filter_map(|a| message_attachment(a, attachment_url))
                .collect(),
            created_at: time(m.created_at.as_ref()),
        }),
        start,
    );
    // A purchase problem new to the poller was read whole: its oldest message is the opening,
    // which Allegro may have written for the buyer. (Not in COMMON threads: one that Allegro
    // opens is Allegro's own message, not a buyer's question.)
    if order.is_some() && kind == ConversationKind::AllegroPurchaseProblem {
        if let Some(first) = inbound.first_mut() {
            first.author = as_opening(first.author);
        }
    }
    let panel = order.map(|context| TicketPanel {
        reason_code: match kind {
            ConversationKind::AllegroPurchaseProblem => {
                thread.sub_type.as_ref().map(|s| s.as_str().to_owned())
            }
            _ => None,
        },
        conversation_url: None,
        order_url: order_id
            .as_deref()
            .and_then(|id| links::order_url(environment, id)),
        products: context.products(environment),
    });
    InboundEvent {
        tenant_id: integration.tenant_id.clone(),
        integration_id: integration.id.clone(),
        conversation: ConversationRef {
            kind,
            external_id: thread.id.clone(),
        },
        subject: thread_subject(thread),
        marketplace_status: thread_status(thread),
        open_for_replies: thread.status != Some(ThreadStatus::Closed),
        buyer_login,
        buyer_name: order.and_then(OrderContext::buyer_name),
        buyer_emails: order.map(OrderContext::buyer_emails).unwrap_or_default(),
        order_id,
        panel: panel.unwrap_or_default(),
        shop_reply_needed_since: None,
        messages: inbound,
    }
}

/// A timestamp's instant, when it parsed.
fn time(at: Option<&Timestamp>) -> Option<DateTime<Utc>> {
    at.and_then(Timestamp::as_datetime)
}

/// A marketplace message on its way to becoming an [`InboundMessage`].
struct Read<'a> {
    id: &'a str,
    author: AuthorKind,
    login: Option<String>,
    text: String,
    attachments: Vec<Attachment>,
    created_at: Option<DateTime<Utc>>,
}

/// Messages as the domain's, without id-less ones, oldest first. A message without a readable
/// time takes the time of the one before it (or `start`), keeping Allegro's order.
fn to_inbound<'a>(
    messages: impl Iterator<Item = Read<'a>>,
    start: DateTime<Utc>,
) -> Vec<InboundMessage> {
    let mut previous = start;
    let mut seen = std::collections::HashSet::new();
    let mut inbound: Vec<InboundMessage> = Vec::new();
    for read in messages {
        let created_at = read.created_at.unwrap_or(previous);
        previous = created_at;
        if read.id.is_empty() || !seen.insert(read.id) {
            continue;
        }
        inbound.push(InboundMessage {
            external_id: read.id.to_owned(),
            author: read.author,
            author_name: read.login.filter(|l| !l.trim().is_empty()),
            text: read.text,
            attachments: read.attachments,
            created_at,
        });
    }
    inbound.sort_by_key(|m| m.created_at);
    inbound
}

fn issue_attachment(file: &IssueAttachment) -> Option<Attachment> {
    let url = file.url.as_deref().filter(|u| !u.trim().is_empty())?;
    Some(Attachment {
        id: None,
        link: None,
        filename: file_name(file.file_name.as_deref(), url),
        content_type: None,
        url: url.to_owned(),
    })
}

fn message_attachment(
    file: &MessageAttachment,
    attachment_url: &dyn Fn(&str) -> Option<String>,
) -> Option<Attachment> {
    let url = file
        .url
        .clone()
        .filter(|u| !u.trim().is_empty())
        .or_else(|| file.id.as_deref().and_then(attachment_url))?;
    Some(Attachment {
        id: None,
        link: None,
        filename: file_name(file.file_name.as_deref(), &url),
        content_type: file.mime_type.clone().filter(|t| !t.trim().is_empty()),
        url,
    })
}

/// The file name as sent, else the last segment of its URL.
fn file_name(name: Option<&str>, url: &str) -> String {
    name.map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| {
            url.rsplit('/')
                .find(|s| !s.is_empty())
                .unwrap_or("załącznik")
                .to_owned()
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use marketdesk_core::domain::{Environment, Marketplace};

    fn integration() -> Integration {
        Integration::new(
            "i1".into(),
            "t1".into(),
            Marketplace::Allegro,
            "sklep",
            Environment::Production,
            Utc::now(),
        )
    }

    fn issue(json: &str) -> Issue {
        serde_json::from_str(json).expect("issue decodes")
    }

    const DISPUTE: &str = r#"{"id":"d1","type":"DISPUTE","openedDate":"2026-11-01T10:00:00Z",
        "subject":"PRODUCT_DAMAGED_PARCEL_INTACT","buyer":{"id":"b","login":"kupujacy"},
        "checkoutForm":{"id":"c1"},"currentState":{"status":"DISPUTE_ONGOING","chatActive":true},
        "chat":{"messagesCount":3,"initialMessage":{"id":"m1","text":"Zepsute","attachments":[],
          "author":{"login":"kupujacy","role":"BUYER"},"createdAt":"2026-11-01T10:00:00Z"}},
        "attachments":[{"fileName":"foto.jpg","url":"https://api.allegro.pl/sale/issues/attachments/a1"}]}"#;

    fn chat() -> Vec<ChatMessage> {
        serde_json::from_str(
            r#"[{"id":"m3","text":"Odpowiedź ze strony","author":{"login":"sklep","role":"SELLER"},"createdAt":"2026-11-01T12:00:00Z"},
                {"id":"m2","text":"Tu Allegro","author":{"role":"ADMIN"},"createdAt":"2026-11-01T11:00:00Z","attachments":null},
                {"id":"m4","text":"?","author":{"login":"Allina Chatbot","role":"CHATBOT"},"createdAt":"garbage"},
                {"id":"","text":"no id"}]"#,
        )
        .expect("chat decodes")
    }

    #[test]
    fn a_dispute_becomes_an_event_with_subject_authors_and_panel() {
        let dispute = issue(DISPUTE);
        let context = OrderContext::default();
        let event = issue_event(
            &integration(),
            &dispute,
            &chat(),
            Some(&context),
            Utc::now(),
        );
        assert_eq!(event.conversation.kind, ConversationKind::AllegroDispute);
        assert_eq!(event.subject, "Przedmiot jest uszkodzony");
        assert_eq!(
            event.panel.reason_code.as_deref(),
            Some("PRODUCT_DAMAGED_PARCEL_INTACT")
        );
        assert_eq!(
            event.panel.conversation_url.as_deref(),
            Some("https://allegro.pl/moje-allegro/sprzedaz/dyskusje/d1")
        );
        assert_eq!(
            event.panel.order_url.as_deref(),
            Some("https://allegro.pl/moje-allegro/sprzedaz/zamowienia/c1")
        );
        assert_eq!(event.marketplace_status, "DISPUTE_ONGOING");
        assert!(event.open_for_replies);
        assert_eq!(event.buyer_login, "kupujacy");
        let ids: Vec<&str> = event
            .messages
            .iter()
            .map(|m| m.external_id.as_str())
            .collect();
        assert_eq!(
            ids,
            ["m1", "m2", "m4", "m3"],
            "oldest first; the undated one takes the time of the one listed before it"
        );
        let authors: Vec<AuthorKind> = event.messages.iter().map(|m| m.author).collect();
        assert_eq!(
            authors,
            [
                AuthorKind::Buyer,
                AuthorKind::MarketplaceStaff,
                AuthorKind::MarketplaceSystem,
                AuthorKind::SellerViaMarketplace
            ],
            "ADMIN is an adviser, the chatbot an automatic message"
        );
        assert_eq!(event.messages[0].attachments.len(), 1);
        assert_eq!(event.messages[0].attachments[0].filename, "foto.jpg");
        assert_eq!(
            event.messages[2].author_name.as_deref(),
            Some("Allina Chatbot")
        );

        let update = issue_event(&integration(), &dispute, &chat(), None, Utc::now());
        assert_eq!(
            update.panel,
            TicketPanel::default(),
            "updates keep the stored panel"
        );
        assert!(update.buyer_emails.is_empty());
    }

    #[test]
    fn claims_and_unknown_values_are_kept() {
        let claim = issue(
            r#"{"id":"c","type":"CLAIM","subject":null,"reason":{"type":"DEFECT_FOUND_DURING_USE"},
                "currentState":{"status":"CLAIM_ACCEPTED"}}"#,
        );
        assert_eq!(issue_kind(&claim), ConversationKind::AllegroClaim);
        assert_eq!(issue_subject(&claim), "Wada wykryta podczas używania");
        assert!(
            issue_open_for_replies(&claim),
            "claims take messages in any status"
        );
        let odd = issue(
            r#"{"id":"x","type":"RETURN","subject":"BRAND_NEW_REASON","currentState":{"status":"DISPUTE_PAUSED"}}"#,
        );
        assert_eq!(issue_kind(&odd), ConversationKind::AllegroDispute);
        assert_eq!(issue_subject(&odd), "BRAND_NEW_REASON");
        assert_eq!(issue_status(&odd), "DISPUTE_PAUSED");
        let closed =
            issue(r#"{"id":"y","type":"DISPUTE","currentState":{"status":"DISPUTE_CLOSED"}}"#);
        assert!(!issue_open_for_replies(&closed));
        assert_eq!(issue_subject(&closed), DISPUTE_FALLBACK_SUBJECT);
        assert_eq!(
            issue_author(Some(&IssueAuthorRole::Unknown("CONSULTANT".into()))),
            AuthorKind::MarketplaceStaff
        );
        assert_eq!(
            issue_author(Some(&IssueAuthorRole::Fulfillment)),
            AuthorKind::MarketplaceStaff
        );
    }

    #[test]
    fn an_opening_allegro_wrote_for_the_buyer_is_the_buyers_opening() {
        // The chat calls Allina SYSTEM; the summary's opening can only say ADMIN.
        let issue = issue(
            r#"{"id":"d2","type":"DISPUTE","currentState":{"status":"DISPUTE_ONGOING","chatActive":true},
                "buyer":{"id":"b","login":"kupujacy"},
                "chat":{"messagesCount":3,"initialMessage":{"id":"o1","text":"Kupujący zgłasza brak paczki",
                  "attachments":[],"author":{"role":"ADMIN"},"createdAt":"2026-11-01T10:00:00Z"}}}"#,
        );
        let chat: Vec<ChatMessage> = serde_json::from_str(
            r#"[{"id":"o1","text":"Kupujący zgłasza brak paczki","author":{"login":"Allina Chatbot","role":"SYSTEM"},"createdAt":"2026-11-01T10:00:00Z"},
                {"id":"o2","text":"Sprzedający ma 3 dni na odpowiedź","author":{"role":"SYSTEM"},"createdAt":"2026-11-01T10:01:00Z"},
                {"id":"o3","text":"Doradca","author":{"role":"ADMIN"},"createdAt":"2026-11-01T10:02:00Z"}]"#,
        )
        .expect("chat");
        let event = issue_event(&integration(), &issue, &chat, None, Utc::now());
        let authors: Vec<AuthorKind> = event.messages.iter().map(|m| m.author).collect();
        assert_eq!(
            authors,
            [
                AuthorKind::MarketplaceForBuyer,
                AuthorKind::MarketplaceSystem,
                AuthorKind::MarketplaceStaff
            ]
        );
        assert_eq!(
            event.messages[0].author_name.as_deref(),
            Some("Allina Chatbot")
        );
        // Without the summary's opening, the oldest message of the chat is the opening.
        let bare = self::issue(r#"{"id":"d3","type":"CLAIM"}"#);
        let event = issue_event(&integration(), &bare, &chat[1..], None, Utc::now());
        assert_eq!(event.messages[0].author, AuthorKind::MarketplaceForBuyer);
        assert_eq!(event.messages[1].author, AuthorKind::MarketplaceStaff);

        let problem = thread(
            r#"{"id":"t9","type":"POST_PURCHASE_ISSUE","subType":"OTHER","status":"OPEN",
                "participants":[{"role":"BUYER","login":"kupujacy"},{"role":"SELLER","login":"sklep"}]}"#,
        );
        let list = messages(
            r#"[{"id":"p1","author":{"role":"ALLEGRO","login":null},"text":"Kupujący pisze, że…","createdAt":"2026-11-02T09:00:00Z"},
                {"id":"p2","author":{"role":"ALLEGRO","login":null},"text":"Przypomnienie","createdAt":"2026-11-02T09:05:00Z"}]"#,
        );
        let none = |_: &str| None;
        let context = OrderContext::default();
        let new = thread_event(
            &integration(),
            &problem,
            &list,
            "sklep",
            Some(&context),
            &none,
            Utc::now(),
        );
        let authors: Vec<AuthorKind> = new.messages.iter().map(|m| m.author).collect();
        assert_eq!(
            authors,
            [
                AuthorKind::MarketplaceForBuyer,
                AuthorKind::MarketplaceSystem
            ]
        );
        let update = thread_event(
            &integration(),
            &problem,
            &list[1..],
            "sklep",
            None,
            &none,
            Utc::now(),
        );
        assert_eq!(
            update.messages[0].author,
            AuthorKind::MarketplaceSystem,
            "only a whole reading knows the opening"
        );
        let common = thread(
            r#"{"id":"t10","type":"COMMON","status":"OPEN",
                "participants":[{"role":"USER","login":"kupujacy"},{"role":"USER","login":"sklep"}]}"#,
        );
        let notice = thread_event(
            &integration(),
            &common,
            &list,
            "sklep",
            Some(&context),
            &none,
            Utc::now(),
        );
        assert_eq!(notice.messages[0].author, AuthorKind::MarketplaceSystem);
    }

    fn thread(json: &str) -> Thread {
        serde_json::from_str(json).expect("thread decodes")
    }

    fn messages(json: &str) -> Vec<Message> {
        serde_json::from_str(json).expect("messages decode")
    }

    #[test]
    fn common_threads_tell_the_sides_apart_by_login() {
        let common = thread(
            r#"{"id":"t1","type":"COMMON","createdAt":"2026-11-02T09:00:00Z",
                "participants":[{"role":"USER","login":"kupujacy"},{"role":"USER","login":"Sklep"}],
                "orders":null,"status":"OPEN"}"#,
        );
        let list = messages(
            r#"[{"id":"a","author":{"role":"USER","login":"kupujacy"},"text":"Czy jest?","createdAt":"2026-11-02T09:00:00Z"},
                {"id":"b","author":{"role":"USER","login":"sklep"},"text":"Jest","createdAt":"2026-11-02T09:05:00Z",
                 "attachments":[{"id":"att1","fileName":"faktura.pdf","mimeType":"application/pdf","url":null}]},
                {"id":"c","author":{"role":"CONSULTANT","login":null},"text":"Allegro","createdAt":"2026-11-02T09:06:00Z"},
                {"id":"d","author":{"role":"NEW_ROLE","login":"x"},"text":"?","createdAt":"2026-11-02T09:07:00Z"}]"#,
        );
        let url = |id: &str| {
            Some(format!(
                "https://api.allegro.pl/messaging/message-attachments/{id}"
            ))
        };
        let event = thread_event(
            &integration(),
            &common,
            &list,
            "sklep",
            Some(&OrderContext::default()),
            &url,
            Utc::now(),
        );
        assert_eq!(
            event.conversation.kind,
            ConversationKind::AllegroCommonThread
        );
        assert_eq!(event.subject, COMMON_THREAD_SUBJECT);
        assert_eq!(event.buyer_login, "kupujacy");
        assert_eq!(event.marketplace_status, "OPEN");
        assert!(event.open_for_replies);
        let authors: Vec<AuthorKind> = event.messages.iter().map(|m| m.author).collect();
        assert_eq!(
            authors,
            [
                AuthorKind::Buyer,
                AuthorKind::SellerViaMarketplace,
                AuthorKind::MarketplaceStaff,
                AuthorKind::MarketplaceStaff
            ]
        );
        let file = &event.messages[1].attachments[0];
        assert_eq!(file.filename, "faktura.pdf");
        assert_eq!(file.content_type.as_deref(), Some("application/pdf"));
        assert!(file.url.ends_with("/message-attachments/att1"));
        assert_eq!(
            event.panel,
            TicketPanel::default(),
            "no order, no reason, no link"
        );
    }

    #[test]
    fn purchase_problems_carry_their_subtype_and_order() {
        let problem = thread(
            r#"{"id":"t2","type":"POST_PURCHASE_ISSUE","subType":"PRODUCT_ARRIVED_DAMAGED",
                "participants":[{"role":"BUYER","login":"kupujacy"},{"role":"SELLER","login":"sklep"}],
                "orders":[{"id":"c9","offers":[{"id":"5","quantity":1}]}],"status":"CLOSED"}"#,
        );
        let none = |_: &str| None;
        let event = thread_event(
            &integration(),
            &problem,
            &[],
            "sklep",
            Some(&OrderContext::default()),
            &none,
            Utc::now(),
        );
        assert_eq!(
            event.conversation.kind,
            ConversationKind::AllegroPurchaseProblem
        );
        assert_eq!(event.subject, "Przedmiot dotarł uszkodzony");
        assert_eq!(
            event.panel.reason_code.as_deref(),
            Some("PRODUCT_ARRIVED_DAMAGED")
        );
        assert_eq!(event.order_id.as_deref(), Some("c9"));
        assert_eq!(
            event.panel.order_url.as_deref(),
            Some("https://allegro.pl/moje-allegro/sprzedaz/zamowienia/c9")
        );
        assert_eq!(event.marketplace_status, "CLOSED");
        assert!(!event.open_for_replies);
        let unknown = thread(
            r#"{"id":"t3","type":"RETURN_REQUEST","subType":"NEW_SUBTYPE","status":"ARCHIVED"}"#,
        );
        assert_eq!(
            thread_kind(&unknown),
            ConversationKind::AllegroPurchaseProblem
        );
        assert_eq!(thread_subject(&unknown), "NEW_SUBTYPE");
        assert_eq!(thread_status(&unknown), "ARCHIVED");
    }
}
