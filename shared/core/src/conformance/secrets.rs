//! Conformance checks for [`Secrets`] adapters.

use crate::ports::{SecretName, Secrets};
use secrecy::{ExposeSecret, SecretString};
use std::ops::Deref;

fn name(label: &str) -> SecretName {
    SecretName::new(format!("conformance/{}/{label}", super::unique("s")))
        .expect("generated names are valid")
}

/// Put creates, a second put rotates the value, delete removes, deleting twice is fine.
///
/// (Re-creating a just-deleted name is not part of the contract: Secrets Manager deletes
/// asynchronously even without a recovery window.)
pub async fn put_get_rotate_delete<S: Secrets + ?Sized>(secrets: impl Deref<Target = S>) {
    let n = name("tokens");
    secrets
        .put(&n, &SecretString::from("first-value"))
        .await
        .expect("put");
    let got = secrets.get(&n).await.expect("get").expect("present");
    assert_eq!(got.expose_secret(), "first-value");

    secrets
        .put(&n, &SecretString::from("rotated-value"))
        .await
        .expect("rotate");
    let got = secrets.get(&n).await.expect("get").expect("present");
    assert_eq!(
        got.expose_secret(),
        "rotated-value",
        "rotation replaces the value"
    );

    secrets.delete(&n).await.expect("delete");
    assert!(secrets.get(&n).await.expect("get").is_none());
    secrets
        .delete(&n)
        .await
        .expect("deleting a missing secret is fine");
}

/// An unknown name is `None`, not an error; names do not leak into each other.
pub async fn missing_secret_is_none<S: Secrets + ?Sized>(secrets: impl Deref<Target = S>) {
    let a = name("a");
    let b = name("b");
    assert!(secrets.get(&a).await.expect("get").is_none());
    secrets
        .put(&a, &SecretString::from("only-a"))
        .await
        .expect("put");
    assert!(secrets.get(&b).await.expect("get").is_none());
}
