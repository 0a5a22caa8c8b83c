//! People over HTTP: the session cookie, CSRF on cookie writes, sign-in throttling answers,
//! invitations, resets without enumeration, user administration.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use marketdesk_core::domain::Role;
use marketdesk_core::ports::{Notification, Notifier, NotifyError};
use marketdesk_core::services::people::users::{self, NewUser};
use marketdesk_core::services::people::PeopleSettings;
use secrecy::SecretString;
use serde_json::{json, Value};
use std::sync::{Arc, Mutex};

const PASSWORD: &str = "bardzo tajne 42";

/// Keeps the e-mails sent, to follow their links.
#[derive(Default)]
struct Mailbox(Mutex<Vec<Notification>>);

#[async_trait::async_trait]
impl Notifier for Mailbox {
    async fn notify(&self, notification: &Notification) -> Result<(), NotifyError> {
        notification.validate()?;
        self.0.lock().expect("mailbox").push(notification.clone());
        Ok(())
    }
}

impl Mailbox {
    fn bodies(&self) -> Vec<String> {
        self.0
            .lock()
            .expect("mailbox")
            .iter()
            .map(|n| n.body.clone())
            .collect()
    }

    /// The link starting with `prefix` in the last e-mail.
    fn last_link(&self, prefix: &str) -> String {
        let bodies = self.bodies();
        let last = bodies.last().expect("an e-mail was sent");
        last.lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no {prefix} link in {last}"))
            .to_owned()
    }
}

fn people_api() -> (Api, Arc<Mailbox>) {
    let mailbox = Arc::new(Mailbox::default());
    let notifier = mailbox.clone();
    let api = Api::with_state(move |mut state| {
        state.ports.notifier = notifier;
        state.with_people(
            PeopleSettings::default().with_default_public_url("https://desk.example.com"),
        )
    });
    (api, mailbox)
}

async fn person(api: &Api, tenant: &str, email: &str, role: Role) {
    users::create_with_password(
        &api.backend.ports,
        tenant,
        NewUser {
            email: email.into(),
            role,
            name: Some(format!("Person {email}")),
            language: None,
        },
        &SecretString::from(PASSWORD.to_owned()),
    )
    .await
    .expect("user created");
}

/// A signed-in browser: the cookie and the CSRF token.
struct Browser {
    cookie: String,
    csrf: String,
}

fn json_request(method: &str, path: &str, body: Option<&Value>) -> axum::http::request::Builder {
    let builder = Request::builder().method(method).uri(path);
    match body {
        Some(_) => builder.header("content-type", "application/json"),
        None => builder,
    }
}

fn finish(builder: axum::http::request::Builder, body: Option<&Value>) -> Request<Body> {
    builder
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .expect("request")
}

async fn sign_in_raw(api: &Api, email: &str, password: &str, https: bool) -> Answer {
    let body = json!({ "email": email, "password": password });
    let mut builder = json_request("POST", "/v1/sessions", Some(&body));
    if https {
        builder = builder.header("x-forwarded-proto", "https");
    }
    api.send(finish(builder, Some(&body))).await
}

async fn sign_in(api: &Api, email: &str) -> Browser {
    let answer = sign_in_raw(api, email, PASSWORD, false).await;
    assert_eq!(answer.status, 201, "{}", answer.body);
    let set_cookie = answer.headers["set-cookie"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let cookie = set_cookie.split(';').next().expect("name=value").to_owned();
    Browser {
        cookie,
        csrf: answer.body["csrf_token"]
            .as_str()
            .expect("csrf token")
            .to_owned(),
    }
}

impl Browser {
    async fn call(
        &self,
        api: &Api,
        method: &str,
        path: &str,
        body: Option<Value>,
        csrf: bool,
    ) -> Answer {
        let mut builder = json_request(method, path, body.as_ref()).header("cookie", &self.cookie);
        if csrf {
            builder = builder.header("x-csrf-token", &self.csrf);
        }
        api.send(finish(builder, body.as_ref())).await
    }
}

#[tokio::test]
async fn sign_in_sets_a_protected_cookie_and_never_returns_the_token() {
    let (api, _mailbox) = people_api();
    person(&api, "t1", "ola@example.com", Role::Agent).await;
    let answer = sign_in_raw(&api, "ola@example.com", PASSWORD, false).await;
    assert_eq!(answer.status, 201);
    let cookie = answer.headers["set-cookie"].to_str().expect("ascii");
    assert!(cookie.starts_with("md_session=mds_"), "{cookie}");
    for part in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{cookie} lacks {part}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP locally");
    let token = cookie
        .split(';')
        .next()
        .and_then(|c| c.strip_prefix("md_session="))
        .expect("token");
    assert!(
        !answer.body.to_string().contains(token),
        "the token is only in the cookie"
    );
    assert!(
        !answer.body.to_string().contains("argon2"),
        "no password hash"
    );
    assert_eq!(answer.body["user"]["email"], "ola@example.com");

    let https = sign_in_raw(&api, "ola@example.com", PASSWORD, true).await;
    assert!(https.headers["set-cookie"]
        .to_str()
        .expect("ascii")
        .contains("; Secure"));

    let wrong = sign_in_raw(&api, "ola@example.com", "not the password", false).await;
    let ghost = sign_in_raw(&api, "ghost@example.com", "not the password", false).await;
    assert_eq!((wrong.status.as_u16(), ghost.status.as_u16()), (401, 401));
    assert_eq!(
        wrong.body, ghost.body,
        "the answer never tells whether the account exists"
    );
    assert_eq!(wrong.code(), "invalid_credentials");
}

#[tokio::test]
async fn a_locked_address_gets_429_with_retry_after() {
    let (api, _mailbox) = people_api();
    person(&api, "t1", "ola@example.com", Role::Agent).await;
    for _ in 0..5 {
        assert_eq!(
            sign_in_raw(&api, "ola@example.com", "wrong password", false)
                .await
                .status,
            401
        );
    }
    let locked = sign_in_raw(&api, "ola@example.com", PASSWORD, false).await;
    assert_eq!(locked.status, 429);
    assert_eq!(locked.code(), "too_many_attempts");
    assert_eq!(locked.headers["retry-after"], "900");
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token_and_keys_do_not() {
    let (api, _mailbox) = people_api();
    person(&api, "t1", "ola@example.com", Role::Agent).await;
    let ticket = ticket("t1", "i1", "d1", 5);
    store_ticket(&api, &ticket).await;
    let browser = sign_in(&api, "ola@example.com").await;
    let comments = format!("/v1/tickets/{}/comments", ticket.id);
    let note = json!({ "text": "Dzwoniłam do kuriera" });

    assert_eq!(
        browser
            .call(&api, "GET", "/v1/tickets", None, false)
            .await
            .status,
        200,
        "reads need no token"
    );
    let refused = browser
        .call(&api, "POST", &comments, Some(note.clone()), false)
        .await;
    assert_eq!(refused.status, 403);
    assert_eq!(refused.code(), "csrf_failed");
    let mut forged = Browser {
        cookie: browser.cookie.clone(),
        csrf: "x".repeat(43),
    };
    assert_eq!(
        forged
            .call(&api, "POST", &comments, Some(note.clone()), true)
            .await
            .status,
        403
    );
    forged.csrf = browser.csrf.clone();
    let written = forged
        .call(&api, "POST", &comments, Some(note.clone()), true)
        .await;
    assert_eq!(written.status, 201, "{}", written.body);
    assert_eq!(written.body["author_name"], "Person ola@example.com");
    assert_eq!(written.body["actor"]["kind"], "user");

    let key = api.key("t1", Role::Agent).await;
    let by_key = api.post(&comments, &key, note).await;
    assert_eq!(by_key.status, 201, "API keys need no CSRF token");
    assert_eq!(
        by_key.body["author_name"], "t1 Agent",
        "the key's name, as before"
    );
    assert_eq!(by_key.body["actor"]["kind"], "api_key");

    let me = browser.call(&api, "GET", "/v1/me", None, false).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.body["csrf_token"], browser.csrf.as_str());
    assert_eq!(me.body["user"]["email"], "ola@example.com");
    let me_by_key = api.get("/v1/me", &key).await;
    assert_eq!(me_by_key.body["actor"]["kind"], "api_key");
    assert!(me_by_key.body["user"].is_null() && me_by_key.body.get("csrf_token").is_none());
}

#[tokio::test]
async fn sign_out_clears_the_cookie_and_sign_out_everywhere_ends_every_session() {
    let (api, _mailbox) = people_api();
    person(&api, "t1", "ola@example.com", Role::Agent).await;
    let laptop = sign_in(&api, "ola@example.com").await;
    let phone = sign_in(&api, "ola@example.com").await;

    assert_eq!(
        laptop
            .call(&api, "DELETE", "/v1/sessions/current", None, false)
            .await
            .status,
        403,
        "CSRF"
    );
    let out = laptop
        .call(&api, "DELETE", "/v1/sessions/current", None, true)
        .await;
    assert_eq!(out.status, 204);
    assert!(out.headers["set-cookie"]
        .to_str()
        .expect("ascii")
        .contains("Max-Age=0"));
    let after = laptop.call(&api, "GET", "/v1/me", None, false).await;
    assert_eq!(after.status, 401);
    assert_eq!(
        phone.call(&api, "GET", "/v1/me", None, false).await.status,
        200
    );

    let tablet = sign_in(&api, "ola@example.com").await;
    assert_eq!(
        phone
            .call(&api, "DELETE", "/v1/sessions", None, true)
            .await
            .status,
        204
    );
    assert_eq!(
        phone.call(&api, "GET", "/v1/me", None, false).await.status,
        401
    );
    assert_eq!(
        tablet.call(&api, "GET", "/v1/me", None, false).await.status,
        401
    );

    let key = api.key("t1", Role::Agent).await;
    let keyed = api.delete("/v1/sessions", &key).await;
    assert_eq!(
        (keyed.status.as_u16(), keyed.code()),
        (409, "not_signed_in")
    );
}

#[tokio::test]
async fn admins_invite_people_who_accept_once_and_sign_in() {
    let (api, mailbox) = people_api();
    person(&api, "t1", "boss@example.com", Role::Admin).await;
    let boss = sign_in(&api, "boss@example.com").await;
    let invited = boss
        .call(
            &api,
            "POST",
            "/v1/users",
            Some(json!({ "email": "nowa@example.com", "role": "agent", "language": "en" })),
            true,
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    assert_eq!(invited.body["invitation"]["sent"], true);
    assert_eq!(invited.body["user"]["invitation_pending"], true);
    assert_eq!(
        invited.body["user"]["created_by"]["name"],
        "Person boss@example.com"
    );
    assert!(
        !invited.body.to_string().contains("mdi_"),
        "the link goes only by e-mail"
    );
    let link = mailbox.last_link("https://desk.example.com/invitations/");
    let token = link.rsplit('/').next().expect("token");

    let accept = format!("/v1/invitations/{token}/accept");
    let body = json!({ "name": "Nowa", "password": "short" });
    let weak = api
        .send(finish(
            json_request("POST", &accept, Some(&body)),
            Some(&body),
        ))
        .await;
    assert_eq!((weak.status.as_u16(), weak.field()), (422, "password"));
    assert!(weak.body["error"]["message"]
        .as_str()
        .expect("message")
        .contains("10 characters"));
    let body = json!({ "name": "Nowa", "password": PASSWORD });
    let accepted = api
        .send(finish(
            json_request("POST", &accept, Some(&body)),
            Some(&body),
        ))
        .await;
    assert_eq!(accepted.status, 200, "{}", accepted.body);
    let again = api
        .send(finish(
            json_request("POST", &accept, Some(&body)),
            Some(&body),
        ))
        .await;
    assert_eq!((again.status.as_u16(), again.code()), (409, "invalid_link"));
    sign_in(&api, "nowa@example.com").await;

    let agent = sign_in(&api, "nowa@example.com").await;
    let forbidden = agent.call(&api, "GET", "/v1/users", None, false).await;
    assert_eq!(forbidden.status, 403);
    let listed = boss.call(&api, "GET", "/v1/users", None, false).await;
    assert_eq!(listed.body["users"].as_array().map(Vec::len), Some(2));
    assert!(!listed.body.to_string().contains("argon2"));
}

async fn post_public(api: &Api, path: &str, body: Value) -> Answer {
    api.send(finish(json_request("POST", path, Some(&body)), Some(&body)))
        .await
}

#[tokio::test]
async fn password_resets_answer_202_for_anyone_and_links_work_once() {
    let (api, mailbox) = people_api();
    person(&api, "t1", "ola@example.com", Role::Agent).await;
    let session = sign_in(&api, "ola@example.com").await;

    let ghost = post_public(
        &api,
        "/v1/password-resets",
        json!({ "email": "ghost@example.com" }),
    )
    .await;
    assert_eq!(ghost.status, 202);
    assert!(mailbox.bodies().is_empty());
    let real = post_public(
        &api,
        "/v1/password-resets",
        json!({ "email": "ola@example.com" }),
    )
    .await;
    assert_eq!(
        (real.status, &real.body),
        (ghost.status, &ghost.body),
        "no account enumeration"
    );
    let link = mailbox.last_link("https://desk.example.com/password-resets/");
    // The e-mailed link opens the reset page; the page posts the token to the API.
    let token = link.rsplit('/').next().expect("token");
    let path = &format!("/v1/password-resets/{token}");
    let short = post_public(&api, path, json!({ "password": "123" })).await;
    assert_eq!((short.status.as_u16(), short.field()), (422, "password"));
    let done = post_public(&api, path, json!({ "password": "zupełnie nowe 99" })).await;
    assert_eq!(done.status, 204, "{}", done.body);
    assert_eq!(
        session
            .call(&api, "GET", "/v1/me", None, false)
            .await
            .status,
        401,
        "sessions end"
    );
    let reused = post_public(&api, path, json!({ "password": "jeszcze inne 99" })).await;
    assert_eq!(
        (reused.status.as_u16(), reused.code()),
        (409, "invalid_link")
    );
    assert_eq!(
        sign_in_raw(&api, "ola@example.com", "zupełnie nowe 99", false)
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn deactivation_ends_sessions_and_the_last_admin_cannot_step_down() {
    let (api, _mailbox) = people_api();
    person(&api, "t1", "boss@example.com", Role::Admin).await;
    person(&api, "t1", "ola@example.com", Role::Agent).await;
    let boss = sign_in(&api, "boss@example.com").await;
    let ola = sign_in(&api, "ola@example.com").await;
    let users = boss.call(&api, "GET", "/v1/users", None, false).await.body["users"].clone();
    let id_of = |email: &str| {
        users
            .as_array()
            .and_then(|all| all.iter().find(|u| u["email"] == email))
            .and_then(|u| u["id"].as_str())
            .expect("listed")
            .to_owned()
    };
    let (boss_id, ola_id) = (id_of("boss@example.com"), id_of("ola@example.com"));

    let off = boss
        .call(
            &api,
            "PATCH",
            &format!("/v1/users/{ola_id}"),
            Some(json!({ "active": false })),
            true,
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.body["active"], false);
    assert_eq!(
        ola.call(&api, "GET", "/v1/me", None, false).await.status,
        401
    );
    assert_eq!(
        sign_in_raw(&api, "ola@example.com", PASSWORD, false)
            .await
            .status,
        401
    );

    for change in [json!({ "role": "agent" }), json!({ "active": false })] {
        let refused = boss
            .call(
                &api,
                "PATCH",
                &format!("/v1/users/{boss_id}"),
                Some(change),
                true,
            )
            .await;
        assert_eq!(
            (refused.status.as_u16(), refused.code()),
            (409, "last_admin")
        );
    }
    let key = api.key("t1", Role::Admin).await;
    let unknown = api
        .patch("/v1/users/nobody", &key, json!({ "name": "X" }))
        .await;
    assert_eq!(unknown.status, 404);
    let other_tenant = api.key("t2", Role::Admin).await;
    assert_eq!(
        api.patch(
            &format!("/v1/users/{ola_id}"),
            &other_tenant,
            json!({ "name": "X" })
        )
        .await
        .status,
        404,
        "another tenant's user is not found"
    );
    let renamed = api
        .patch(
            &format!("/v1/users/{ola_id}"),
            &key,
            json!({ "name": "Ola K." }),
        )
        .await;
    assert_eq!(
        renamed.body["updated_by"]["kind"], "api_key",
        "the key is recorded as the author"
    );
}
