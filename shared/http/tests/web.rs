//! The web workspace over HTTP: sessions and redirects, CSRF on every form, escaped output,
//! the page policy, content-hashed assets, the language, refusals shown in the reply box.
//! (The whole flow in a real browser is `tests/browser`.) askama escapes `<` and `>` as
//! `&#60;` and `&#62;`.

mod common;

use axum::body::Body;
use axum::http::Request;
use common::*;
use marketdesk_core::domain::offer::{MarketOffer, OfferStatus};
use marketdesk_core::domain::{AuthorKind, Environment, Language, Marketplace, Role, Ticket};
use marketdesk_core::jobs::InboundEvent;
use marketdesk_core::repo::{order_updates, tickets};
use marketdesk_core::services::ingest;
use marketdesk_core::services::people::users::{self, NewUser};
use marketdesk_core::services::timeline;
use marketdesk_http::PAGE_POLICY;
use marketdesk_testkit::backend::seed_connected_integration;
use secrecy::SecretString;
use serde_json::json;

const PASSWORD: &str = "bardzo tajne 42";
const BOUNDARY: &str = "----marketdesk-test";

/// A browser signed in through the pages: its cookies, and the session's CSRF token as the
/// pages' forms carry it.
struct Browser {
    cookies: String,
    csrf: String,
}

fn html(answer: &Answer) -> &str {
    answer.body.as_str().unwrap_or_default()
}

fn location(answer: &Answer) -> &str {
    answer.headers["location"].to_str().expect("ascii")
}

/// The `name=value` parts of every `Set-Cookie` of an answer.
fn set_cookies(answer: &Answer) -> Vec<String> {
    answer
        .headers
        .get_all("set-cookie")
        .iter()
        .map(|v| {
            v.to_str()
                .expect("ascii")
                .split(';')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect()
}

/// The value of the hidden `csrf` field of a page.
fn csrf_field(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    page[start..].split('"').next().unwrap().to_owned()
}

async fn get(api: &Api, path: &str, cookies: &str) -> Answer {
    let mut request = Request::builder().uri(path);
    if !cookies.is_empty() {
        request = request.header("cookie", cookies);
    }
    api.send(request.body(Body::empty()).unwrap()).await
}

async fn post_form(api: &Api, path: &str, cookies: &str, form: &[(&str, &str)]) -> Answer {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header("cookie", cookies)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    api.send(request).await
}

async fn post_multipart(api: &Api, path: &str, cookies: &str, fields: &[(&str, &str)]) -> Answer {
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!("--{BOUNDARY}--\r\n"));
    let request = Request::builder()
        .method("POST")
        .uri(path)
        .header("cookie", cookies)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(Body::from(body))
        .unwrap();
    api.send(request).await
}

async fn person(api: &Api, email: &str, language: Language) {
    users::create_with_password(
        &api.backend.ports,
        "acme",
        NewUser {
            email: email.into(),
            role: Role::Agent,
            name: Some("Agata Agentka".into()),
            language: Some(language),
        },
        &SecretString::from(PASSWORD.to_owned()),
    )
    .await
    .expect("user created");
}

/// Signs in through the sign-in page.
async fn sign_in(api: &Api, email: &str) -> Browser {
    let form = get(api, "/sign-in", "").await;
    let cookies = set_cookies(&form).join("; ");
    let token = csrf_field(html(&form));
    let done = post_form(
        api,
        "/sign-in",
        &cookies,
        &[("csrf", &token), ("email", email), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(done.status, 303, "{}", html(&done));
    assert_eq!(location(&done), "/tickets");
    let session = set_cookies(&done)
        .into_iter()
        .find(|c| c.starts_with("md_session="))
        .expect("a session cookie");
    let list = get(api, "/tickets", &session).await;
    Browser {
        csrf: csrf_field(html(&list)),
        cookies: session,
    }
}

/// A ticket of tenant `acme` on a (pending) Allegro integration, with one buyer message.
async fn seeded(api: &Api, subject: &str, text: &str) -> Ticket {
    let admin = api.key("acme", Role::Admin).await;
    let integration = api
        .post(
            "/v1/integrations",
            &admin,
            json!({ "kind": "allegro", "display_name": "Sklep" }),
        )
        .await;
    assert_eq!(integration.status, 201, "{}", integration.body);
    let id = integration.body["id"].as_str().unwrap();
    let mut ticket = common::ticket("acme", id, "d1", 5);
    ticket.subject = subject.into();
    store_ticket(api, &ticket).await;
    store_message(api, &ticket, "b1", "buyer", text).await;
    ticket
}

async fn entries(api: &Api, ticket: &Ticket) -> Vec<(AuthorKind, String)> {
    timeline::load(&*api.backend.ports.store, &ticket.tenant_id, &ticket.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.author, m.text))
        .collect()
}

#[tokio::test]
async fn pages_send_people_without_a_session_to_sign_in() {
    let api = Api::new();
    for path in ["/", "/tickets", "/tickets/tk-1"] {
        let answer = get(&api, path, "").await;
        assert_eq!(answer.status, 303, "{path}");
        assert_eq!(location(&answer), "/sign-in", "{path}");
    }
    let ended = get(
        &api,
        "/tickets",
        "md_session=mds_notasessionnotasessionnotasessionnotases",
    )
    .await;
    assert_eq!(location(&ended), "/sign-in");
    assert!(set_cookies(&ended).contains(&"md_session=".to_owned()));
}

#[tokio::test]
async fn the_sign_in_form_needs_its_csrf_cookie() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let form = get(&api, "/sign-in", "").await;
    assert_eq!(form.status, 200);
    assert_eq!(form.headers["content-security-policy"], PAGE_POLICY);
    assert_eq!(form.headers["cache-control"], "no-store");
    let token = csrf_field(html(&form));
    let fields = [
        ("csrf", token.as_str()),
        ("email", "agata@example.com"),
        ("password", PASSWORD),
    ];
    // Another site can post the form, but cannot set the cookie to match.
    let forged = post_form(&api, "/sign-in", "", &fields).await;
    assert_eq!(forged.status, 403);
    assert!(!set_cookies(&forged)
        .iter()
        .any(|c| c.starts_with("md_session=mds_")));
    let cookies = set_cookies(&form).join("; ");
    let wrong = post_form(
        &api,
        "/sign-in",
        &cookies,
        &[
            ("csrf", &token),
            ("email", "agata@example.com"),
            ("password", "nie to hasło"),
        ],
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert!(html(&wrong).contains("Nieprawidłowy adres e-mail lub hasło."));
    let done = post_form(&api, "/sign-in", &cookies, &fields).await;
    assert_eq!(done.status, 303);
    assert!(set_cookies(&done)
        .iter()
        .any(|c| c.starts_with("md_session=mds_")));
}

#[tokio::test]
async fn forms_without_the_sessions_csrf_token_change_nothing() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    let browser = sign_in(&api, "agata@example.com").await;
    let path = format!("/tickets/{}", ticket.id);
    let before = entries(&api, &ticket).await;
    for token in ["", "forged"] {
        let fields = [("csrf", token), ("mode", "comment"), ("text", "notatka")];
        let refused = post_multipart(&api, &path, &browser.cookies, &fields).await;
        assert_eq!(refused.status, 403, "{token:?}");
    }
    let sign_out = post_form(&api, "/sign-out", &browser.cookies, &[("csrf", "forged")]).await;
    assert_eq!(sign_out.status, 403);
    assert_eq!(entries(&api, &ticket).await, before);

    let fields = [
        ("csrf", browser.csrf.as_str()),
        ("mode", "comment"),
        ("text", "notatka"),
    ];
    let done = post_multipart(&api, &path, &browser.cookies, &fields).await;
    assert_eq!(
        (done.status.as_u16(), location(&done)),
        (303, path.as_str())
    );
    assert!(set_cookies(&done).contains(&"md_flash=comment_added".to_owned()));
    let after = entries(&api, &ticket).await;
    assert_eq!(
        after.last(),
        Some(&(AuthorKind::InternalComment, "notatka".to_owned()))
    );
    let page = get(
        &api,
        &path,
        &format!("{}; md_flash=comment_added", browser.cookies),
    )
    .await;
    assert!(html(&page).contains("Dodano komentarz wewnętrzny."));
    assert!(html(&page).contains("Agata Agentka"));
}

#[tokio::test]
async fn html_in_a_reply_is_refused_in_the_reply_box_and_nothing_is_stored() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    let browser = sign_in(&api, "agata@example.com").await;
    let path = format!("/tickets/{}", ticket.id);
    let fields = [
        ("csrf", browser.csrf.as_str()),
        ("mode", "reply"),
        ("text", "<b>Dzień dobry</b>"),
    ];
    let refused = post_multipart(&api, &path, &browser.cookies, &fields).await;
    assert_eq!(refused.status, 422);
    let page = html(&refused);
    assert!(page.contains("znaczniki HTML nie są dozwolone"), "{page}");
    // The text typed stays in the box, escaped.
    assert!(
        page.contains("&#60;b&#62;Dzień dobry&#60;/b&#62;</textarea>"),
        "{page}"
    );
    assert_eq!(entries(&api, &ticket).await.len(), 1);
}

#[tokio::test]
async fn refusals_are_said_in_the_agents_language_not_in_the_services_english() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    person(&api, "ann@example.com", Language::En).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    let path = format!("/tickets/{}", ticket.id);
    let long = "a".repeat(20_001);
    for (email, says, never) in [
        (
            "agata@example.com",
            "Nie zapisano: za długie: najwyżej 20000 znaków",
            "characters",
        ),
        (
            "ann@example.com",
            "Not saved: is 20001 characters long; at most 20000 are allowed",
            "znaków",
        ),
    ] {
        let browser = sign_in(&api, email).await;
        let fields = [
            ("csrf", browser.csrf.as_str()),
            ("mode", "comment"),
            ("text", long.as_str()),
        ];
        let refused = post_multipart(&api, &path, &browser.cookies, &fields).await;
        assert_eq!(refused.status, 422, "{email}");
        let page = html(&refused);
        assert!(
            page.contains(says),
            "{email}: {}",
            &page[..page.len().min(3000)]
        );
        assert!(!page.contains(never), "{email}");
    }
    assert_eq!(entries(&api, &ticket).await.len(), 1);
}

#[tokio::test]
async fn what_buyers_write_is_shown_escaped() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(
        &api,
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(2)>",
    )
    .await;
    let browser = sign_in(&api, "agata@example.com").await;
    let list = get(&api, "/tickets", &browser.cookies).await;
    let page = get(&api, &format!("/tickets/{}", ticket.id), &browser.cookies).await;
    for answer in [&list, &page] {
        assert_eq!(answer.status, 200);
        assert!(!html(answer).contains("<script>alert"), "{}", html(answer));
        assert!(html(answer).contains("&#60;script&#62;alert(1)&#60;/script&#62;"));
    }
    assert!(!html(&page).contains("<img src=x"));
    assert!(html(&page).contains("&#60;img src=x onerror=alert(2)&#62;"));
}

#[tokio::test]
async fn assets_carry_their_hash_and_are_cached_for_a_year() {
    let api = Api::new();
    let page = get(&api, "/sign-in", "").await;
    let page = html(&page);
    for (marker, media) in [
        ("rel=\"stylesheet\" href=\"", "text/css"),
        ("<script src=\"", "text/javascript"),
    ] {
        let start = page.find(marker).expect("linked") + marker.len();
        let path = page[start..].split('"').next().unwrap();
        let asset = get(&api, path, "").await;
        assert_eq!(asset.status, 200, "{path}");
        assert_eq!(
            asset.headers["cache-control"],
            "public, max-age=31536000, immutable"
        );
        assert!(asset.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with(media));
        let stale = path.replace(|c: char| c.is_ascii_hexdigit() && c != 'a' && c != 'c', "0");
        assert_eq!(get(&api, &stale, "").await.status, 404, "{stale}");
    }
    assert_eq!(get(&api, "/assets/app.css", "").await.status, 404);
}

#[tokio::test]
async fn pages_speak_the_users_language_unless_the_switch_says_otherwise() {
    let api = Api::new();
    person(&api, "anna@example.com", Language::En).await;
    seeded(&api, "Zwrot", "Dzień dobry").await;
    let browser = sign_in(&api, "anna@example.com").await;
    let english = get(&api, "/tickets", &browser.cookies).await;
    assert!(html(&english).contains("<html lang=\"en\">"));
    assert!(html(&english).contains("<h1>Tickets</h1>"));
    let switched = get(&api, "/language/pl?back=%2Ftickets%3Fsource%3Dallegro", "").await;
    assert_eq!(location(&switched), "/tickets?source=allegro");
    assert!(set_cookies(&switched).contains(&"md_lang=pl".to_owned()));
    let polish = get(
        &api,
        "/tickets",
        &format!("{}; md_lang=pl", browser.cookies),
    )
    .await;
    assert!(html(&polish).contains("<h1>Zgłoszenia</h1>"));
    // The switch never sends anyone to another site.
    let away = get(&api, "/language/en?back=%2F%2Fevil.example%2F", "").await;
    assert_eq!(location(&away), "/");
}

// ------------------------------------------------------------------ people and settings pages

/// An API whose e-mails link to `https://desk.example.com`.
fn desk_api() -> Api {
    Api::with_state(|state| {
        state.with_people(
            marketdesk_core::services::people::PeopleSettings::default()
                .with_default_public_url("https://desk.example.com"),
        )
    })
}

async fn admin(api: &Api, email: &str) {
    users::create_with_password(
        &api.backend.ports,
        "acme",
        NewUser {
            email: email.into(),
            role: Role::Admin,
            name: Some("Adam Admin".into()),
            language: Some(Language::Pl),
        },
        &SecretString::from(PASSWORD.to_owned()),
    )
    .await
    .expect("admin created");
}

/// The link starting with `prefix` in the last e-mail the local notifier recorded.
async fn last_link(api: &Api, prefix: &str) -> String {
    let db = marketdesk_local::SqliteDb::open(
        &api.backend.dir.path().join(marketdesk_local::DATABASE_FILE),
    )
    .expect("the database");
    let notifier = marketdesk_local::RecordingNotifier::new(
        &db,
        std::sync::Arc::new(marketdesk_core::ports::SystemClock),
    )
    .expect("the notifier");
    let recorded = notifier.recorded().await.expect("recorded e-mails");
    let last = &recorded
        .last()
        .expect("an e-mail was sent")
        .notification
        .body;
    last.lines()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} link in {last}"))
        .to_owned()
}

#[tokio::test]
async fn an_invitation_from_the_users_page_is_accepted_on_its_page_then_the_person_signs_in() {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    let browser = sign_in(&api, "adam@example.com").await;
    let invited = post_form(
        &api,
        "/settings/users",
        &browser.cookies,
        &[
            ("csrf", &browser.csrf),
            ("email", "nowa@example.com"),
            ("role", "agent"),
            ("language", "pl"),
        ],
    )
    .await;
    assert_eq!(invited.status, 303, "{}", html(&invited));
    assert!(set_cookies(&invited).contains(&"md_flash=user_invited".to_owned()));
    let link = last_link(&api, "https://desk.example.com/invitations/").await;
    let path = link.trim_start_matches("https://desk.example.com");
    let form = get(&api, path, "").await;
    assert_eq!(form.status, 200);
    assert!(html(&form).contains("Przyjmij zaproszenie"));
    let cookies = set_cookies(&form).join("; ");
    let token = csrf_field(html(&form));
    // Without the form's cookie nothing happens.
    let forged = post_form(
        &api,
        path,
        "",
        &[("csrf", &token), ("name", "Nowa"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(forged.status, 403);
    let short = post_form(
        &api,
        path,
        &cookies,
        &[("csrf", &token), ("name", "Nowa"), ("password", "krótkie")],
    )
    .await;
    assert_eq!(short.status, 422);
    assert!(html(&short).contains("Co najmniej 10 znaków"));
    let accepted = post_form(
        &api,
        path,
        &cookies,
        &[
            ("csrf", &token),
            ("name", "Nowa Osoba"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(accepted.status, 303, "{}", html(&accepted));
    assert_eq!(location(&accepted), "/sign-in");
    sign_in(&api, "nowa@example.com").await;
    // The link works once.
    let again = post_form(
        &api,
        path,
        &cookies,
        &[("csrf", &token), ("name", "Nowa"), ("password", PASSWORD)],
    )
    .await;
    assert_eq!(again.status, 422);
    assert!(html(&again).contains("Ten link wygasł"));
}

#[tokio::test]
async fn a_password_reset_answers_the_same_for_unknown_addresses_and_its_link_sets_the_password() {
    let api = desk_api();
    person(&api, "agata@example.com", Language::Pl).await;
    let form = get(&api, "/password-reset", "").await;
    let cookies = set_cookies(&form).join("; ");
    let token = csrf_field(html(&form));
    let mut answers = Vec::new();
    for email in ["nikt@example.com", "agata@example.com"] {
        let asked = post_form(
            &api,
            "/password-reset",
            &cookies,
            &[("csrf", &token), ("email", email)],
        )
        .await;
        answers.push((
            asked.status,
            location(&asked).to_owned(),
            set_cookies(&asked),
        ));
    }
    assert_eq!(answers[0], answers[1], "the same answer for anyone");
    let link = last_link(&api, "https://desk.example.com/password-resets/").await;
    let path = link.trim_start_matches("https://desk.example.com");
    let page = get(&api, path, &cookies).await;
    assert!(html(&page).contains("Ustaw nowe hasło"));
    let new_password = "zupełnie nowe hasło 7";
    let set = post_form(
        &api,
        path,
        &cookies,
        &[("csrf", &token), ("password", new_password)],
    )
    .await;
    assert_eq!(set.status, 303, "{}", html(&set));
    assert!(set_cookies(&set).contains(&"md_flash=password_changed".to_owned()));
    let old = post_form(
        &api,
        "/sign-in",
        &cookies,
        &[
            ("csrf", &token),
            ("email", "agata@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_ne!(old.status, 303, "the old password no longer works");
}

#[tokio::test]
async fn settings_pages_are_for_admins_and_the_last_admin_refusals_are_shown() {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    person(&api, "agata@example.com", Language::Pl).await;
    let agent = sign_in(&api, "agata@example.com").await;
    for path in [
        "/settings/users",
        "/settings/integrations",
        "/settings/api-keys",
    ] {
        let refused = get(&api, path, &agent.cookies).await;
        assert_eq!(refused.status, 403, "{path}");
    }
    let browser = sign_in(&api, "adam@example.com").await;
    let page = get(&api, "/settings/users", &browser.cookies).await;
    assert_eq!(page.status, 200);
    assert!(html(&page).contains("agata@example.com"));
    let adam = marketdesk_core::services::people::users::list(&api.backend.ports, &"acme".into())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "adam@example.com")
        .unwrap();
    let demoted = post_form(
        &api,
        &format!("/settings/users/{}", adam.id),
        &browser.cookies,
        &[
            ("csrf", &browser.csrf),
            ("role", "agent"),
            ("language", "pl"),
            ("active", "1"),
        ],
    )
    .await;
    assert_eq!(demoted.status, 409);
    assert!(html(&demoted).contains("ostatni aktywny administrator"));
    // Another person's role, language and switch change; switched off, their session ends.
    let agata = users::list(&api.backend.ports, &"acme".into())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == "agata@example.com")
        .unwrap();
    let changed = post_form(
        &api,
        &format!("/settings/users/{}", agata.id),
        &browser.cookies,
        &[
            ("csrf", &browser.csrf),
            ("role", "agent"),
            ("language", "en"),
        ],
    )
    .await;
    assert_eq!(changed.status, 303, "{}", html(&changed));
    let agata = users::get(&api.backend.ports, &"acme".into(), &agata.id)
        .await
        .unwrap();
    assert!(!agata.active);
    assert_eq!(agata.language, Language::En);
    assert_eq!(
        location(&get(&api, "/tickets", &agent.cookies).await),
        "/sign-in"
    );
    // The only admin API key stays too, and the page says why.
    let key = api.key("acme", Role::Admin).await;
    let keys = api.get("/v1/api-keys", &key).await;
    let id = keys.body["api_keys"][0]["id"].as_str().unwrap().to_owned();
    let confirm = get(
        &api,
        &format!("/settings/api-keys/{id}/revoke"),
        &browser.cookies,
    )
    .await;
    assert!(html(&confirm).contains("Unieważnić klucz?"));
    let revoked = post_form(
        &api,
        &format!("/settings/api-keys/{id}/revoke"),
        &browser.cookies,
        &[("csrf", &browser.csrf)],
    )
    .await;
    assert_eq!(revoked.status, 409);
    assert!(html(&revoked).contains("ostatniego klucza administratora"));
    // A new key is shown once, on the answer to its creation only.
    let created = post_form(
        &api,
        "/settings/api-keys",
        &browser.cookies,
        &[
            ("csrf", &browser.csrf),
            ("name", "sklep"),
            ("role", "agent"),
        ],
    )
    .await;
    assert_eq!(created.status, 201);
    assert_eq!(created.headers["cache-control"], "no-store");
    assert!(html(&created).contains("value=\"mdk_"));
    let listed = get(&api, "/settings/api-keys", &browser.cookies).await;
    assert!(!html(&listed).contains("value=\"mdk_"));
    assert!(html(&listed).contains("sklep"));
}

#[tokio::test]
async fn a_tenant_without_integrations_gets_the_first_run_page_admins_a_way_to_connect() {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    person(&api, "agata@example.com", Language::Pl).await;
    let admin_view = get(
        &api,
        "/tickets",
        &sign_in(&api, "adam@example.com").await.cookies,
    )
    .await;
    assert!(html(&admin_view).contains("Witaj w marketdesk"));
    assert!(html(&admin_view).contains("href=\"/settings/integrations\""));
    let agent_view = get(
        &api,
        "/tickets",
        &sign_in(&api, "agata@example.com").await.cookies,
    )
    .await;
    assert!(html(&agent_view).contains("Poproś administratora"));
    assert!(!html(&agent_view).contains("href=\"/settings/integrations\""));
    // Once an account exists, the list.
    marketdesk_testkit::backend::seed_connected_integration(
        &api.backend.ports,
        "acme",
        "in-1",
        marketdesk_core::domain::Marketplace::Allegro,
    )
    .await;
    let list = get(
        &api,
        "/tickets",
        &sign_in(&api, "agata@example.com").await.cookies,
    )
    .await;
    assert!(html(&list).contains("<h1>Zgłoszenia</h1>"));
}

#[tokio::test]
async fn connecting_starts_with_a_link_and_the_callback_brings_the_admin_back_to_settings() {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    let browser = sign_in(&api, "adam@example.com").await;
    let created = post_form(
        &api,
        "/settings/integrations",
        &browser.cookies,
        &[
            ("csrf", &browser.csrf),
            ("kind", "allegro"),
            ("display_name", "Sklep testowy"),
            ("environment", "sandbox"),
        ],
    )
    .await;
    assert_eq!(created.status, 303, "{}", html(&created));
    let page = get(&api, "/settings/integrations", &browser.cookies).await;
    let body = html(&page);
    assert!(body.contains("Sklep testowy"));
    let start = body.find("/connect?csrf=").expect("a connect link");
    let href_start = body[..start].rfind('"').unwrap() + 1;
    let href = body[href_start..].split('"').next().unwrap().to_owned();
    // Without the session's token the link does nothing.
    let forged = get(&api, &href.replace(&browser.csrf, "x"), &browser.cookies).await;
    assert_eq!(forged.status, 403);
    // No OAuth application configured in this test: the page says so.
    let unconfigured = get(&api, &href, &browser.cookies).await;
    assert_eq!(unconfigured.status, 409);
    assert!(html(&unconfigured).contains("nie jest skonfigurowane"));
    // A flow started from the pages lands back on them; one started elsewhere keeps its page.
    let landed = get(
        &api,
        "/oauth/allegro/callback?error=access_denied",
        "md_oauth=web",
    )
    .await;
    assert_eq!(landed.status, 303);
    assert_eq!(location(&landed), "/settings/integrations");
    assert!(set_cookies(&landed).contains(&"md_flash=connect_failed".to_owned()));
    let elsewhere = get(&api, "/oauth/allegro/callback?error=access_denied", "").await;
    assert_eq!(elsewhere.status, 400);
    // Deleting asks first.
    let delete_href = body
        .split("href=\"")
        .map(|s| s.split('"').next().unwrap())
        .find(|h| h.ends_with("/delete"))
        .expect("a delete link")
        .to_owned();
    let confirm = get(&api, &delete_href, &browser.cookies).await;
    assert!(html(&confirm).contains("Usunąć konto?"));
    let deleted = post_form(
        &api,
        &delete_href,
        &browser.cookies,
        &[("csrf", &browser.csrf)],
    )
    .await;
    assert_eq!(deleted.status, 303);
    let after = get(&api, "/settings/integrations", &browser.cookies).await;
    assert!(!html(&after).contains("Sklep testowy"));
}

#[tokio::test]
async fn an_accounts_settings_page_previews_the_autoresponse_and_saves_only_valid_settings() {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    let browser = sign_in(&api, "adam@example.com").await;
    let integration = marketdesk_testkit::backend::seed_connected_integration(
        &api.backend.ports,
        "acme",
        "in-1",
        marketdesk_core::domain::Marketplace::Allegro,
    )
    .await;
    let path = format!("/settings/integrations/{}", integration.id);
    let page = get(&api, &path, &browser.cookies).await;
    assert_eq!(page.status, 200);
    assert!(html(&page).contains("Autoresponder"));
    let form = |action: &'static str, delay: &'static str| {
        vec![
            ("csrf", browser.csrf.clone()),
            ("queue", "Zwroty".to_owned()),
            ("map_resolved", "closed".to_owned()),
            (
                "closure_message",
                "Czy problem został rozwiązany?".to_owned(),
            ),
            (
                "alert_emails",
                "szef@example.com\nbiuro@example.com".to_owned(),
            ),
            ("ar_enabled", "1".to_owned()),
            (
                "ar_text",
                "Dzień dobry {buyer_login}, odpiszemy wkrótce.".to_owned(),
            ),
            ("ar_delay", delay.to_owned()),
            ("hours_enabled", "1".to_owned()),
            ("day", "1".to_owned()),
            ("day", "2".to_owned()),
            ("start", "09:00".to_owned()),
            ("end", "17:00".to_owned()),
            ("kind", "allegro_dispute".to_owned()),
            ("action", action.to_owned()),
        ]
    };
    let target = format!("{path}/settings");
    let send = |fields: Vec<(&'static str, String)>| {
        let (api, target, cookies) = (&api, target.clone(), browser.cookies.clone());
        async move {
            let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(api, &target, &cookies, &refs).await
        }
    };
    let stored = || async {
        marketdesk_core::services::integrations::get(
            &api.backend.ports,
            &"acme".into(),
            &integration.id,
        )
        .await
        .unwrap()
        .settings
    };
    // A preview fills the placeholders in and saves nothing.
    let preview = send(form("preview", "5")).await;
    assert_eq!(preview.status, 200);
    assert!(html(&preview).contains("Dzień dobry jan_kowalski, odpiszemy wkrótce."));
    assert_eq!(stored().await, integration.settings);
    // A delay the autoresponder does not allow: the page says so, nothing changes.
    let refused = send(form("save", "99")).await;
    assert_eq!(refused.status, 422, "{}", html(&refused));
    assert!(html(&refused).contains("Nie zapisano"));
    assert_eq!(stored().await, integration.settings);
    let saved = send(form("save", "5")).await;
    assert_eq!(saved.status, 303, "{}", html(&saved));
    let settings = stored().await;
    assert_eq!(settings.ticket_queue.as_deref(), Some("Zwroty"));
    assert_eq!(
        settings.status_mapping.resolved,
        marketdesk_core::domain::TicketStatus::Closed
    );
    assert_eq!(settings.alert_emails.len(), 2);
    let ar = settings.autoresponder;
    assert!(ar.enabled);
    assert_eq!(ar.delay_minutes, 5);
    assert_eq!(ar.business_hours.expect("hours").days, vec![1, 2]);
    assert_eq!(
        ar.kinds,
        vec![marketdesk_core::domain::ConversationKind::AllegroDispute]
    );
}

/// The id of the tenant's user with `email`.
async fn user_id(api: &Api, email: &str) -> String {
    users::list(&api.backend.ports, &"acme".into())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == email)
        .expect("the user")
        .id
        .to_string()
}

/// The ticket as the API answers it.
async fn ticket_json(api: &Api, ticket: &Ticket) -> serde_json::Value {
    let key = api.key("acme", Role::Agent).await;
    let answer = api.get(&format!("/v1/tickets/{}", ticket.id), &key).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body["ticket"].clone()
}

#[tokio::test]
async fn the_ticket_controls_change_status_assignee_and_labels_through_the_workflow() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    let browser = sign_in(&api, "agata@example.com").await;
    let agata = user_id(&api, "agata@example.com").await;
    let path = format!("/tickets/{}", ticket.id);
    let page = get(&api, &path, &browser.cookies).await;
    assert!(html(&page).contains(&format!("<option value=\"{agata}\">Agata Agentka</option>")));
    assert!(html(&page).contains("<dd id=\"ticket-assignee\">Nikt</dd>"));

    let action = format!("{path}/workflow");
    let form = [
        ("csrf", browser.csrf.as_str()),
        ("status", "pending"),
        ("assignee", agata.as_str()),
        ("priority", "high"),
        ("queue", " Reklamacje "),
        ("category", ""),
        ("tags", "kubek, pilne, Kubek"),
        ("snooze_until", ""),
    ];
    let done = post_form(&api, &action, &browser.cookies, &form).await;
    assert_eq!(
        (done.status.as_u16(), location(&done)),
        (303, path.as_str())
    );
    assert!(set_cookies(&done).contains(&"md_flash=ticket_saved".to_owned()));
    let saved = ticket_json(&api, &ticket).await;
    assert_eq!(saved["status"], "pending");
    assert_eq!(saved["assignee"], agata.as_str());
    assert_eq!(saved["priority"], "high");
    assert_eq!(saved["queue"], "Reklamacje");
    assert_eq!(saved["tags"], json!(["kubek", "pilne"]));

    let page = get(
        &api,
        &path,
        &format!("{}; md_flash=ticket_saved", browser.cookies),
    )
    .await;
    let page = html(&page);
    assert!(page.contains("Zapisano zmiany zgłoszenia."));
    assert!(
        page.contains("<dd id=\"ticket-assignee\">Agata Agentka</dd>"),
        "{page}"
    );
    assert!(page.contains("Czeka na kupującego"));
    assert!(page.contains(&format!(
        "<option value=\"{agata}\" selected>Agata Agentka</option>"
    )));
}

#[tokio::test]
async fn saving_the_controls_unchanged_sets_no_manual_status() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    let browser = sign_in(&api, "agata@example.com").await;
    let before = ticket_json(&api, &ticket).await;
    let form = [
        ("csrf", browser.csrf.as_str()),
        ("status", before["status"].as_str().unwrap()),
        ("assignee", ""),
        ("priority", "normal"),
        ("queue", ""),
        ("category", ""),
        ("tags", ""),
        ("snooze_until", ""),
    ];
    let action = format!("/tickets/{}/workflow", ticket.id);
    let done = post_form(&api, &action, &browser.cookies, &form).await;
    assert_eq!(done.status, 303);
    assert!(set_cookies(&done).contains(&"md_flash=ticket_unchanged".to_owned()));
    assert_eq!(ticket_json(&api, &ticket).await, before);
}

#[tokio::test]
async fn refused_control_changes_keep_what_was_typed_and_change_nothing() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    let browser = sign_in(&api, "agata@example.com").await;
    let before = ticket_json(&api, &ticket).await;
    let action = format!("/tickets/{}/workflow", ticket.id);
    fn typed<'a>(csrf: &'a str, snooze: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("csrf", csrf),
            ("status", "solved"),
            ("assignee", ""),
            ("priority", "normal"),
            ("queue", "Zwroty"),
            ("snooze_until", snooze),
        ]
    }
    let csrf = browser.csrf.as_str();
    for token in ["", "forged"] {
        let refused = post_form(&api, &action, &browser.cookies, &typed(token, "")).await;
        assert_eq!(refused.status, 403, "{token:?}");
    }
    let unreadable = post_form(&api, &action, &browser.cookies, &typed(csrf, "jutro")).await;
    assert_eq!(unreadable.status, 422);
    assert!(html(&unreadable).contains("Uśpij do: podaj datę i godzinę"));
    assert!(html(&unreadable).contains("value=\"Zwroty\""));
    let past = post_form(
        &api,
        &action,
        &browser.cookies,
        &typed(csrf, "2020-01-01T10:00"),
    )
    .await;
    assert_eq!(past.status, 422);
    assert!(
        html(&past).contains("Uśpij do: musi być czasem w przyszłości"),
        "{}",
        html(&past)
    );
    assert!(html(&past).contains("value=\"2020-01-01T10:00\""));
    let unknown = [
        ("csrf", csrf),
        ("assignee", "us-nobody"),
        ("status", before["status"].as_str().unwrap()),
        ("priority", "normal"),
    ];
    let refused = post_form(&api, &action, &browser.cookies, &unknown).await;
    assert_eq!(refused.status, 422);
    assert!(html(&refused).contains("Przypisane do: nie ma takiej osoby w zespole"));
    assert_eq!(ticket_json(&api, &ticket).await, before);
}

#[tokio::test]
async fn the_panel_shows_the_sla_deadline_in_warsaw_time_with_the_time_left() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let admin = api.key("acme", Role::Admin).await;
    let integration = api
        .post(
            "/v1/integrations",
            &admin,
            json!({ "kind": "allegro", "display_name": "Sklep" }),
        )
        .await;
    let id = integration.body["id"].as_str().unwrap();
    let mut late = common::ticket("acme", id, "d1", 5);
    let due = chrono::Utc::now() - chrono::Duration::minutes(75);
    late.workflow.respond_by = Some(due);
    store_ticket(&api, &late).await;
    let mut calm = common::ticket("acme", id, "d2", 5);
    calm.workflow.respond_by = Some(chrono::Utc::now() + chrono::Duration::minutes(190));
    store_ticket(&api, &calm).await;
    let browser = sign_in(&api, "agata@example.com").await;

    let page = get(&api, &format!("/tickets/{}", late.id), &browser.cookies).await;
    let shown = due
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .format("%d.%m.%Y %H:%M")
        .to_string();
    assert!(html(&page).contains(&shown), "{}", html(&page));
    assert!(html(&page).contains("<span class=\"sla overdue\">po terminie o 1 h 1"));
    let page = get(&api, &format!("/tickets/{}", calm.id), &browser.cookies).await;
    assert!(
        html(&page).contains("<span class=\"sla\">3 h 9 min zostało</span>"),
        "{}",
        html(&page)
    );
}

/// The count a view's link shows on the list page.
fn view_count(page: &str, view: &str) -> Option<String> {
    let start = page.find(&format!("href=\"/tickets?view={view}\""))?;
    let rest = &page[start..];
    let count = rest.find("<span class=\"count\">")? + 20;
    Some(rest[count..].split('<').next()?.to_owned())
}

#[tokio::test]
async fn the_list_shows_views_with_counts_that_follow_an_assignment() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    let browser = sign_in(&api, "agata@example.com").await;
    let list = get(&api, "/tickets", &browser.cookies).await;
    let page = html(&list);
    assert_eq!(view_count(page, "mine").as_deref(), Some("0"), "{page}");
    assert_eq!(view_count(page, "unassigned").as_deref(), Some("1"));
    assert!(page.contains(">Wszystkie</a>"));

    let agata = user_id(&api, "agata@example.com").await;
    let form = [
        ("csrf", browser.csrf.as_str()),
        ("status", "open"),
        ("assignee", agata.as_str()),
        ("priority", "normal"),
    ];
    let action = format!("/tickets/{}/workflow", ticket.id);
    let done = post_form(&api, &action, &browser.cookies, &form).await;
    assert_eq!(done.status, 303, "{}", html(&done));

    let list = get(&api, "/tickets", &browser.cookies).await;
    let page = html(&list);
    assert_eq!(view_count(page, "mine").as_deref(), Some("1"));
    assert_eq!(view_count(page, "unassigned").as_deref(), Some("0"));
    let row = format!("href=\"/tickets/{}\"", ticket.id);
    let mine = get(&api, "/tickets?view=mine", &browser.cookies).await;
    assert!(html(&mine).contains(&row));
    assert!(html(&mine).contains("<td>Agata Agentka</td>"));
    assert!(html(&mine).contains("href=\"/tickets?view=mine&#38;sort=respond_by\""));
    let by_deadline = get(&api, "/tickets?view=mine&sort=respond_by", &browser.cookies).await;
    assert!(html(&by_deadline).contains(&row));
    let unassigned = get(&api, "/tickets?view=unassigned", &browser.cookies).await;
    assert_eq!(unassigned.status, 200);
    assert!(!html(&unassigned).contains(&row));
    let unknown = get(&api, "/tickets?view=nonsense", &browser.cookies).await;
    assert_eq!(
        (unknown.status.as_u16(), location(&unknown)),
        (303, "/tickets")
    );
}

/// A conversation ingested as the poller would deliver it (so the search finds it), on the
/// connected integration `integration` of `acme`; its ticket.
async fn ingested(
    api: &Api,
    integration: &str,
    kind: &str,
    external: &str,
    extra: serde_json::Value,
) -> Ticket {
    let mut event = json!({
        "tenant_id": "acme",
        "integration_id": integration,
        "conversation": { "kind": kind, "external_id": external },
        "subject": "Uszkodzony kubek",
        "marketplace_status": "ONGOING",
        "open_for_replies": true,
        "buyer_login": format!("buyer_{external}"),
        "order_id": null,
        "messages": [{
            "external_id": format!("m-{external}"),
            "author": "buyer",
            "author_name": "Kupujący",
            "text": "Kubek przyszedł pęknięty",
            "created_at": chrono::Utc::now() - chrono::Duration::minutes(5)
        }]
    });
    if let (Some(base), Some(extra)) = (event.as_object_mut(), extra.as_object()) {
        base.extend(extra.clone());
    }
    let event: InboundEvent = serde_json::from_value(event).expect("an inbound event");
    let id = ingest::run(&api.backend.ports, &event)
        .await
        .expect("ingested")
        .ticket_id;
    tickets::get(&*api.backend.ports.store, &"acme".into(), &id)
        .await
        .expect("read")
        .expect("stored")
        .value
}

/// Two accounts of `acme` with one ingested conversation each: an Allegro dispute with an
/// order (buyer Jan Kowalski) and an EmpikPlace thread of order `EMP123456-A`.
async fn two_marketplaces(api: &Api) -> (Ticket, Ticket) {
    let ports = &api.backend.ports;
    seed_connected_integration(ports, "acme", "allegro-1", Marketplace::Allegro).await;
    seed_connected_integration(ports, "acme", "empik-1", Marketplace::Empik).await;
    let allegro = ingested(
        api,
        "allegro-1",
        "allegro_dispute",
        "issue-5",
        json!({ "buyer_name": "Jan Kowalski", "order_id": "29b3a4c0-1111-11ef-8000-000000000001" }),
    )
    .await;
    let empik = ingested(
        api,
        "empik-1",
        "empik_thread",
        "thread-42",
        json!({ "subject": "Zwrot towaru", "buyer_login": "2001", "order_id": "EMP123456-A" }),
    )
    .await;
    (allegro, empik)
}

#[tokio::test]
async fn the_search_box_finds_tickets_by_order_id_through_the_search_and_keeps_view_and_filters() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let (allegro, empik) = two_marketplaces(&api).await;
    let browser = sign_in(&api, "agata@example.com").await;
    let row = |t: &Ticket| format!("href=\"/tickets/{}\"", t.id);
    let shows = |page: &Answer, t: &Ticket| html(page).contains(&row(t));

    // An order id, in full or only its Mirakl commercial part, a name, words of a message.
    let by_order = get(
        &api,
        "/tickets?q=29b3a4c0-1111-11ef-8000-000000000001",
        &browser.cookies,
    )
    .await;
    assert!(
        shows(&by_order, &allegro) && !shows(&by_order, &empik),
        "{}",
        html(&by_order)
    );
    let by_commercial = get(&api, "/tickets?q=EMP123456", &browser.cookies).await;
    assert!(shows(&by_commercial, &empik) && !shows(&by_commercial, &allegro));
    let by_name = get(&api, "/tickets?q=kowalski", &browser.cookies).await;
    assert!(shows(&by_name, &allegro) && !shows(&by_name, &empik));
    let by_words = get(&api, "/tickets?q=pekniety", &browser.cookies).await;
    assert!(shows(&by_words, &allegro) && shows(&by_words, &empik));
    assert!(html(&by_words).contains("id=\"q\" name=\"q\" type=\"search\" value=\"pekniety\""));
    assert!(html(&by_words).contains("data-rows=\"/tickets/rows?q=pekniety\""));

    // The search narrowed by a filter and by a view; the forms carry the rest along.
    let narrowed = get(
        &api,
        "/tickets?q=pekniety&source=empikplace",
        &browser.cookies,
    )
    .await;
    assert!(shows(&narrowed, &empik) && !shows(&narrowed, &allegro));
    assert!(
        html(&narrowed).contains("<input type=\"hidden\" name=\"source\" value=\"empikplace\">")
    );
    let in_view = get(&api, "/tickets?view=mine&q=pekniety", &browser.cookies).await;
    assert!(
        !shows(&in_view, &empik) && !shows(&in_view, &allegro),
        "nothing is assigned"
    );
    let unassigned = get(
        &api,
        "/tickets?view=unassigned&q=EMP123456",
        &browser.cookies,
    )
    .await;
    assert!(shows(&unassigned, &empik));
    assert!(
        html(&unassigned).contains("<input type=\"hidden\" name=\"view\" value=\"unassigned\">")
    );

    let rows = get(&api, "/tickets/rows?q=EMP123456", &browser.cookies).await;
    assert_eq!(rows.status, 200);
    assert_eq!(rows.headers["cache-control"], "no-store");
    assert_eq!(rows.headers["content-security-policy"], PAGE_POLICY);
    let fragment = html(&rows).trim();
    assert!(
        fragment.starts_with("<tr") && !fragment.contains("<html"),
        "{fragment}"
    );
    assert!(shows(&rows, &empik) && !shows(&rows, &allegro));
    let none = get(&api, "/tickets/rows?q=parasol", &browser.cookies).await;
    assert!(!html(&none).contains("<tr"));
    // Nothing to search for: the same list without the search.
    let empty = get(&api, "/tickets?q=%23%21&source=allegro", &browser.cookies).await;
    assert_eq!(
        (empty.status.as_u16(), location(&empty)),
        (303, "/tickets?source=allegro")
    );
    let signed_out = get(&api, "/tickets/rows", "").await;
    assert_eq!(
        (signed_out.status.as_u16(), location(&signed_out)),
        (303, "/sign-in")
    );
}

/// Which of `tickets` the list at `/tickets?{query}` shows, in their given order.
async fn listed(api: &Api, cookies: &str, query: &str, tickets: &[&Ticket]) -> Vec<String> {
    let page = get(api, &format!("/tickets?{query}"), cookies).await;
    assert_eq!(page.status, 200, "{query}");
    tickets
        .iter()
        .filter(|t| html(&page).contains(&format!("href=\"/tickets/{}\"", t.id)))
        .map(|t| t.id.to_string())
        .collect()
}

#[tokio::test]
async fn an_empikplace_ticket_shows_since_when_mirakl_awaits_the_shops_answer() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ports = &api.backend.ports;
    seed_connected_integration(ports, "acme", "empik-1", Marketplace::Empik).await;
    let since = chrono::Utc::now() - chrono::Duration::minutes(125);
    let ticket = ingested(
        &api,
        "empik-1",
        "empik_thread",
        "thread-7",
        json!({ "shop_reply_needed_since": since }),
    )
    .await;
    let key = api.key("acme", Role::Agent).await;
    let answer = api.get(&format!("/v1/tickets/{}", ticket.id), &key).await;
    assert_eq!(answer.status, 200);
    let shown: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(answer.body["ticket"]["shop_reply_needed_since"].clone())
            .expect("a time");
    assert_eq!(shown, since);
    let browser = sign_in(&api, "agata@example.com").await;
    let page = get(&api, &format!("/tickets/{}", ticket.id), &browser.cookies).await;
    let at = since
        .with_timezone(&chrono_tz::Europe::Warsaw)
        .format("%d.%m.%Y %H:%M")
        .to_string();
    assert!(
        html(&page).contains("EmpikPlace czeka na odpowiedź sklepu od"),
        "{}",
        html(&page)
    );
    assert!(html(&page).contains(&at) && html(&page).contains("(2 h 5 min temu)"));

    // The shop answered on Empik's site: Mirakl's clock is gone.
    ingested(
        &api,
        "empik-1",
        "empik_thread",
        "thread-7",
        json!({ "shop_reply_needed_since": null }),
    )
    .await;
    let page = get(&api, &format!("/tickets/{}", ticket.id), &browser.cookies).await;
    assert!(!html(&page).contains("shop-reply-needed"));
    let answer = api.get(&format!("/v1/tickets/{}", ticket.id), &key).await;
    assert!(answer.body["ticket"]
        .get("shop_reply_needed_since")
        .is_none());
}

/// Where a row of `ticket` appears in `page` (panics when it does not).
fn row_at(page: &str, ticket: &Ticket) -> usize {
    page.find(&format!("href=\"/tickets/{}\"", ticket.id))
        .unwrap_or_else(|| panic!("no row of {} in {page}", ticket.id))
}

#[tokio::test]
async fn account_queue_category_tag_and_assignee_filters_combine_with_views_and_both_orders() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let agata = user_id(&api, "agata@example.com").await;
    let ports = &api.backend.ports;
    seed_connected_integration(ports, "acme", "shop-a", Marketplace::Allegro).await;
    seed_connected_integration(ports, "acme", "shop-b", Marketplace::Allegro).await;
    let now = chrono::Utc::now();
    let mut mine = common::ticket("acme", "shop-a", "a1", 1);
    mine.queue = Some("Zwroty".into());
    mine.workflow.tags = vec!["Pilne".into()];
    mine.workflow.assignee = Some(agata.as_str().into());
    mine.workflow.respond_by = Some(now + chrono::Duration::hours(3));
    let mut soon = common::ticket("acme", "shop-b", "b1", 2);
    soon.category = Some("Reklamacje".into());
    soon.workflow.respond_by = Some(now + chrono::Duration::hours(1));
    let mut calm = common::ticket("acme", "shop-b", "b2", 3);
    calm.needs_reply = false;
    for t in [&mine, &soon, &calm] {
        store_ticket(&api, t).await;
    }
    let browser = sign_in(&api, "agata@example.com").await;
    let all = [&mine, &soon, &calm];
    let cookies = browser.cookies.as_str();
    let ids = |ts: &[&Ticket]| ts.iter().map(|t| t.id.to_string()).collect::<Vec<_>>();
    assert_eq!(
        listed(&api, cookies, "integration=shop-a", &all).await,
        ids(&[&mine])
    );
    assert_eq!(
        listed(&api, cookies, "integration=shop-b", &all).await,
        ids(&[&soon, &calm])
    );
    assert_eq!(
        listed(&api, cookies, "queue=Zwroty", &all).await,
        ids(&[&mine])
    );
    assert_eq!(
        listed(&api, cookies, "category=Reklamacje", &all).await,
        ids(&[&soon])
    );
    assert_eq!(
        listed(&api, cookies, "tag=pilne", &all).await,
        ids(&[&mine])
    );
    assert_eq!(
        listed(&api, cookies, "assignee=none", &all).await,
        ids(&[&soon, &calm])
    );
    let by_agata = get(
        &api,
        &format!("/tickets?assignee={agata}"),
        &browser.cookies,
    )
    .await;
    assert!(html(&by_agata).contains(&format!("href=\"/tickets/{}\"", mine.id)));
    assert!(!html(&by_agata).contains(&format!("href=\"/tickets/{}\"", soon.id)));
    // A view with filters.
    assert_eq!(
        listed(&api, cookies, "view=unassigned&integration=shop-b", &all).await,
        ids(&[&soon, &calm])
    );
    assert_eq!(
        listed(&api, cookies, "view=needs_reply&integration=shop-b", &all).await,
        ids(&[&soon])
    );
    assert_eq!(
        listed(&api, cookies, "view=mine&queue=Zwroty", &all).await,
        ids(&[&mine])
    );
    assert!(listed(&api, cookies, "view=mine&integration=shop-b", &all)
        .await
        .is_empty());

    // Both orders, with and without a view or filters.
    let page = get(&api, "/tickets?sort=respond_by", &browser.cookies).await;
    let text = html(&page);
    assert!(row_at(text, &soon) < row_at(text, &mine) && row_at(text, &mine) < row_at(text, &calm));
    let page = get(&api, "/tickets", &browser.cookies).await;
    let text = html(&page);
    assert!(row_at(text, &mine) < row_at(text, &soon) && row_at(text, &soon) < row_at(text, &calm));
    let page = get(
        &api,
        "/tickets?view=unassigned&integration=shop-b&sort=respond_by",
        &browser.cookies,
    )
    .await;
    let text = html(&page);
    assert!(row_at(text, &soon) < row_at(text, &calm));
    assert!(text.contains("href=\"/tickets?view=unassigned&#38;sort=respond_by&#38;integration=shop-b\" aria-current=\"true\""), "{text}");
    // The filters form offers the accounts, the view's links keep the filters.
    assert!(text.contains("<select id=\"f-account\" name=\"integration\">"));
    assert!(text.contains("<option value=\"shop-b\" selected>"));
    assert!(text
        .contains("href=\"/tickets?view=needs_reply&#38;sort=respond_by&#38;integration=shop-b\""));
    let rows = get(
        &api,
        "/tickets/rows?sort=respond_by&integration=shop-b",
        &browser.cookies,
    )
    .await;
    let fragment = html(&rows);
    assert!(row_at(fragment, &soon) < row_at(fragment, &calm));
}

#[tokio::test]
async fn a_saved_reply_in_the_agents_language_fills_the_reply_box_and_the_signature_is_shown() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    let admin = api.key("acme", Role::Admin).await;
    let mut saved = Vec::new();
    for (title, language, text) in [
        (
            "Zwrot",
            "pl",
            "Dzień dobry {buyer_name}, zwrot przyjęty. {agent_name}",
        ),
        ("Refund", "en", "Hello {buyer_login}"),
    ] {
        let created = api
            .post(
                "/v1/saved-replies",
                &admin,
                json!({ "title": title, "language": language, "text": text }),
            )
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        saved.push(created.body["id"].as_str().unwrap().to_owned());
    }
    let signed = api
        .patch(
            &format!("/v1/integrations/{}", ticket.integration_id),
            &admin,
            json!({ "settings": { "signature": "Pozdrawiamy,\nSklep \"Kubki & Spółka\"" } }),
        )
        .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let browser = sign_in(&api, "agata@example.com").await;
    let path = format!("/tickets/{}", ticket.id);

    let page = get(&api, &path, &browser.cookies).await;
    let page = html(&page);
    assert!(page.contains(&format!("<option value=\"{}\">Zwrot</option>", saved[0])));
    assert!(!page.contains("Refund"), "only the agent's language");
    assert!(page.contains("Pod odpowiedzią zostanie dodany podpis konta:"));
    assert!(page.contains("Pozdrawiamy,\nSklep &#34;Kubki &#38; Spółka&#34;"));

    let used = get(
        &api,
        &format!("{path}?saved={}", saved[0]),
        &browser.cookies,
    )
    .await;
    assert_eq!(used.status, 200);
    let used = html(&used);
    assert!(
        used.contains(&format!(
            ">Dzień dobry {}, zwrot przyjęty. Agata Agentka</textarea>",
            ticket.buyer_login
        )),
        "{used}"
    );
    assert!(used.contains(&format!(
        "<option value=\"{}\" selected>Zwrot</option>",
        saved[0]
    )));

    let gone = get(&api, &format!("{path}?saved=sr-gone"), &browser.cookies).await;
    assert_eq!(gone.status, 404);
    assert!(html(&gone).contains("Tej gotowej odpowiedzi już nie ma."));
    assert_eq!(entries(&api, &ticket).await.len(), 1, "nothing was stored");
}

#[tokio::test]
async fn the_account_settings_page_saves_the_signature_and_sla_targets_and_refuses_bad_ones() {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    let browser = sign_in(&api, "adam@example.com").await;
    let integration = marketdesk_testkit::backend::seed_connected_integration(
        &api.backend.ports,
        "acme",
        "in-1",
        marketdesk_core::domain::Marketplace::Allegro,
    )
    .await;
    let path = format!("/settings/integrations/{}", integration.id);
    let page = get(&api, &path, &browser.cookies).await;
    assert!(html(&page).contains("Podpis pod odpowiedziami"));
    assert!(html(&page)
        .contains("name=\"sla_first\" type=\"number\" min=\"1\" max=\"720\" value=\"24\""));
    let target = format!("{path}/settings");
    let stored = || async {
        marketdesk_core::services::integrations::get(
            &api.backend.ports,
            &"acme".into(),
            &integration.id,
        )
        .await
        .unwrap()
        .settings
    };
    let form = |signature: &'static str, first: &'static str| {
        vec![
            ("csrf", browser.csrf.as_str()),
            ("ar_text", "Dzień dobry, odpiszemy wkrótce."),
            ("ar_delay", "0"),
            ("reply_section", "1"),
            ("signature", signature),
            ("sla_first", first),
            ("sla_next", "12"),
            ("sla_warn", "30"),
            ("action", "save"),
        ]
    };
    for (signature, first, says) in [
        ("<b>Sklep</b>", "8", "Podpis: HTML jest niedozwolony"),
        (
            "Sklep",
            "osiem",
            "Pierwsza odpowiedź w ciągu (godz.): „osiem”",
        ),
        (
            "Sklep",
            "0",
            "SLA: pierwsza odpowiedź: musi wynosić od 1 do 720 godzin roboczych",
        ),
    ] {
        let refused = post_form(&api, &target, &browser.cookies, &form(signature, first)).await;
        assert_eq!(refused.status, 422, "{signature} {first}");
        assert!(html(&refused).contains(says), "{}", html(&refused));
        assert_eq!(stored().await, integration.settings);
    }
    let saved = post_form(
        &api,
        &target,
        &browser.cookies,
        &form("Pozdrawiamy,\nSklep", "8"),
    )
    .await;
    assert_eq!(saved.status, 303, "{}", html(&saved));
    let settings = stored().await;
    assert_eq!(settings.signature.as_deref(), Some("Pozdrawiamy,\nSklep"));
    assert_eq!(
        (
            settings.sla.first_response_hours,
            settings.sla.next_response_hours
        ),
        (8, 12)
    );
    assert_eq!(settings.sla.warn_before_minutes, 30);
    assert!(!settings.sla.holidays_off, "the box was not ticked");
    assert_eq!(
        settings.sla.business_hours,
        integration.settings.sla.business_hours
    );
}

#[tokio::test]
async fn the_account_settings_page_edits_the_sla_working_days_and_hours() {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    let browser = sign_in(&api, "adam@example.com").await;
    let integration = marketdesk_testkit::backend::seed_connected_integration(
        &api.backend.ports,
        "acme",
        "in-1",
        marketdesk_core::domain::Marketplace::Allegro,
    )
    .await;
    let path = format!("/settings/integrations/{}", integration.id);
    let page = get(&api, &path, &browser.cookies).await;
    assert!(html(&page).contains("Dni robocze (SLA)"), "{}", html(&page));
    assert!(html(&page)
        .contains("<input type=\"checkbox\" name=\"sla_day\" value=\"1\" checked> Poniedziałek"));
    let stored = || async {
        marketdesk_core::services::integrations::get(
            &api.backend.ports,
            &"acme".into(),
            &integration.id,
        )
        .await
        .unwrap()
        .settings
    };
    let form = |start: &'static str, end: &'static str| {
        vec![
            ("csrf", browser.csrf.as_str()),
            ("ar_text", "Dzień dobry, odpiszemy wkrótce."),
            ("ar_delay", "0"),
            ("reply_section", "1"),
            ("sla_first", "8"),
            ("sla_next", "8"),
            ("sla_warn", "60"),
            ("sla_hours_section", "1"),
            ("sla_day", "1"),
            ("sla_day", "3"),
            ("sla_day", "6"),
            ("sla_start", start),
            ("sla_end", end),
            ("action", "save"),
        ]
    };
    let target = format!("{path}/settings");
    let before = stored().await;
    let refused = post_form(&api, &target, &browser.cookies, &form("17:00", "9:00")).await;
    assert_eq!(refused.status, 422, "{}", html(&refused));
    assert!(
        html(&refused).contains("SLA: godziny pracy")
            || html(&refused).contains("SLA: koniec pracy"),
        "{}",
        html(&refused)
    );
    assert_eq!(stored().await, before, "nothing saved");
    let saved = post_form(&api, &target, &browser.cookies, &form("09:00", "17:30")).await;
    assert_eq!(saved.status, 303, "{}", html(&saved));
    let sla = stored().await.sla;
    assert_eq!(
        (
            sla.business_hours.days,
            sla.business_hours.start.as_str(),
            sla.business_hours.end.as_str()
        ),
        (vec![1, 3, 6], "09:00", "17:30")
    );
    assert_eq!(sla.first_response_hours, 8);
    let page = get(&api, &path, &browser.cookies).await;
    assert!(html(&page).contains("name=\"sla_start\" value=\"09:00\""));
    assert!(html(&page).contains("<input type=\"checkbox\" name=\"sla_day\" value=\"2\"> Wtorek"));
}

#[tokio::test]
async fn customers_are_found_edited_and_merged_after_a_confirmation() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let ticket = seeded(&api, "Uszkodzony kubek", "Kubek pęknięty").await;
    store_customer(
        &api,
        "acme",
        "c-anna",
        "Anna Nowak",
        "Allegro login",
        "anna_n",
    )
    .await;
    store_customer(
        &api,
        "acme",
        "c-jan",
        "Jan Kowalski",
        "Allegro login",
        "jan_k",
    )
    .await;
    let mut linked = ticket.clone();
    linked.customer_id = Some("c-jan".into());
    linked.id = "tk-acme-linked".into();
    linked.conversation.external_id = "d-linked".into();
    linked.subject = "Zwrot lampki".into();
    store_ticket(&api, &linked).await;
    let browser = sign_in(&api, "agata@example.com").await;

    let found = get(&api, "/customers?q=ann", &browser.cookies).await;
    assert!(html(&found).contains("href=\"/customers/c-anna\""));
    assert!(!html(&found).contains("c-jan"));
    let by_email = get(&api, "/customers?q=c-jan%40example.com", &browser.cookies).await;
    assert!(html(&by_email).contains("href=\"/customers/c-jan\""));
    assert!(!html(&by_email).contains("c-anna"));

    let ticket_page = get(&api, "/tickets/tk-acme-linked", &browser.cookies).await;
    assert!(html(&ticket_page).contains("<a href=\"/customers/c-jan\">Jan Kowalski</a>"));
    let card = get(&api, "/customers/c-jan", &browser.cookies).await;
    assert!(html(&card).contains("value=\"Jan Kowalski\""));
    assert!(html(&card).contains("Zwrot lampki"), "the ticket history");

    fn form<'a>(csrf: &'a str, fields: &'a str, emails: &'a str) -> Vec<(&'a str, &'a str)> {
        vec![
            ("csrf", csrf),
            ("name", "Anna Nowak-Kowalska"),
            ("emails", emails),
            ("phone", "+48 600 100 200"),
            ("fields", fields),
            ("note", "Woli kontakt mailowy."),
        ]
    }
    let csrf = browser.csrf.as_str();
    let key = api.key("acme", Role::Agent).await;
    let before = api.get("/v1/customers/c-anna", &key).await.body;
    let forged = post_form(
        &api,
        "/customers/c-anna",
        &browser.cookies,
        &form("x", "VIP: tak", ""),
    )
    .await;
    assert_eq!(forged.status, 403);
    let bad_line = post_form(
        &api,
        "/customers/c-anna",
        &browser.cookies,
        &form(csrf, "VIP", ""),
    )
    .await;
    assert_eq!(bad_line.status, 422);
    assert!(html(&bad_line).contains("pole własne zapisz jako „nazwa: wartość”: „VIP”"));
    assert!(
        html(&bad_line).contains("value=\"Anna Nowak-Kowalska\""),
        "typed input kept"
    );
    let bad_email = post_form(
        &api,
        "/customers/c-anna",
        &browser.cookies,
        &form(csrf, "VIP: tak", "nie-adres"),
    )
    .await;
    assert_eq!(bad_email.status, 422);
    assert!(
        html(&bad_email).contains("Adresy e-mail: to nie jest adres e-mail"),
        "{}",
        html(&bad_email)
    );
    assert_eq!(api.get("/v1/customers/c-anna", &key).await.body, before);

    let saved = post_form(
        &api,
        "/customers/c-anna",
        &browser.cookies,
        &form(csrf, "VIP: tak", "anna@example.com\nanna.nowak@example.com"),
    )
    .await;
    assert_eq!(
        (saved.status.as_u16(), location(&saved)),
        (303, "/customers/c-anna")
    );
    let anna = api.get("/v1/customers/c-anna", &key).await.body["customer"].clone();
    assert_eq!(anna["name"], "Anna Nowak-Kowalska");
    assert_eq!(
        anna["emails"],
        json!(["anna@example.com", "anna.nowak@example.com"])
    );
    assert_eq!(anna["phone"], "+48 600 100 200");
    assert_eq!(
        anna["custom_fields"],
        json!({ "VIP": "tak" }),
        "the field no longer typed is removed"
    );
    assert_eq!(anna["note"], "Woli kontakt mailowy.");

    let unknown = get(
        &api,
        "/customers/c-anna/merge?from=c-nobody",
        &browser.cookies,
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert!(html(&unknown).contains("Nie ma klienta o tym identyfikatorze."));
    let confirm = get(&api, "/customers/c-anna/merge?from=c-jan", &browser.cookies).await;
    assert_eq!(confirm.status, 200);
    assert!(html(&confirm).contains("Połączyć klientów?"));
    assert!(html(&confirm).contains("name=\"from\" value=\"c-jan\""));
    assert_eq!(
        api.get("/v1/customers/c-jan", &key).await.status,
        200,
        "nothing merged yet"
    );
    let forged = post_form(
        &api,
        "/customers/c-anna/merge",
        &browser.cookies,
        &[("csrf", "x"), ("from", "c-jan")],
    )
    .await;
    assert_eq!(forged.status, 403);
    let merged = post_form(
        &api,
        "/customers/c-anna/merge",
        &browser.cookies,
        &[("csrf", csrf), ("from", "c-jan")],
    )
    .await;
    assert_eq!(
        (merged.status.as_u16(), location(&merged)),
        (303, "/customers/c-anna")
    );
    assert_eq!(api.get("/v1/customers/c-jan", &key).await.status, 404);
    let card = get(&api, "/customers/c-anna", &browser.cookies).await;
    assert!(
        html(&card).contains("Zwrot lampki"),
        "the merged record's ticket moved"
    );
}

#[tokio::test]
async fn admins_keep_saved_replies_on_their_page_and_deleting_one_asks_first() {
    let api = Api::new();
    admin(&api, "adam@example.com").await;
    person(&api, "agata@example.com", Language::Pl).await;
    let agent = sign_in(&api, "agata@example.com").await;
    let page = "/settings/saved-replies";
    assert_eq!(get(&api, page, &agent.cookies).await.status, 403);
    let by_agent = [
        ("csrf", agent.csrf.as_str()),
        ("title", "Zwrot"),
        ("text", "Dzień dobry"),
    ];
    assert_eq!(
        post_form(&api, page, &agent.cookies, &by_agent)
            .await
            .status,
        403
    );

    let browser = sign_in(&api, "adam@example.com").await;
    let key = api.key("acme", Role::Agent).await;
    let stored =
        || async { api.get("/v1/saved-replies", &key).await.body["saved_replies"].clone() };
    let forged = [
        ("csrf", "x"),
        ("title", "Zwrot"),
        ("language", "pl"),
        ("text", "Dzień dobry"),
    ];
    assert_eq!(
        post_form(&api, page, &browser.cookies, &forged)
            .await
            .status,
        403
    );
    let unknown = [
        ("csrf", browser.csrf.as_str()),
        ("title", "Zwrot"),
        ("language", "pl"),
        ("text", "Dzień dobry {kupujacy}"),
    ];
    let refused = post_form(&api, page, &browser.cookies, &unknown).await;
    assert_eq!(refused.status, 422);
    assert!(
        html(&refused).contains("nieznane pole do wstawienia {kupujacy}; dostępne: {buyer_login}"),
        "{}",
        html(&refused)
    );
    assert!(
        html(&refused).contains(">Dzień dobry {kupujacy}</textarea>"),
        "typed text kept"
    );
    assert_eq!(stored().await, json!([]));

    let good = [
        ("csrf", browser.csrf.as_str()),
        ("title", "Zwrot"),
        ("language", "pl"),
        ("text", "Dzień dobry {buyer_name}, zwrot przyjęty."),
    ];
    let created = post_form(&api, page, &browser.cookies, &good).await;
    assert_eq!((created.status.as_u16(), location(&created)), (303, page));
    let id = stored().await[0]["id"].as_str().unwrap().to_owned();
    let edit = [
        ("csrf", browser.csrf.as_str()),
        ("title", "Refund"),
        ("language", "en"),
        ("text", "Hello {buyer_login}"),
    ];
    let saved = post_form(&api, &format!("{page}/{id}"), &browser.cookies, &edit).await;
    assert_eq!(saved.status, 303, "{}", html(&saved));
    assert_eq!(stored().await[0]["language"], "en");
    assert_eq!(stored().await[0]["title"], "Refund");

    let delete = format!("{page}/{id}/delete");
    let asked = post_form(
        &api,
        &delete,
        &browser.cookies,
        &[("csrf", browser.csrf.as_str())],
    )
    .await;
    assert_eq!(asked.status, 200);
    assert!(html(&asked).contains("Usunąć tę gotową odpowiedź?"));
    assert_eq!(
        stored().await.as_array().unwrap().len(),
        1,
        "nothing deleted yet"
    );
    let confirmed = [("csrf", browser.csrf.as_str()), ("confirmed", "1")];
    let deleted = post_form(&api, &delete, &browser.cookies, &confirmed).await;
    assert_eq!((deleted.status.as_u16(), location(&deleted)), (303, page));
    assert_eq!(stored().await, json!([]));
}

#[tokio::test]
async fn the_account_settings_page_lists_the_accounts_event_log_in_polish() {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    let browser = sign_in(&api, "adam@example.com").await;
    let integration =
        seed_connected_integration(&api.backend.ports, "acme", "in-1", Marketplace::Allegro).await;
    let path = format!("/settings/integrations/{}", integration.id);
    assert!(html(&get(&api, &path, &browser.cookies).await).contains("Brak zdarzeń."));
    let switched_off = marketdesk_core::services::account_log::account_blocked(
        &api.backend.ports,
        &integration.tenant_id,
        &integration.id,
        "The user with a blockade on account cannot perform this operation.",
    )
    .await
    .expect("switched off");
    assert!(switched_off);
    let page = get(&api, &path, &browser.cookies).await;
    let page = html(&page);
    assert!(page.contains("Dziennik zdarzeń konta"), "{page}");
    assert!(
        page.contains("Konto zablokowane — wyłączono integrację: The user with a blockade on account cannot perform this operation."),
        "{page}"
    );
}

/// An order of form `form_id` on `integration` of tenant `acme` whose card is `customer`.
async fn stored_order(
    api: &Api,
    integration: &str,
    form_id: &str,
    customer: &str,
) -> marketdesk_core::domain::order::Order {
    use marketdesk_core::domain::order::Order;
    let now = chrono::Utc::now();
    let order: Order = serde_json::from_value(json!({
        "id": Order::id_for(&integration.into(), form_id),
        "tenant_id": "acme",
        "integration_id": integration,
        "checkout_form_id": form_id,
        "status": "new",
        "fulfillment_status": "SENT",
        "buyer_login": "jan",
        "total": { "amount": "24.99", "currency": "PLN" },
        "created_at": now,
        "updated_at": now,
        "buyer_card": { "customer_id": customer, "login": "jan", "name": "Jan Nowak" }
    }))
    .expect("an order");
    marketdesk_core::repo::orders::create_order(&*api.backend.ports.store, &order)
        .await
        .expect("stored");
    order
}

#[tokio::test]
async fn the_ticket_panel_and_the_customer_card_show_the_order() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let seed = seeded(&api, "Gdzie paczka?", "Kiedy wyślecie?").await;
    let mut ticket = common::ticket("acme", seed.integration_id.as_str(), "d-order", 2);
    let customer = store_customer(&api, "acme", "c-1", "Jan Nowak", "Allegro login", "jan").await;
    stored_order(
        &api,
        seed.integration_id.as_str(),
        "f-9",
        customer.id.as_str(),
    )
    .await;
    ticket.order_id = Some("f-9".into());
    store_ticket(&api, &ticket).await;
    store_message(&api, &ticket, "b9", "buyer", "Kiedy wyślecie?").await;
    let browser = sign_in(&api, "agata@example.com").await;

    let page = get(&api, &format!("/tickets/{}", ticket.id), &browser.cookies).await;
    let page = html(&page);
    assert!(page.contains("Zamówienie w marketdesk"), "{page}");
    assert!(
        page.contains("nowe · realizacja: SENT · 24.99 PLN"),
        "{page}"
    );
    let card = get(
        &api,
        &format!("/customers/{}", customer.id),
        &browser.cookies,
    )
    .await;
    let card = html(&card);
    assert!(card.contains("Zamówienia klienta"), "{card}");
    assert!(card.contains("f-9"), "{card}");
}

#[tokio::test]
async fn an_agent_sets_the_fulfillment_status_on_the_order_page_and_bad_input_changes_nothing() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let seed = seeded(&api, "Paczka", "Gdzie jest?").await;
    let order = stored_order(&api, seed.integration_id.as_str(), "f-7", "c-x").await;
    let browser = sign_in(&api, "agata@example.com").await;

    let list = get(&api, "/orders?status=new", &browser.cookies).await;
    assert_eq!(list.status, 200);
    assert!(
        html(&list).contains(&format!("href=\"/orders/{}\"", order.id)),
        "{}",
        html(&list)
    );
    let none = get(&api, "/orders?status=cancelled", &browser.cookies).await;
    assert!(!html(&none).contains("f-7"));

    let path = format!("/orders/{}", order.id);
    let page = get(&api, &path, &browser.cookies).await;
    assert!(html(&page).contains("<label for=\"o-fulfillment\">Status realizacji</label>"));
    let bad = post_form(
        &api,
        &path,
        &browser.cookies,
        &[("csrf", &browser.csrf), ("status", "RETURNED")],
    )
    .await;
    assert_eq!(bad.status, 422, "{}", html(&bad));
    let unchanged = order_updates::list(&*api.backend.ports.store, &order.tenant_id, &order.id)
        .await
        .expect("updates");
    assert!(unchanged.is_empty(), "a refused status queues nothing");
    let no_csrf = post_form(
        &api,
        &path,
        &browser.cookies,
        &[("csrf", "x"), ("status", "SENT")],
    )
    .await;
    assert_eq!(no_csrf.status, 403);

    let sent = post_form(
        &api,
        &path,
        &browser.cookies,
        &[("csrf", &browser.csrf), ("status", "READY_FOR_SHIPMENT")],
    )
    .await;
    assert_eq!(sent.status, 303, "{}", html(&sent));
    assert_eq!(location(&sent), path);
    let queued = order_updates::list(&*api.backend.ports.store, &order.tenant_id, &order.id)
        .await
        .expect("updates");
    assert_eq!(queued.len(), 1);
    let after = get(&api, &path, &browser.cookies).await;
    assert!(
        html(&after).contains("Status realizacji: READY_FOR_SHIPMENT · czeka"),
        "{}",
        html(&after)
    );
}

/// The offer `id` of account `integration` of tenant `acme` as stored.
async fn stored_offer(api: &Api, integration: &str, id: &str) -> MarketOffer {
    marketdesk_core::repo::offers::get(
        &*api.backend.ports.store,
        &"acme".into(),
        &integration.into(),
        id,
    )
    .await
    .expect("read")
    .expect("the offer is stored")
    .value
}

#[tokio::test]
async fn the_offers_page_lists_an_accounts_offers_filters_them_and_greys_ended_ones() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    store_allegro(&api, "acme", "acc-a", "Sklep A", Environment::Production).await;
    store_allegro(&api, "acme", "acc-b", "Sklep B", Environment::Sandbox).await;
    let linked = MarketOffer {
        product_sku: Some("KUB-1".into()),
        ..sample_offer("acc-a", "7001", "Kubek biały", OfferStatus::Active)
    };
    store_offer(&api, "acme", &linked).await;
    let ended = sample_offer("acc-a", "7002", "Talerz płytki", OfferStatus::Ended);
    store_offer(&api, "acme", &ended).await;
    let archived = MarketOffer {
        archived: true,
        image_url: Some("javascript:alert(1)".into()),
        ..sample_offer("acc-a", "7003", "Miska stara", OfferStatus::Ended)
    };
    store_offer(&api, "acme", &archived).await;
    let test_offer = sample_offer("acc-b", "9001", "Kubek testowy", OfferStatus::Active);
    store_offer(&api, "acme", &test_offer).await;
    let browser = sign_in(&api, "agata@example.com").await;

    let list = get(&api, "/offers?account=acc-a", &browser.cookies).await;
    assert_eq!(list.status, 200);
    let page = html(&list);
    assert!(page.contains("<a href=\"/offers\">Oferty</a>"), "{page}");
    assert!(
        page.contains("<label for=\"offer-account\">Konto Allegro</label>"),
        "{page}"
    );
    for label in [
        "offer-status\">Status",
        "offer-linked\">Powiązanie z produktem",
        "offer-q\">Szukaj oferty",
    ] {
        assert!(
            page.contains(&format!("<label for=\"{label}</label>")),
            "{label}: {page}"
        );
    }
    assert!(
        page.contains("href=\"https://allegro.pl/oferta/7001\""),
        "{page}"
    );
    assert!(page.contains("href=\"/offers/acc-a/7001\""), "{page}");
    assert!(
        page.contains("<a href=\"/products/KUB-1\">KUB-1</a>"),
        "{page}"
    );
    assert!(
        page.contains("Kup teraz") && page.contains("19.90 PLN"),
        "{page}"
    );
    assert!(page.contains("5901234123457"), "{page}");
    assert!(page.contains("Zarchiwizowane"), "{page}");
    assert!(
        page.contains("href=\"https://a.allegroimg.com/kubek.jpg\""),
        "{page}"
    );
    assert!(
        !page.contains("javascript:"),
        "only web addresses are links: {page}"
    );
    assert_eq!(page.matches("<tr class=\"ended\">").count(), 2, "{page}");
    assert!(!page.contains("9001"), "another account's offer: {page}");

    let ended_only = get(&api, "/offers?account=acc-a&status=ENDED", &browser.cookies).await;
    let ended_only = html(&ended_only);
    assert!(ended_only.contains("/offers/acc-a/7002"), "{ended_only}");
    assert!(
        !ended_only.contains("/offers/acc-a/7001") && !ended_only.contains("/offers/acc-a/7003")
    );
    let linked_only = get(&api, "/offers?account=acc-a&linked=yes", &browser.cookies).await;
    let linked_only = html(&linked_only);
    assert!(linked_only.contains("/offers/acc-a/7001"), "{linked_only}");
    assert!(!linked_only.contains("/offers/acc-a/7002"));
    let found = get(&api, "/offers?account=acc-a&q=talerz", &browser.cookies).await;
    let found = html(&found);
    assert!(found.contains("/offers/acc-a/7002") && !found.contains("/offers/acc-a/7001"));

    let test_mode = get(&api, "/offers?account=acc-b", &browser.cookies).await;
    let test_mode = html(&test_mode);
    assert!(
        test_mode.contains("href=\"https://allegro.pl.allegrosandbox.pl/oferta/9001\""),
        "{test_mode}"
    );
    assert!(
        test_mode.contains("niedostępne w trybie testowym"),
        "{test_mode}"
    );
}

#[tokio::test]
async fn an_agent_links_switches_and_unlinks_an_offer_on_its_page_and_bad_input_changes_nothing() {
    let api = Api::new();
    person(&api, "agata@example.com", Language::Pl).await;
    let admin_key = api.key("acme", Role::Admin).await;
    let product = api
        .call(
            "PUT",
            "/v1/products",
            Some(&admin_key),
            Some(json!({ "products": [{ "sku": "KUB/1 a", "name": "Kubek duży", "ean": "5901234123457", "stock": 3 }] })),
        )
        .await;
    assert_eq!(product.status, 200, "{:?}", product.body);
    store_allegro(&api, "acme", "acc-a", "Sklep A", Environment::Production).await;
    store_offer(
        &api,
        "acme",
        &sample_offer("acc-a", "7001", "Kubek biały", OfferStatus::Active),
    )
    .await;
    let browser = sign_in(&api, "agata@example.com").await;
    let path = "/offers/acc-a/7001";
    let page = get(&api, path, &browser.cookies).await;
    assert_eq!(page.status, 200);
    let page = html(&page);
    assert!(
        page.contains("<label for=\"offer-sku\">SKU produktu</label>"),
        "{page}"
    );
    assert!(
        page.contains("name=\"no_auto_renew\" value=\"1\" checked> Nie wznawiaj automatycznie"),
        "{page}"
    );
    assert!(page.contains("Synchronizuj cenę"), "{page}");

    let link = format!("{path}/link");
    let forged = post_form(
        &api,
        &link,
        &browser.cookies,
        &[("csrf", "x"), ("sku", "KUB/1 a")],
    )
    .await;
    assert_eq!(forged.status, 403);
    let empty = post_form(
        &api,
        &link,
        &browser.cookies,
        &[("csrf", &browser.csrf), ("sku", " ")],
    )
    .await;
    assert_eq!(empty.status, 422);
    assert!(
        html(&empty).contains("Podaj SKU produktu."),
        "{}",
        html(&empty)
    );
    let unknown = post_form(
        &api,
        &link,
        &browser.cookies,
        &[("csrf", &browser.csrf), ("sku", "BRAK")],
    )
    .await;
    assert_eq!(unknown.status, 422);
    assert!(
        html(&unknown).contains("Nie ma w katalogu produktu o SKU „BRAK”."),
        "{}",
        html(&unknown)
    );
    assert!(
        html(&unknown).contains("value=\"BRAK\""),
        "what was typed stays"
    );
    assert_eq!(stored_offer(&api, "acc-a", "7001").await.product_sku, None);

    let linked = post_form(
        &api,
        &link,
        &browser.cookies,
        &[("csrf", &browser.csrf), ("sku", "KUB/1 a")],
    )
    .await;
    assert_eq!(linked.status, 303, "{}", html(&linked));
    assert_eq!(location(&linked), path);
    assert_eq!(
        stored_offer(&api, "acc-a", "7001")
            .await
            .product_sku
            .as_deref(),
        Some("KUB/1 a")
    );
    let flash = set_cookies(&linked).join("; ");
    let after = get(&api, path, &format!("{}; {flash}", browser.cookies)).await;
    let after = html(&after);
    assert!(
        after.contains("Oferta została powiązana z produktem."),
        "{after}"
    );
    assert!(
        after.contains("<a href=\"/products/KUB%2F1%20a\">KUB/1 a</a>"),
        "{after}"
    );

    let product_page = get(&api, "/products/KUB%2F1%20a", &browser.cookies).await;
    assert_eq!(product_page.status, 200);
    let product_page = html(&product_page);
    assert!(product_page.contains("Oferty produktu"), "{product_page}");
    assert!(
        product_page.contains("href=\"/offers/acc-a/7001\""),
        "{product_page}"
    );
    assert!(product_page.contains("Sklep A"), "{product_page}");
    let catalogue = get(&api, "/products", &browser.cookies).await;
    assert!(html(&catalogue).contains("href=\"/products/KUB%2F1%20a\""));

    let switched = post_form(
        &api,
        &format!("{path}/switches"),
        &browser.cookies,
        &[("csrf", &browser.csrf), ("price_sync", "1")],
    )
    .await;
    assert_eq!(switched.status, 303, "{}", html(&switched));
    let offer = stored_offer(&api, "acc-a", "7001").await;
    assert!(!offer.no_auto_renew && offer.price_sync, "{offer:?}");

    let unlinked = post_form(
        &api,
        &format!("{path}/unlink"),
        &browser.cookies,
        &[("csrf", &browser.csrf)],
    )
    .await;
    assert_eq!(unlinked.status, 303, "{}", html(&unlinked));
    assert_eq!(stored_offer(&api, "acc-a", "7001").await.product_sku, None);
    let product_page = get(&api, "/products/KUB%2F1%20a", &browser.cookies).await;
    assert!(html(&product_page).contains("Żadna oferta nie jest powiązana z tym produktem."));

    assert_eq!(
        get(&api, "/offers/acc-a/404", &browser.cookies)
            .await
            .status,
        404
    );
    assert_eq!(
        get(&api, "/offers/nope/7001", &browser.cookies)
            .await
            .status,
        404
    );
    assert_eq!(
        get(&api, "/products/BRAK", &browser.cookies).await.status,
        404
    );
}

#[tokio::test]
async fn the_account_settings_page_saves_offer_settings_and_a_test_mode_account_shows_them_unavailable(
) {
    let api = desk_api();
    admin(&api, "adam@example.com").await;
    let browser = sign_in(&api, "adam@example.com").await;
    let admin_key = api.key("acme", Role::Admin).await;
    let list = api
        .post(
            "/v1/price-lists",
            &admin_key,
            json!({ "name": "Hurt", "currency": "PLN" }),
        )
        .await;
    assert!(list.status.is_success(), "{:?}", list.body);
    let production = store_allegro(&api, "acme", "acc-p", "Sklep", Environment::Production).await;
    let command: marketdesk_core::domain::offer_command::OfferCommand =
        serde_json::from_value(json!({
            "id": "3f8a1c52-0d4e-4b7a-9a1e-2c6f5e7d8b90",
            "seq": "p1#0001",
            "tenant_id": "acme",
            "integration_id": "acc-p",
            "purpose": "stock",
            "change": { "change": "quantity", "value": 7 },
            "offer_ids": ["7001", "7002"],
            "state": "failed",
            "steps": 1,
            "attempts": 1,
            "last_error": "offer locked",
            "created_at": chrono::Utc::now(),
        }))
        .expect("a command");
    marketdesk_core::repo::offer_commands::create(&*api.backend.ports.store, &command)
        .await
        .expect("stored");
    let path = format!("/settings/integrations/{}", production.id);
    let page = get(&api, &path, &browser.cookies).await;
    assert_eq!(page.status, 200);
    let page = html(&page);
    assert!(page.contains("<legend>Oferty Allegro</legend>"), "{page}");
    assert!(
        page.contains("<option value=\"Hurt\">Hurt</option>"),
        "{page}"
    );
    assert!(
        page.contains("<option value=\"Default\" selected>"),
        "{page}"
    );
    assert!(
        page.contains("sterowanie stanami: stan 7 · 2 ofert · odrzucone: offer locked"),
        "{page}"
    );
    assert!(!page.contains("niedostępne w trybie testowym"), "{page}");

    let save = format!("{path}/settings");
    let form = |category: &str| {
        vec![
            ("csrf", browser.csrf.clone()),
            ("crm_field", "Allegro login".to_owned()),
            ("ar_delay", "0".to_owned()),
            ("offers_section", "1".to_owned()),
            ("offers_enabled", "1".to_owned()),
            ("offers_link", "1".to_owned()),
            ("offers_stock_control", "1".to_owned()),
            ("offers_renew", "1".to_owned()),
            ("offers_price_sync", "1".to_owned()),
            ("offers_price_list", "Hurt".to_owned()),
            ("offers_default_category", category.to_owned()),
        ]
    };
    let too_long = "1".repeat(101);
    let bad = form(&too_long);
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let refused = post_form(&api, &save, &browser.cookies, &bad).await;
    assert_eq!(refused.status, 422, "{}", html(&refused));
    assert!(
        html(&refused).contains("role=\"alert\""),
        "{}",
        html(&refused)
    );
    let integration = marketdesk_core::services::integrations::get(
        &api.backend.ports,
        &"acme".into(),
        &production.id,
    )
    .await
    .expect("read");
    assert_eq!(
        integration.settings.offers,
        marketdesk_core::domain::offer::OfferSettings::default(),
        "a refused form changes nothing"
    );

    let good = form("257931");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = post_form(&api, &save, &browser.cookies, &good).await;
    assert_eq!(saved.status, 303, "{}", html(&saved));
    let integration = marketdesk_core::services::integrations::get(
        &api.backend.ports,
        &"acme".into(),
        &production.id,
    )
    .await
    .expect("read");
    let offers = &integration.settings.offers;
    assert!(offers.enabled && offers.link_automatically && offers.stock_control);
    assert!(offers.renew_automatically && offers.price_sync);
    assert!(!offers.raise_stock && !offers.renew_at_current_price);
    assert!(offers.link_automatically_since.is_some() && offers.price_sync_since.is_some());
    assert_eq!(offers.price_list.as_deref(), Some("Hurt"));
    assert_eq!(offers.default_category.as_deref(), Some("257931"));
    let shown = get(&api, &path, &browser.cookies).await;
    assert!(html(&shown).contains("<option value=\"Hurt\" selected>"));

    let test_mode =
        seed_connected_integration(&api.backend.ports, "acme", "acc-s", Marketplace::Allegro).await;
    let test_mode_path = format!("/settings/integrations/{}", test_mode.id);
    let page = get(&api, &test_mode_path, &browser.cookies).await;
    let page = html(&page);
    assert!(
        page.contains("name=\"offers_stock_control\" value=\"1\" disabled"),
        "{page}"
    );
    assert!(page.contains("(niedostępne w trybie testowym)"), "{page}");
    assert!(page.contains("Brak poleceń."), "{page}");
    // A forged form with the production-only switches on: they are not taken.
    let forged = form("");
    let forged: Vec<(&str, &str)> = forged.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let saved = post_form(
        &api,
        &format!("{test_mode_path}/settings"),
        &browser.cookies,
        &forged,
    )
    .await;
    assert_eq!(saved.status, 303, "{}", html(&saved));
    let integration = marketdesk_core::services::integrations::get(
        &api.backend.ports,
        &"acme".into(),
        &test_mode.id,
    )
    .await
    .expect("read");
    let offers = &integration.settings.offers;
    assert!(offers.enabled && offers.link_automatically);
    assert!(!offers.stock_control && !offers.renew_automatically && !offers.price_sync);
    assert_eq!(offers.default_category, None);
}
