//! Control routes for sellers (incl. a sale blockade), device approval and tokens.

use super::checked_login;
use crate::allegro::accounts::Accounts;
use crate::allegro::oauth::{approve_device, DeviceApprovalError};
use crate::control::support::{
    answer, failure, invalid, not_found, parse_or_empty, ControlError, ControlJson, Outcome,
};
use crate::state::SimulatorState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Seller, device and token control routes.
pub fn routes() -> Router<SimulatorState> {
    Router::new()
        .route("/sellers", post(create_seller).get(list_sellers))
        .route("/sellers/{id}/sign-in", post(sign_in))
        .route("/sellers/{id}/revoke", post(revoke))
        .route("/sellers/{id}/block", post(block).delete(unblock))
        .route("/device/auto-approve", post(auto_approve))
        .route("/device/{user_code}/approve", post(approve))
        .route("/tokens", get(tokens))
}

/// Body of `POST /sellers`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewSeller {
    login: String,
    email: Option<String>,
    company_name: Option<String>,
    tax_id: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
    /// Also make it the signed-in seller.
    #[serde(default)]
    sign_in: bool,
}

async fn create_seller(
    State(state): State<SimulatorState>,
    ControlJson(new): ControlJson<NewSeller>,
) -> Outcome {
    let login = checked_login(&new.login)?;
    if new.email.as_deref().is_some_and(|e| !e.contains('@')) {
        return Err(invalid("email must contain @"));
    }
    let mut world = state.lock();
    let accounts = &mut world.allegro.accounts;
    if accounts.seller_by_login(login).is_some() {
        return Err(failure(
            StatusCode::CONFLICT,
            format!("a seller with login {login} exists"),
        ));
    }
    let email = new
        .email
        .unwrap_or_else(|| format!("{}@simulator.example", login.to_ascii_lowercase()));
    let id = accounts
        .add_seller(login, &email, new.company_name)
        .id
        .clone();
    if let Some(seller) = accounts.sellers.get_mut(&id) {
        seller.tax_id = new.tax_id;
        seller.first_name = new.first_name;
        seller.last_name = new.last_name;
    }
    if new.sign_in {
        accounts.signed_in_seller = Some(id.clone());
    }
    Ok(answer(
        StatusCode::CREATED,
        json!({ "id": id, "login": login, "email": email }),
    ))
}

async fn list_sellers(State(state): State<SimulatorState>) -> Json<Value> {
    let world = state.lock();
    let accounts = &world.allegro.accounts;
    let sellers: Vec<Value> = accounts
        .sellers
        .values()
        .map(|s| {
            json!({
                "id": s.id,
                "login": s.login,
                "email": s.email,
                "company_name": s.company_name,
            })
        })
        .collect();
    Json(json!({ "sellers": sellers, "signed_in": accounts.signed_in_seller }))
}

async fn sign_in(State(state): State<SimulatorState>, Path(id): Path<String>) -> Outcome {
    let mut world = state.lock();
    let accounts = &mut world.allegro.accounts;
    known_seller(accounts, &id)?;
    accounts.signed_in_seller = Some(id.clone());
    Ok(answer(StatusCode::OK, json!({ "signed_in": id })))
}

async fn revoke(State(state): State<SimulatorState>, Path(id): Path<String>) -> Outcome {
    let mut world = state.lock();
    let accounts = &mut world.allegro.accounts;
    known_seller(accounts, &id)?;
    let revoked = accounts.revoke_seller(&id);
    Ok(answer(
        StatusCode::OK,
        json!({ "seller_id": id, "revoked": revoked }),
    ))
}

/// Puts the seller under a sale blockade: every REST call of theirs answers 403
/// `SellerAccountWithSellBlockadeException` until `DELETE` lifts it.
async fn block(State(state): State<SimulatorState>, Path(id): Path<String>) -> Outcome {
    let mut world = state.lock();
    let accounts = &mut world.allegro.accounts;
    known_seller(accounts, &id)?;
    accounts.blocked_sellers.insert(id.clone());
    Ok(answer(
        StatusCode::OK,
        json!({ "seller_id": id, "blocked": true }),
    ))
}

/// Lifts the seller's sale blockade.
async fn unblock(State(state): State<SimulatorState>, Path(id): Path<String>) -> Outcome {
    let mut world = state.lock();
    let accounts = &mut world.allegro.accounts;
    known_seller(accounts, &id)?;
    accounts.blocked_sellers.remove(&id);
    Ok(answer(
        StatusCode::OK,
        json!({ "seller_id": id, "blocked": false }),
    ))
}

/// 404 unless `id` names a seller.
fn known_seller(accounts: &Accounts, id: &str) -> Result<(), ControlError> {
    if accounts.sellers.contains_key(id) {
        Ok(())
    } else {
        Err(not_found(format!("unknown seller {id}")))
    }
}

/// Body of `POST /device/auto-approve`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AutoApprove {
    enabled: bool,
}

async fn auto_approve(
    State(state): State<SimulatorState>,
    ControlJson(AutoApprove { enabled }): ControlJson<AutoApprove>,
) -> Outcome {
    state.lock().allegro.accounts.oauth.auto_approve_device = enabled;
    Ok(answer(
        StatusCode::OK,
        json!({ "auto_approve_device": enabled }),
    ))
}

/// Optional body of `POST /device/{user_code}/approve`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Approve {
    /// Approve as this seller instead of the signed-in one.
    seller_id: Option<String>,
}

async fn approve(
    State(state): State<SimulatorState>,
    Path(user_code): Path<String>,
    raw: Bytes,
) -> Outcome {
    let request: Approve = parse_or_empty(&raw)?;
    let mut world = state.lock();
    let now = world.clock.now();
    match approve_device(
        &mut world.allegro.accounts,
        &user_code,
        request.seller_id.as_deref(),
        now,
    ) {
        Ok(seller_id) => Ok(answer(
            StatusCode::OK,
            json!({ "approved": true, "user_code": user_code, "seller_id": seller_id }),
        )),
        Err(error @ DeviceApprovalError::NoSeller) => Err(invalid(error.to_string())),
        Err(error) => Err(not_found(error.to_string())),
    }
}

/// Query of `GET /tokens`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TokenFilter {
    seller_id: Option<String>,
}

async fn tokens(
    State(state): State<SimulatorState>,
    filter: Result<Query<TokenFilter>, axum::extract::rejection::QueryRejection>,
) -> Outcome {
    let seller_filter = match filter {
        Ok(Query(filter)) => filter.seller_id,
        Err(rejection) => return Err(invalid(rejection.body_text())),
    };
    let world = state.lock();
    let now = world.clock.now();
    let accounts = &world.allegro.accounts;
    let wanted = |seller_id: &str| seller_filter.as_deref().is_none_or(|s| s == seller_id);
    let mut counts: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let mut access: Vec<Value> = Vec::new();
    for (token, t) in accounts
        .access_tokens
        .iter()
        .filter(|(_, t)| wanted(&t.seller_id))
    {
        let live = now < t.expires_at;
        if live {
            counts.entry(&t.seller_id).or_default().0 += 1;
        }
        access.push(json!({
            "token": token,
            "seller_id": t.seller_id,
            "client_id": t.client_id,
            "scopes": t.scopes,
            "expires_at": t.expires_at,
            "live": live,
        }));
    }
    let mut refresh: Vec<Value> = Vec::new();
    for (token, t) in accounts
        .refresh_tokens
        .iter()
        .filter(|(_, t)| wanted(&t.seller_id))
    {
        counts.entry(&t.seller_id).or_default().1 += 1;
        refresh.push(json!({
            "token": token,
            "seller_id": t.seller_id,
            "client_id": t.client_id,
            "scopes": t.scopes,
            "expires_at": t.expires_at,
            "rotated_at": t.rotated_at,
            "access_token": t.access_token,
        }));
    }
    let sort = |list: &mut Vec<Value>| {
        list.sort_by(|a, b| {
            a["expires_at"]
                .to_string()
                .cmp(&b["expires_at"].to_string())
        })
    };
    sort(&mut access);
    sort(&mut refresh);
    let per_seller: BTreeMap<&str, Value> = counts
        .into_iter()
        .map(|(seller, (a, r))| (seller, json!({ "access_tokens": a, "refresh_tokens": r })))
        .collect();
    Ok(answer(
        StatusCode::OK,
        json!({
            "sellers": per_seller,
            "access_tokens": access,
            "refresh_tokens": refresh,
        }),
    ))
}
