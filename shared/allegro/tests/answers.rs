//! Answer sizes: a JSON answer over the cap is refused without being read whole, and a file
//! download hands its bytes on as they arrive. A small local server plays Allegro here, since
//! the simulator never sends 100 MB or holds a file half-sent.

mod common;

use axum::body::{Body, Bytes};
use axum::routing::get;
use axum::Router;
use common::config_for;
use futures_util::StreamExt;
use marketdesk_allegro::{AccessToken, AllegroClient, AllegroError};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Size of the oversized answer: as large as the one that took the process to 294 MB.
const HUGE: u64 = 105 * 1024 * 1024;
const CHUNK: usize = 64 * 1024;

/// What the local server saw.
#[derive(Default)]
struct Served {
    /// Bytes of the huge answer handed to the connection.
    huge_bytes: AtomicU64,
    /// Lets the second half of the slow file go.
    release: Notify,
}

async fn server(served: Arc<Served>) -> String {
    let huge = {
        let served = served.clone();
        move || async move {
            // No Content-Length: the client learns the size only by reading.
            let stream = futures_util::stream::iter(0..HUGE / CHUNK as u64).map(move |_| {
                served.huge_bytes.fetch_add(CHUNK as u64, Ordering::Relaxed);
                Ok::<_, Infallible>(Bytes::from(vec![b' '; CHUNK]))
            });
            Body::from_stream(stream)
        }
    };
    let slow_file = {
        let served = served.clone();
        move || async move {
            let first = futures_util::stream::once(async {
                Ok::<_, Infallible>(Bytes::from_static(b"%PDF-1.7 first half "))
            });
            let rest = futures_util::stream::once(async move {
                served.release.notified().await;
                Ok::<_, Infallible>(Bytes::from_static(b"second half"))
            });
            (
                [("content-type", "application/pdf")],
                Body::from_stream(first.chain(rest)),
            )
        }
    };
    let app = Router::new()
        .route("/huge", get(huge))
        .route("/slow.pdf", get(slow_file));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, app).await });
    format!("http://{address}")
}

#[tokio::test]
async fn an_answer_over_the_cap_is_refused_after_reading_at_most_the_cap() {
    let served = Arc::new(Served::default());
    let base = server(served.clone()).await;
    let token = AccessToken::new("access-abc");
    let cap = 1024 * 1024;
    let client = AllegroClient::new(config_for(&base).with_max_answer_bytes(cap)).expect("client");
    let error = client
        .download_attachment(&token, &format!("{base}/huge"))
        .await
        .expect_err("over the cap");
    assert!(
        matches!(error, AllegroError::AnswerTooLarge { limit, .. } if limit == cap),
        "{error:?}"
    );
    assert!(error.to_string().contains("1048576"), "{error}");
    // The server stops producing once the client hangs up: far less than 105 MB was sent.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let sent = served.huge_bytes.load(Ordering::Relaxed);
    assert!(sent < HUGE / 4, "{sent} bytes served");

    // The default cap (32 MiB) refuses it as well.
    let client = AllegroClient::new(config_for(&base)).expect("client");
    let error = client
        .download_attachment(&token, &format!("{base}/huge"))
        .await
        .expect_err("over the default cap");
    assert!(
        matches!(error, AllegroError::AnswerTooLarge { .. }),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_download_hands_on_its_first_bytes_before_the_file_is_complete() {
    let served = Arc::new(Served::default());
    let base = server(served.clone()).await;
    let client = AllegroClient::new(config_for(&base)).expect("client");
    let token = AccessToken::new("access-abc");
    let mut download = tokio::time::timeout(
        Duration::from_secs(5),
        client.open_attachment(&token, &format!("{base}/slow.pdf")),
    )
    .await
    .expect("headers arrive while the body is still being sent")
    .expect("download");
    assert_eq!(download.content_type.as_deref(), Some("application/pdf"));
    let first = tokio::time::timeout(Duration::from_secs(5), download.body.next())
        .await
        .expect("the first bytes arrive before the rest is sent")
        .expect("a chunk")
        .expect("bytes");
    assert_eq!(&first[..], b"%PDF-1.7 first half ");
    served.release.notify_one();
    let mut rest = Vec::new();
    while let Some(chunk) = download.body.next().await {
        rest.extend_from_slice(&chunk.expect("bytes"));
    }
    assert_eq!(rest, b"second half");
}
