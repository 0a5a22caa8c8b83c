//! People over the embedded backend: sign-in, lockout, sessions, invitations, password
//! resets, deactivation, the last-admin rule and who wrote what.

mod support;

use chrono::Duration;
use marketdesk_core::domain::{AuthorKind, Language, Role};
use marketdesk_core::services::caller::Caller;
use marketdesk_core::services::people::resets::{self, NewPassword, ResetRequest};
use marketdesk_core::services::people::sessions::{self, OpenedSession, SignIn, SignInError};
use marketdesk_core::services::people::users::{self, Acceptance, NewUser, UserPatch};
use marketdesk_core::services::people::PeopleSettings;
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::{comments, ingest, replies, timeline};
use secrecy::{ExposeSecret, SecretString};
use support::*;

const PASSWORD: &str = "długie hasło 123";

fn settings() -> PeopleSettings {
    PeopleSettings::default().with_default_public_url("https://desk.example.com/")
}

fn secret(text: &str) -> SecretString {
    SecretString::from(text.to_owned())
}

fn new_user(email: &str, role: Role) -> NewUser {
    NewUser {
        email: email.into(),
        role,
        name: Some(format!("Name of {email}")),
        language: None,
    }
}

async fn user_with_password(b: &Backend, tenant: &str, email: &str, role: Role) {
    users::create_with_password(&b.ports, tenant, new_user(email, role), &secret(PASSWORD))
        .await
        .expect("user created");
}

async fn sign_in(b: &Backend, email: &str, password: &str) -> Result<OpenedSession, SignInError> {
    sign_in_from(b, email, password, Some("192.0.2.1")).await
}

async fn sign_in_from(
    b: &Backend,
    email: &str,
    password: &str,
    client: Option<&str>,
) -> Result<OpenedSession, SignInError> {
    sessions::sign_in(
        &b.ports,
        &settings(),
        SignIn {
            email: email.into(),
            password: secret(password),
        },
        client,
    )
    .await
}

async fn caller_of(b: &Backend, session: &OpenedSession) -> Option<Caller> {
    sessions::authenticate(&b.ports, &settings(), &session.token)
        .await
        .expect("store answers")
}

fn state_code(error: RequestError) -> &'static str {
    match error {
        RequestError::WrongState { code, .. } => code,
        other => panic!("expected a state error, got {other:?}"),
    }
}

#[tokio::test]
async fn sign_in_opens_a_session_and_wrong_answers_look_alike() {
    let b = backend();
    user_with_password(&b, "t1", "Ola@Example.com", Role::Agent).await;

    let opened = sign_in(&b, " ola@example.COM ", PASSWORD)
        .await
        .expect("signed in with any case and spacing of the address");
    assert!(opened.token.expose_secret().starts_with("mds_"));
    assert_eq!(opened.user.email, "ola@example.com");
    assert_eq!(opened.expires_at, start() + Duration::hours(12));
    let caller = caller_of(&b, &opened).await.expect("the session works");
    assert_eq!(caller.role, Role::Agent);
    assert_eq!(caller.tenant_id.as_str(), "t1");
    assert_eq!(
        caller.actor.display_name().as_deref(),
        Some("Name of Ola@Example.com")
    );
    assert!(caller.has_session());
    assert!(sessions::csrf_matches(&opened.token, &opened.csrf_token));
    assert!(!sessions::csrf_matches(&opened.token, "forged"));

    for (email, password) in [
        ("ola@example.com", "wrong password!"),
        ("nobody@example.com", PASSWORD),
    ] {
        let refused = sign_in(&b, email, password).await.expect_err("refused");
        assert!(
            matches!(refused, SignInError::Rejected),
            "{email}: {refused:?}"
        );
    }
    let forged = secret(&format!("mds_{}", "A".repeat(43)));
    assert!(sessions::authenticate(&b.ports, &settings(), &forged)
        .await
        .expect("store answers")
        .is_none());
}

#[tokio::test]
async fn five_failures_lock_an_address_for_15_minutes_whether_or_not_it_exists() {
    let b = backend();
    user_with_password(&b, "t1", "ola@example.com", Role::Agent).await;
    for email in ["ola@example.com", "ghost@example.com"] {
        for attempt in 1..=5 {
            let refused = sign_in(&b, email, "wrong password!")
                .await
                .expect_err("wrong");
            assert!(
                matches!(refused, SignInError::Rejected),
                "{email} #{attempt}"
            );
        }
        // Locked: even the right password waits, and the answer is the same for a ghost.
        match sign_in(&b, email, PASSWORD).await {
            Err(SignInError::Throttled { retry_after }) => {
                assert_eq!(retry_after, Duration::minutes(15), "{email}");
            }
            other => panic!(
                "{email}: expected a lockout, got {:?}",
                other.map(|s| s.user)
            ),
        }
    }
    b.clock.advance(Duration::minutes(15));
    sign_in(&b, "ola@example.com", PASSWORD)
        .await
        .expect("the lock has ended");
    // A success forgets the address's failures: four more do not lock it.
    for _ in 0..4 {
        assert!(sign_in(&b, "ola@example.com", "nope nope nope")
            .await
            .is_err());
    }
    sign_in(&b, "ola@example.com", PASSWORD)
        .await
        .expect("not locked after 4 new failures");
}

#[tokio::test]
async fn many_failures_from_one_client_lock_that_client_only() {
    let b = backend();
    user_with_password(&b, "t1", "ola@example.com", Role::Agent).await;
    for i in 0..30 {
        let email = format!("guess{i}@example.com");
        assert!(matches!(
            sign_in_from(&b, &email, "wrong password!", Some("198.51.100.7")).await,
            Err(SignInError::Rejected)
        ));
    }
    assert!(matches!(
        sign_in_from(&b, "ola@example.com", PASSWORD, Some("198.51.100.7")).await,
        Err(SignInError::Throttled { .. })
    ));
    sign_in_from(&b, "ola@example.com", PASSWORD, Some("192.0.2.50"))
        .await
        .expect("another client signs in");
}

#[tokio::test]
async fn sessions_end_after_two_idle_hours_and_twelve_hours_in_all() {
    let b = backend();
    user_with_password(&b, "t1", "ola@example.com", Role::Agent).await;
    let idle = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");
    let busy = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");
    for _ in 0..11 {
        b.clock.advance(Duration::hours(1));
        assert!(caller_of(&b, &busy).await.is_some(), "used every hour");
    }
    assert!(caller_of(&b, &idle).await.is_none(), "idle for 11 hours");
    b.clock.advance(Duration::minutes(59));
    assert!(
        caller_of(&b, &busy).await.is_some(),
        "11 h 59 min after sign-in"
    );
    b.clock.advance(Duration::minutes(1));
    assert!(
        caller_of(&b, &busy).await.is_none(),
        "12 hours after sign-in"
    );

    let fresh = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");
    b.clock.advance(Duration::hours(2) - Duration::seconds(1));
    assert!(caller_of(&b, &fresh).await.is_some());
    b.clock.advance(Duration::hours(2));
    assert!(caller_of(&b, &fresh).await.is_none(), "two idle hours");
}

#[tokio::test]
async fn sign_out_ends_one_session_and_sign_out_everywhere_ends_all() {
    let b = backend();
    user_with_password(&b, "t1", "ola@example.com", Role::Agent).await;
    let laptop = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");
    let phone = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");
    let tablet = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");

    let on_laptop = caller_of(&b, &laptop).await.expect("in");
    sessions::sign_out(&b.ports, &on_laptop).await.expect("out");
    assert!(caller_of(&b, &laptop).await.is_none());
    let on_phone = caller_of(&b, &phone).await.expect("the phone stays in");

    sessions::sign_out_everywhere(&b.ports, &on_phone)
        .await
        .expect("out everywhere");
    assert!(caller_of(&b, &phone).await.is_none());
    assert!(caller_of(&b, &tablet).await.is_none());
    let again = sign_in(&b, "ola@example.com", PASSWORD)
        .await
        .expect("in again");
    assert!(caller_of(&b, &again).await.is_some());
}

async fn admin_caller(b: &Backend, tenant: &str, email: &str) -> Caller {
    user_with_password(b, tenant, email, Role::Admin).await;
    let opened = sign_in(b, email, PASSWORD).await.expect("admin in");
    caller_of(b, &opened).await.expect("admin session")
}

fn token_of(link: &str) -> SecretString {
    secret(link.rsplit('/').next().expect("a link ends with its token"))
}

#[tokio::test]
async fn an_invitation_is_e_mailed_works_once_and_expires_after_72_hours() {
    let b = backend();
    let admin = admin_caller(&b, "t1", "boss@example.com").await;
    let invited = users::invite(
        &b.ports,
        &settings(),
        &admin,
        NewUser {
            email: "Nowa@Example.com".into(),
            role: Role::Agent,
            name: None,
            language: Some(Language::En),
        },
    )
    .await
    .expect("invited");
    assert!(invited.sent);
    assert!(invited.user.invitation_pending);
    assert_eq!(invited.user.name, "nowa");
    assert_eq!(invited.user.created_by, Some(admin.actor.clone()));
    assert_eq!(invited.expires_at, start() + Duration::hours(72));
    let link = invited.link.expose_secret().to_owned();
    assert!(
        link.starts_with("https://desk.example.com/invitations/mdi_"),
        "{link}"
    );
    assert!(
        !format!("{invited:?}").contains(&link),
        "the link stays out of debug output"
    );
    let mails = b.notifier.recorded().await.expect("recorded");
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].notification.to,
        vec!["nowa@example.com".to_owned()]
    );
    assert!(mails[0].notification.body.contains(&link));
    assert!(
        mails[0].notification.subject.contains("invitation"),
        "English"
    );

    // Not accepted yet: no password, so no sign-in.
    assert!(sign_in(&b, "nowa@example.com", PASSWORD).await.is_err());
    let weak = users::accept_invitation(
        &b.ports,
        &token_of(&link),
        Acceptance {
            name: "Nowa".into(),
            password: secret("short"),
        },
    )
    .await
    .expect_err("too short");
    assert!(matches!(weak, RequestError::Invalid { ref field, .. } if field == "password"));
    let user = users::accept_invitation(
        &b.ports,
        &token_of(&link),
        Acceptance {
            name: " Nowa Agentka ".into(),
            password: secret(PASSWORD),
        },
    )
    .await
    .expect("accepted");
    assert_eq!(user.name, "Nowa Agentka");
    assert!(!user.invitation_pending);
    sign_in(&b, "nowa@example.com", PASSWORD)
        .await
        .expect("signs in");
    let again = users::accept_invitation(
        &b.ports,
        &token_of(&link),
        Acceptance {
            name: "Mallory".into(),
            password: secret("another password"),
        },
    )
    .await
    .expect_err("single use");
    assert_eq!(state_code(again), "invalid_link");

    // The same address cannot be invited twice, in this tenant or another.
    let other_admin = admin_caller(&b, "t2", "boss2@example.com").await;
    let taken = users::invite(
        &b.ports,
        &settings(),
        &other_admin,
        new_user("NOWA@example.com", Role::Agent),
    )
    .await
    .expect_err("taken");
    assert!(matches!(taken, RequestError::Conflict(_)), "{taken:?}");

    let late = users::invite(
        &b.ports,
        &settings(),
        &admin,
        new_user("late@example.com", Role::Agent),
    )
    .await
    .expect("invited");
    b.clock.advance(Duration::hours(72));
    let expired = users::accept_invitation(
        &b.ports,
        &token_of(late.link.expose_secret()),
        Acceptance {
            name: "Late".into(),
            password: secret(PASSWORD),
        },
    )
    .await
    .expect_err("expired");
    assert_eq!(state_code(expired), "invalid_link");
}

#[tokio::test]
async fn invitations_need_a_public_url_for_their_link() {
    let b = backend();
    let admin = admin_caller(&b, "t1", "boss@example.com").await;
    let refused = users::invite(
        &b.ports,
        &PeopleSettings::default(),
        &admin,
        new_user("x@example.com", Role::Agent),
    )
    .await
    .expect_err("no public URL");
    assert_eq!(state_code(refused), "not_configured");
    assert!(
        users::list(&b.ports, &admin.tenant_id)
            .await
            .expect("list")
            .len()
            == 1,
        "nothing stored"
    );
}

#[tokio::test]
async fn password_reset_tells_nothing_works_once_and_ends_sessions() {
    let b = backend();
    user_with_password(&b, "t1", "ola@example.com", Role::Agent).await;
    let before = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");

    resets::request(
        &b.ports,
        &settings(),
        ResetRequest {
            email: "ghost@example.com".into(),
        },
    )
    .await
    .expect("the same answer for an unknown address");
    assert!(b.notifier.recorded().await.expect("recorded").is_empty());

    resets::request(
        &b.ports,
        &settings(),
        ResetRequest {
            email: "OLA@example.com".into(),
        },
    )
    .await
    .expect("asked");
    resets::request(
        &b.ports,
        &settings(),
        ResetRequest {
            email: "ola@example.com".into(),
        },
    )
    .await
    .expect("asked twice within a minute: one e-mail");
    let mails = b.notifier.recorded().await.expect("recorded");
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].notification.subject.contains("hasła"),
        "Polish by default"
    );
    let link = mails[0]
        .notification
        .body
        .lines()
        .find(|line| line.starts_with("https://desk.example.com/password-resets/mdr_"))
        .expect("the link")
        .to_owned();

    resets::complete(
        &b.ports,
        &token_of(&link),
        NewPassword {
            password: secret("nowe hasło 4567"),
        },
    )
    .await
    .expect("reset");
    assert!(
        caller_of(&b, &before).await.is_none(),
        "sessions end with a reset"
    );
    assert!(
        sign_in(&b, "ola@example.com", PASSWORD).await.is_err(),
        "old password"
    );
    sign_in(&b, "ola@example.com", "nowe hasło 4567")
        .await
        .expect("new password");
    let reused = resets::complete(
        &b.ports,
        &token_of(&link),
        NewPassword {
            password: secret("third password"),
        },
    )
    .await
    .expect_err("single use");
    assert_eq!(state_code(reused), "invalid_link");
}

#[tokio::test]
async fn deactivation_ends_sessions_and_the_last_admin_stays() {
    let b = backend();
    let boss = admin_caller(&b, "t1", "boss@example.com").await;
    user_with_password(&b, "t1", "ola@example.com", Role::Agent).await;
    let ola_session = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");
    let ola = caller_of(&b, &ola_session).await.expect("in");
    let ola_id = ola.actor.user_id().expect("a user").clone();
    let boss_id = boss.actor.user_id().expect("a user").clone();

    let off = UserPatch {
        active: Some(false),
        ..UserPatch::default()
    };
    let changed = users::update(&b.ports, &boss, &ola_id, off.clone())
        .await
        .expect("deactivated");
    assert!(!changed.active);
    assert_eq!(changed.updated_by, Some(boss.actor.clone()));
    assert!(
        caller_of(&b, &ola_session).await.is_none(),
        "her session ended"
    );
    assert!(matches!(
        sign_in(&b, "ola@example.com", PASSWORD).await,
        Err(SignInError::Rejected)
    ));

    for patch in [
        off.clone(),
        UserPatch {
            role: Some(Role::Agent),
            ..UserPatch::default()
        },
    ] {
        let refused = users::update(&b.ports, &boss, &boss_id, patch)
            .await
            .expect_err("last admin");
        assert_eq!(state_code(refused), "last_admin");
    }
    // Reactivated and promoted, Ola is a second admin: now the boss may step down.
    users::update(
        &b.ports,
        &boss,
        &ola_id,
        UserPatch {
            active: Some(true),
            role: Some(Role::Admin),
            ..UserPatch::default()
        },
    )
    .await
    .expect("promoted");
    let demoted = users::update(
        &b.ports,
        &boss,
        &boss_id,
        UserPatch {
            role: Some(Role::Agent),
            language: Some(Language::En),
            ..UserPatch::default()
        },
    )
    .await
    .expect("another admin exists");
    assert_eq!(
        (demoted.role, demoted.language),
        (Role::Agent, Language::En)
    );
    let boss_now = caller_of(
        &b,
        &sign_in(&b, "boss@example.com", PASSWORD).await.expect("in"),
    )
    .await
    .expect("in");
    assert_eq!(
        boss_now.role,
        Role::Agent,
        "the role is read on every request"
    );
}

#[tokio::test]
async fn comments_and_replies_show_the_person_who_wrote_them() {
    let b = backend();
    let integration = connected_allegro(&b.ports, "t1").await;
    let ticket = ingest::run(
        &b.ports,
        &dispute(
            &integration,
            "issue-1",
            "ONGOING",
            vec![message("m1", AuthorKind::Buyer, "Gdzie paczka?", 0)],
        ),
    )
    .await
    .expect("ingested")
    .ticket_id;
    let agent = admin_caller(&b, "t1", "ola@example.com").await;
    comments::add(
        &b.ports,
        &integration.tenant_id,
        &ticket,
        Some(&agent.actor),
        serde_json::from_str(r#"{"text":"Sprawdzam u kuriera"}"#).expect("comment"),
    )
    .await
    .expect("commented");
    replies::submit(
        &b.ports,
        &integration.tenant_id,
        &ticket,
        Some(&agent.actor),
        serde_json::from_str(r#"{"text":"Paczka jest w drodze."}"#).expect("reply"),
    )
    .await
    .expect("replied");
    let timeline = timeline::load(&*b.ports.store, &integration.tenant_id, &ticket)
        .await
        .expect("timeline");
    let written: Vec<_> = timeline
        .iter()
        .filter(|m| m.author != AuthorKind::Buyer)
        .collect();
    assert_eq!(written.len(), 2);
    for message in written {
        assert_eq!(
            message.author_name.as_deref(),
            Some("Name of ola@example.com"),
            "{:?}",
            message.author
        );
        assert_eq!(message.actor.as_ref(), Some(&agent.actor));
    }
}

#[tokio::test]
async fn passwords_and_session_tokens_never_reach_the_disk() {
    let b = backend();
    user_with_password(&b, "t1", "ola@example.com", Role::Agent).await;
    let opened = sign_in(&b, "ola@example.com", PASSWORD).await.expect("in");
    let mut stored = Vec::new();
    for entry in std::fs::read_dir(b.data_dir()).expect("data dir") {
        let path = entry.expect("entry").path();
        if path.is_file() {
            stored.extend(std::fs::read(&path).expect("readable"));
        }
    }
    let contains = |needle: &str| stored.windows(needle.len()).any(|w| w == needle.as_bytes());
    assert!(
        contains("ola@example.com"),
        "the scan reads the stored items"
    );
    assert!(
        contains("$argon2id$v=19$m=19456,t=2,p=1$"),
        "only the Argon2id hash"
    );
    assert!(!contains(PASSWORD));
    assert!(!contains(opened.token.expose_secret()));
    assert!(!contains(&opened.csrf_token));
}
