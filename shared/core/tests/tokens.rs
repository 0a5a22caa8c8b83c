//! Token pairs: refreshed ahead of expiry, one refresh at a time, dead tokens disconnect.

mod support;

use async_trait::async_trait;
use chrono::Duration;
use marketdesk_core::domain::{ConnectionState, Integration};
use marketdesk_core::repo::integrations;
use marketdesk_core::services::tokens::{
    self, RefreshError, RefreshOutcome, TokenRefresher, TokenSet,
};
use secrecy::{ExposeSecret, SecretString};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use support::*;

/// A marketplace token endpoint stand-in: counts calls, answers after a pause.
struct CountingRefresher {
    calls: AtomicUsize,
    answer: Result<(), RefreshError>,
    clock: Arc<marketdesk_core::ports::ManualClock>,
}

#[async_trait]
impl TokenRefresher for CountingRefresher {
    async fn refresh(&self, _: &Integration, old: &SecretString) -> Result<TokenSet, RefreshError> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        self.answer.clone()?;
        use marketdesk_core::ports::Clock;
        Ok(TokenSet {
            access_token: SecretString::from(format!("access-{n}")),
            refresh_token: SecretString::from(format!("{}-next", old.expose_secret())),
            access_expires_at: self.clock.now() + Duration::hours(12),
        })
    }
}

async fn with_tokens(b: &Backend, expires_in: Duration) -> Integration {
    let mut i = connected_allegro(&b.ports, "t1").await;
    i.settings.alert_emails = vec!["ops@sklep.example".into()];
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("exists");
    integrations::update(&*b.ports.store, &i, stored.version)
        .await
        .expect("update");
    use marketdesk_core::ports::Clock;
    let set = TokenSet {
        access_token: SecretString::from("access-0"),
        refresh_token: SecretString::from("refresh-0"),
        access_expires_at: b.clock.now() + expires_in,
    };
    tokens::save(&b.ports, &i.tenant_id, &i.id, &set)
        .await
        .expect("save");
    i
}

fn refresher(b: &Backend, answer: Result<(), RefreshError>) -> Arc<CountingRefresher> {
    Arc::new(CountingRefresher {
        calls: AtomicUsize::new(0),
        answer,
        clock: b.clock.clone(),
    })
}

#[tokio::test]
async fn pairs_are_refreshed_only_when_due() {
    let b = backend();
    let i = with_tokens(&b, Duration::hours(11)).await;
    let r = refresher(&b, Ok(()));
    assert_eq!(
        tokens::refresh_if_due(&b.ports, &i, &*r, tokens::REFRESH_AHEAD)
            .await
            .expect("refresh"),
        RefreshOutcome::NotDue
    );
    b.clock.advance(Duration::hours(9));
    assert_eq!(
        tokens::refresh_if_due(&b.ports, &i, &*r, tokens::REFRESH_AHEAD)
            .await
            .expect("refresh"),
        RefreshOutcome::Refreshed
    );
    assert_eq!(r.calls.load(Ordering::SeqCst), 1);
    let stored = tokens::load(&b.ports, &i.tenant_id, &i.id)
        .await
        .expect("load")
        .expect("tokens");
    assert_eq!(
        stored.refresh_token.expose_secret(),
        "refresh-0-next",
        "the rotated token is kept"
    );
    assert!(
        !format!("{stored:?}").contains("refresh-0"),
        "Debug never shows tokens"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_refreshers_racing_spend_the_refresh_token_once() {
    let b = backend();
    let i = with_tokens(&b, Duration::minutes(30)).await;
    let r = refresher(&b, Ok(()));
    let tasks: Vec<_> = (0..2)
        .map(|_| {
            let (ports, i, r) = (b.ports.clone(), i.clone(), r.clone());
            tokio::spawn(async move {
                tokens::refresh_if_due(&ports, &i, &*r, tokens::REFRESH_AHEAD).await
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.expect("task").expect("refresh"));
    }
    assert_eq!(
        r.calls.load(Ordering::SeqCst),
        1,
        "one refresh, outcomes {outcomes:?}"
    );
    assert!(outcomes.contains(&RefreshOutcome::Refreshed));
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("exists");
    assert_eq!(
        stored.value.connection,
        ConnectionState::Connected,
        "the account stays connected"
    );
    // On use, a caller that lost the race still gets the fresh token.
    let token = tokens::access_token(&b.ports, &i, &*r)
        .await
        .expect("token")
        .expect("present");
    assert_eq!(token.expose_secret(), "access-1");
}

#[tokio::test]
async fn a_refused_refresh_token_disconnects_once_and_notifies_once() {
    let b = backend();
    let i = with_tokens(&b, Duration::minutes(1)).await;
    let r = refresher(&b, Err(RefreshError::Rejected("invalid_grant".into())));
    assert_eq!(
        tokens::refresh_if_due(&b.ports, &i, &*r, tokens::REFRESH_AHEAD)
            .await
            .expect("refresh"),
        RefreshOutcome::Disconnected
    );
    let stored = integrations::get(&*b.ports.store, &i.tenant_id, &i.id)
        .await
        .expect("get")
        .expect("exists")
        .value;
    assert!(
        matches!(stored.connection, ConnectionState::Disconnected { ref reason, .. } if reason == "invalid_grant")
    );
    assert!(!stored.should_poll(), "polling stops");
    tokens::disconnect(&b.ports, &i.tenant_id, &i.id, "invalid_grant")
        .await
        .expect("again");
    // A temporary failure is an error to retry, not a disconnection.
    let j = with_tokens(&b, Duration::minutes(1)).await;
    let flaky = refresher(&b, Err(RefreshError::Unavailable("HTTP 503".into())));
    assert!(
        tokens::refresh_if_due(&b.ports, &j, &*flaky, tokens::REFRESH_AHEAD)
            .await
            .is_err()
    );
    let j_now = integrations::get(&*b.ports.store, &j.tenant_id, &j.id)
        .await
        .expect("get")
        .expect("exists")
        .value;
    assert_eq!(j_now.connection, ConnectionState::Connected);
}

/// The secrets port of a backend, counting reads.
struct CountingSecrets {
    inner: Arc<dyn marketdesk_core::ports::Secrets>,
    gets: AtomicUsize,
}

#[async_trait]
impl marketdesk_core::ports::Secrets for CountingSecrets {
    async fn put(
        &self,
        name: &marketdesk_core::ports::SecretName,
        value: &SecretString,
    ) -> Result<(), marketdesk_core::ports::SecretsError> {
        self.inner.put(name, value).await
    }

    async fn get(
        &self,
        name: &marketdesk_core::ports::SecretName,
    ) -> Result<Option<SecretString>, marketdesk_core::ports::SecretsError> {
        self.gets.fetch_add(1, Ordering::SeqCst);
        self.inner.get(name).await
    }

    async fn delete(
        &self,
        name: &marketdesk_core::ports::SecretName,
    ) -> Result<(), marketdesk_core::ports::SecretsError> {
        self.inner.delete(name).await
    }
}

#[tokio::test]
async fn access_tokens_come_from_memory_until_the_refresh_window() {
    let mut b = backend();
    let shared = b.ports.secrets.clone();
    let counting = Arc::new(CountingSecrets {
        inner: shared.clone(),
        gets: AtomicUsize::new(0),
    });
    b.ports.secrets = counting.clone();
    let i = with_tokens(&b, Duration::hours(12)).await;
    let r = refresher(&b, Ok(()));
    let token = |ports: marketdesk_core::ports::Ports| {
        let (i, r) = (i.clone(), r.clone());
        async move {
            tokens::access_token(&ports, &i, &*r)
                .await
                .expect("token")
                .expect("present")
                .expose_secret()
                .to_owned()
        }
    };
    let before = counting.gets.load(Ordering::SeqCst);
    for _ in 0..100 {
        assert_eq!(token(b.ports.clone()).await, "access-0");
    }
    assert_eq!(
        counting.gets.load(Ordering::SeqCst) - before,
        0,
        "a poll does not read the stored pair while its token is far from expiry"
    );

    // Another process (another secrets port on the same store) rotates the pair: this one
    // keeps its token until it reads the store, as the 401 path does, and then uses the new one.
    use marketdesk_core::ports::Clock;
    let other = marketdesk_core::ports::Ports {
        secrets: shared,
        ..b.ports.clone()
    };
    let rotated = TokenSet {
        access_token: SecretString::from("access-9"),
        refresh_token: SecretString::from("refresh-9"),
        access_expires_at: b.clock.now() + Duration::hours(12),
    };
    tokens::save(&other, &i.tenant_id, &i.id, &rotated)
        .await
        .expect("save");
    assert_eq!(token(b.ports.clone()).await, "access-0");
    tokens::load(&b.ports, &i.tenant_id, &i.id)
        .await
        .expect("load");
    assert_eq!(token(b.ports.clone()).await, "access-9");

    // Inside the refresher's window (3 h left) every use reads the store again.
    b.clock
        .advance(Duration::hours(12) - tokens::CACHED_WHILE_REMAINING);
    let before = counting.gets.load(Ordering::SeqCst);
    assert_eq!(token(b.ports.clone()).await, "access-9");
    assert!(counting.gets.load(Ordering::SeqCst) > before);
    assert_eq!(r.calls.load(Ordering::SeqCst), 0, "nothing was refreshed");
}
