//! The batch offer command endpoints (scope `allegro:api:sale:offers:write`, public media type,
//! allegro-api.md §8.3–8.4):
//!
//! * `PUT /sale/offer-quantity-change-commands/{commandId}` (`OfferQuantityChangeCommand`),
//!   `PUT /sale/offer-price-change-commands/{commandId}` (`OfferPriceChangeCommand`),
//!   `PUT /sale/offer-publication-commands/{commandId}` (`PublicationChangeCommandDto`): 201
//!   `GeneralReport`; the same command again answers 201 with its report (idempotent); 400 for
//!   a body that is not a JSON object, 422 for a bad modification or criteria (at most 1000
//!   offers per criterion); 409 `ErrorsHolder` when the id was used for another command
//!   (`CommandIdAlreadyUsedException`) or when a running command of the seller names one of the
//!   offers (`OfferConflictException`, as Allegro answers an edit while the previous one runs).
//! * `GET …/{commandId}`: the `GeneralReport`; 404 for an id of another kind or seller.
//! * `GET …/{commandId}/tasks?limit=1..1000&offset=0..999` (defaults 100 and 0): `TaskReport`;
//!   422 for a bad `limit` or `offset`.

use super::offer_commands::{parse_command, CommandKind, OfferCommand, Refusal, TaskStatus};
use super::orders::allegro_time;
use crate::allegro::errors::{error_entry, errors_holder, errors_response};
use crate::allegro::guard::{authorized, json_response, require_content_type, Caller, Media};
use crate::state::SimulatorState;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};

const SCOPE: &str = "allegro:api:sale:offers:write";

/// The command routes of the three kinds.
pub fn routes() -> Router<SimulatorState> {
    let mut router = Router::new();
    for kind in CommandKind::ALL {
        let base = format!("/sale/{}", endpoint(kind));
        router = router
            .route(
                &format!("{base}/{{commandId}}"),
                get(
                    move |state: State<SimulatorState>, id: Path<String>, headers: HeaderMap| {
                        report(kind, state, id, headers)
                    },
                )
                .put(
                    move |state: State<SimulatorState>,
                          id: Path<String>,
                          headers: HeaderMap,
                          body: Bytes| {
                        submit(kind, state, id, headers, body)
                    },
                ),
            )
            .route(
                &format!("{base}/{{commandId}}/tasks"),
                get(
                    move |state: State<SimulatorState>,
                          id: Path<String>,
                          query: RawQuery,
                          headers: HeaderMap| {
                        tasks(kind, state, id, query, headers)
                    },
                ),
            );
    }
    router
}

/// The path segment of a kind's endpoint.
pub fn endpoint(kind: CommandKind) -> &'static str {
    match kind {
        CommandKind::Quantity => "offer-quantity-change-commands",
        CommandKind::Price => "offer-price-change-commands",
        CommandKind::Publication => "offer-publication-commands",
    }
}

/// A command as Allegro's `GeneralReport`.
pub fn general_report(command: &OfferCommand) -> Value {
    let (success, failed) = command.counts();
    json!({
        "id": command.id,
        "createdAt": allegro_time(command.created_at),
        "completedAt": command.completed_at.map(allegro_time),
        "taskCount": { "failed": failed, "success": success, "total": command.tasks.len() },
    })
}

async fn submit(
    kind: CommandKind,
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(&state, &headers, SCOPE, Media::Public)?;
    require_content_type(&headers, Media::Public)?;
    let (request, modification, offers) = parse_command(kind, &body).map_err(|bad| {
        let status = StatusCode::from_u16(bad.status).unwrap_or(StatusCode::BAD_REQUEST);
        errors_holder(
            status,
            "VALIDATION_ERROR",
            &bad.message,
            bad.path.as_deref(),
        )
    })?;
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    let command = OfferCommand {
        id: id.clone(),
        kind,
        seller_id: caller.seller_id.clone(),
        request,
        modification,
        created_at: now,
        due_at: now + catalog.commands().task_delay,
        completed_at: None,
        tasks: offers
            .into_iter()
            .map(|offer_id| super::offer_commands::CommandTask {
                offer_id,
                status: TaskStatus::New,
                failure: None,
                finished_at: None,
            })
            .collect(),
    };
    match catalog.submit_command(command, now) {
        Ok(command) => Ok(json_response(
            StatusCode::CREATED,
            Media::Public,
            &general_report(command),
        )),
        Err(Refusal::IdReused) => Err(errors_holder(
            StatusCode::CONFLICT,
            "CommandIdAlreadyUsedException",
            "Command id was already used",
            None,
        )),
        Err(Refusal::Busy(offer_id)) => Err(errors_response(
            StatusCode::CONFLICT,
            vec![error_entry(
                "OfferConflictException",
                &format!("Offer {offer_id} is still being changed by another command"),
                Some(""),
                "The previous edition of the offer is still being processed. Try again.",
            )],
        )),
    }
}

/// The caller's command `id` of `kind`, or 404.
// A ready-to-send answer is the natural error of a check.
#[allow(clippy::result_large_err)]
fn own_command<'a>(
    catalog: &'a super::Catalog,
    caller: &Caller,
    kind: CommandKind,
    id: &str,
) -> Result<&'a OfferCommand, Response> {
    catalog
        .commands()
        .get(id)
        .filter(|c| c.kind == kind && c.seller_id == caller.seller_id)
        .ok_or_else(|| {
            errors_holder(
                StatusCode::NOT_FOUND,
                "CommandNotFoundException",
                &format!("Command {id} not found"),
                None,
            )
        })
}

async fn report(
    kind: CommandKind,
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(&state, &headers, SCOPE, Media::Public)?;
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    catalog.settle_commands(now);
    let command = own_command(catalog, &caller, kind, &id)?;
    Ok(json_response(
        StatusCode::OK,
        Media::Public,
        &general_report(command),
    ))
}

fn bad_paging(parameter: &str, message: &str) -> Response {
    errors_holder(
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_ERROR",
        message,
        Some(parameter),
    )
}

async fn tasks(
    kind: CommandKind,
    State(state): State<SimulatorState>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    headers: HeaderMap,
) -> Result<Response, Response> {
    let (mut world, caller) = authorized(&state, &headers, SCOPE, Media::Public)?;
    let (mut limit, mut offset) = (100usize, 0usize);
    for (key, value) in form_urlencoded::parse(raw.as_deref().unwrap_or("").as_bytes()) {
        match key.as_ref() {
            "limit" => {
                limit = value
                    .parse()
                    .ok()
                    .filter(|n| (1..=1000).contains(n))
                    .ok_or_else(|| bad_paging("limit", "limit must be between 1 and 1000"))?
            }
            "offset" => {
                offset = value
                    .parse()
                    .ok()
                    .filter(|n| *n <= 999)
                    .ok_or_else(|| bad_paging("offset", "offset must be between 0 and 999"))?
            }
            _ => {}
        }
    }
    let now = world.clock.now();
    let catalog = &mut world.allegro.catalog;
    catalog.settle_commands(now);
    let command = own_command(catalog, &caller, kind, &id)?;
    let tasks: Vec<Value> = command
        .tasks
        .iter()
        .skip(offset)
        .take(limit)
        .map(|task| {
            let (message, errors) = match &task.failure {
                Some((code, message)) => (
                    message.clone(),
                    vec![error_entry(code, message, None, message)],
                ),
                None => (String::new(), vec![]),
            };
            json!({
                "offer": { "id": task.offer_id },
                "field": kind.field(),
                "status": task.status.name(),
                "message": message,
                "errors": errors,
                "scheduledAt": allegro_time(command.created_at),
                "finishedAt": task.finished_at.map(allegro_time),
            })
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        Media::Public,
        &json!({ "tasks": tasks }),
    ))
}
