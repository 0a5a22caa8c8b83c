//! The SLA clock: `respond_by` in business time from the buyer's first unanswered message,
//! first- and next-response targets, autoresponses not stopping it, and the deadline notices
//! sent once each from the scheduler tick.

mod support;

use chrono::{DateTime, Duration, Utc};
use marketdesk_core::domain::{
    Actor, AuthorKind, BusinessHours, Integration, SlaSettings, SlaTarget, Ticket,
};
use marketdesk_core::ids::TicketId;
use marketdesk_core::ports::Clock;
use marketdesk_core::repo::{integrations, tickets};
use marketdesk_core::services::sla::{self, SlaReport};
use marketdesk_core::services::{ingest, workflow};
use support::*;

fn utc(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text)
        .expect("time")
        .with_timezone(&Utc)
}

async fn with_sla(b: &Backend, sla: SlaSettings, alert_emails: &[&str]) -> Integration {
    let mut i = connected_allegro(&b.ports, "t1").await;
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("integration");
    i.settings.sla = sla;
    i.settings.alert_emails = alert_emails.iter().map(|a| a.to_string()).collect();
    integrations::update(&*b.ports.store, &i, stored.version)
        .await
        .expect("settings");
    i
}

async fn said(b: &Backend, i: &Integration, messages: Vec<(&str, AuthorKind, i64)>) -> TicketId {
    let messages = messages
        .into_iter()
        .map(|(id, author, minute)| message(id, author, "…", minute))
        .collect();
    ingest::run(
        &b.ports,
        &dispute(i, "issue-1", "DISPUTE_ONGOING", messages),
    )
    .await
    .expect("ingest")
    .ticket_id
}

async fn ticket(b: &Backend, i: &Integration, id: &TicketId) -> Ticket {
    tickets::get(&*b.ports.store, &i.tenant_id, id)
        .await
        .expect("get")
        .expect("ticket")
        .value
}

/// Every day, all day, no holidays: business time is wall-clock time.
fn always(first: u32, next: u32, warn_minutes: u32) -> SlaSettings {
    SlaSettings {
        first_response_hours: first,
        next_response_hours: next,
        warn_before_minutes: warn_minutes,
        business_hours: BusinessHours {
            days: vec![1, 2, 3, 4, 5, 6, 7],
            start: "00:00".into(),
            end: "24:00".into(),
        },
        holidays_off: false,
    }
}

#[tokio::test]
async fn respond_by_counts_business_time_from_the_first_unanswered_buyer_message() {
    let b = backend();
    // The default calendar: Monday to Friday, whole days, Polish holidays off; 24 h first,
    // 4 h next response.
    let i = with_sla(
        &b,
        SlaSettings {
            next_response_hours: 4,
            ..SlaSettings::default()
        },
        &[],
    )
    .await;
    // Sunday 2026-11-22 10:00 Warsaw: the clock starts Monday 00:00 (Sunday 23:00 UTC) and
    // runs 24 h, to Tuesday 00:00.
    let id = said(&b, &i, vec![("m1", AuthorKind::Buyer, 0)]).await;
    let t = ticket(&b, &i, &id).await;
    assert_eq!(t.workflow.respond_by, Some(utc("2026-11-23T23:00:00Z")));
    assert_eq!(
        t.workflow.sla.as_ref().map(|c| c.target),
        Some(SlaTarget::FirstResponse)
    );

    // A second buyer message and an autoresponse do not move or stop the clock.
    let id = said(
        &b,
        &i,
        vec![
            ("m2", AuthorKind::Buyer, 5),
            ("auto", AuthorKind::Autoresponder, 6),
        ],
    )
    .await;
    let t = ticket(&b, &i, &id).await;
    assert!(t.needs_reply);
    assert_eq!(t.workflow.respond_by, Some(utc("2026-11-23T23:00:00Z")));

    // The seller answers on the marketplace's site: no deadline.
    said(&b, &i, vec![("s1", AuthorKind::SellerViaMarketplace, 60)]).await;
    let t = ticket(&b, &i, &id).await;
    assert_eq!((t.workflow.respond_by, t.workflow.sla), (None, None));

    // The buyer writes again: the next-response target from that message.
    said(&b, &i, vec![("m3", AuthorKind::Buyer, 120)]).await;
    let t = ticket(&b, &i, &id).await;
    assert_eq!(
        t.workflow.sla.as_ref().map(|c| c.target),
        Some(SlaTarget::NextResponse)
    );
    assert_eq!(t.workflow.respond_by, Some(utc("2026-11-23T03:00:00Z")));
}

#[tokio::test]
async fn deadline_notices_go_once_each_to_the_assignee_or_the_alert_addresses() {
    let b = backend();
    let i = with_sla(&b, always(4, 4, 60), &["zespol@sklep.pl"]).await;
    // The buyer writes at 09:00 UTC: answer by 13:00, near from 12:00.
    let id = said(&b, &i, vec![("m1", AuthorKind::Buyer, 0)]).await;
    assert_eq!(
        ticket(&b, &i, &id).await.workflow.respond_by,
        Some(start() + Duration::hours(4))
    );
    let tick = || async {
        sla::notify_due(&b.ports, b.clock.now())
            .await
            .expect("tick")
    };

    b.clock.set(start() + Duration::minutes(179));
    assert_eq!(tick().await, SlaReport::default());
    b.clock.set(start() + Duration::hours(3));
    assert_eq!(tick().await.nearing, 1);
    assert_eq!(tick().await, SlaReport::default(), "sent once");
    let mails = b.notifier.recorded().await.expect("mails");
    assert_eq!(mails.len(), 1);
    assert_eq!(mails[0].notification.to, ["zespol@sklep.pl"], "unassigned");
    assert!(mails[0].notification.subject.contains("soon"));

    // Assigned now: the breach goes to the assignee.
    let ola = add_user(&b, "t1", "Ola", true).await;
    workflow::patch(
        &b.ports,
        &i.tenant_id,
        &id,
        &Actor::User {
            id: ola.clone(),
            name: "Ola".into(),
        },
        serde_json::from_value(serde_json::json!({ "assignee": ola.0 })).expect("patch"),
    )
    .await
    .expect("assigned");
    b.clock.set(start() + Duration::hours(4));
    assert_eq!(tick().await.breached, 1);
    b.clock.set(start() + Duration::hours(5));
    assert_eq!(tick().await, SlaReport::default(), "sent once");
    let mails = b.notifier.recorded().await.expect("mails");
    assert_eq!(mails.len(), 2);
    assert_eq!(mails[1].notification.to, ["ola@sklep.pl"]);
    assert!(mails[1].notification.subject.contains("overdue"));

    // A new wait (the seller answered, the buyer wrote again) arms both notices again.
    said(&b, &i, vec![("s1", AuthorKind::SellerViaMarketplace, 301)]).await;
    said(&b, &i, vec![("m2", AuthorKind::Buyer, 302)]).await;
    b.clock.set(start() + Duration::minutes(302 + 240));
    assert_eq!(
        tick().await.breached,
        1,
        "only the breach once both are due"
    );
    assert_eq!(b.notifier.recorded().await.expect("mails").len(), 3);
}

#[tokio::test]
async fn a_conversation_imported_past_its_deadline_sends_no_notice() {
    let b = backend();
    let i = with_sla(&b, always(4, 4, 60), &["zespol@sklep.pl"]).await;
    b.clock.set(start() + Duration::days(3));
    let id = said(&b, &i, vec![("m1", AuthorKind::Buyer, 0)]).await;
    let t = ticket(&b, &i, &id).await;
    assert_eq!(t.workflow.respond_by, Some(start() + Duration::hours(4)));
    assert_eq!(
        sla::notify_due(&b.ports, b.clock.now())
            .await
            .expect("tick"),
        SlaReport::default()
    );
    assert!(b.notifier.recorded().await.expect("mails").is_empty());
}

#[tokio::test]
async fn sla_settings_are_checked_with_the_field_named() {
    use marketdesk_core::services::integrations::{apply_settings, SettingsPatch};
    for (patch, field) in [
        (
            serde_json::json!({ "sla": { "first_response_hours": 0 } }),
            "settings.sla.first_response_hours",
        ),
        (
            serde_json::json!({ "sla": { "next_response_hours": 721 } }),
            "settings.sla.next_response_hours",
        ),
        (
            serde_json::json!({ "sla": { "warn_before_minutes": 10081 } }),
            "settings.sla.warn_before_minutes",
        ),
        (
            serde_json::json!({ "sla": { "business_hours": { "days": [], "start": "08:00", "end": "16:00" } } }),
            "settings.sla.business_hours.days",
        ),
        (
            serde_json::json!({ "sla": { "business_hours": { "days": [1], "start": "16:00", "end": "08:00" } } }),
            "settings.sla.business_hours.end",
        ),
        (
            serde_json::json!({ "sla": { "business_hours": { "days": [1], "start": "8", "end": "24:00" } } }),
            "settings.sla.business_hours.start",
        ),
    ] {
        let mut settings = Default::default();
        let patch: SettingsPatch = serde_json::from_value(patch.clone()).expect("patch");
        match apply_settings(&mut settings, patch) {
            Err(marketdesk_core::services::request::RequestError::Invalid { field: f, .. }) => {
                assert_eq!(f, field)
            }
            other => panic!("{field}: {other:?}"),
        }
    }
    let mut settings = Default::default();
    let patch: SettingsPatch = serde_json::from_value(serde_json::json!({
        "sla": { "first_response_hours": 8, "business_hours": { "days": [1, 2, 3, 4, 5, 6], "start": "8:00", "end": "24:00" }, "holidays_off": false }
    }))
    .expect("patch");
    apply_settings(&mut settings, patch).expect("valid");
    assert_eq!(settings.sla.first_response_hours, 8);
    assert_eq!(settings.sla.next_response_hours, 24, "kept");
    assert!(!settings.sla.holidays_off);
}
