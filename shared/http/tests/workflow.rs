//! `PATCH /v1/tickets/{id}`, `POST /v1/tickets/bulk`, `GET /v1/views` and view pages of
//! `GET /v1/tickets`; every answer is checked against the OpenAPI document.

mod common;

use common::*;
use marketdesk_core::domain::Role;
use marketdesk_core::services::people::PeopleSettings;
use serde_json::json;

/// The API with invitations working (a public URL for their links).
fn api() -> Api {
    Api::with_state(|state| {
        state.with_people(
            PeopleSettings::default().with_default_public_url("https://desk.example.com"),
        )
    })
}

fn logins(answer: &Answer) -> Vec<String> {
    answer.body["tickets"]
        .as_array()
        .expect("tickets")
        .iter()
        .map(|t| t["buyer_login"].as_str().expect("login").to_owned())
        .collect()
}

fn count(answer: &Answer, name: &str) -> u64 {
    answer.body["views"]
        .as_array()
        .expect("views")
        .iter()
        .find(|v| v["name"] == name)
        .and_then(|v| v["count"].as_u64())
        .unwrap_or(0)
}

#[tokio::test]
async fn agents_change_tickets_and_views_follow() {
    let api = api();
    let admin = api.key("t1", Role::Admin).await;
    let agent = api.key("t1", Role::Agent).await;
    let invited = api
        .post(
            "/v1/users",
            &admin,
            json!({ "email": "ola@sklep.pl", "role": "agent", "name": "Ola" }),
        )
        .await;
    assert_eq!(invited.status, 201, "{}", invited.body);
    let ola = invited.body["user"]["id"].as_str().expect("id").to_owned();
    let first = ticket("t1", "int-1", "A-1", 5);
    let second = ticket("t1", "int-1", "A-2", 1);
    store_ticket(&api, &first).await;
    store_ticket(&api, &second).await;

    let views = api.get("/v1/views", &agent).await;
    assert_eq!(views.status, 200, "{}", views.body);
    assert_eq!(
        (count(&views, "needs_reply"), count(&views, "unassigned")),
        (2, 2)
    );

    let changed = api
        .patch(
            &format!("/v1/tickets/{}", first.id),
            &agent,
            json!({ "assignee": ola, "status": "pending", "tags": ["VIP"], "priority": "high",
                    "queue": "Zwroty", "snooze_until": null }),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    assert_eq!(changed.body["status"], "pending");
    assert_eq!(changed.body["needs_reply"], false);
    assert_eq!(changed.body["assignee"], ola.as_str());
    assert_eq!(changed.body["marketplace_status"], "ONGOING");
    assert_eq!(changed.body["updated_by"]["kind"], "api_key");

    let mine = api
        .get(&format!("/v1/tickets?view=assignee:{ola}"), &agent)
        .await;
    assert_eq!(logins(&mine), ["buyer_A-1"]);
    let pending = api
        .get("/v1/tickets?view=pending&sort=respond_by", &agent)
        .await;
    assert_eq!(logins(&pending), ["buyer_A-1"]);
    let zwroty = api.get("/v1/tickets?view=queue:Zwroty", &agent).await;
    assert_eq!(logins(&zwroty), ["buyer_A-1"]);
    let needs_reply = api.get("/v1/tickets?view=needs_reply", &agent).await;
    assert_eq!(logins(&needs_reply), ["buyer_A-2"]);
    let views = api.get("/v1/views", &agent).await;
    assert_eq!(count(&views, "queue:Zwroty"), 1);

    let bulk = api
        .post(
            "/v1/tickets/bulk",
            &agent,
            json!({ "ids": [first.id, "nope", second.id], "changes": { "status": "solved" } }),
        )
        .await;
    assert_eq!(bulk.status, 200, "{}", bulk.body);
    let outcomes: Vec<_> = bulk.body["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r["outcome"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(outcomes, ["updated", "failed", "updated"]);
    assert_eq!(bulk.body["results"][1]["error"]["code"], "not_found");
    let views = api.get("/v1/views", &agent).await;
    assert_eq!(
        (count(&views, "needs_reply"), count(&views, "pending")),
        (0, 0)
    );
}

#[tokio::test]
async fn bad_changes_are_refused_with_the_field_named() {
    let api = api();
    let admin = api.key("t1", Role::Admin).await;
    let invited = api
        .post(
            "/v1/users",
            &admin,
            json!({ "email": "ewa@sklep.pl", "role": "agent" }),
        )
        .await;
    let ewa = invited.body["user"]["id"].as_str().expect("id").to_owned();
    let admin2 = api
        .post(
            "/v1/users",
            &admin,
            json!({ "email": "boss@sklep.pl", "role": "admin" }),
        )
        .await;
    assert_eq!(admin2.status, 201);
    let off = api
        .patch(
            &format!("/v1/users/{ewa}"),
            &admin,
            json!({ "active": false }),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.body);
    let t = ticket("t1", "int-1", "A-1", 5);
    store_ticket(&api, &t).await;
    let path = format!("/v1/tickets/{}", t.id);
    for (body, field) in [
        (json!({ "assignee": ewa }), "assignee"),
        (json!({ "assignee": "someone-else" }), "assignee"),
        (json!({ "status": "done" }), "status"),
        (json!({ "priority": "asap" }), "priority"),
        (json!({ "owner": "x" }), "owner"),
        (
            json!({ "snooze_until": "2000-01-01T00:00:00Z" }),
            "snooze_until",
        ),
        (json!({ "tags": ["a", "b\u{1}c"] }), "tags[1]"),
    ] {
        let answer = api.patch(&path, &admin, body.clone()).await;
        assert_eq!(answer.status, 422, "{body}: {}", answer.body);
        assert_eq!(answer.field(), field, "{body}");
    }
    let unchanged = api.get(&path, &admin).await;
    assert_eq!(
        unchanged.body["ticket"]["updated_by"],
        serde_json::Value::Null
    );
    assert_eq!(
        api.patch("/v1/tickets/missing", &admin, json!({ "status": "open" }))
            .await
            .status,
        404
    );
    let other = api.key("t2", Role::Admin).await;
    assert_eq!(
        api.patch(&path, &other, json!({ "status": "open" }))
            .await
            .status,
        404,
        "another tenant's ticket is not found"
    );
    for (query, field) in [
        ("view=bogus", "view"),
        ("view=mine", "view"),
        ("view=needs_reply&sort=soonest&status=open", "sort"),
        ("view=needs_reply&sort=soonest", "sort"),
    ] {
        let answer = api.get(&format!("/v1/tickets?{query}"), &admin).await;
        assert_eq!(answer.status, 422, "{query}: {}", answer.body);
        assert_eq!(answer.field(), field, "{query}");
    }
    let bulk = api
        .post(
            "/v1/tickets/bulk",
            &admin,
            json!({ "ids": [t.id], "changes": { "assignee": ewa } }),
        )
        .await;
    assert_eq!(bulk.status, 422, "{}", bulk.body);
    assert_eq!(bulk.field(), "changes.assignee");
}

#[tokio::test]
async fn views_take_filters_and_every_list_sorts_by_deadline_or_activity() {
    let api = api();
    let agent = api.key("t1", Role::Agent).await;
    let now = chrono::Utc::now();
    let mut late = ticket("t1", "int-1", "late", 1);
    late.workflow.respond_by = Some(now + chrono::Duration::hours(5));
    late.workflow.tags = vec!["VIP".into()];
    let mut soon = ticket("t1", "int-2", "soon", 2);
    soon.workflow.respond_by = Some(now + chrono::Duration::hours(1));
    let mut none = ticket("t1", "int-1", "none", 3);
    none.needs_reply = false;
    for t in [&late, &soon, &none] {
        store_ticket(&api, t).await;
    }
    let cases: [(&str, &[&str]); 9] = [
        ("", &["buyer_late", "buyer_soon", "buyer_none"]),
        (
            "sort=respond_by",
            &["buyer_soon", "buyer_late", "buyer_none"],
        ),
        (
            "sort=respond_by&integration=int-1",
            &["buyer_late", "buyer_none"],
        ),
        ("view=needs_reply&integration=int-1", &["buyer_late"]),
        (
            "view=unassigned&sort=respond_by&source=allegro",
            &["buyer_soon", "buyer_late", "buyer_none"],
        ),
        ("view=unassigned&tag=vip", &["buyer_late"]),
        (
            "assignee=none&sort=activity",
            &["buyer_late", "buyer_soon", "buyer_none"],
        ),
        ("assignee=01a2000000000000000000000000000f", &[]),
        ("view=needs_reply&sort=respond_by&limit=1", &["buyer_soon"]),
    ];
    for (query, expected) in cases {
        let answer = api.get(&format!("/v1/tickets?{query}"), &agent).await;
        assert_eq!(answer.status, 200, "{query}: {}", answer.body);
        assert_eq!(logins(&answer), expected, "{query}");
    }
    // Paging through a view with a filter, one by one, in deadline order.
    let mut seen = Vec::new();
    let mut path = "/v1/tickets?view=unassigned&sort=respond_by&source=allegro&limit=1".to_owned();
    loop {
        let answer = api.get(&path, &agent).await;
        seen.extend(logins(&answer));
        match answer.body["next_cursor"].as_str() {
            Some(next) => {
                path = format!(
                "/v1/tickets?view=unassigned&sort=respond_by&source=allegro&limit=1&cursor={next}"
            )
            }
            None => break,
        }
    }
    assert_eq!(seen, ["buyer_soon", "buyer_late", "buyer_none"]);
}
