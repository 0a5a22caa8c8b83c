//! An account's offer commands through the API (issue 18): newest first with a cursor, admins
//! only, each with its state and every offer's outcome; every answer checked against the
//! OpenAPI document (`common::Api`).

mod common;

use chrono::{Duration, Utc};
use common::*;
use marketdesk_core::domain::offer_command::{
    CommandPurpose, CommandState, OfferCommand, OfferOutcome,
};
use marketdesk_core::domain::{IntegrationKind, Role};
use marketdesk_core::ports::offers::OfferChange;
use marketdesk_core::repo::offer_commands;
use marketdesk_testkit::backend::seed_connected_integration;
use serde_json::Value;
use std::collections::BTreeMap;

fn command(integration: &str, seq: &str, state: CommandState) -> OfferCommand {
    let now = Utc::now();
    let outcomes = BTreeMap::from([
        ("111".to_owned(), OfferOutcome::Succeeded),
        (
            "222".to_owned(),
            OfferOutcome::Failed {
                message: "the offer is ended".into(),
            },
        ),
    ]);
    OfferCommand {
        id: format!("5f0c6c2e-0000-4000-8000-00000000{seq}"),
        seq: seq.into(),
        tenant_id: "shop".into(),
        integration_id: integration.into(),
        purpose: CommandPurpose::Stock,
        change: OfferChange::Quantity { value: 7 },
        offer_ids: vec!["111".into(), "222".into()],
        product_sku: Some("MUG".into()),
        retry_of: None,
        retry: 0,
        state,
        steps: 3,
        attempts: 1,
        busy: 0,
        report_reads: 2,
        next_step_at: None,
        last_error: (state == CommandState::Failed).then(|| "refused".to_owned()),
        outcomes,
        created_at: now - Duration::minutes(5),
        sent_at: Some(now - Duration::minutes(4)),
        finished_at: Some(now),
    }
}

#[tokio::test]
async fn the_account_offer_commands_come_newest_first_with_their_outcomes() {
    let api = Api::new();
    let admin = api.key("shop", Role::Admin).await;
    let agent = api.key("shop", Role::Agent).await;
    let integration = seed_connected_integration(
        &api.backend.ports,
        "shop",
        "acct-1",
        IntegrationKind::Allegro,
    )
    .await;
    let store = &*api.backend.ports.store;
    for (seq, state) in [
        ("0001", CommandState::Done),
        ("0002", CommandState::Failed),
        ("0003", CommandState::Waiting),
    ] {
        let stored = offer_commands::create(store, &command("acct-1", seq, state))
            .await
            .expect("stored");
        assert!(stored);
    }

    let path = format!("/v1/integrations/{}/offer-commands", integration.id);
    let first = api.get(&format!("{path}?limit=2"), &admin).await;
    assert_eq!(first.status, 200, "{:?}", first.body);
    let seqs = |answer: &Answer| -> Vec<String> {
        answer.body["commands"]
            .as_array()
            .expect("commands")
            .iter()
            .map(|c| c["seq"].as_str().expect("seq").to_owned())
            .collect()
    };
    assert_eq!(seqs(&first), ["0003", "0002"]);
    assert_eq!(first.body["commands"][0]["state"], "waiting");
    assert_eq!(first.body["commands"][1]["last_error"], "refused");
    assert_eq!(first.body["commands"][1]["change"]["change"], "quantity");
    assert_eq!(first.body["commands"][1]["change"]["value"], 7);
    assert_eq!(
        first.body["commands"][1]["outcomes"]["222"]["message"],
        "the offer is ended"
    );
    let cursor = first.body["next_cursor"].as_str().expect("a cursor");
    let second = api
        .get(&format!("{path}?limit=2&cursor={cursor}"), &admin)
        .await;
    assert_eq!(seqs(&second), ["0001"]);
    assert_eq!(second.body["next_cursor"], Value::Null);
    assert_eq!(
        second.body["commands"][0]["outcomes"]["111"]["status"],
        "succeeded"
    );

    assert_eq!(api.get(&path, &agent).await.status, 403, "admins only");
    let other_tenant = api.key("other", Role::Admin).await;
    assert_eq!(api.get(&path, &other_tenant).await.status, 404);
    let bad = api.get(&format!("{path}?limit=0"), &admin).await;
    assert_eq!((bad.status.as_u16(), bad.field()), (422, "limit"));
}
