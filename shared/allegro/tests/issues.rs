//! `/sale/issues` against the simulator: list with filters and paging, read, chat, posting
//! (`REGULAR`, `END_REQUEST`, 409 on a closed dispute), attachments both ways, 404s.

mod common;

use base64::Engine;
use common::Sim;
use marketdesk_allegro::issues::{
    IssueAuthorRole, IssueFilter, IssueMessageType, IssueStatus, IssueType, NewIssueMessage,
};
use marketdesk_allegro::{AccessToken, AllegroError};
use serde_json::json;

/// A tiny valid PNG (1×1).
const PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

/// A seller with a token, a buyer and an order: `(seller id, token, buyer id, order id)`.
async fn setup(sim: &Sim, login: &str) -> (String, AccessToken, String, String) {
    let (seller_id, token) = sim.seller_token(login).await;
    let (buyer_id, _) = sim.buyer(&format!("{login}_kupujacy")).await;
    let offer_id = sim.offer(&seller_id, "Kubek ceramiczny biały", None).await;
    let order_id = sim.order(&seller_id, &buyer_id, &offer_id).await;
    (seller_id, token, buyer_id, order_id)
}

/// Opens an issue as the buyer; its id.
async fn open_issue(
    sim: &Sim,
    seller_id: &str,
    buyer_id: &str,
    order_id: Option<&str>,
    issue_type: &str,
    text: &str,
) -> String {
    let mut body = json!({
        "seller_id": seller_id,
        "buyer_id": buyer_id,
        "type": issue_type,
        "reason": "ITEM_IS_DAMAGED",
        "text": text,
    });
    if let Some(order_id) = order_id {
        body["order_id"] = json!(order_id);
    }
    sim.create("/allegro/inbox/issues", body, "id").await
}

#[tokio::test]
async fn issues_are_listed_filtered_paged_and_read() {
    let sim = Sim::start().await;
    let (seller_id, token, buyer_id, order_id) = setup(&sim, "sklep_lista").await;
    let dispute = open_issue(
        &sim,
        &seller_id,
        &buyer_id,
        Some(&order_id),
        "DISPUTE",
        "Zbity",
    )
    .await;
    sim.advance(5).await;
    let claim = open_issue(&sim, &seller_id, &buyer_id, None, "CLAIM", "Reklamacja").await;

    let all = sim
        .client
        .list_issues(&token, &IssueFilter::default(), 10, 0)
        .await
        .expect("list");
    let ids: Vec<&str> = all.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(
        ids,
        [claim.as_str(), dispute.as_str()],
        "newest opened first"
    );

    let ongoing = IssueFilter {
        statuses: vec![IssueStatus::DisputeOngoing, IssueStatus::DisputeUnresolved],
        ..IssueFilter::default()
    };
    let found = sim
        .client
        .list_issues(&token, &ongoing, 10, 0)
        .await
        .expect("status filter");
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].id, dispute);

    let by_order = IssueFilter {
        checkout_form_id: Some(order_id.clone()),
        ..IssueFilter::default()
    };
    let found = sim
        .client
        .list_issues(&token, &by_order, 10, 0)
        .await
        .expect("order filter");
    assert_eq!(found.len(), 1);
    assert_eq!(
        found[0]
            .checkout_form
            .as_ref()
            .and_then(|f| f.id.as_deref()),
        Some(order_id.as_str())
    );

    let first = sim
        .client
        .list_issues(&token, &IssueFilter::default(), 1, 0)
        .await
        .expect("page 1");
    let second = sim
        .client
        .list_issues(&token, &IssueFilter::default(), 1, 1)
        .await
        .expect("page 2");
    assert_eq!(
        (first[0].id.as_str(), second[0].id.as_str()),
        (claim.as_str(), dispute.as_str())
    );
    let everything = sim
        .client
        .all_issues(&token, &IssueFilter::default(), None)
        .await
        .expect("all");
    assert_eq!(everything.len(), 2);
    let recent = sim
        .client
        .all_issues(
            &token,
            &IssueFilter::default(),
            claim_opened(&sim, &token, &claim).await,
        )
        .await
        .expect("recent");
    assert_eq!(recent.len(), 1, "only the claim was opened since then");

    let issue = sim.client.issue(&token, &dispute).await.expect("get");
    assert_eq!(issue.issue_type, Some(IssueType::Dispute));
    assert_eq!(issue.status(), Some(&IssueStatus::DisputeOngoing));
    assert_eq!(issue.chat_active(), Some(true));
    assert_eq!(issue.subject.as_deref(), Some("ITEM_IS_DAMAGED"));
    assert_eq!(
        issue.buyer.as_ref().and_then(|b| b.login.as_deref()),
        Some("sklep_lista_kupujacy")
    );
    let claim = sim.client.issue(&token, &claim).await.expect("get claim");
    assert_eq!(claim.issue_type, Some(IssueType::Claim));
    assert!(claim.reference_number.is_some());
    assert_eq!(
        claim.reason.as_ref().and_then(|r| r.reason_type.as_deref()),
        Some("ITEM_IS_DAMAGED")
    );

    let missing = sim
        .client
        .issue(&token, "00000000-0000-0000-0000-000000000000")
        .await
        .expect_err("unknown");
    assert!(
        matches!(missing, AllegroError::NotFound { .. }),
        "{missing:?}"
    );
}

async fn claim_opened(
    sim: &Sim,
    token: &AccessToken,
    id: &str,
) -> Option<chrono::DateTime<chrono::Utc>> {
    let issue = sim.client.issue(token, id).await.expect("get");
    issue.opened_date.and_then(|t| t.as_datetime())
}

#[tokio::test]
async fn chat_reads_oldest_first_and_posting_follows_the_rules() {
    let sim = Sim::start().await;
    let (seller_id, token, buyer_id, order_id) = setup(&sim, "sklep_czat").await;
    let dispute = open_issue(
        &sim,
        &seller_id,
        &buyer_id,
        Some(&order_id),
        "DISPUTE",
        "Paczka nie doszła",
    )
    .await;
    sim.advance(2).await;
    let (status, body) = sim
        .control
        .post_status(
            &format!("/allegro/inbox/issues/{dispute}/messages"),
            &json!({ "author": "BUYER", "text": "Halo?" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    sim.advance(2).await;

    let reply = sim
        .client
        .post_issue_message(&token, &dispute, &NewIssueMessage::text("Już sprawdzamy."))
        .await
        .expect("post");
    assert_eq!(reply.role(), Some(&IssueAuthorRole::Seller));
    assert_eq!(reply.text.as_deref(), Some("Już sprawdzamy."));
    sim.advance(2).await;

    let end = NewIssueMessage {
        message_type: IssueMessageType::EndRequest,
        ..NewIssueMessage::text("Czy problem został rozwiązany?")
    };
    sim.client
        .post_issue_message(&token, &dispute, &end)
        .await
        .expect("END_REQUEST on a dispute");
    let posted = sim.posted(&dispute).await;
    assert_eq!(posted.len(), 2, "{posted:?}");
    assert_eq!(posted[1]["type"], "END_REQUEST", "{posted:?}");

    let chat = sim
        .client
        .issue_chat(&token, &dispute, 100, 0)
        .await
        .expect("chat");
    let texts: Vec<&str> = chat.iter().filter_map(|m| m.text.as_deref()).collect();
    assert_eq!(
        texts,
        [
            "Paczka nie doszła",
            "Halo?",
            "Już sprawdzamy.",
            "Czy problem został rozwiązany?"
        ]
    );
    let page = sim
        .client
        .issue_chat(&token, &dispute, 2, 2)
        .await
        .expect("chat page");
    assert_eq!(page.len(), 2);
    let full = sim
        .client
        .full_issue_chat(&token, &dispute)
        .await
        .expect("full chat");
    assert_eq!(full.len(), 4);
    assert_eq!(full[0].role(), Some(&IssueAuthorRole::Buyer));

    // END_REQUEST is for disputes only.
    let claim = open_issue(&sim, &seller_id, &buyer_id, None, "CLAIM", "Wada").await;
    sim.advance(2).await;
    let refused = sim
        .client
        .post_issue_message(&token, &claim, &end)
        .await
        .expect_err("END_REQUEST on a claim");
    assert!(
        matches!(refused, AllegroError::Validation { status: 422, .. }),
        "{refused:?}"
    );

    // A closed dispute refuses messages with 409.
    let (status, body) = sim
        .control
        .post_status(
            &format!("/allegro/inbox/issues/{dispute}/close"),
            &json!({ "status": "DISPUTE_CLOSED" }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let issue = sim.client.issue(&token, &dispute).await.expect("get");
    assert_eq!(issue.chat_active(), Some(false));
    assert_eq!(issue.status(), Some(&IssueStatus::DisputeClosed));
    sim.advance(2).await;
    let closed = sim
        .client
        .post_issue_message(&token, &dispute, &NewIssueMessage::text("Jeszcze jedno"))
        .await
        .expect_err("closed");
    assert!(
        matches!(&closed, AllegroError::Conflict { code, .. } if code == "DISPUTE_ALREADY_RESOLVED"),
        "{closed:?}"
    );
    assert!(closed.trace_id().is_some());

    let missing = sim
        .client
        .post_issue_message(
            &token,
            "00000000-0000-0000-0000-000000000000",
            &NewIssueMessage::text("x"),
        )
        .await
        .expect_err("unknown");
    assert!(
        matches!(missing, AllegroError::NotFound { .. }),
        "{missing:?}"
    );
}

#[tokio::test]
async fn attachments_go_up_and_come_down() {
    let sim = Sim::start().await;
    let (seller_id, token, buyer_id, order_id) = setup(&sim, "sklep_zalaczniki").await;
    let photo = base64::engine::general_purpose::STANDARD.encode(PNG);
    let dispute = sim
        .create(
            "/allegro/inbox/issues",
            json!({
                "seller_id": seller_id, "buyer_id": buyer_id, "order_id": order_id,
                "type": "DISPUTE", "reason": "ITEM_IS_DAMAGED", "text": "Zdjęcie w załączniku",
                "attachments": [{ "file_name": "zdjęcie.png", "content_type": "image/png", "data_base64": photo }],
            }),
            "id",
        )
        .await;

    // The buyer's file.
    let issue = sim.client.issue(&token, &dispute).await.expect("get");
    let url = issue.attachments[0].url.clone().expect("an attachment URL");
    let download = sim
        .client
        .download_attachment(&token, &url)
        .await
        .expect("download");
    assert_eq!(download.bytes, PNG);
    assert_eq!(download.content_type.as_deref(), Some("image/png"));
    assert_eq!(download.file_name.as_deref(), Some("zdjęcie.png"));

    // The seller's file: declare, PUT to Location, reference.
    let pdf = b"%PDF-1.4\n% tiny\n".to_vec();
    let id = sim
        .client
        .upload_issue_attachment(&token, "faktura.pdf", "application/pdf", pdf.clone())
        .await
        .expect("upload");
    let message = NewIssueMessage {
        attachments: vec![id],
        ..NewIssueMessage::text("Faktura w załączniku")
    };
    let posted = sim
        .client
        .post_issue_message(&token, &dispute, &message)
        .await
        .expect("post with attachment");
    let url = posted.attachments[0].url.clone().expect("URL");
    let back = sim
        .client
        .download_attachment(&token, &url)
        .await
        .expect("download");
    assert_eq!(back.bytes, pdf);
    assert_eq!(back.file_name.as_deref(), Some("faktura.pdf"));

    // Refusals: too big a declaration, an unsupported type, a foreign host.
    let too_big = sim
        .client
        .declare_issue_attachment(&token, "big.png", 2 * 1024 * 1024 + 1)
        .await
        .expect_err("over 2 MiB");
    assert!(too_big.has_code("ATTACHMENT_ERROR"), "{too_big:?}");
    let wrong_type = sim
        .client
        .upload_issue_attachment(&token, "notes.txt", "text/plain", b"hello".to_vec())
        .await
        .expect_err("text/plain");
    assert!(
        matches!(wrong_type, AllegroError::Validation { status: 415, .. }),
        "{wrong_type:?}"
    );
    let foreign = sim
        .client
        .download_attachment(&token, "https://attacker.example/steal")
        .await
        .expect_err("not an Allegro host");
    assert!(
        matches!(foreign, AllegroError::InvalidUrl { .. }),
        "{foreign:?}"
    );
    let gone = sim
        .client
        .download_attachment(&token, "/sale/issues/attachments/no-such-id")
        .await
        .expect_err("unknown attachment");
    assert!(matches!(gone, AllegroError::NotFound { .. }), "{gone:?}");
}
