//! The graph of one crate's module dependencies, read from its sources, and the cycles in it.
//!
//! Granularity: the file module. A node is a file under `src/` (`a/b.rs` and `a/b/mod.rs` are
//! `a::b`, `lib.rs`/`main.rs` is `crate`); modules written inline in a file (`mod tests { … }`)
//! belong to their file. An edge `a → b` means code in `a` names something of `b`: a `use`
//! (groups, `self`, renames and globs included), or a path anywhere in the code that starts at
//! `crate::`, `self::`, `super::`, a child module or a name a `use` brought in. A path is followed
//! through the `use` declarations of the modules it passes, so a re-export or an import of a
//! parent module (`use crate::services; services::webhooks::send(…)`) shows the module that
//! really holds the item; a module whose `use` the path went through counts too (naming an item
//! through a sibling's re-export depends on that sibling). A module and its own ancestors or descendants never make an edge: a
//! parent declaring its children and a child using `super::` items are one unit, not a cycle.
//! Code under `#[cfg(test)]` inline modules counts like any other (a test is code of its file).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use crate::sources::{code_only, rust_files};

/// A module path, its segments below the crate root (empty for the root).
type ModulePath = Vec<String>;

/// The module dependencies of one crate.
#[derive(Debug, Default)]
pub struct ModuleGraph {
    /// Every file module, with the modules it depends on and, for each, the first path that
    /// made the edge (the evidence a failure message shows).
    edges: BTreeMap<String, BTreeMap<String, String>>,
}

/// What one module (a file or an inline module in it) declares, for resolving paths.
#[derive(Debug, Default)]
struct Scope {
    /// The file module holding it.
    file: ModulePath,
    /// Names brought in by `use`, with the path as written (relative to this scope).
    imports: HashMap<String, Vec<String>>,
    /// Paths of glob imports as written.
    globs: Vec<Vec<String>>,
    /// Names of the items defined at its top level (what a glob import of it brings).
    defines: std::collections::HashSet<String>,
}

/// A path found in a file: the scope it was written in and its segments.
struct Mention {
    scope: ModulePath,
    segments: Vec<String>,
}

impl ModuleGraph {
    /// The graph of the crate whose sources are under `src` (its `lib.rs` or `main.rs` is the
    /// root).
    pub fn of_crate(src: &Path) -> Self {
        let files: Vec<(String, String)> = rust_files(src)
            .into_iter()
            .map(|path| {
                let relative = path
                    .strip_prefix(src)
                    .expect("a file under src")
                    .to_string_lossy()
                    .replace('\\', "/");
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                (relative, text)
            })
            .collect();
        Self::from_files(&files)
    }

    /// The graph of a crate given as (path under `src/`, text) pairs.
    pub fn from_files(files: &[(String, String)]) -> Self {
        let mut scopes: HashMap<ModulePath, Scope> = HashMap::new();
        let mut mentions: Vec<Mention> = Vec::new();
        for (relative, text) in files {
            let file = file_module(relative);
            scopes.entry(file.clone()).or_default().file = file.clone();
            read_file(&file, &code_only(text), &mut scopes, &mut mentions);
        }
        let resolver = Resolver { scopes: &scopes };
        let mut graph = ModuleGraph::default();
        for scope in scopes.values() {
            graph.edges.entry(display(&scope.file)).or_default();
        }
        for mention in &mentions {
            let from = &scopes[&mention.scope].file;
            let Some(path) = resolver.absolute(&mention.scope, &mention.segments, 0) else {
                continue;
            };
            // The module holding the item, and every module whose `use` the path went through:
            // naming an item through a sibling's re-export depends on that sibling too.
            let mut passed = Vec::new();
            let target = resolver.file_module(&path, 0, &mut passed);
            passed.push(target);
            for target in passed {
                if from.starts_with(&target) || target.starts_with(from) {
                    continue;
                }
                graph
                    .edges
                    .entry(display(from))
                    .or_default()
                    .entry(display(&target))
                    .or_insert_with(|| mention.segments.join("::"));
            }
        }
        graph
    }

    /// The modules `module` depends on (file modules, `crate` for the root).
    pub fn dependencies(&self, module: &str) -> Vec<String> {
        self.edges
            .get(module)
            .map(|to| to.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Every strongly connected component of more than one module, each sorted, in order.
    pub fn cycles(&self) -> Vec<Vec<String>> {
        let mut tarjan = Tarjan {
            graph: self,
            index: HashMap::new(),
            low: HashMap::new(),
            stack: Vec::new(),
            on_stack: BTreeSet::new(),
            next: 0,
            found: Vec::new(),
        };
        for module in self.edges.keys() {
            if !tarjan.index.contains_key(module.as_str()) {
                tarjan.visit(module);
            }
        }
        let mut found: Vec<Vec<String>> = tarjan
            .found
            .into_iter()
            .filter(|component| component.len() > 1)
            .map(|mut component| {
                component.sort();
                component
            })
            .collect();
        found.sort();
        found
    }

    /// The edges inside `component`, one line each with the path that made it
    /// (`a → b (crate::b::Thing)`), for a failure message.
    pub fn describe(&self, component: &[String]) -> Vec<String> {
        let mut lines = Vec::new();
        for from in component {
            for (to, evidence) in self.edges.get(from).into_iter().flatten() {
                if component.contains(to) {
                    lines.push(format!("{from} → {to} ({evidence})"));
                }
            }
        }
        lines
    }
}

/// Tarjan's strongly connected components.
struct Tarjan<'g> {
    graph: &'g ModuleGraph,
    index: HashMap<&'g str, usize>,
    low: HashMap<&'g str, usize>,
    stack: Vec<&'g str>,
    on_stack: BTreeSet<&'g str>,
    next: usize,
    found: Vec<Vec<String>>,
}

impl<'g> Tarjan<'g> {
    fn visit(&mut self, module: &'g str) {
        self.index.insert(module, self.next);
        self.low.insert(module, self.next);
        self.next += 1;
        self.stack.push(module);
        self.on_stack.insert(module);
        let graph = self.graph;
        for to in graph.edges.get(module).into_iter().flat_map(|e| e.keys()) {
            let to = to.as_str();
            if !self.index.contains_key(to) {
                self.visit(to);
                let low = self.low[module].min(self.low[to]);
                self.low.insert(module, low);
            } else if self.on_stack.contains(to) {
                let low = self.low[module].min(self.index[to]);
                self.low.insert(module, low);
            }
        }
        if self.low[module] == self.index[module] {
            let mut component = Vec::new();
            while let Some(top) = self.stack.pop() {
                self.on_stack.remove(top);
                component.push(top.to_owned());
                if top == module {
                    break;
                }
            }
            self.found.push(component);
        }
    }
}

/// `a::b` for a module path, `crate` for the root.
fn display(path: &[String]) -> String {
    if path.is_empty() {
        "crate".to_owned()
    } else {
        path.join("::")
    }
}

/// The module of a file by its path under `src/`.
fn file_module(relative: &str) -> ModulePath {
    let without = relative.strip_suffix(".rs").unwrap_or(relative);
    let mut segments: Vec<String> = without.split('/').map(str::to_owned).collect();
    if let Some(last) = segments.last() {
        if last == "mod" || (segments.len() == 1 && (last == "lib" || last == "main")) {
            segments.pop();
        }
    }
    segments
}

/// A token of code: an identifier (keywords included), `::`, or one other character.
fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphabetic() || c == '_' || (c == '$' && chars.get(i + 1) == Some(&'c')) {
            let start = i;
            i += 1;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            // A raw identifier `r#type` is the identifier `type`.
            if word == "r" && chars.get(i) == Some(&'#') {
                continue;
            }
            found.push(word);
        } else if c.is_ascii_digit() {
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            found.push("::".to_owned());
            i += 2;
        } else if c.is_whitespace() {
            i += 1;
        } else {
            found.push(c.to_string());
            i += 1;
        }
    }
    found
}

fn is_identifier(token: &str) -> bool {
    token
        .chars()
        .next()
        .is_some_and(|c| c.is_alphabetic() || c == '_' || c == '$')
}

/// Reads one file's code: its inline modules, `use` declarations and paths.
fn read_file(
    file: &ModulePath,
    code: &str,
    scopes: &mut HashMap<ModulePath, Scope>,
    mentions: &mut Vec<Mention>,
) {
    let tokens = tokens(code);
    // The inline modules open here, with the brace depth at which each closes.
    let mut inline: Vec<(String, usize)> = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let current = |inline: &Vec<(String, usize)>| -> ModulePath {
        let mut path = file.clone();
        path.extend(inline.iter().map(|(name, _)| name.clone()));
        path
    };
    while i < tokens.len() {
        let token = tokens[i].as_str();
        match token {
            "{" => {
                depth += 1;
                i += 1;
            }
            "}" => {
                depth = depth.saturating_sub(1);
                if inline.last().is_some_and(|(_, at)| *at == depth) {
                    inline.pop();
                }
                i += 1;
            }
            "mod"
                if tokens.get(i + 1).is_some_and(|t| is_identifier(t))
                    && tokens.get(i + 2).is_some_and(|t| t == "{") =>
            {
                inline.push((tokens[i + 1].clone(), depth));
                depth += 1;
                let scope = current(&inline);
                scopes.entry(scope).or_default().file = file.clone();
                i += 3;
            }
            "use" if tokens.get(i + 1).is_some_and(|t| t != "<") => {
                let end = tokens[i..]
                    .iter()
                    .position(|t| t == ";")
                    .map_or(tokens.len(), |p| i + p);
                let scope = current(&inline);
                let mut leaves = Vec::new();
                use_tree(&tokens[i + 1..end], &[], &mut leaves);
                let entry = scopes.entry(scope.clone()).or_default();
                entry.file = file.clone();
                for leaf in leaves {
                    match leaf {
                        UseLeaf::Name { path, name } => {
                            entry.imports.insert(name, path.clone());
                            mentions.push(Mention {
                                scope: scope.clone(),
                                segments: path,
                            });
                        }
                        UseLeaf::Glob(path) => {
                            entry.globs.push(path.clone());
                            mentions.push(Mention {
                                scope: scope.clone(),
                                segments: path,
                            });
                        }
                    }
                }
                i = end + 1;
            }
            "fn" | "struct" | "enum" | "trait" | "type" | "const" | "static" | "union"
                if depth == inline.last().map_or(0, |(_, at)| at + 1)
                    && tokens.get(i + 1).is_some_and(|t| is_identifier(t)) =>
            {
                let scope = current(&inline);
                let entry = scopes.entry(scope).or_default();
                entry.file = file.clone();
                entry.defines.insert(tokens[i + 1].clone());
                i += 1;
            }
            _ if is_identifier(token)
                && tokens.get(i + 1).is_some_and(|t| t == "::")
                && (i == 0 || tokens[i - 1] != "::") =>
            {
                let mut segments = vec![token.to_owned()];
                let mut j = i + 1;
                while tokens.get(j).is_some_and(|t| t == "::")
                    && tokens.get(j + 1).is_some_and(|t| is_identifier(t))
                {
                    segments.push(tokens[j + 1].clone());
                    j += 2;
                }
                mentions.push(Mention {
                    scope: current(&inline),
                    segments,
                });
                i = j;
            }
            _ => i += 1,
        }
    }
}

/// One name a `use` declaration brings in.
enum UseLeaf {
    /// `path` imported as `name` (its last segment, or the `as` rename).
    Name { path: Vec<String>, name: String },
    /// `path::*`.
    Glob(Vec<String>),
}

/// The leaves of a use tree (the tokens after `use`, before `;`), under `prefix`.
fn use_tree(tokens: &[String], prefix: &[String], leaves: &mut Vec<UseLeaf>) {
    let mut path = prefix.to_vec();
    let mut i = 0;
    // A leading `::` (`use ::std::…`) names an external crate.
    if tokens.first().is_some_and(|t| t == "::") {
        return;
    }
    while i < tokens.len() {
        let token = tokens[i].as_str();
        if token == "*" {
            leaves.push(UseLeaf::Glob(path));
            return;
        }
        if token == "{" {
            // Split the group at its top-level commas.
            let mut depth = 0;
            let mut start = i + 1;
            for j in i + 1..tokens.len() {
                match tokens[j].as_str() {
                    "{" => depth += 1,
                    "}" if depth == 0 => {
                        use_tree(&tokens[start..j], &path, leaves);
                        return;
                    }
                    "}" => depth -= 1,
                    "," if depth == 0 => {
                        use_tree(&tokens[start..j], &path, leaves);
                        start = j + 1;
                    }
                    _ => {}
                }
            }
            return;
        }
        if !is_identifier(token) {
            return;
        }
        if token == "self" && !path.is_empty() {
            // `a::{self, …}` imports `a` itself.
            let name = path.last().cloned().unwrap_or_default();
            let name = rename(&tokens[i + 1..]).unwrap_or(name);
            leaves.push(UseLeaf::Name { path, name });
            return;
        }
        path.push(token.to_owned());
        if tokens.get(i + 1).is_some_and(|t| t == "::") {
            i += 2;
            continue;
        }
        let name = rename(&tokens[i + 1..]).unwrap_or_else(|| token.to_owned());
        leaves.push(UseLeaf::Name { path, name });
        return;
    }
}

/// The name after `as`, when the tokens start with one.
fn rename(tokens: &[String]) -> Option<String> {
    (tokens.first().is_some_and(|t| t == "as"))
        .then(|| tokens.get(1).cloned())
        .flatten()
}

/// Resolves written paths to absolute module paths and file modules.
struct Resolver<'s> {
    scopes: &'s HashMap<ModulePath, Scope>,
}

/// How many `use` declarations a path may pass through before the resolver gives up (a cycle
/// of imports, which the compiler would refuse anyway).
const MAX_HOPS: usize = 32;

impl Resolver<'_> {
    /// The absolute path of `segments` written in `scope`, or `None` when it names something
    /// outside the crate (another crate, a local item, `Self`).
    fn absolute(
        &self,
        scope: &ModulePath,
        segments: &[String],
        hops: usize,
    ) -> Option<Vec<String>> {
        if hops > MAX_HOPS {
            return None;
        }
        let (first, rest) = segments.split_first()?;
        let mut base: Vec<String> = match first.as_str() {
            "crate" | "$crate" => Vec::new(),
            "self" => scope.clone(),
            "super" => {
                let mut base = scope.clone();
                base.pop();
                let mut rest = rest;
                while rest.first().is_some_and(|s| s == "super") {
                    base.pop();
                    rest = &rest[1..];
                }
                base.extend(rest.iter().cloned());
                return Some(base);
            }
            name => return self.named(scope, name, rest, hops),
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    /// The absolute path of `name::rest` written in `scope`: a child module, a name a `use`
    /// brought in, or one a glob import brings.
    fn named(
        &self,
        scope: &ModulePath,
        name: &str,
        rest: &[String],
        hops: usize,
    ) -> Option<Vec<String>> {
        let mut child = scope.clone();
        child.push(name.to_owned());
        if self.scopes.contains_key(&child) {
            child.extend(rest.iter().cloned());
            return Some(child);
        }
        let declared = self.scopes.get(scope)?;
        if declared.defines.contains(name) {
            let mut item = scope.clone();
            item.push(name.to_owned());
            item.extend(rest.iter().cloned());
            return Some(item);
        }
        if let Some(path) = declared.imports.get(name) {
            let mut target = self.absolute(scope, path, hops + 1)?;
            target.extend(rest.iter().cloned());
            return Some(target);
        }
        for glob in &declared.globs {
            let Some(module) = self.absolute(scope, glob, hops + 1) else {
                continue;
            };
            if self.scopes.contains_key(&module) && module != *scope {
                if let Some(found) = self.named(&module, name, rest, hops + 1) {
                    return Some(found);
                }
            }
        }
        None
    }

    /// The file module holding the item at the absolute `path`, following the `use`
    /// declarations of the modules on the way (each such module is added to `passed`).
    fn file_module(
        &self,
        path: &[String],
        hops: usize,
        passed: &mut Vec<ModulePath>,
    ) -> ModulePath {
        let mut module: ModulePath = Vec::new();
        for (at, segment) in path.iter().enumerate() {
            let mut child = module.clone();
            child.push(segment.clone());
            if self.scopes.contains_key(&child) {
                module = child;
                continue;
            }
            let defined_here = self
                .scopes
                .get(&module)
                .is_some_and(|scope| scope.defines.contains(segment));
            if !defined_here && hops < MAX_HOPS {
                if let Some(target) = self.named(&module, segment, &path[at + 1..], hops + 1) {
                    if let Some(scope) = self.scopes.get(&module) {
                        passed.push(scope.file.clone());
                    }
                    return self.file_module(&target, hops + 1, passed);
                }
            }
            break;
        }
        self.scopes
            .get(&module)
            .map(|scope| scope.file.clone())
            .unwrap_or(module)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(files: &[(&str, &str)]) -> ModuleGraph {
        let files: Vec<(String, String)> = files
            .iter()
            .map(|(path, text)| ((*path).to_owned(), (*text).to_owned()))
            .collect();
        ModuleGraph::from_files(&files)
    }

    #[test]
    fn every_spelling_of_a_path_makes_an_edge() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b; mod c; mod d; mod e; mod f;"),
            ("a.rs", "use crate::b::Thing;"),
            ("b.rs", "fn f() { crate::c::go(); }"),
            ("c.rs", "use super::{d::{self, X as Y}, e};"),
            ("d.rs", "use crate::*; fn g() { f::h(); }"),
            ("e.rs", "fn g() -> super::a::T { todo() }"),
            ("f.rs", "use crate::a as other; fn g() { other::T::new(); }"),
        ]);
        assert_eq!(graph_list(&g, "a"), ["b"]);
        assert_eq!(graph_list(&g, "b"), ["c"]);
        assert_eq!(graph_list(&g, "c"), ["d", "e"]);
        assert_eq!(graph_list(&g, "d"), ["f"]);
        assert_eq!(graph_list(&g, "e"), ["a"]);
        assert_eq!(graph_list(&g, "f"), ["a"]);
    }

    fn graph_list(g: &ModuleGraph, module: &str) -> Vec<String> {
        g.dependencies(module)
    }

    #[test]
    fn paths_are_followed_through_reexports_and_imported_parents() {
        let g = graph(&[
            ("lib.rs", "pub mod services; pub mod domain;"),
            (
                "services/mod.rs",
                "pub mod events; pub mod webhooks; pub use webhooks::Hook;",
            ),
            ("services/events.rs", "use crate::services::Hook;"),
            (
                "services/webhooks.rs",
                "use crate::services; fn f() { services::events::emit(); }",
            ),
            (
                "domain/mod.rs",
                "pub mod order; pub mod erp; pub use self::order::*;",
            ),
            ("domain/erp.rs", "fn f(o: super::Order) {}"),
            (
                "domain/order.rs",
                "pub struct Order; use crate::domain::erp;",
            ),
        ]);
        assert_eq!(g.dependencies("services::events"), ["services::webhooks"]);
        assert_eq!(g.dependencies("services::webhooks"), ["services::events"]);
        assert_eq!(g.dependencies("domain::erp"), ["domain::order"]);
        let through_sibling = graph(&[
            ("lib.rs", "mod keys; mod tickets; mod views;"),
            ("keys.rs", "pub fn sortable() {}"),
            ("tickets.rs", "pub use crate::keys::sortable;"),
            ("views.rs", "use super::tickets::sortable;"),
        ]);
        assert_eq!(through_sibling.dependencies("views"), ["keys", "tickets"]);
        assert_eq!(
            g.cycles(),
            [
                vec!["domain::erp".to_owned(), "domain::order".to_owned()],
                vec![
                    "services::events".to_owned(),
                    "services::webhooks".to_owned()
                ]
            ]
        );
    }

    #[test]
    fn parents_children_comments_strings_and_other_crates_make_no_edge() {
        let g = graph(&[
            ("lib.rs", "pub mod a; pub mod b; use a::x::Y;"),
            ("a/mod.rs", "pub mod x; use self::x::Y; fn f() { super::b::g(); }"),
            ("a/x.rs", "use super::super::a::f; use std::fmt; use serde::Serialize;"),
            (
                "b.rs",
                "// crate::a::x\n/// crate::a\nconst S: &str = \"crate::a::f\";\nmod tests { use super::*; fn t() { Self::x(); other::y(); } }",
            ),
        ]);
        assert_eq!(g.dependencies("crate"), Vec::<String>::new());
        assert_eq!(g.dependencies("a::x"), Vec::<String>::new());
        assert_eq!(g.dependencies("a"), ["b"]);
        assert_eq!(g.dependencies("b"), Vec::<String>::new());
        assert!(g.cycles().is_empty());
    }

    #[test]
    fn inline_modules_belong_to_their_file_and_super_leaves_them() {
        let g = graph(&[
            ("lib.rs", "mod a; mod b;"),
            (
                "a.rs",
                "fn f() {}\n#[cfg(test)]\nmod tests { use super::f; fn t() { crate::b::seed(); } }",
            ),
            ("b.rs", "mod inner { fn g() { super::super::a::f(); } }"),
        ]);
        assert_eq!(g.dependencies("a"), ["b"]);
        assert_eq!(g.dependencies("b"), ["a"]);
        assert_eq!(g.cycles(), [vec!["a".to_owned(), "b".to_owned()]]);
        assert_eq!(
            g.describe(&g.cycles()[0]),
            ["a → b (crate::b::seed)", "b → a (super::super::a::f)"]
        );
    }
}
