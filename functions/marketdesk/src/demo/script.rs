//! The buyers' timeline: over the first minute simulated buyers open an Allegro dispute, an
//! EmpikPlace conversation, an Allegro purchase problem, a buyer's question and a claim; an
//! agent answers the dispute through the API; later some buyers write again. Everything goes
//! through the simulator's control API, as a buyer on the marketplace's site would.
//!
//! Whatever is posted to Allegro (autoresponses, the agent's reply) is spaced at least 8 s of
//! timeline apart: Allegro takes one message per second per seller and answers 429 otherwise,
//! which delays a reply by a minute, and the test plays the timeline three times as fast.

use super::client::{CallError, Clients};
use super::narrator::{quote, Narrator};
use super::setup::Prepared;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

/// What the demo's agent answers to the dispute.
pub const AGENT_REPLY: &str = "Bardzo przepraszamy za pęknięty kubek. Wysłaliśmy dziś nowy, \
     numer przesyłki przyjdzie e-mailem. Uszkodzonego kubka nie trzeba odsyłać.";

/// How long the agent waits for the dispute's ticket, at most.
const TICKET_WAIT: Duration = Duration::from_secs(60);

/// Plays the timeline; a failing step ends it with a line saying why (the rest of the demo
/// keeps running).
pub async fn play(prepared: &Prepared, narrator: Narrator, pace: f64) {
    if let Err(error) = timeline(prepared, narrator, pace).await {
        narrator.say(format!("the simulated buyers stopped: {error}"));
    }
}

/// Waits until a second of the timeline, compressed by the pace.
struct Pace {
    start: Instant,
    factor: f64,
}

impl Pace {
    async fn until(&self, second: u64) {
        let due = self.start + Duration::from_secs_f64(second as f64 / self.factor);
        tokio::time::sleep_until(due.into()).await;
    }
}

/// The people and orders of the simulated marketplaces.
struct Cast {
    seller: String,
    ola: String,
    marek: String,
    ania: String,
    tomasz: String,
    mug_order: String,
    set_order: String,
    kettle_order: String,
    shop: i64,
    katarzyna: String,
    lamp_order: String,
}

async fn timeline(prepared: &Prepared, narrator: Narrator, pace: f64) -> Result<(), CallError> {
    let clients = &prepared.clients;
    let cast = cast(clients, prepared).await?;
    let pace = Pace {
        start: Instant::now(),
        factor: pace,
    };
    let said = |what: &str, text: &str| narrator.say(format!("{what}: {}", quote(text)));
    let seller = &cast.seller;

    pace.until(2).await;
    let text = "Kubek przyszedł pęknięty, choć paczka była cała. Proszę o wymianę.";
    let body = json!({"seller_id": seller, "buyer_id": cast.ola, "order_id": cast.mug_order,
        "type": "DISPUTE", "reason": "PRODUCT_DAMAGED_PARCEL_INTACT", "text": text});
    let dispute = create(clients, "/allegro/inbox/issues", body, "id").await?;
    said("buyer kupujaca_ola opens an Allegro dispute", text);

    pace.until(8).await;
    let text = "Dzień dobry, zamówiłam lampkę w poniedziałek i nadal nie została wysłana. \
                Kiedy mogę się jej spodziewać?";
    let body = json!({"shop_id": cast.shop, "customer_id": cast.katarzyna,
        "order_id": cast.lamp_order, "topic": {"type": "FREE_TEXT", "value": "Kiedy wysyłka?"},
        "body": text});
    let empik_thread = create(clients, "/empik/threads", body, "thread_id").await?;
    said(
        "EmpikPlace customer Katarzyna Lewandowska writes to the shop",
        text,
    );

    pace.until(14).await;
    let text = "W zestawie są tylko 4 kubki zamiast 6.";
    let body = json!({"seller_id": seller, "buyer_id": cast.marek, "order_id": cast.set_order,
        "type": "POST_PURCHASE_ISSUE", "sub_type": "MISSING_PRODUCT_ELEMENTS", "text": text});
    create(clients, "/allegro/inbox/threads", body, "id").await?;
    said(
        "buyer marek_k88 reports a purchase problem on Allegro",
        text,
    );

    pace.until(24).await;
    agent_replies(clients, &dispute, narrator).await;

    pace.until(32).await;
    let text = "Czy te kubki można myć w zmywarce?";
    let body = json!({"seller_id": seller, "buyer_id": cast.ania, "type": "COMMON", "text": text});
    let question = create(clients, "/allegro/inbox/threads", body, "id").await?;
    said("buyer ania_z_krakowa asks a question on Allegro", text);

    pace.until(40).await;
    let text = "Czajnik przestał grzać po tygodniu używania. Składam reklamację.";
    let body = json!({"seller_id": seller, "buyer_id": cast.tomasz, "order_id": cast.kettle_order,
        "type": "CLAIM", "reason": "DEFECT_FOUND_DURING_USE", "text": text});
    create(clients, "/allegro/inbox/issues", body, "id").await?;
    said("buyer tomasz_z files an Allegro claim", text);

    pace.until(48).await;
    let text = "Dziękuję za szybką odpowiedź, czekam na nowy kubek.";
    let path = format!("/allegro/inbox/issues/{dispute}/messages");
    clients
        .control_post(&path, &json!({"author": "BUYER", "text": text}))
        .await?;
    said("buyer kupujaca_ola writes again in the dispute", text);

    pace.until(56).await;
    let text = "Czy mogę prosić o numer przesyłki?";
    let path = format!("/empik/threads/{empik_thread}/messages");
    clients
        .control_post(&path, &json!({"from": "CUSTOMER", "body": text}))
        .await?;
    said("Katarzyna Lewandowska writes again on EmpikPlace", text);

    pace.until(80).await;
    let text = "A czy nadają się też do mikrofalówki?";
    let path = format!("/allegro/inbox/threads/{question}/messages");
    clients
        .control_post(&path, &json!({"author": "BUYER", "text": text}))
        .await?;
    said("buyer ania_z_krakowa asks again", text);

    pace.until(90).await;
    narrator.say(
        "the simulated buyers are done; marketdesk keeps running \
         (try the curl commands above; Ctrl-C stops it)",
    );
    Ok(())
}

/// Creates the buyers, offers and orders (the simulator starts empty on every run).
async fn cast(clients: &Clients, prepared: &Prepared) -> Result<Cast, CallError> {
    let seller = prepared.allegro_seller_id.clone();
    let buyer = |login: &'static str, first: &'static str, last: &'static str| {
        let body = json!({"login": login, "first_name": first, "last_name": last});
        async move { id_of(&clients.control_post("/allegro/buyers", &body).await?, "id") }
    };
    let ola = buyer("kupujaca_ola", "Ola", "Nowak").await?;
    let marek = buyer("marek_k88", "Marek", "Kowalski").await?;
    let ania = buyer("ania_z_krakowa", "Anna", "Wiśniewska").await?;
    let tomasz = buyer("tomasz_z", "Tomasz", "Zieliński").await?;
    let offer = |name: &'static str, ean: &'static str, price: &'static str| {
        let body = json!({"seller_id": seller, "name": name, "ean": ean, "price": price});
        async move { id_of(&clients.control_post("/allegro/offers", &body).await?, "id") }
    };
    let mug = offer("Kubek ceramiczny biały 300 ml", "5901234123457", "24.99").await?;
    let set = offer("Zestaw 6 kubków porcelanowych", "5901234123464", "119.00").await?;
    let kettle = offer("Czajnik elektryczny 1,7 l", "5901234123471", "149.00").await?;
    let order = |buyer: String, offer: String| {
        let body = json!({"seller_id": seller, "buyer_id": buyer, "offer_ids": [offer]});
        async move { id_of(&clients.control_post("/allegro/orders", &body).await?, "id") }
    };
    let mug_order = order(ola.clone(), mug).await?;
    let set_order = order(marek.clone(), set).await?;
    let kettle_order = order(tomasz.clone(), kettle).await?;

    let shop = prepared.empik_shop_id;
    let customer = clients
        .control_post(
            "/empik/customers",
            &json!({"firstname": "Katarzyna", "lastname": "Lewandowska"}),
        )
        .await?;
    let katarzyna = id_of(&customer, "customer_id")?;
    let order = clients
        .control_post(
            "/empik/orders",
            &json!({"shop_id": shop, "customer_id": katarzyna, "lines": [{
                "title": "Lampka nocna LED z ładowarką", "sku": "LAMP-LED-01",
                "quantity": 1, "price": 89.99,
            }]}),
        )
        .await?;
    let lamp_order = id_of(&order, "order_id")?;
    Ok(Cast {
        seller,
        ola,
        marek,
        ania,
        tomasz,
        mug_order,
        set_order,
        kettle_order,
        shop,
        katarzyna,
        lamp_order,
    })
}

/// Creates something through the control API and answers its id (`field` of the answer).
async fn create(
    clients: &Clients,
    path: &str,
    body: Value,
    field: &str,
) -> Result<String, CallError> {
    id_of(&clients.control_post(path, &body).await?, field)
}

/// What an agent does: finds the dispute's ticket and answers it through the API. A refusal
/// is a line, not the end of the demo.
async fn agent_replies(clients: &Clients, dispute: &str, narrator: Narrator) {
    let Some(ticket) = ticket_of(clients, dispute).await else {
        narrator.say("the dispute has no ticket yet, so the agent does not answer it");
        return;
    };
    let body = json!({"text": AGENT_REPLY});
    match clients
        .api_post(&format!("/v1/tickets/{ticket}/replies"), Some(&body))
        .await
    {
        Ok(reply) if reply["state"] == "failed" => narrator.say(format!(
            "an agent's reply to ticket {ticket} failed at once: {reply}"
        )),
        Ok(_) => narrator.say(format!(
            "an agent answers ticket {ticket} through the API (POST …/replies): {}",
            quote(AGENT_REPLY)
        )),
        Err(error) => narrator.say(format!("the agent's reply was refused: {error}")),
    }
}

/// The ticket of the Allegro conversation `external_id`, waiting for it up to [`TICKET_WAIT`].
async fn ticket_of(clients: &Clients, external_id: &str) -> Option<String> {
    let deadline = Instant::now() + TICKET_WAIT;
    while Instant::now() < deadline {
        if let Ok(page) = clients
            .api_get("/v1/tickets?source=allegro&limit=100")
            .await
        {
            let found = page["tickets"].as_array().and_then(|tickets| {
                tickets
                    .iter()
                    .find(|t| t["conversation"]["external_id"] == external_id)
            });
            if let Some(id) = found.and_then(|t| t["id"].as_str()) {
                return Some(id.to_owned());
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    None
}

fn id_of(answer: &Value, field: &str) -> Result<String, CallError> {
    match &answer[field] {
        Value::String(id) => Ok(id.clone()),
        Value::Number(id) => Ok(id.to_string()),
        _ => Err(CallError {
            method: reqwest::Method::POST,
            url: "the simulator's control API".into(),
            status: None,
            detail: format!("the answer has no {field}: {answer}"),
        }),
    }
}
