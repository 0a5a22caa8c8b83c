//! One product's page: `/products/{sku}`, the product as `catalogue::get` gives it and the
//! offers linked to it in every Allegro account (`offer_desk::for_product`, as
//! `GET /v1/products/{sku}/offers`), each linking to its offer page.

use super::format::time;
use super::i18n::Strings;
use super::notices::not_found;
use super::offers::{self as offer_pages, OfferRow, OfferWords};
use super::products::{self, ProductWords};
use super::{render, take_flash, unavailable, Agent, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use marketdesk_core::domain::Environment;
use marketdesk_core::services::catalogue;
use marketdesk_core::services::offer_desk;
use marketdesk_core::services::request::RequestError;

/// The product page's route.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/products/{sku}", get(show))
}

/// The page.
#[derive(Template)]
#[template(path = "product.html")]
struct ProductPage {
    l: Layout,
    t: &'static Strings,
    pw: &'static ProductWords,
    w: &'static OfferWords,
    sku: String,
    name: String,
    ean: String,
    stock: String,
    prices: Vec<(String, String)>,
    updated: (String, String),
    /// The account's name and the offer.
    offers: Vec<(String, OfferRow)>,
    next_href: Option<String>,
}

async fn show(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(sku): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    let product = match catalogue::get(&state.ports, &agent.caller, &sku).await {
        Ok(product) => product,
        Err(RequestError::NotFound(_) | RequestError::Invalid { .. }) => return not_found(&agent),
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let cursor = super::query_param(raw.as_deref(), "cursor");
    let cursor = Some(cursor.as_str()).filter(|c| !c.is_empty());
    let linked = match offer_desk::for_product(
        &state.ports,
        &agent.caller,
        &product.sku,
        cursor,
        None,
    )
    .await
    {
        Ok(linked) => linked,
        // A cursor from elsewhere: nothing more.
        Err(RequestError::Invalid { .. }) => offer_desk::ProductOffers {
            offers: Vec::new(),
            next_cursor: None,
        },
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let accounts = match offer_pages::allegro_accounts(&state, &agent).await {
        Ok(accounts) => accounts,
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let (t, pw, w) = (
        agent.lang.strings(),
        products::words(agent.lang),
        offer_pages::words(agent.lang),
    );
    let here = format!("/products/{}", offer_pages::segment(&product.sku));
    let flash = take_flash(&headers, t);
    let mut l = Layout::new(agent.lang, product.name.clone(), &here, Some(&agent));
    l.flash = flash;
    let offers = linked
        .offers
        .iter()
        .map(|offer| {
            let account = accounts
                .iter()
                .find(|a| a.id.as_str() == offer.integration_id);
            let environment = account.map_or(Environment::Production, |a| a.environment);
            let name = account.map(|a| a.display_name.clone()).unwrap_or_default();
            (name, offer_pages::row(w, environment, offer))
        })
        .collect();
    let html = ProductPage {
        l,
        t,
        pw,
        w,
        next_href: linked.next_cursor.map(|c| {
            format!(
                "{here}?{}",
                form_urlencoded::Serializer::new(String::new())
                    .append_pair("cursor", &c)
                    .finish()
            )
        }),
        stock: products::stock_text(pw, &product),
        prices: product.prices.clone().into_iter().collect(),
        updated: time(t, product.updated_at),
        ean: product.ean.unwrap_or_default(),
        sku: product.sku,
        name: product.name,
        offers,
    }
    .render();
    render(html, StatusCode::OK, flash.is_some())
}
