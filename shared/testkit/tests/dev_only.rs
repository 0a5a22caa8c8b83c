//! The test kit is a dev-dependency only: no product crate of the workspace may depend on it
//! (docs/architecture.md), since it would bring test helpers, SQLite and the AWS SDK along.

use marketdesk_testkit::sources::{package_dirs, workspace_root};

/// The sections of `manifest` (a Cargo.toml) that name `marketdesk-testkit` outside
/// `[dev-dependencies]`.
fn misplaced(manifest: &str) -> Vec<String> {
    let mut section = String::new();
    let mut found = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line.to_owned();
        } else if line.starts_with("marketdesk-testkit")
            && !section.ends_with("dev-dependencies]")
            && section != "[workspace.dependencies]"
        {
            found.push(section.clone());
        }
    }
    found
}

#[test]
fn no_package_depends_on_the_test_kit_outside_its_dev_dependencies() {
    let found: Vec<_> = package_dirs(&workspace_root())
        .into_iter()
        .map(|package| package.join("Cargo.toml"))
        .collect();
    assert!(found.len() > 10, "the workspace's manifests: {found:?}");
    for manifest in found {
        let text = std::fs::read_to_string(&manifest).expect("a manifest");
        assert_eq!(
            misplaced(&text),
            Vec::<String>::new(),
            "{}",
            manifest.display()
        );
    }
}

#[test]
fn the_check_finds_the_kit_under_dependencies_and_allows_dev_dependencies() {
    let product =
        "[package]\nname = \"x\"\n\n[dependencies]\nmarketdesk-testkit.workspace = true\n";
    assert_eq!(misplaced(product), ["[dependencies]"]);
    let targeted = "[target.'cfg(unix)'.dependencies]\nmarketdesk-testkit = { workspace = true }\n";
    assert_eq!(misplaced(targeted), ["[target.'cfg(unix)'.dependencies]"]);
    let test_only = "[dependencies]\nserde.workspace = true\n\n[dev-dependencies]\nmarketdesk-testkit = { workspace = true, features = [\"aws\"] }\n";
    assert!(misplaced(test_only).is_empty());
}
