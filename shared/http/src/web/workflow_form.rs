//! `POST /tickets/{id}/workflow`: the ticket page's controls form (`ticket_controls`) applied
//! through `services::workflow::patch`, as `PATCH /v1/tickets/{id}` does; a refusal shows the
//! ticket page again with what was typed.

use super::notices::{forbidden, not_found};
use super::pages::ticket_page_with;
use super::ticket_controls::{is_empty, patch_of, words, ControlsForm};
use super::views::Draft;
use super::{redirect_with_flash, refusals, unavailable, Agent};
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Form;
use marketdesk_core::ids::{self, TicketId};
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::workflow;

/// `POST /tickets/{id}/workflow`: the controls' changes, through `services::workflow`.
pub(crate) async fn update(
    State(state): State<AppState>,
    agent: Agent,
    headers: HeaderMap,
    Path(id): Path<String>,
    Form(form): Form<ControlsForm>,
) -> Response {
    if !ids::is_well_formed(&id) {
        return not_found(&agent);
    }
    if !agent.csrf_ok(&form.csrf) {
        return forbidden(&agent);
    }
    let ticket_id = TicketId(id);
    let tenant = &agent.caller.tenant_id;
    let w = words(agent.lang);
    let ticket =
        match marketdesk_core::services::ticket_views::detail(&state.ports, tenant, &ticket_id)
            .await
        {
            Ok(detail) => detail.ticket,
            Err(RequestError::NotFound(_)) => return not_found(&agent),
            Err(error) => return unavailable(Some(agent.lang), &error),
        };
    let here = format!("/tickets/{ticket_id}");
    let refused = |message: String| (form.clone(), format!("{}: {message}", w.not_saved));
    let patch = match patch_of(w, &form, &ticket) {
        Ok(patch) if is_empty(&patch) => return redirect_with_flash(&here, "ticket_unchanged"),
        Ok(patch) => patch,
        Err(message) => {
            return ticket_page_with(
                &state,
                &agent,
                &headers,
                &ticket_id,
                Draft::default(),
                Some(refused(message)),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    };
    match workflow::patch(&state.ports, tenant, &ticket_id, &agent.caller.actor, patch).await {
        Ok(_) => redirect_with_flash(&here, "ticket_saved"),
        Err(RequestError::NotFound(_)) => not_found(&agent),
        Err(RequestError::Invalid { field, message }) => {
            ticket_page_with(
                &state,
                &agent,
                &headers,
                &ticket_id,
                Draft::default(),
                Some(refused(
                    refusals::explain(agent.lang, &RequestError::Invalid { field, message })
                        .unwrap_or_default(),
                )),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(error @ (RequestError::Conflict(_) | RequestError::WrongState { .. })) => {
            let message = refusals::explain(agent.lang, &error).unwrap_or_default();
            ticket_page_with(
                &state,
                &agent,
                &headers,
                &ticket_id,
                Draft::default(),
                Some(refused(message)),
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => unavailable(Some(agent.lang), &error),
    }
}
