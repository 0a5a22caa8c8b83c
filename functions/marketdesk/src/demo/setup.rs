//! Before the buyers arrive: the tenant and its admin key, the simulated seller accounts, and
//! the two integrations, connected the way a seller connects them (the Allegro OAuth redirect,
//! the EmpikPlace API key).
//!
//! Every step first looks for what an earlier run on the same data left: the admin key and the
//! EmpikPlace shop key are kept in the data directory's 0600 secrets file, the integrations are
//! found through the API. The simulator keeps nothing between runs, so its seller and shop are
//! made again each time, with the same login and key, and the Allegro account goes through the
//! OAuth redirect again (the previous run's tokens died with the previous simulator).

use super::client::Clients;
use super::DemoError;
use marketdesk_core::domain::Role;
use marketdesk_core::ports::{Ports, SecretName};
use marketdesk_core::services::people::users::NewUser;
use marketdesk_core::services::request::RequestError;
use marketdesk_core::services::{api_keys, people};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{json, Value};

/// The demo's tenant.
pub const TENANT: &str = "demo";
/// The simulated Allegro seller's login (the integration is named after it on connecting).
pub const ALLEGRO_LOGIN: &str = "sklep_demo";
/// The simulated EmpikPlace shop.
pub const EMPIK_SHOP_NAME: &str = "Sklep Demo na Empiku";
/// The autoresponse of both integrations.
pub const AUTORESPONSE: &str =
    "Dzień dobry {buyer_login}, dziękujemy za wiadomość — odpowiemy wkrótce.";

/// Where the admin key is kept between runs (the secrets file is 0600).
const KEY_SECRET: &str = "demo/api-key";
/// Where the simulated shop's Mirakl key is kept between runs.
const EMPIK_KEY_SECRET: &str = "demo/empik-shop-key";
/// Where the demo admin's password is kept between runs.
const PASSWORD_SECRET: &str = "demo/admin-password";
/// The demo admin who signs in to the web workspace.
pub const ADMIN_EMAIL: &str = "admin@demo.marketdesk.invalid";

/// What the script and the watcher need from the setup.
pub struct Prepared {
    /// Clients of the API (with the admin key) and of the simulator.
    pub clients: Clients,
    /// The admin key.
    pub key: SecretString,
    /// Whether the key comes from an earlier run.
    pub key_reused: bool,
    /// The simulated Allegro seller.
    pub allegro_seller_id: String,
    /// The Allegro account's login, as the integration now shows it.
    pub allegro_login: String,
    /// The Allegro integration.
    pub allegro_integration: String,
    /// The simulated EmpikPlace shop.
    pub empik_shop_id: i64,
    /// Its name.
    pub empik_shop_name: String,
    /// The EmpikPlace integration.
    pub empik_integration: String,
    /// Tickets already in the data directory.
    pub earlier_tickets: usize,
    /// The demo admin's password for the web workspace (e-mail [`ADMIN_EMAIL`]).
    pub admin_password: SecretString,
}

/// Sets everything up, reusing what an earlier run left.
pub async fn prepare(
    ports: &Ports,
    api_url: &str,
    simulator_url: &str,
) -> Result<Prepared, DemoError> {
    let (key, key_reused) = admin_key(ports).await?;
    let clients = Clients::new(api_url, key.expose_secret(), simulator_url)?;

    let seller = clients
        .control_post(
            "/allegro/sellers",
            &json!({"login": ALLEGRO_LOGIN, "company_name": "Sklep Demo sp. z o.o.",
                "sign_in": true}),
        )
        .await?;
    let allegro_seller_id = text(&seller, "id", "the simulator's new seller")?;
    let empik_key = kept_secret(ports, EMPIK_KEY_SECRET, || {
        format!("demo-{}", uuid::Uuid::new_v4().simple())
    })
    .await?;
    let shop = clients
        .control_post(
            "/empik/shops",
            &json!({"name": EMPIK_SHOP_NAME, "api_key": empik_key.expose_secret()}),
        )
        .await?;
    let empik_shop_id = shop["shop_id"].as_i64().ok_or_else(|| {
        DemoError::Setup(format!("the simulator's new shop has no shop_id: {shop}"))
    })?;

    let existing = clients.api_get("/v1/integrations").await?;
    let allegro_integration = match find_kind(&existing, "allegro") {
        Some(id) => id,
        None => {
            let created = clients
                .api_post(
                    "/v1/integrations",
                    Some(&json!({
                        "kind": "allegro",
                        "display_name": "Allegro",
                        "environment": "sandbox",
                        "settings": settings("Allegro login", "Allegro"),
                    })),
                )
                .await?;
            text(&created, "id", "the new Allegro integration")?
        }
    };
    let allegro_login = connect_allegro(&clients, &allegro_integration).await?;

    let empik_integration = match find_kind(&existing, "empikplace") {
        Some(id) => id,
        None => {
            let created = clients
                .api_post(
                    "/v1/integrations",
                    Some(&json!({
                        "kind": "empikplace",
                        "display_name": EMPIK_SHOP_NAME,
                        "api_key": empik_key.expose_secret(),
                        "settings": settings("Empik ID", "EmpikPlace"),
                    })),
                )
                .await?;
            text(&created, "id", "the new EmpikPlace integration")?
        }
    };

    let earlier_tickets = count_tickets(&clients).await?;
    let admin_password = admin_user(ports).await?;
    Ok(Prepared {
        clients,
        key,
        key_reused,
        allegro_seller_id,
        allegro_login,
        allegro_integration,
        empik_shop_id,
        empik_shop_name: EMPIK_SHOP_NAME.to_owned(),
        empik_integration,
        earlier_tickets,
        admin_password,
    })
}

/// The demo admin who signs in to the web workspace: made on the first run with a random
/// password kept in the 0600 secrets file, found again on later runs.
async fn admin_user(ports: &Ports) -> Result<SecretString, DemoError> {
    let random = || {
        people::secrets::generate("")
            .map(|token| token.chars().take(16).collect::<String>())
            .unwrap_or_else(|_| uuid::Uuid::new_v4().simple().to_string())
    };
    let password = kept_secret(ports, PASSWORD_SECRET, random).await?;
    let user = NewUser {
        email: ADMIN_EMAIL.to_owned(),
        role: Role::Admin,
        name: Some("Administrator demo".to_owned()),
        language: None,
    };
    match people::users::create_with_password(ports, TENANT, user, &password).await {
        Ok(_) => Ok(password),
        // Made by an earlier run on this data directory, with the kept password.
        Err(RequestError::Conflict(_)) => Ok(password),
        Err(error) => Err(DemoError::Setup(format!(
            "cannot create the demo admin user: {error}"
        ))),
    }
}

/// The integration settings of the demo: a CRM field, a queue, the autoresponder at once.
fn settings(crm_field: &str, queue: &str) -> Value {
    json!({
        "crm_field": crm_field,
        "ticket_queue": queue,
        "autoresponder": {"enabled": true, "text": AUTORESPONSE, "delay_minutes": 0},
    })
}

/// The admin key kept from an earlier run while it still works, else a new one (which also
/// creates the tenant), kept for the next run.
async fn admin_key(ports: &Ports) -> Result<(SecretString, bool), DemoError> {
    let name = secret_name(KEY_SECRET)?;
    let kept = ports
        .secrets
        .get(&name)
        .await
        .map_err(|error| DemoError::Setup(format!("cannot read the kept API key: {error}")))?;
    if let Some(key) = kept {
        let caller = api_keys::authenticate(ports, &key)
            .await
            .map_err(|error| DemoError::Setup(format!("cannot check the kept API key: {error}")))?;
        if caller.is_some_and(|c| c.tenant_id.as_str() == TENANT && c.role == Role::Admin) {
            return Ok((key, true));
        }
    }
    let created = api_keys::create_for_tenant(ports, TENANT, Role::Admin, Some("demo".into()))
        .await
        .map_err(|error| DemoError::Setup(format!("cannot create the admin API key: {error}")))?;
    ports
        .secrets
        .put(&name, &created.secret)
        .await
        .map_err(|error| DemoError::Setup(format!("cannot keep the API key: {error}")))?;
    Ok((created.secret, false))
}

/// The secret kept under `name`, or a new one from `make`, kept from now on.
async fn kept_secret(
    ports: &Ports,
    name: &str,
    make: impl FnOnce() -> String,
) -> Result<SecretString, DemoError> {
    let name = secret_name(name)?;
    let read = ports.secrets.get(&name).await;
    match read.map_err(|error| DemoError::Setup(format!("cannot read {name}: {error}")))? {
        Some(value) => Ok(value),
        None => {
            let value = SecretString::from(make());
            ports
                .secrets
                .put(&name, &value)
                .await
                .map_err(|error| DemoError::Setup(format!("cannot keep {name}: {error}")))?;
            Ok(value)
        }
    }
}

fn secret_name(name: &str) -> Result<SecretName, DemoError> {
    SecretName::new(name).map_err(|error| DemoError::Setup(error.to_string()))
}

/// The id of the first integration of `kind` in a `GET /v1/integrations` answer.
fn find_kind(list: &Value, kind: &str) -> Option<String> {
    list["integrations"]
        .as_array()?
        .iter()
        .find(|integration| integration["kind"] == kind)
        .and_then(|integration| integration["id"].as_str())
        .map(str::to_owned)
}

/// The Allegro authorization-code flow, with the demo as the seller's browser: marketdesk's
/// authorization URL, the simulator's sign-in page (which approves as the signed-in seller and
/// redirects), marketdesk's callback. Answers the account's login.
async fn connect_allegro(clients: &Clients, integration: &str) -> Result<String, DemoError> {
    let start = clients
        .api_post(&format!("/v1/integrations/{integration}/oauth/start"), None)
        .await?;
    let authorize_url = text(&start, "authorize_url", "oauth/start")?;
    let (_, callback) = clients.browse(&authorize_url).await?;
    let callback = callback.ok_or_else(|| {
        DemoError::Setup("Allegro's authorization page did not redirect back to marketdesk".into())
    })?;
    let (status, _) = clients.browse(&callback).await?;
    if !status.is_success() {
        return Err(DemoError::Setup(format!(
            "the OAuth callback answered {status}"
        )));
    }
    let connected = clients
        .api_get(&format!("/v1/integrations/{integration}"))
        .await?;
    if connected["connection"]["state"] != "connected" {
        return Err(DemoError::Setup(format!(
            "the Allegro integration did not connect: {}",
            connected["connection"]
        )));
    }
    text(
        &connected,
        "display_name",
        "the connected Allegro integration",
    )
}

/// How many tickets the tenant has.
async fn count_tickets(clients: &Clients) -> Result<usize, DemoError> {
    let mut count = 0;
    let mut cursor: Option<String> = None;
    loop {
        let path = match &cursor {
            Some(cursor) => format!("/v1/tickets?limit=100&cursor={cursor}"),
            None => "/v1/tickets?limit=100".to_owned(),
        };
        let page = clients.api_get(&path).await?;
        count += page["tickets"].as_array().map_or(0, Vec::len);
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return Ok(count),
        }
    }
}

/// A string field of an answer, or an error naming what lacked it.
pub fn text(value: &Value, field: &str, what: &str) -> Result<String, DemoError> {
    value[field]
        .as_str()
        .map(str::to_owned)
        .ok_or_else(|| DemoError::Setup(format!("{what} has no {field}: {value}")))
}
