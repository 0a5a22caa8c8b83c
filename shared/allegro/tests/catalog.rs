//! `/me`, orders and offers against the simulator: masked e-mails, the EAN, 404s and scopes.

mod common;

use common::Sim;
use marketdesk_allegro::order_events::{CheckoutFormsQuery, OrderEventType};
use marketdesk_allegro::orders::CheckoutFormStatus;
use marketdesk_allegro::AllegroError;
use serde_json::json;

#[tokio::test]
async fn me_describes_the_seller() {
    let sim = Sim::start().await;
    let seller_id = sim
        .create(
            "/allegro/sellers",
            json!({ "login": "sklep_firma", "sign_in": true, "company_name": "Firma Sp. z o.o.",
                    "tax_id": "5252674798", "first_name": "Jan", "last_name": "Nowak" }),
            "id",
        )
        .await;
    let request = sim
        .client
        .authorization_request(common::REDIRECT_URI, &[])
        .expect("URL");
    let (code, _) = sim.authorize(&request.url).await;
    let tokens = sim
        .client
        .exchange_code(&code, common::REDIRECT_URI, Some(&request.pkce_verifier))
        .await
        .expect("tokens");
    let me = sim.client.me(&tokens.access_token).await.expect("/me");
    assert_eq!(me.id.as_deref(), Some(seller_id.as_str()));
    assert_eq!(me.login.as_deref(), Some("sklep_firma"));
    assert_eq!(me.first_name.as_deref(), Some("Jan"));
    let company = me.company.expect("company");
    assert_eq!(company.name.as_deref(), Some("Firma Sp. z o.o."));
    assert_eq!(company.tax_id.as_deref(), Some("5252674798"));
    assert_eq!(
        me.base_marketplace.and_then(|m| m.id).as_deref(),
        Some("allegro-pl")
    );
}

#[tokio::test]
async fn orders_carry_the_masked_email_and_old_orders_are_gone() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_zamowienia").await;
    let (status, buyer) = sim
        .control
        .post_status(
            "/allegro/buyers",
            &json!({ "login": "kupujacy_mail", "first_name": "Anna", "last_name": "Kowalska" }),
        )
        .await;
    assert_eq!(status, 201, "{buyer}");
    let buyer_id = buyer["id"].as_str().expect("id");
    let offer_id = sim
        .offer(&seller_id, "Czajnik elektryczny 1.7 l", None)
        .await;
    let order_id = sim.order(&seller_id, buyer_id, &offer_id).await;

    let form = sim
        .client
        .checkout_form(&token, &order_id)
        .await
        .expect("order")
        .expect("found");
    assert_eq!(form.id, order_id);
    assert_eq!(form.status, Some(CheckoutFormStatus::ReadyForProcessing));
    let order_buyer = form.buyer.as_ref().expect("buyer");
    assert_eq!(order_buyer.login.as_deref(), Some("kupujacy_mail"));
    assert_eq!(order_buyer.email.as_deref(), buyer["email"].as_str());
    let forms = order_buyer.email_forms();
    assert_eq!(forms.len(), 2, "{forms:?}");
    assert_eq!(Some(forms[1].as_str()), buyer["plain_email"].as_str());
    assert!(forms[0].contains('+') && forms[0].ends_with("@allegromail.pl"));
    let line = &form.line_items[0];
    assert_eq!(
        line.offer.as_ref().and_then(|o| o.id.as_deref()),
        Some(offer_id.as_str())
    );
    assert_eq!(line.quantity, Some(1));
    assert_eq!(
        line.price.as_ref().and_then(|p| p.amount.as_deref()),
        Some("49.99")
    );

    let unknown = sim
        .client
        .checkout_form(&token, "7a1b8c0e-0000-4000-8000-000000000000")
        .await
        .expect("answered");
    assert!(unknown.is_none());

    let old = sim
        .create(
            "/allegro/orders",
            json!({ "seller_id": seller_id, "buyer_id": buyer_id, "offer_ids": [offer_id],
                    "bought_at": "2020-01-01T10:00:00Z" }),
            "id",
        )
        .await;
    assert!(sim
        .client
        .checkout_form(&token, &old)
        .await
        .expect("answered")
        .is_none());

    let malformed = sim
        .client
        .checkout_form(&token, "not-a-uuid")
        .await
        .expect_err("422");
    assert!(
        matches!(malformed, AllegroError::Validation { status: 422, .. }),
        "{malformed:?}"
    );
}

#[tokio::test]
async fn offers_give_their_ean() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_oferty").await;
    let with_ean = sim
        .offer(
            &seller_id,
            "Słuchawki bezprzewodowe czarne",
            Some("5901234123457"),
        )
        .await;
    let without = sim
        .offer(&seller_id, "Rękodzieło gliniany kubek", None)
        .await;

    let offer = sim
        .client
        .product_offer(&token, &with_ean)
        .await
        .expect("offer")
        .expect("found");
    assert_eq!(offer.id.as_deref(), Some(with_ean.as_str()));
    assert_eq!(offer.ean(), Some("5901234123457"));
    assert_eq!(
        offer
            .selling_mode
            .as_ref()
            .and_then(|m| m.price.as_ref())
            .and_then(|p| p.amount.as_deref()),
        Some("49.99")
    );
    let plain = sim
        .client
        .product_offer(&token, &without)
        .await
        .expect("offer")
        .expect("found");
    assert_eq!(plain.ean(), None);
    assert!(sim
        .client
        .product_offer(&token, "999999999999")
        .await
        .expect("answered")
        .is_none());

    // Another seller's offer is 404 too.
    let (_, other_token) = sim.seller_token("sklep_obcy").await;
    assert!(sim
        .client
        .product_offer(&other_token, &with_ean)
        .await
        .expect("answered")
        .is_none());
}

#[tokio::test]
async fn missing_scopes_are_forbidden() {
    let sim = Sim::start().await;
    let (seller_id, tokens) = sim
        .seller_with_tokens("sklep_zakresy", &["allegro:api:profile:read"])
        .await;
    let offer_id = sim
        .offer(&seller_id, "Zestaw śrubokrętów 12 el.", None)
        .await;
    sim.client
        .me(&tokens.access_token)
        .await
        .expect("profile scope granted");
    let error = sim
        .client
        .product_offer(&tokens.access_token, &offer_id)
        .await
        .expect_err("no offers scope");
    assert!(matches!(error, AllegroError::Forbidden { .. }), "{error:?}");
}

#[tokio::test]
async fn the_order_journal_starts_at_the_newest_event_and_reads_what_follows() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_dziennik").await;
    assert_eq!(
        sim.client.order_event_stats(&token).await.expect("stats"),
        None
    );
    let (buyer_id, _) = sim.buyer("kupujacy_dziennik").await;
    let offer_id = sim.offer(&seller_id, "Kubek", None).await;
    let first = sim.order(&seller_id, &buyer_id, &offer_id).await;
    let latest = sim
        .client
        .order_event_stats(&token)
        .await
        .expect("stats")
        .and_then(|e| e.id)
        .expect("an event");
    let (status, company) = sim
        .control
            .post_status(
            "/allegro/orders",
            &json!({ "seller_id": seller_id, "buyer_id": buyer_id, "offer_ids": [offer_id], "status": "BOUGHT",
                    "invoice": { "company_name": "Firma", "nip": "5252674798", "street": "Prosta 1",
                                 "city": "Warszawa", "zip_code": "00-001" } }),
        )
        .await;
    assert_eq!(status, 201, "{company}");
    let company_id = company["id"].as_str().expect("id");

    let events = sim
        .client
        .order_events(&token, Some(&latest), 100)
        .await
        .expect("events");
    assert_eq!(events.len(), 1, "only what followed the newest event");
    assert_eq!(events[0].event_type, Some(OrderEventType::Bought));
    assert_eq!(events[0].checkout_form_id(), Some(company_id));
    let form = sim
        .client
        .checkout_form(&token, company_id)
        .await
        .expect("form")
        .expect("found");
    assert_eq!(
        form.invoice.as_ref().and_then(|i| i.nip()),
        Some("5252674798")
    );
    assert_eq!(form.status, Some(CheckoutFormStatus::Bought));
    let page = sim
        .client
        .checkout_forms(
            &token,
            &CheckoutFormsQuery {
                limit: 10,
                status: Some("READY_FOR_PROCESSING".into()),
                ..CheckoutFormsQuery::default()
            },
        )
        .await
        .expect("list");
    assert_eq!(page.total_count, Some(1));
    assert_eq!(page.checkout_forms[0].id, first);
}

#[tokio::test]
async fn offers_are_listed_by_page_and_the_journal_names_changed_offers() {
    let sim = Sim::start().await;
    let (seller_id, token) = sim.seller_token("sklep_oferty").await;
    let mut ids = Vec::new();
    for name in ["Kubek biały", "Kubek czarny", "Talerz"] {
        ids.push(sim.offer(&seller_id, name, Some("5901234123457")).await);
    }
    let first = sim.client.sale_offers(&token, 0, 2).await.expect("page 1");
    assert_eq!(first.total_count, Some(3));
    let second = sim.client.sale_offers(&token, 2, 2).await.expect("page 2");
    let listed: Vec<String> = first
        .offers
        .iter()
        .chain(&second.offers)
        .filter_map(|o| o.id.clone())
        .collect();
    assert_eq!(listed, ids);
    let offer = &first.offers[0];
    assert_eq!(
        offer.publication.as_ref().and_then(|p| p.status.as_deref()),
        Some("ACTIVE")
    );
    assert_eq!(
        offer
            .selling_mode
            .as_ref()
            .and_then(|m| m.format.as_deref()),
        Some("BUY_NOW")
    );

    let (status, body) = sim
        .control
        .post_status(
            &format!("/allegro/offers/{}/stock", ids[1]),
            &json!({ "stock": 7 }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let events = sim
        .client
        .offer_events(&token, None, 100)
        .await
        .expect("journal");
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].event_type.as_deref(), Some("OFFER_STOCK_CHANGED"));
    assert_eq!(
        events[0].offer.as_ref().and_then(|o| o.id.as_deref()),
        Some(ids[1].as_str())
    );
    let after = events[0].id.clone().expect("an id");
    let none = sim
        .client
        .offer_events(&token, Some(&after), 100)
        .await
        .expect("journal");
    assert!(none.is_empty());
}
