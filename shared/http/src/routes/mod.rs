//! The routes, one module per resource. Each module adds its routes to a [`Routes`], which
//! records every method and path it was given, so the route table (and the OpenAPI test that
//! compares it with the document) is exactly what the router serves.

pub(crate) mod account_events;
pub(crate) mod api_keys;
pub(crate) mod audit;
pub(crate) mod customers;
pub(crate) mod erp;
pub(crate) mod health;
pub(crate) mod integrations;
pub(crate) mod oauth;
pub(crate) mod offer_commands;
pub(crate) mod offers;
pub(crate) mod openapi;
pub(crate) mod order_updates;
pub(crate) mod orders;
pub(crate) mod products;
pub(crate) mod replies;
pub(crate) mod saved_replies;
pub(crate) mod search;
pub(crate) mod sessions;
pub(crate) mod tickets;
pub(crate) mod users;
pub(crate) mod webhooks;
pub(crate) mod workflow;

use crate::AppState;
use axum::handler::Handler;
use axum::routing::{self, MethodRouter};
use axum::Router;

/// A router being built, with the table of what it serves.
pub(crate) struct Routes {
    /// The routes so far.
    pub(crate) router: Router<AppState>,
    /// `(method, path)` of each route, in the order added.
    pub(crate) table: Vec<(&'static str, &'static str)>,
}

impl Routes {
    /// No routes yet.
    pub(crate) fn new() -> Self {
        Self {
            router: Router::new(),
            table: Vec::new(),
        }
    }

    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.router = self.router.route(path, route);
        self.table.push((method, path));
        self
    }

    /// Adds a GET route.
    pub(crate) fn get<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("GET", path, routing::get(handler))
    }

    /// Adds a POST route.
    pub(crate) fn post<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("POST", path, routing::post(handler))
    }

    /// Adds a PUT route.
    pub(crate) fn put<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("PUT", path, routing::put(handler))
    }

    /// Adds a PATCH route.
    pub(crate) fn patch<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("PATCH", path, routing::patch(handler))
    }

    /// Adds a DELETE route.
    pub(crate) fn delete<H, T>(self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add("DELETE", path, routing::delete(handler))
    }
}

/// Routes anyone may call.
pub(crate) fn public() -> Routes {
    sessions::public(oauth::public(health::routes(Routes::new())))
}

/// Routes that need an API key (the auth layer is added by [`crate::router`]).
pub(crate) fn protected() -> Routes {
    let modules: &[fn(Routes) -> Routes] = &[
        api_keys::routes,
        integrations::routes,
        oauth::protected,
        tickets::routes,
        replies::routes,
        customers::routes,
        saved_replies::routes,
        openapi::routes,
        sessions::protected,
        users::routes,
        workflow::routes,
        audit::routes,
        webhooks::routes,
        search::routes,
        health::protected,
        orders::routes,
        products::routes,
        erp::routes,
        account_events::routes,
        offer_commands::routes,
        order_updates::routes,
        offers::routes,
    ];
    modules
        .iter()
        .fold(Routes::new(), |routes, add| add(routes))
}
