//! Buyers, orders and offers: `/me`, `/order/checkout-forms/{id}`, `/sale/product-offers/{id}`.

use crate::state::SandboxState;
use axum::Router;

/// Buyers, orders and offers.
#[derive(Debug, Default)]
pub struct Catalog {}

/// The catalog routes.
pub fn routes() -> Router<SandboxState> {
    Router::new()
}
