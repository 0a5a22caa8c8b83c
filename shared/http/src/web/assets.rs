//! The workspace's stylesheet and script, embedded in the binary and served under names that
//! carry a hash of their content (`/assets/app.<hash>.css`), so browsers may keep them for a
//! year: a changed file gets a new name, and the pages name the current one.

use axum::extract::Path;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use marketdesk_core::services::people::secrets::sha256_hex;
use std::sync::LazyLock;

/// One embedded file.
pub(crate) struct Asset {
    /// The name it is served under, with its content hash.
    pub name: String,
    /// Its media type.
    content_type: &'static str,
    /// Its bytes.
    body: &'static str,
}

impl Asset {
    fn new(stem: &str, extension: &str, content_type: &'static str, body: &'static str) -> Self {
        let hash = sha256_hex(body);
        Self {
            name: format!("{stem}.{}.{extension}", &hash[..16]),
            content_type,
            body,
        }
    }

    /// The path pages link to.
    pub(crate) fn path(&self) -> String {
        format!("/assets/{}", self.name)
    }
}

/// The stylesheet.
pub(crate) static CSS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "app",
        "css",
        "text/css; charset=utf-8",
        include_str!("../../assets/app.css"),
    )
});

/// The script (progressive enhancement only: every page works without it).
pub(crate) static JS: LazyLock<Asset> = LazyLock::new(|| {
    Asset::new(
        "app",
        "js",
        "text/javascript; charset=utf-8",
        include_str!("../../assets/app.js"),
    )
});

/// `GET /assets/{name}`: the file under its current name, cached for a year; any other
/// name (an old hash included) is 404.
pub(crate) async fn serve(Path(name): Path<String>) -> Response {
    let Some(asset) = [&*CSS, &*JS].into_iter().find(|a| a.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(asset.content_type),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=31536000, immutable"),
            ),
        ],
        asset.body,
    )
        .into_response()
}
