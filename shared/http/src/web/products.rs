//! The catalogue page: `/products`, the products by SKU or those answering a search (EAN, SKU
//! or words of the name), read through `catalogue::list` as `/v1/products` is. The catalogue
//! is written by the seller's ERP through the API or a CSV import, not on this page.

use super::format::time;
use super::i18n::{Lang, Strings};
use super::{render, take_flash, unavailable, Agent, Layout};
use crate::AppState;
use askama::Template;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use marketdesk_core::domain::product::{Product, StockUnit};
use marketdesk_core::services::catalogue::{self, ProductPage, ProductQuery};
use marketdesk_core::services::request::RequestError;

/// The catalogue page's route.
pub(crate) fn routes() -> Router<AppState> {
    Router::new().route("/products", get(search))
}

/// The words of the catalogue page (Polish first).
pub(crate) struct ProductWords {
    pub products: &'static str,
    pub search: &'static str,
    pub search_hint: &'static str,
    pub search_button: &'static str,
    pub none_found: &'static str,
    pub sku: &'static str,
    pub name: &'static str,
    pub ean: &'static str,
    pub stock: &'static str,
    pub prices: &'static str,
    pub updated: &'static str,
    pub next_page: &'static str,
    pub erp_hint: &'static str,
    pub units: [&'static str; 3],
}

static PL: ProductWords = ProductWords {
    products: "Produkty",
    search: "Szukaj produktu",
    search_hint: "EAN, SKU albo słowa nazwy",
    search_button: "Szukaj",
    none_found: "Nie znaleziono produktów.",
    sku: "SKU",
    name: "Nazwa",
    ean: "EAN",
    stock: "Stan",
    prices: "Ceny",
    updated: "Zmieniony",
    next_page: "Następna strona",
    erp_hint: "Produkty przychodzą z systemu ERP przez API (PUT /v1/products) albo z importu CSV (POST /v1/products/import).",
    units: ["szt.", "par", "kpl."],
};

static EN: ProductWords = ProductWords {
    products: "Products",
    search: "Find a product",
    search_hint: "EAN, SKU or words of the name",
    search_button: "Search",
    none_found: "No products found.",
    sku: "SKU",
    name: "Name",
    ean: "EAN",
    stock: "Stock",
    prices: "Prices",
    updated: "Changed",
    next_page: "Next page",
    erp_hint: "Products come from the ERP through the API (PUT /v1/products) or a CSV import (POST /v1/products/import).",
    units: ["pcs", "pairs", "sets"],
};

/// The words in `lang`.
pub(crate) fn words(lang: Lang) -> &'static ProductWords {
    match lang {
        Lang::Pl => &PL,
        Lang::En => &EN,
    }
}

/// The product's stock with its unit.
pub(crate) fn stock_text(pw: &ProductWords, product: &Product) -> String {
    let unit = pw.units[match product.unit {
        StockUnit::Unit => 0,
        StockUnit::Pair => 1,
        StockUnit::Set => 2,
    }];
    format!("{} {unit}", product.stock)
}

/// One product of the list.
struct ProductRow {
    sku: String,
    href: String,
    name: String,
    ean: String,
    stock: String,
    prices: String,
    updated: (String, String),
}

/// The catalogue page.
#[derive(Template)]
#[template(path = "products.html")]
struct SearchPage {
    l: Layout,
    t: &'static Strings,
    pw: &'static ProductWords,
    q: String,
    rows: Vec<ProductRow>,
    next_href: Option<String>,
}

async fn search(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let param =
        |name: &str| Some(super::query_param(raw.as_deref(), name)).filter(|v| !v.is_empty());
    let query = ProductQuery {
        q: param("q"),
        cursor: param("cursor"),
        limit: None,
    };
    let page = match catalogue::list(&state.ports, &agent.caller, &query).await {
        Ok(page) => page,
        // A cursor from elsewhere: nothing found.
        Err(RequestError::Invalid { .. }) => ProductPage {
            products: Vec::new(),
            next_cursor: None,
        },
        Err(error) => return unavailable(Some(agent.lang), &error),
    };
    let (t, pw) = (agent.lang.strings(), words(agent.lang));
    let flash = take_flash(&headers, t);
    let mut l = Layout::new(agent.lang, pw.products, "/products", Some(&agent));
    l.flash = flash;
    let q = query.q.unwrap_or_default();
    let html = SearchPage {
        l,
        t,
        pw,
        next_href: page.next_cursor.map(|c| {
            let mut s = form_urlencoded::Serializer::new(String::new());
            s.append_pair("q", &q).append_pair("cursor", &c);
            format!("/products?{}", s.finish())
        }),
        q,
        rows: page
            .products
            .into_iter()
            .map(|p| ProductRow {
                stock: stock_text(pw, &p),
                href: format!("/products/{}", super::offers::segment(&p.sku)),
                prices: p
                    .prices
                    .iter()
                    .map(|(list, amount)| format!("{list}: {amount}"))
                    .collect::<Vec<_>>()
                    .join(", "),
                updated: time(t, p.updated_at),
                ean: p.ean.unwrap_or_default(),
                sku: p.sku,
                name: p.name,
            })
            .collect(),
    }
    .render();
    render(html, StatusCode::OK, flash.is_some())
}
