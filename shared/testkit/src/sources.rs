//! The workspace's own source files, for tests that check its structure (which crate may
//! import what, that modules form no cycle): the packages, their `.rs` files, and a file's code
//! with comments and literals blanked so prose and strings never count as a path.

use std::path::{Path, PathBuf};

/// The workspace root (two folders above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every package folder of the workspace (`shared/*`, `functions/*` and `tests`), those that
/// hold a `Cargo.toml`, in name order.
pub fn package_dirs(root: &Path) -> Vec<PathBuf> {
    let mut all = vec![root.join("tests")];
    for group in ["shared", "functions"] {
        let entries = std::fs::read_dir(root.join(group))
            .unwrap_or_else(|e| panic!("{}: {e}", root.join(group).display()));
        for entry in entries {
            let dir = entry.expect("a directory entry").path();
            if dir.join("Cargo.toml").is_file() {
                all.push(dir);
            }
        }
    }
    all.sort();
    all
}

/// Every `.rs` file under `dir`, however deep, in path order.
pub fn rust_files(dir: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, found: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, found);
            } else if path.extension().is_some_and(|ext| ext == "rs") {
                found.push(path);
            }
        }
    }
    let mut found = Vec::new();
    walk(dir, &mut found);
    found.sort();
    found
}

/// `text` (Rust source) with comments removed and the contents of string, raw string and char
/// literals blanked (the quotes stay), so a path in prose, a doc comment or a string never
/// counts as code. Line breaks are kept, so line numbers stay the same.
pub fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            // Block comments nest in Rust.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == '"' {
            out.push('"');
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if chars.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            out.push('"');
            i += 1;
        } else if (c == 'r' || (c == 'b' && next == Some('r')))
            && (i == 0 || !ident(chars[i - 1]))
            && raw_string_hashes(&chars, i + if c == 'b' { 2 } else { 1 }).is_some()
        {
            let start = i + if c == 'b' { 2 } else { 1 };
            let hashes = raw_string_hashes(&chars, start).unwrap_or(0);
            i = start + hashes + 1;
            out.push('"');
            loop {
                if i >= chars.len() {
                    break;
                }
                if chars[i] == '"' && (0..hashes).all(|h| chars.get(i + 1 + h) == Some(&'#')) {
                    i += 1 + hashes;
                    break;
                }
                if chars[i] == '\n' {
                    out.push('\n');
                }
                i += 1;
            }
            out.push('"');
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            // A char literal (a lifetime or label has no closing quote right after one char).
            i += if next == Some('\\') { 2 } else { 1 };
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            out.push_str("' '");
            i += 1;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out
}

/// The number of `#` of a raw string whose `r` precedes `at`, if one starts there.
fn raw_string_hashes(chars: &[char], at: usize) -> Option<usize> {
    let hashes = chars[at.min(chars.len())..]
        .iter()
        .take_while(|c| **c == '#')
        .count();
    (chars.get(at + hashes) == Some(&'"')).then_some(hashes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_and_literals_are_blanked_and_lines_kept() {
        let text = "use a::b; // crate::x\n/* crate::y /* nested */ crate::z */\nlet s = \"crate::w\";\nlet r = r#\"crate::v \"q\"\"#;\nlet c = '\"'; let e = '\\''; fn f<'a>(x: &'a str) {}\n";
        let code = code_only(text);
        assert!(!code.contains("crate::"), "{code}");
        assert_eq!(code.lines().count(), text.lines().count());
        assert!(code.contains("use a::b;"));
        assert!(code.contains("fn f<'a>(x: &'a str)"), "{code}");
    }
}
