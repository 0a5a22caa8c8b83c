//! Module dependencies form no cycle, in any crate of the workspace (docs/architecture.md,
//! "Names"): a cycle means neither module can be read, tested or moved without the other, and
//! it is where a shared piece sits in the wrong place. The graph is of file modules; see
//! `marketdesk_testkit::module_graph` for what makes an edge.

use marketdesk_testkit::module_graph::ModuleGraph;
use marketdesk_testkit::sources::{package_dirs, workspace_root};

/// Cycles not broken yet, as `<package folder>: <module>, <module>, …` (empty when none remain;
/// an entry that no longer matches a cycle fails too, so the list stays exact).
const NOT_BROKEN_YET: &[&str] = &[];

#[test]
fn no_crate_has_a_module_cycle() {
    let root = workspace_root();
    let packages = package_dirs(&root);
    assert!(
        packages.len() > 10,
        "the workspace's packages: {packages:?}"
    );
    let mut found = Vec::new();
    let mut details = Vec::new();
    for package in &packages {
        let src = package.join("src");
        if !src.is_dir() {
            continue;
        }
        let graph = ModuleGraph::of_crate(&src);
        let name = package
            .strip_prefix(&root)
            .unwrap_or(package)
            .to_string_lossy()
            .into_owned();
        for component in graph.cycles() {
            let entry = format!("{name}: {}", component.join(", "));
            if !NOT_BROKEN_YET.contains(&entry.as_str()) {
                details.push(format!(
                    "{entry}\n    {}",
                    graph.describe(&component).join("\n    ")
                ));
            }
            found.push(entry);
        }
    }
    let stale: Vec<&&str> = NOT_BROKEN_YET
        .iter()
        .filter(|entry| !found.iter().any(|f| f == **entry))
        .collect();
    assert!(
        details.is_empty() && stale.is_empty(),
        "module cycles (move the shared piece to where its name says it belongs, a small module \
         of its own or the lower-level module):\n{}\nlisted in NOT_BROKEN_YET but gone: {stale:?}",
        details.join("\n")
    );
}
