//! The people repositories (users, sessions, single-use tokens, sign-in failure counters)
//! on a [`Store`] adapter: the conditional writes they rely on hold on every backend.

use crate::domain::{Language, Role, User};
use crate::ids::{TenantId, UserId};
use crate::ports::Store;
use crate::repo::one_time_tokens::{self, StoredToken, TokenPurpose};
use crate::repo::sessions::{self, StoredSession};
use crate::repo::sign_in_failures::{self, Failures, Subject};
use crate::repo::users::{self, StoredUser};
use crate::repo::{is_conflict, RepoError};
use chrono::{DateTime, Duration, Utc};
use std::ops::Deref;

fn now() -> DateTime<Utc> {
    DateTime::from_timestamp(1_795_000_000, 0).unwrap_or_default()
}

fn user(tenant: &TenantId, email: &str, role: Role) -> StoredUser {
    StoredUser {
        user: User {
            id: UserId::generate(),
            tenant_id: tenant.clone(),
            email: email.to_owned(),
            name: "Ola".into(),
            role,
            language: Language::Pl,
            active: true,
            invitation_pending: false,
            created_at: now(),
            updated_at: now(),
            created_by: None,
            updated_by: None,
        },
        password_hash: Some("$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into()),
        session_generation: 0,
        reset_sent_at: None,
    }
}

/// An e-mail address belongs to one user of one tenant; the lookup finds it with one `get`,
/// and optimistic updates (alone or checking another user) refuse stale versions.
pub async fn users_claim_addresses_and_update_optimistically<S: Store>(
    store: impl Deref<Target = S>,
) {
    let store: &dyn Store = &*store;
    let (t1, t2) = (TenantId(super::unique("t1")), TenantId(super::unique("t2")));
    let email = format!("{}@example.com", super::unique("ola"));
    let ola = user(&t1, &email, Role::Admin);
    users::create(store, &ola).await.expect("created");
    let twin = user(&t2, &email, Role::Agent);
    assert!(matches!(
        users::create(store, &twin).await,
        Err(RepoError::AlreadyExists)
    ));
    assert!(
        users::get(store, &t2, &twin.user.id)
            .await
            .expect("get")
            .is_none(),
        "all or nothing"
    );
    let found = users::find_by_email(store, &email)
        .await
        .expect("found")
        .expect("some");
    assert_eq!(found.value, ola);
    assert_eq!(users::list(store, &t1).await.expect("list").len(), 1);

    let boss = user(
        &t1,
        &format!("{}@example.com", super::unique("boss")),
        Role::Admin,
    );
    users::create(store, &boss).await.expect("created");
    let boss_read = users::get(store, &t1, &boss.user.id)
        .await
        .expect("get")
        .expect("some");
    let mut demoted = found.value.clone();
    demoted.user.role = Role::Agent;
    // Another admin changes meanwhile: the demotion checking it is refused.
    let mut boss_changed = boss_read.value.clone();
    boss_changed.user.name = "Szef".into();
    users::update(store, &boss_changed, boss_read.version, None)
        .await
        .expect("boss renamed");
    let refused = users::update(
        store,
        &demoted,
        found.version,
        Some((&boss.user.id, boss_read.version)),
    )
    .await
    .expect_err("the other admin changed");
    assert!(is_conflict(&refused), "{refused:?}");
    users::update(
        store,
        &demoted,
        found.version,
        Some((&boss.user.id, boss_read.version + 1)),
    )
    .await
    .expect("checked against the current version");
    let stale = users::update(store, &demoted, found.version, None)
        .await
        .expect_err("stale version");
    assert!(is_conflict(&stale));
    let now_stored = users::get(store, &t1, &ola.user.id)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(
        (now_stored.value.user.role, now_stored.version),
        (Role::Agent, found.version + 1)
    );
}

/// Invitation and reset tokens work once, and not after they expire.
pub async fn tokens_are_taken_once<S: Store>(store: impl Deref<Target = S>) {
    let store: &dyn Store = &*store;
    let token = StoredToken {
        purpose: TokenPurpose::Invitation,
        tenant_id: TenantId(super::unique("t")),
        user_id: UserId::generate(),
        expires_at: now() + Duration::hours(72),
        created_by: None,
    };
    let hash = super::unique("hash");
    one_time_tokens::put(store, &hash, &token)
        .await
        .expect("stored");
    assert!(
        one_time_tokens::take(store, TokenPurpose::PasswordReset, &hash, now())
            .await
            .expect("take")
            .is_none(),
        "another purpose's key space"
    );
    assert_eq!(
        one_time_tokens::take(store, TokenPurpose::Invitation, &hash, now())
            .await
            .expect("take"),
        Some(token.clone())
    );
    assert!(
        one_time_tokens::take(store, TokenPurpose::Invitation, &hash, now())
            .await
            .expect("take")
            .is_none(),
        "single use"
    );
    let late = super::unique("hash");
    one_time_tokens::put(store, &late, &token)
        .await
        .expect("stored");
    assert!(
        one_time_tokens::take(
            store,
            TokenPurpose::Invitation,
            &late,
            now() + Duration::hours(72)
        )
        .await
        .expect("take")
        .is_none(),
        "expired"
    );
}

/// Sessions and failure counters round-trip, carry their expiry, and refuse stale writes.
pub async fn sessions_and_failure_counters_round_trip<S: Store>(store: impl Deref<Target = S>) {
    let store: &dyn Store = &*store;
    let hash = super::unique("session");
    let session = StoredSession {
        tenant_id: TenantId(super::unique("t")),
        user_id: UserId::generate(),
        generation: 3,
        created_at: now(),
        last_seen_at: now(),
        expires_at: now() + Duration::hours(12),
    };
    sessions::create(store, &hash, &session)
        .await
        .expect("created");
    let read = sessions::get(store, &hash)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(read.value, session);
    let item = store
        .get(&crate::repo::keys::session(&hash))
        .await
        .expect("get")
        .expect("some");
    assert_eq!(item.expires_at, Some(session.expires_at.timestamp()));
    sessions::touch(store, &hash, &read, now() + Duration::minutes(5))
        .await
        .expect("touched");
    sessions::touch(store, &hash, &read, now() + Duration::minutes(6))
        .await
        .expect("a lost race is fine");
    let touched = sessions::get(store, &hash)
        .await
        .expect("get")
        .expect("some");
    assert_eq!(touched.value.last_seen_at, now() + Duration::minutes(5));
    sessions::delete(store, &hash).await.expect("deleted");
    assert!(sessions::get(store, &hash).await.expect("get").is_none());

    let subject = super::unique("email");
    let first = Failures {
        count: 1,
        window_started_at: now(),
        locked_until: None,
    };
    let keep = now() + Duration::minutes(15);
    sign_in_failures::save(store, Subject::Email, &subject, None, &first, keep)
        .await
        .expect("saved");
    let again = sign_in_failures::save(store, Subject::Email, &subject, None, &first, keep).await;
    assert!(
        again.as_ref().is_err_and(is_conflict),
        "a concurrent first failure re-reads"
    );
    let read = sign_in_failures::get(store, Subject::Email, &subject)
        .await
        .expect("get")
        .expect("some");
    let second = Failures { count: 2, ..first };
    sign_in_failures::save(
        store,
        Subject::Email,
        &subject,
        Some(read.version),
        &second,
        keep,
    )
    .await
    .expect("counted");
    assert!(sign_in_failures::get(store, Subject::Client, &subject)
        .await
        .expect("get")
        .is_none());
    sign_in_failures::clear(store, Subject::Email, &subject)
        .await
        .expect("cleared");
    assert!(sign_in_failures::get(store, Subject::Email, &subject)
        .await
        .expect("get")
        .is_none());
}
