//! `channels` is a pure adapter: it gets narrow ports from the core (`ports`, `domain`,
//! `adapter_ports`) and never reaches into the core's application logic. This scans every
//! source file of the crate for a path into `marketdesk_core::services` or
//! `marketdesk_core::repo`, in any spelling `use` allows (`marketdesk_core::{services, …}`,
//! a nested group, an alias of the crate).

use marketdesk_testkit::sources::{code_only, rust_files};
use std::path::Path;

/// The core modules an adapter must not name.
const FORBIDDEN: [&str; 2] = ["services", "repo"];

/// Every forbidden core path in `code`: after `marketdesk_core::`, the module named directly
/// or inside a `{ … }` group (however nested, over several lines).
fn forbidden_paths(code: &str) -> Vec<String> {
    let mut found = Vec::new();
    let compact: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let mut rest = compact.as_str();
    while let Some(at) = rest.find("marketdesk_core::") {
        rest = &rest[at + "marketdesk_core::".len()..];
        let named: &str = if let Some(group) = rest.strip_prefix('{') {
            // The whole group up to its matching brace.
            let mut depth = 1;
            let end = group
                .char_indices()
                .find_map(|(i, c)| {
                    match c {
                        '{' => depth += 1,
                        '}' => depth -= 1,
                        _ => {}
                    }
                    (depth == 0).then_some(i)
                })
                .unwrap_or(group.len());
            &group[..end]
        } else {
            rest
        };
        for module in FORBIDDEN {
            let direct = named.starts_with(&format!("{module}::"))
                || named.starts_with(&format!("{module};"))
                || named.starts_with(&format!("{module},"))
                || named.starts_with(&format!("{module}}}"));
            let in_group = rest.starts_with('{')
                && named
                    .split([',', '{'])
                    .any(|part| part == module || part.starts_with(&format!("{module}::")));
            if direct || in_group {
                found.push(module.to_owned());
            }
        }
    }
    found
}

#[test]
fn channels_never_names_cores_services_or_repositories() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = rust_files(&src);
    assert!(files.len() > 20, "the scan found the sources: {files:?}");
    let mut offences = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        let code = code_only(&text);
        assert!(
            !code.contains("extern crate marketdesk_core as")
                && !code.contains("use marketdesk_core as"),
            "{}: an alias of the core crate would hide its paths from this check",
            file.display()
        );
        for module in forbidden_paths(&code) {
            offences.push(format!(
                "{} names marketdesk_core::{module}",
                file.display()
            ));
        }
    }
    assert!(
        offences.is_empty(),
        "channels is an adapter: take a narrow port from marketdesk_core::ports (built by \
         marketdesk_core::adapter_ports) instead:\n{}",
        offences.join("\n")
    );
}

#[test]
fn the_scan_sees_every_spelling_of_a_forbidden_path() {
    for code in [
        "use marketdesk_core::services::tokens;",
        "use marketdesk_core::repo::{integrations, is_conflict};",
        "use marketdesk_core::{domain::Integration, services::budget::Budget};",
        "use marketdesk_core::{\n    ports::Ports,\n    repo,\n};",
        "let x = marketdesk_core::services::audit::connection_changed(p).await;",
        "use marketdesk_core::{ports::{Clock, Ports}, repo::keys};",
    ] {
        assert!(!forbidden_paths(code).is_empty(), "missed: {code}");
    }
    for code in [
        "use marketdesk_core::ports::{AccessTokens, Clock};",
        "use marketdesk_core::domain::budget::{BudgetPolicy, Priority};",
        "use marketdesk_core::adapter_ports;",
        "use marketdesk_core::{domain::Integration, ports::Ports};",
        "use marketdesk_core::ports::repository_like::Thing;",
    ] {
        assert!(forbidden_paths(code).is_empty(), "false alarm: {code}");
    }
}
