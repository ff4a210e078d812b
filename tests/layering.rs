//! The pipeline runs one way: no import circle anywhere in `src/`, between files or between the
//! crate's top-level modules (its folders), so a stage never reaches back up to one after it.
//!
//! Reads every source file's `crate::…` and `super::…` paths (in `use` lines and inline), maps
//! each to the file that defines the module it names, and looks for a cycle in the graph of
//! files and in the graph of top-level modules. A module's own `mod x;` lines are ownership,
//! not imports, and do not count.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`["session", "event"]`) of every source file of the library.
fn modules(src: &Path) -> BTreeMap<Vec<String>, PathBuf> {
    let mut found = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read src") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "bin") {
                    pending.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src");
            let mut parts: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|p| p.to_string_lossy().into_owned())
                .collect();
            if matches!(
                parts.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                parts.pop();
            }
            if relative == Path::new("main.rs") {
                continue;
            }
            found.insert(parts, path);
        }
    }
    found
}

/// The longest prefix of `path` that names a module file.
fn resolve(path: &[String], known: &BTreeMap<Vec<String>, PathBuf>) -> Option<Vec<String>> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].to_vec())
        .find(|prefix| known.contains_key(prefix))
}

/// Every module a file refers to with `crate::` or `super::` paths.
fn references(
    module: &[String],
    is_mod_file: bool,
    text: &str,
    known: &BTreeMap<Vec<String>, PathBuf>,
) -> BTreeSet<Vec<String>> {
    let mut out = BTreeSet::new();
    for line in text.lines() {
        let code = line.split("//").next().unwrap_or("");
        for (anchor, base) in [
            ("crate::", Vec::new()),
            ("super::", {
                // `super` of a `mod.rs` file is its folder's parent; of `x.rs`, its folder.
                let mut parent = module.to_vec();
                parent.pop();
                if is_mod_file {
                    parent.pop();
                }
                parent
            }),
        ] {
            let mut rest = code;
            while let Some(at) = rest.find(anchor) {
                let preceded_by_ident = rest[..at]
                    .chars()
                    .last()
                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
                let after = &rest[at + anchor.len()..];
                rest = after;
                if preceded_by_ident {
                    continue;
                }
                let path: String = after
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':' || *c == '{')
                    .collect();
                let (head, group) = match path.split_once('{') {
                    Some((head, _)) => (head.trim_end_matches(':'), true),
                    None => (path.as_str(), false),
                };
                let mut full = base.clone();
                full.extend(head.split("::").filter(|p| !p.is_empty()).map(String::from));
                if group {
                    // `path::{a, b}`: each name may be a submodule of `path`.
                    let inner = after
                        .split_once('{')
                        .and_then(|(_, g)| g.split_once('}'))
                        .map_or("", |(g, _)| g);
                    for name in inner
                        .split(',')
                        .map(|n| n.trim().split("::").next().unwrap_or(""))
                    {
                        let mut candidate = full.clone();
                        candidate.push(name.to_string());
                        if let Some(target) = resolve(&candidate, known) {
                            out.insert(target);
                        }
                    }
                } else if let Some(target) = resolve(&full, known) {
                    out.insert(target);
                }
            }
        }
    }
    out.remove(module);
    out
}

/// A cycle in `graph`, as the list of its nodes, if there is one.
fn find_cycle<N: Ord + Clone>(graph: &BTreeMap<N, BTreeSet<N>>) -> Option<Vec<N>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        Open,
        Done,
    }
    fn visit<N: Ord + Clone>(
        node: &N,
        graph: &BTreeMap<N, BTreeSet<N>>,
        marks: &mut BTreeMap<N, Mark>,
        stack: &mut Vec<N>,
    ) -> Option<Vec<N>> {
        match marks.get(node) {
            Some(Mark::Done) => return None,
            Some(Mark::Open) => {
                let start = stack.iter().position(|n| n == node).unwrap_or(0);
                let mut cycle = stack[start..].to_vec();
                cycle.push(node.clone());
                return Some(cycle);
            }
            None => {}
        }
        marks.insert(node.clone(), Mark::Open);
        stack.push(node.clone());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, marks, stack) {
                return Some(cycle);
            }
        }
        stack.pop();
        marks.insert(node.clone(), Mark::Done);
        None
    }
    let mut marks = BTreeMap::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut marks, &mut Vec::new()))
}

#[test]
fn no_import_circles() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let known = modules(&src);
    assert!(known.len() > 50, "found only {} source files", known.len());
    let mut files: BTreeMap<Vec<String>, BTreeSet<Vec<String>>> = BTreeMap::new();
    let mut folders: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, path) in &known {
        let text = std::fs::read_to_string(path).expect("read source");
        let is_mod_file = path.file_name().is_some_and(|n| n == "mod.rs");
        let targets = references(module, is_mod_file, &text, &known);
        let top = module.first().cloned().unwrap_or_default();
        for target in &targets {
            let target_top = target.first().cloned().unwrap_or_default();
            if target_top != top && !top.is_empty() && !target_top.is_empty() {
                folders.entry(top.clone()).or_default().insert(target_top);
            }
        }
        files.insert(module.clone(), targets);
    }
    if let Some(cycle) = find_cycle(&files) {
        let names: Vec<String> = cycle.iter().map(|m| m.join("::")).collect();
        panic!("import circle between files: {}", names.join(" -> "));
    }
    if let Some(cycle) = find_cycle(&folders) {
        panic!("import circle between modules: {}", cycle.join(" -> "));
    }
    let edges: usize = files.values().map(BTreeSet::len).sum();
    assert!(
        edges > 100,
        "found only {edges} imports: is the parser still reading them?"
    );
}

#[test]
fn a_circle_is_found() {
    let graph: BTreeMap<u8, BTreeSet<u8>> = [
        (1, BTreeSet::from([2])),
        (2, BTreeSet::from([3])),
        (3, BTreeSet::from([1])),
    ]
    .into();
    assert_eq!(find_cycle(&graph), Some(vec![1, 2, 3, 1]));
    let acyclic: BTreeMap<u8, BTreeSet<u8>> =
        [(1, BTreeSet::from([2, 3])), (2, BTreeSet::from([3]))].into();
    assert_eq!(find_cycle(&acyclic), None);
}
