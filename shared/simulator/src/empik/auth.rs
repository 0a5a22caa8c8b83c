//! Mirakl's API-key check: the raw key in `Authorization` (no `Bearer`), then the optional
//! `shop_id` query parameter choosing among the shops the key may act for.

use super::errors::{api_error, bad_request, ApiError, ApiResult};
use super::params::Params;
use super::EmpikWorld;
use crate::state::{SimulatorState, World};
use axum::http::{header, HeaderMap, StatusCode};
use std::sync::MutexGuard;

/// The shop a call acts for, once the key and `shop_id` passed: 401 for a missing or unknown
/// key, 400 for a `shop_id` that is not an integer, 403 for a shop the key cannot act for.
pub fn authenticate(world: &EmpikWorld, headers: &HeaderMap, params: &Params) -> ApiResult<i64> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .unwrap_or("");
    if key.is_empty() {
        return Err(unauthorized());
    }
    let Some(access) = world.api_keys.get(key) else {
        return Err(unauthorized());
    };
    let Some(default_shop) = access.shops.first().copied() else {
        return Err(unauthorized());
    };
    let shop_id = match params.get("shop_id") {
        None => return Ok(default_shop),
        Some(raw) => raw.trim().parse::<i64>().map_err(|_| {
            bad_request(format!(
                "Invalid value '{raw}' for parameter : shop_id (an integer is expected)"
            ))
        })?,
    };
    if access.shops.contains(&shop_id) {
        Ok(shop_id)
    } else {
        Err(api_error(
            StatusCode::FORBIDDEN,
            "Access to the resource is denied. Current user cannot access the resource",
        ))
    }
}

/// Locks the state and runs [`authenticate`]: the locked world and the shop the call acts for.
pub fn authenticated<'a>(
    state: &'a SimulatorState,
    headers: &HeaderMap,
    params: &Params,
) -> ApiResult<(MutexGuard<'a, World>, i64)> {
    let world = state.lock();
    let shop_id = authenticate(&world.empik, headers, params)?;
    Ok((world, shop_id))
}

fn unauthorized() -> ApiError {
    api_error(
        StatusCode::UNAUTHORIZED,
        "Unauthorized: API call without authentication. Add authentication information or use a valid authentication token.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::empik::model::ApiKey;
    use axum::http::HeaderValue;

    fn world() -> EmpikWorld {
        let mut world = EmpikWorld::default();
        world.api_keys.insert(
            "key-a".into(),
            ApiKey {
                shops: vec![2000, 2002],
            },
        );
        world
    }

    fn headers(key: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Ok(value) = HeaderValue::from_str(key) {
            headers.insert(header::AUTHORIZATION, value);
        }
        headers
    }

    fn status(result: ApiResult<i64>) -> u16 {
        match result {
            Ok(_) => 200,
            Err(error) => error.status.as_u16(),
        }
    }

    #[test]
    fn keys_and_shops_are_checked_in_order() {
        let world = world();
        let none = Params::default();
        assert_eq!(
            authenticate(&world, &headers("key-a"), &none).ok(),
            Some(2000)
        );
        assert_eq!(status(authenticate(&world, &HeaderMap::new(), &none)), 401);
        assert_eq!(
            status(authenticate(&world, &headers("Bearer key-a"), &none)),
            401
        );
        assert_eq!(status(authenticate(&world, &headers("other"), &none)), 401);
        let second = Params::from_pairs(&[("shop_id", "2002")]);
        assert_eq!(
            authenticate(&world, &headers("key-a"), &second).ok(),
            Some(2002)
        );
        let foreign = Params::from_pairs(&[("shop_id", "2001")]);
        assert_eq!(
            status(authenticate(&world, &headers("key-a"), &foreign)),
            403
        );
        let garbage = Params::from_pairs(&[("shop_id", "abc")]);
        assert_eq!(
            status(authenticate(&world, &headers("key-a"), &garbage)),
            400
        );
        assert_eq!(
            status(authenticate(&world, &headers("nope"), &garbage)),
            401
        );
    }
}
