//! The pages' templates and what they show, built from the core's types: every value a
//! template prints is ready here (words from [`Strings`], times in Europe/Warsaw), so the
//! templates hold no logic beyond loops and conditions. The engine escapes all output.

use super::format::{source_name, time};
use super::i18n::Strings;
use super::Layout;
use askama::Template;
use chrono::{DateTime, Utc};
use marketdesk_core::domain::{AuthorKind, Marketplace, Message, ReplyState, Ticket, TicketStatus};
use marketdesk_core::services::ticket_views::TicketQuery;
use marketdesk_core::services::workspace::{TicketRow, TicketWorkspace};

/// The sign-in page.
#[derive(Template)]
#[template(path = "sign_in.html")]
pub(crate) struct SignInPage {
    pub l: Layout,
    pub t: &'static Strings,
    /// The words of the people pages (the password-reset link).
    pub w: &'static super::words::Words,
    /// The double-submit CSRF token of the form.
    pub csrf: String,
    /// The address typed before (after a refusal).
    pub email: String,
}

/// One choice of a filter.
pub(crate) struct Choice {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

/// One row of the list.
pub(crate) struct RowView {
    pub href: String,
    pub subject: String,
    pub customer: Option<String>,
    pub login_label: &'static str,
    pub login: String,
    pub source: &'static str,
    pub source_code: &'static str,
    pub account: Option<String>,
    pub preview: String,
    pub last_author: &'static str,
    /// Answered only by the autoresponder: a person still has to (shown grey).
    pub greyed: bool,
    pub delivery_failed: bool,
    pub delivery_label: &'static str,
    pub status: &'static str,
    pub status_code: &'static str,
    pub needs_reply: bool,
    pub activity: String,
    pub activity_iso: String,
    /// The SLA deadline with the time left (or overdue), when one runs.
    pub sla: Option<super::ticket_controls::Deadline>,
    /// The assignee's name.
    pub assignee: Option<String>,
}

/// The ticket list.
#[derive(Template)]
#[template(path = "tickets.html")]
pub(crate) struct TicketsPage {
    pub l: Layout,
    pub t: &'static Strings,
    pub sources: Vec<Choice>,
    pub statuses: Vec<Choice>,
    pub needs_reply: Vec<Choice>,
    pub last_author: Vec<Choice>,
    pub delivery: Vec<Choice>,
    pub rows: Vec<RowView>,
    pub next_href: Option<String>,
    /// The words of the views, sort and search.
    pub lw: &'static super::ticket_list::ListWords,
    /// The views with their counts.
    pub view_links: Vec<super::ticket_list::ViewLink>,
    /// The order choices (every view, filter and search has them).
    pub sort_links: Vec<super::ticket_list::ViewLink>,
    /// Account, queue, category, tag and assignee filters, and what the forms carry along.
    pub more: super::list_filters::MoreFilters,
    /// The search box's text.
    pub q: String,
    /// Where the rows' fragment is read for live updates.
    pub rows_href: String,
}

/// The rows of the list alone (the live update replaces the table's body with them).
#[derive(Template)]
#[template(path = "ticket_rows.html")]
pub(crate) struct RowsFragment {
    pub t: &'static Strings,
    pub rows: Vec<RowView>,
}

/// A file of a message.
pub(crate) struct FileView {
    pub name: String,
    pub href: Option<String>,
    pub is_image: bool,
}

/// A reply's delivery.
pub(crate) struct DeliveryView {
    pub class: &'static str,
    pub label: &'static str,
    pub failure: Option<String>,
    /// Where the retry button posts (failed replies only).
    pub retry_action: Option<String>,
}

/// One entry of the conversation.
pub(crate) struct MessageView {
    /// The style of the author: buyer, seller, staff, system, autoresponder, comment.
    pub class: &'static str,
    pub author: &'static str,
    pub name: Option<String>,
    pub is_comment: bool,
    pub time: String,
    pub time_iso: String,
    pub text: String,
    pub files: Vec<FileView>,
    pub delivery: Option<DeliveryView>,
}

/// One product of the panel.
pub(crate) struct ProductView {
    pub name: String,
    pub quantity: u32,
    pub offer_id: Option<String>,
    pub offer_url: Option<String>,
    pub ean: Option<String>,
}

/// A ticket.
#[derive(Template)]
#[template(path = "ticket.html")]
pub(crate) struct TicketPage {
    pub l: Layout,
    pub t: &'static Strings,
    pub csrf: String,
    pub subject: String,
    pub messages: Vec<MessageView>,
    pub post_action: String,
    pub open_for_replies: bool,
    pub comment_mode: bool,
    pub text: String,
    pub form_error: Option<String>,
    pub limits: String,
    pub accept: Option<String>,
    pub can_ask_to_confirm: bool,
    pub closure_message: Option<String>,
    pub reason_code: Option<String>,
    pub conversation_url: Option<String>,
    pub status: &'static str,
    pub status_code: &'static str,
    pub needs_reply: bool,
    pub marketplace_status: String,
    pub source: &'static str,
    pub account: Option<String>,
    pub order_id: Option<String>,
    pub order_url: Option<String>,
    /// The marketdesk order of the conversation's checkout form, in a line.
    pub desk_order: Option<String>,
    pub products: Vec<ProductView>,
    pub customer_name: Option<String>,
    pub login_label: &'static str,
    pub login: String,
    pub customer_emails: Vec<String>,
    pub customer_fields: Vec<(String, String)>,
    /// The customer's card (`/customers/{id}`), when the ticket is linked to one.
    pub customer_href: Option<String>,
    /// The workflow controls, the assignee and the SLA deadline.
    pub c: super::ticket_controls::Controls,
    /// The saved replies and the signature of the reply box.
    pub rt: super::reply_tools::ReplyTools,
}

/// An order in one line: status, fulfillment status, total (`nowe · realizacja: SENT · 24.99 PLN`).
pub(crate) fn order_line(t: &Strings, order: &marketdesk_core::domain::order::Order) -> String {
    use marketdesk_core::domain::order::OrderStatus;
    let mut parts = vec![match order.status {
        OrderStatus::New => t.order_statuses[0].to_owned(),
        OrderStatus::Cancelled => t.order_statuses[1].to_owned(),
    }];
    if let Some(status) = &order.fulfillment_status {
        parts.push(format!("{}: {status}", t.fulfillment));
    }
    if let Some(total) = &order.total {
        parts.push(format!("{} {}", total.amount, total.currency));
    }
    parts.join(" · ")
}

/// What the buyer's identifier is called: the Allegro login or the Empik customer id.
fn login_label(t: &'static Strings, source: Marketplace) -> &'static str {
    match source {
        Marketplace::Allegro => t.allegro_login,
        Marketplace::Empik => t.empik_id,
    }
}

/// The author's style in the conversation.
fn author_class(author: AuthorKind) -> &'static str {
    match author {
        AuthorKind::Buyer | AuthorKind::MarketplaceForBuyer => "buyer",
        AuthorKind::SellerViaMarketdesk | AuthorKind::SellerViaMarketplace => "seller",
        AuthorKind::MarketplaceStaff => "staff",
        AuthorKind::MarketplaceSystem => "system",
        AuthorKind::Autoresponder => "autoresponder",
        AuthorKind::InternalComment => "comment",
    }
}

/// The filter choices, the current query's selected.
pub(crate) fn filter_choices(t: &'static Strings, query: &TicketQuery) -> [Vec<Choice>; 5] {
    let choice = |value, label, selected| Choice {
        value,
        label,
        selected,
    };
    let sources = vec![
        choice("", t.any, query.source.is_none()),
        choice(
            "allegro",
            "Allegro",
            query.source == Some(Marketplace::Allegro),
        ),
        choice(
            "empikplace",
            "EmpikPlace",
            query.source == Some(Marketplace::Empik),
        ),
    ];
    let mut statuses = vec![choice("", t.any, query.status.is_none())];
    for status in [
        TicketStatus::Open,
        TicketStatus::Pending,
        TicketStatus::Solved,
        TicketStatus::Closed,
    ] {
        let selected = query.status.as_ref() == Some(&status);
        statuses.push(choice(status.as_str(), t.status(&status), selected));
    }
    let needs_reply = vec![
        choice("", t.any, query.needs_reply.is_none()),
        choice("true", t.yes, query.needs_reply == Some(true)),
        choice("false", t.no, query.needs_reply == Some(false)),
    ];
    let last_author = vec![
        choice("", t.any, query.last_author.is_none()),
        choice(
            "autoresponder",
            t.only_autoresponder,
            query.last_author == Some(AuthorKind::Autoresponder),
        ),
    ];
    let delivery = vec![
        choice("", t.any, query.delivery.is_none()),
        choice("failed", t.delivery_failed_filter, query.delivery.is_some()),
    ];
    [sources, statuses, needs_reply, last_author, delivery]
}

/// A list row at `now`; `people` name the assignee.
pub(crate) fn row(
    t: &'static Strings,
    row: TicketRow,
    now: DateTime<Utc>,
    people: &[marketdesk_core::domain::User],
) -> RowView {
    let ticket = row.ticket;
    let cw = super::ticket_controls::words(t.lang);
    let sla = ticket
        .workflow
        .respond_by
        .map(|at| super::ticket_controls::deadline(cw, t, at, now));
    let assignee = ticket.workflow.assignee.as_ref().map(|id| {
        people
            .iter()
            .find(|u| &u.id == id)
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    });
    let (activity, activity_iso) = time(t, ticket.updated_at);
    let (preview, last_author) = match row.preview {
        Some(preview) => (preview.text, t.author(preview.author)),
        None => (String::new(), ""),
    };
    RowView {
        href: format!("/tickets/{}", ticket.id),
        subject: ticket.subject.clone(),
        customer: row.customer_name,
        login_label: login_label(t, ticket.source),
        login: ticket.buyer_login.clone(),
        source: source_name(ticket.source),
        source_code: ticket.source.as_str(),
        account: row.account,
        preview,
        last_author: ticket.last_author.map_or(last_author, |a| t.author(a)),
        greyed: ticket.last_author == Some(AuthorKind::Autoresponder),
        delivery_failed: ticket.delivery == Some(ReplyState::Failed),
        delivery_label: t.delivery_state(ReplyState::Failed),
        status: t.status(&ticket.status),
        status_code: ticket.status.as_str(),
        needs_reply: ticket.needs_reply,
        activity,
        activity_iso,
        sla,
        assignee,
    }
}

/// One conversation entry.
fn message(t: &'static Strings, ticket: &Ticket, m: Message) -> MessageView {
    let (time, time_iso) = time(t, m.created_at);
    let delivery = m.delivery.map(|d| DeliveryView {
        class: match d.state {
            ReplyState::Sending => "sending",
            ReplyState::Sent => "sent",
            ReplyState::Failed => "failed",
            ReplyState::Cancelled => "cancelled",
        },
        label: t.delivery_state(d.state),
        failure: d.failure.filter(|_| d.state != ReplyState::Sent),
        retry_action: (d.state == ReplyState::Failed && ticket.open_for_replies)
            .then(|| format!("/tickets/{}/replies/{}/retry", ticket.id, d.reply_id)),
    });
    MessageView {
        class: author_class(m.author),
        author: t.author(m.author),
        name: m.author_name,
        is_comment: m.author == AuthorKind::InternalComment,
        time,
        time_iso,
        text: m.text,
        files: m
            .attachments
            .into_iter()
            .map(|a| FileView {
                is_image: a
                    .content_type
                    .as_deref()
                    .is_some_and(|c| c.starts_with("image/")),
                href: a.link,
                name: a.filename,
            })
            .collect(),
        delivery,
    }
}

/// What the reply box holds when the page is shown again after a refusal.
#[derive(Default)]
pub(crate) struct Draft {
    /// The text typed.
    pub text: String,
    /// Whether it was an internal comment.
    pub comment: bool,
    /// Why it was not saved.
    pub error: Option<String>,
    /// The saved reply the text was filled from.
    pub saved_reply: Option<String>,
}

/// The ticket page.
pub(crate) fn ticket_page(
    l: Layout,
    t: &'static Strings,
    csrf: String,
    workspace: TicketWorkspace,
    draft: Draft,
    c: super::ticket_controls::Controls,
    saved: Vec<marketdesk_core::domain::SavedReply>,
) -> TicketPage {
    let rt = super::reply_tools::tools(
        t.lang,
        &workspace.detail.ticket.id,
        saved,
        draft.saved_reply.as_deref(),
        workspace.signature.clone(),
    );
    let detail = workspace.detail;
    let ticket = detail.ticket;
    let messages = detail
        .messages
        .into_iter()
        .map(|m| message(t, &ticket, m))
        .collect();
    let customer_href = detail
        .customer
        .as_ref()
        .map(|c| format!("/customers/{}", c.id));
    let desk_order = detail.order.as_ref().map(|order| order_line(t, order));
    let (customer_name, customer_emails, customer_fields) = match detail.customer {
        Some(c) => (
            Some(c.name),
            c.emails,
            c.custom_fields.into_iter().collect(),
        ),
        None => (None, Vec::new(), Vec::new()),
    };
    TicketPage {
        l,
        t,
        csrf,
        subject: ticket.subject.clone(),
        messages,
        post_action: format!("/tickets/{}", ticket.id),
        open_for_replies: ticket.open_for_replies,
        comment_mode: draft.comment,
        text: draft.text,
        form_error: draft.error,
        limits: t.limits(&workspace.limits, workspace.attachment_bytes_used),
        accept: workspace.limits.content_types.map(|types| types.join(",")),
        can_ask_to_confirm: workspace.can_ask_to_confirm,
        closure_message: workspace.closure_message,
        reason_code: ticket.panel.reason_code.clone(),
        conversation_url: ticket.panel.conversation_url.clone(),
        status: t.status(&ticket.status),
        status_code: ticket.status.as_str(),
        needs_reply: ticket.needs_reply,
        marketplace_status: ticket.marketplace_status.clone(),
        source: source_name(ticket.source),
        account: workspace.account,
        order_id: ticket.order_id.clone(),
        order_url: ticket.panel.order_url.clone(),
        desk_order,
        products: ticket
            .panel
            .products
            .iter()
            .map(|p| ProductView {
                name: p.name.clone(),
                quantity: p.quantity,
                offer_id: p.offer_id.clone(),
                offer_url: p.offer_url.clone(),
                ean: p.ean.clone(),
            })
            .collect(),
        customer_name,
        login_label: login_label(t, ticket.source),
        login: ticket.buyer_login.clone(),
        customer_emails,
        customer_fields,
        customer_href,
        c,
        rt,
    }
}
