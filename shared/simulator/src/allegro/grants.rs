//! Authorization codes and device authorizations waiting to be exchanged: what the OAuth
//! endpoints (`allegro::oauth`) issue and redeem, kept with the accounts (`Accounts::oauth`).

use chrono::{DateTime, Utc};
use std::collections::HashMap;

/// An authorization code waiting to be exchanged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthCode {
    /// The seller who approved it.
    pub seller_id: String,
    /// The application it was issued to.
    pub client_id: String,
    /// The redirect URI of the authorization request (the token request must repeat it).
    pub redirect_uri: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// PKCE S256 challenge, if the authorization request sent one.
    pub code_challenge: Option<String>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

/// A device authorization waiting for the user and the device's polls.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceAuthorization {
    /// The code the user confirms on the verification page.
    pub user_code: String,
    /// The application that asked.
    pub client_id: String,
    /// Scopes the token will get.
    pub scopes: Vec<String>,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
    /// The seller who approved it, once approved.
    pub approved_by: Option<String>,
}

/// Authorization and device codes waiting to be exchanged.
#[derive(Debug, Default)]
pub struct OAuthState {
    /// Authorization codes by code.
    pub codes: HashMap<String, AuthCode>,
    /// Device authorizations by device code.
    pub devices: HashMap<String, DeviceAuthorization>,
    /// When set, a pending device authorization is approved by the signed-in seller at its
    /// first poll (that poll still answers `authorization_pending`).
    pub auto_approve_device: bool,
}
