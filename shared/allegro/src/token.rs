//! Secret values the client handles: access and refresh tokens, PKCE verifiers and device
//! codes, each wrapped so that `Debug` shows `[REDACTED]`, and the token set the token endpoint
//! returns.

use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::time::Duration;

macro_rules! secret_newtype {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone)]
        pub struct $name(SecretString);

        impl $name {
            /// Wraps a value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(SecretString::from(value.into()))
            }

            /// The value, for sending it or storing it in a secret store.
            pub fn expose(&self) -> &str {
                self.0.expose_secret()
            }
        }

        impl From<SecretString> for $name {
            fn from(value: SecretString) -> Self {
                Self(value)
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::new(value)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "([REDACTED])"))
            }
        }
    };
}

secret_newtype!(
    /// A bearer access token (lives 12 h on Allegro).
    AccessToken
);
secret_newtype!(
    /// A refresh token (lives 3 months; every refresh rotates it, the old one dies 60 s later).
    RefreshToken
);
secret_newtype!(
    /// A PKCE code verifier (RFC 7636), kept by the caller between authorize and exchange.
    PkceVerifier
);
secret_newtype!(
    /// A device-flow device code, polled at the token endpoint.
    DeviceCode
);

impl PkceVerifier {
    /// A fresh random verifier from the `oauth2` crate: 32 random bytes, base64url without
    /// padding (43 characters).
    pub fn random() -> Self {
        let (_, verifier) = oauth2::PkceCodeChallenge::new_random_sha256();
        Self::new(verifier.into_secret())
    }

    /// The S256 challenge: `BASE64URL(SHA256(verifier))`.
    pub fn challenge(&self) -> String {
        let verifier = oauth2::PkceCodeVerifier::new(self.expose().to_owned());
        oauth2::PkceCodeChallenge::from_code_verifier_sha256(&verifier)
            .as_str()
            .to_owned()
    }
}

/// What the token endpoint returned for a grant.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The new access token.
    pub access_token: AccessToken,
    /// The new refresh token (rotated on every refresh); absent for grants without one.
    pub refresh_token: Option<RefreshToken>,
    /// Lifetime of the access token as announced (`expires_in`).
    pub expires_in: Option<Duration>,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// `token_type` (Allegro: `bearer`).
    pub token_type: Option<String>,
    /// The token's id (`jti`), when sent.
    pub jti: Option<String>,
}

impl TokenSet {
    /// When the access token expires, counting from `issued_at` (the caller's clock at receipt).
    pub fn expires_at(
        &self,
        issued_at: chrono::DateTime<chrono::Utc>,
    ) -> Option<chrono::DateTime<chrono::Utc>> {
        let lifetime = chrono::Duration::from_std(self.expires_in?).ok()?;
        issued_at.checked_add_signed(lifetime)
    }

    /// Whether the token carries a scope.
    pub fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|s| s == scope)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let access = AccessToken::new("access-abc");
        let set = TokenSet {
            access_token: access.clone(),
            refresh_token: Some(RefreshToken::new("refresh-xyz")),
            expires_in: Some(Duration::from_secs(43199)),
            scopes: vec!["allegro:api:messaging".into()],
            token_type: Some("bearer".into()),
            jti: None,
        };
        let shown = format!("{set:?} {:?}", DeviceCode::new("device-123"));
        for secret in ["access-abc", "refresh-xyz", "device-123"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(shown.contains("AccessToken([REDACTED])"));
        assert_eq!(access.expose(), "access-abc");
        assert!(set.has_scope("allegro:api:messaging"));
        let now = chrono::Utc::now();
        assert_eq!(
            set.expires_at(now),
            Some(now + chrono::Duration::seconds(43199))
        );
    }

    #[test]
    fn pkce_challenge_matches_rfc_7636() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            verifier.challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let random = PkceVerifier::random();
        assert_eq!(random.expose().len(), 43);
        assert_ne!(random.expose(), PkceVerifier::random().expose());
    }
}
