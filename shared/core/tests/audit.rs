//! The audit log: every change by a person or key recorded with actor, time, before and
//! after (secrets redacted), kept a year, listed newest first with filters and a cursor.

mod support;

use chrono::Duration;
use marketdesk_core::domain::{Actor, AuthorKind, ReplyState, Role, SubjectKind};
use marketdesk_core::ids::{ApiKeyId, TenantId};
use marketdesk_core::ports::{Query, SortKeyCondition, UncheckedCredentials};
use marketdesk_core::repo::replies as reply_repo;
use marketdesk_core::services::api_keys::{self, Caller};
use marketdesk_core::services::audit::{self, AuditQuery, REDACTED};
use marketdesk_core::services::people::{resets, users, PeopleSettings};
use marketdesk_core::services::{comments, ingest, integrations, replies};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};
use support::*;

fn admin(id: &str) -> Actor {
    Actor::ApiKey {
        id: ApiKeyId::from(id),
        name: Some(format!("key {id}")),
    }
}

fn query(json: Value) -> AuditQuery {
    serde_json::from_value(json).expect("query")
}

async fn all(
    b: &Backend,
    tenant: &str,
    filters: Value,
) -> Vec<marketdesk_core::domain::AuditEntry> {
    audit::list(&b.ports, &TenantId::from(tenant), &query(filters))
        .await
        .expect("listed")
        .entries
}

#[tokio::test]
async fn comments_and_replies_are_recorded_with_their_actor_and_the_ticket() {
    let b = backend();
    let i = connected_allegro(&b.ports, "t1").await;
    let ticket = ingest::run(
        &b.ports,
        &dispute(
            &i,
            "d-1",
            "ONGOING",
            vec![message("m1", AuthorKind::Buyer, "Hej", 0)],
        ),
    )
    .await
    .expect("ingest")
    .ticket_id;
    let agent = admin("k-agent");
    comments::add(
        &b.ports,
        &i.tenant_id,
        &ticket,
        Some(&agent),
        serde_json::from_str(r#"{"text":"Notatka"}"#).expect("c"),
    )
    .await
    .expect("comment");
    b.clock.advance(Duration::seconds(5));
    let reply = replies::submit(
        &b.ports,
        &i.tenant_id,
        &ticket,
        Some(&agent),
        serde_json::from_str(r#"{"text":"Dzień dobry"}"#).expect("r"),
    )
    .await
    .expect("reply");
    // The reply failed; a person sends it again.
    let stored = reply_repo::get(&*b.ports.store, &i.tenant_id, &ticket, &reply.id)
        .await
        .expect("read")
        .expect("reply");
    let mut failed = stored.value.clone();
    failed.state = ReplyState::Failed;
    reply_repo::update(&*b.ports.store, &i.tenant_id, &failed, stored.version)
        .await
        .expect("failed");
    b.clock.advance(Duration::seconds(5));
    replies::retry(&b.ports, &i.tenant_id, &ticket, Some(&agent), &reply.id)
        .await
        .expect("retried");

    let entries = all(
        &b,
        "t1",
        json!({"subject_type": "ticket", "subject_id": ticket.as_str()}),
    )
    .await;
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "ticket.reply_retried",
            "ticket.reply_submitted",
            "ticket.comment_added"
        ],
        "newest first"
    );
    for entry in &entries {
        assert_eq!(entry.actor.as_ref(), Some(&agent));
        assert_eq!(entry.subject.kind, SubjectKind::Ticket);
    }
    assert_eq!(entries[2].after.as_ref().expect("after")["text"], "Notatka");
    assert_eq!(
        entries[0].before.as_ref().expect("before")["state"],
        "failed"
    );
    assert_eq!(
        entries[0].after.as_ref().expect("after")["state"],
        "sending"
    );
    assert_eq!(entries[0].at, entries[1].at + Duration::seconds(5));
    // Another tenant sees none of it.
    assert!(all(&b, "t2", json!({})).await.is_empty());
}

#[tokio::test]
async fn keys_and_integrations_are_recorded_without_their_secrets_and_kept_a_year() {
    let b = backend();
    let tenant = TenantId::from("t1");
    let boss = admin("k-boss");
    let created = api_keys::create(
        &b.ports,
        &tenant,
        Some(&boss),
        serde_json::from_value(json!({"role": "agent", "name": "bot"})).expect("k"),
    )
    .await
    .expect("key");
    api_keys::revoke(&b.ports, &tenant, Some(&boss), &created.key.id)
        .await
        .expect("revoked");
    let integration = integrations::create(
        &b.ports,
        &UncheckedCredentials,
        &tenant,
        Some(&boss),
        serde_json::from_value(
            json!({"kind": "empikplace", "display_name": "Empik", "api_key": "mirakl-key-123"}),
        )
        .expect("i"),
    )
    .await
    .expect("integration");
    integrations::update(
        &b.ports,
        &UncheckedCredentials,
        &tenant,
        Some(&boss),
        &integration.id,
        serde_json::from_value(json!({"display_name": "Empik 2", "api_key": "mirakl-key-456"}))
            .expect("p"),
    )
    .await
    .expect("updated");
    integrations::delete(&b.ports, &tenant, Some(&boss), &integration.id)
        .await
        .expect("deleted");

    let entries = all(&b, "t1", json!({})).await;
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "integration.deleted",
            "integration.updated",
            "integration.created",
            "api_key.revoked",
            "api_key.created"
        ]
    );
    assert!(entries.iter().all(|e| e.actor.as_ref() == Some(&boss)));
    let updated = &entries[1];
    assert_eq!(
        updated.before.as_ref().expect("before")["display_name"],
        "Empik"
    );
    assert_eq!(
        updated.after.as_ref().expect("after")["display_name"],
        "Empik 2"
    );
    assert_eq!(updated.after.as_ref().expect("after")["api_key"], REDACTED);
    assert_eq!(
        entries[4].after.as_ref().expect("after")["hint"],
        created.key.hint
    );
    assert_eq!(entries[2].subject.id, integration.id.as_str());

    // Nothing secret in any stored entry, and each expires a year after it was written.
    let page = b
        .ports
        .store
        .query(&Query::partition("TENANT#t1#AUDIT").sort(SortKeyCondition::All))
        .await
        .expect("raw");
    assert_eq!(page.items.len(), 5);
    for item in &page.items {
        let text = item.data.to_string();
        for secret in [
            created.secret.expose_secret(),
            "mirakl-key-123",
            "mirakl-key-456",
        ] {
            assert!(!text.contains(secret), "{text}");
        }
        assert_eq!(
            item.expires_at,
            Some((start() + Duration::days(365)).timestamp())
        );
    }
}

#[tokio::test]
async fn people_changes_are_recorded_and_passwords_never() {
    let b = backend();
    let settings = PeopleSettings::default().with_default_public_url("https://desk.example");
    let boss = admin("k-boss");
    let caller = Caller {
        tenant_id: "t1".into(),
        role: Role::Admin,
        actor: boss.clone(),
        session: None,
    };
    let invited = users::invite(
        &b.ports,
        &settings,
        &caller,
        serde_json::from_value(json!({"email": "ola@example.com", "role": "agent"})).expect("u"),
    )
    .await
    .expect("invited");
    let token = invited
        .link
        .expose_secret()
        .rsplit('/')
        .next()
        .expect("token")
        .to_owned();
    let password = "bardzo-tajne-haslo-1";
    let accepted = users::accept_invitation(
        &b.ports,
        &SecretString::from(token),
        serde_json::from_value(json!({"name": "Ola", "password": password})).expect("a"),
    )
    .await
    .expect("accepted");
    users::update(
        &b.ports,
        &caller,
        &accepted.id,
        serde_json::from_value(json!({"role": "admin"})).expect("p"),
    )
    .await
    .expect("updated");
    resets::request(
        &b.ports,
        &settings,
        serde_json::from_value(json!({"email": "ola@example.com"})).expect("r"),
    )
    .await
    .expect("requested");
    let mail = b
        .notifier
        .recorded()
        .await
        .expect("recorded")
        .last()
        .cloned()
        .expect("reset mail")
        .notification;
    let reset_token = mail
        .body
        .split_whitespace()
        .find(|w| w.contains("/password-resets/"))
        .expect("link")
        .rsplit('/')
        .next()
        .expect("t")
        .to_owned();
    let new_password = "jeszcze-bardziej-tajne-2";
    resets::complete(
        &b.ports,
        &SecretString::from(reset_token),
        serde_json::from_value(json!({"password": new_password})).expect("n"),
    )
    .await
    .expect("reset");

    let entries = all(
        &b,
        "t1",
        json!({"subject_type": "user", "subject_id": accepted.id.as_str()}),
    )
    .await;
    let actions: Vec<_> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.password_reset",
            "user.updated",
            "user.invitation_accepted",
            "user.invited"
        ]
    );
    let own = Actor::User {
        id: accepted.id.clone(),
        name: "Ola".into(),
    };
    assert_eq!(
        entries[0].actor.as_ref(),
        Some(&own),
        "a reset is the person's own"
    );
    assert_eq!(entries[1].actor.as_ref(), Some(&boss));
    assert_eq!(entries[1].before.as_ref().expect("b")["role"], "agent");
    assert_eq!(entries[1].after.as_ref().expect("a")["role"], "admin");
    assert_eq!(entries[2].actor.as_ref(), Some(&own));
    let text = serde_json::to_string(&entries).expect("json");
    for secret in [password, new_password, "argon2"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
}

#[tokio::test]
async fn filters_pick_actions_actors_and_times_and_pages_follow_the_cursor() {
    let b = backend();
    let tenant = TenantId::from("t1");
    let (one, two) = (admin("k-1"), admin("k-2"));
    for n in 0..30 {
        let actor = if n % 3 == 0 { &two } else { &one };
        api_keys::create(
            &b.ports,
            &tenant,
            Some(actor),
            serde_json::from_value(json!({"role": "agent", "name": format!("k{n}")})).expect("k"),
        )
        .await
        .expect("key");
        b.clock.advance(Duration::minutes(1));
    }
    let by_two = all(&b, "t1", json!({"actor": "k-2", "limit": 100})).await;
    assert_eq!(by_two.len(), 10);
    assert!(by_two.iter().all(|e| e.actor.as_ref() == Some(&two)));
    assert_eq!(
        all(&b, "t1", json!({"action": "api_key.*", "limit": 100}))
            .await
            .len(),
        30
    );
    assert!(all(&b, "t1", json!({"action": "integration.*"}))
        .await
        .is_empty());
    assert_eq!(
        all(
            &b,
            "t1",
            json!({"action": "api_key.created", "actor": "k-1", "limit": 100})
        )
        .await
        .len(),
        20
    );
    // Minutes 10 to 19, both ends included.
    let window = all(
        &b,
        "t1",
        json!({"from": (start() + Duration::minutes(10)).to_rfc3339(), "to": (start() + Duration::minutes(19)).to_rfc3339(), "limit": 100}),
    )
    .await;
    assert_eq!(window.len(), 10);
    assert_eq!(window[0].after.as_ref().expect("a")["name"], "k19");
    assert_eq!(window[9].after.as_ref().expect("a")["name"], "k10");

    // Pages of 7 over the 20 entries of k-1, newest first, nothing twice or left out.
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = audit::list(
            &b.ports,
            &tenant,
            &query(json!({"actor": "k-1", "limit": 7, "cursor": cursor})),
        )
        .await
        .expect("page");
        seen.extend(page.entries.iter().map(|e| {
            e.after.as_ref().expect("a")["name"]
                .as_str()
                .expect("name")
                .to_owned()
        }));
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let expected: Vec<String> = (0..30)
        .rev()
        .filter(|n| n % 3 != 0)
        .map(|n| format!("k{n}"))
        .collect();
    assert_eq!(seen, expected);
}

#[tokio::test]
async fn a_rare_filter_reads_a_bounded_number_of_entries_per_page() {
    let b = backend();
    let tenant = TenantId::from("t1");
    let boss = admin("k-boss");
    let created = api_keys::create(
        &b.ports,
        &tenant,
        Some(&boss),
        serde_json::from_value(json!({"role": "agent"})).expect("k"),
    )
    .await
    .expect("key");
    b.clock.advance(Duration::minutes(1));
    // Many later entries of another action, more than one request reads.
    for n in 0..(audit::SCAN_BUDGET + 50) {
        audit::record(
            &b.ports,
            &tenant,
            Some(&boss),
            "ticket.comment_added",
            marketdesk_core::domain::Subject::new(SubjectKind::Ticket, format!("t{n}")),
            None,
            None,
        )
        .await;
    }
    let first = audit::list(
        &b.ports,
        &tenant,
        &query(json!({"action": "api_key.revoked"})),
    )
    .await
    .expect("page");
    assert!(first.entries.is_empty());
    let cursor = first
        .next_cursor
        .expect("the budget ran out: a cursor to continue");
    let second = audit::list(
        &b.ports,
        &tenant,
        &query(json!({"action": "api_key.created", "cursor": cursor})),
    )
    .await
    .expect("page");
    assert_eq!(second.entries.len(), 1);
    assert_eq!(second.entries[0].subject.id, created.key.id.as_str());
    assert_eq!(second.next_cursor, None);
}

#[tokio::test]
async fn signing_in_and_out_is_recorded_with_the_person() {
    use marketdesk_core::services::people::sessions::{self, SignIn};
    let b = backend();
    let settings = PeopleSettings::default();
    let password = "bardzo-tajne-haslo-2";
    let ola = users::create_with_password(
        &b.ports,
        "t1",
        serde_json::from_value(json!({"email": "ola@example.com", "role": "agent", "name": "Ola"}))
            .expect("user"),
        &SecretString::from(password.to_owned()),
    )
    .await
    .expect("created");
    let sign_in = || async {
        sessions::sign_in(
            &b.ports,
            &settings,
            SignIn {
                email: "ola@example.com".into(),
                password: SecretString::from(password.to_owned()),
            },
            Some("192.0.2.7"),
        )
        .await
        .expect("signed in")
    };
    let caller_of = |token: &SecretString| {
        let token = SecretString::from(token.expose_secret().to_owned());
        let b = &b;
        let settings = &settings;
        async move {
            sessions::authenticate(&b.ports, settings, &token)
                .await
                .expect("read")
                .expect("a session")
        }
    };
    let first = sign_in().await;
    sessions::sign_out(&b.ports, &caller_of(&first.token).await)
        .await
        .expect("signed out");
    let second = sign_in().await;
    sessions::sign_out_everywhere(&b.ports, &caller_of(&second.token).await)
        .await
        .expect("signed out everywhere");

    let entries = all(
        &b,
        "t1",
        json!({ "subject_type": "user", "subject_id": ola.id }),
    )
    .await;
    let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "user.signed_out_everywhere",
            "user.signed_in",
            "user.signed_out",
            "user.signed_in",
            "user.created",
        ],
        "newest first"
    );
    for entry in entries
        .iter()
        .filter(|e| e.action.starts_with("user.signed"))
    {
        assert_eq!(
            entry.actor.as_ref().and_then(|a| a.user_id()),
            Some(&ola.id)
        );
        let text = serde_json::to_string(entry).expect("json");
        assert!(!text.contains(password) && !text.contains("mds_"), "{text}");
    }
}
