//! The shape of the house: no import cycle between the files of `src/`, and none between its top-level folders
//! (`src/<folder>/` and each top-level `src/*.rs` count as one node; `lib.rs` is not a node there).
//!
//! Every file reachable from `src/lib.rs` through `mod` declarations is parsed with `syn` (`main.rs` is another
//! crate). A file uses a module file when it names one through a path that starts with `crate::`, `super::` or
//! `self::`, with a child module of where it stands, or with a name a `use` brought in: in `use` trees (groups
//! included), in expressions, types, patterns and attributes, and in macro bodies, scanned as tokens. A path
//! names the deepest module it reaches (`crate::lines::api::list` is `lines/api.rs`; `crate::lines::Line`,
//! re-exported, is `lines/mod.rs`). `#[cfg(test)]` items are left out: unit tests may use what they test from.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;
use std::path::Path;

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use syn::visit::Visit;

#[test]
fn no_import_cycle_between_files_or_folders() {
    let graph = Graph::of(&read_sources(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("src").as_path(),
    ));
    let report = graph.cycles_report();
    println!(
        "{} files, {} file edges, {} folder edges",
        graph.files.len(),
        graph.file_edges().len(),
        graph.folder_edges().len()
    );
    assert!(report.is_empty(), "import cycles in src/:\n{report}");
}

/// Every `.rs` file below `dir`, by its path relative to it (`lines/api.rs`).
fn read_sources(dir: &Path) -> BTreeMap<String, String> {
    let mut sources = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable src/") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let relative = path
                    .strip_prefix(dir)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                sources.insert(
                    relative,
                    std::fs::read_to_string(&path).expect("a readable file"),
                );
            }
        }
    }
    sources
}

/// A module's path from the crate root: `["lines", "api"]`.
type ModPath = Vec<String>;

/// A path as a file wrote it, in the module it stands in.
struct Reference {
    file: String,
    scope: ModPath,
    segments: Vec<String>,
}

/// Which files use which, and why (the paths, as written).
struct Graph {
    files: BTreeSet<String>,
    edges: BTreeMap<(String, String), BTreeSet<String>>,
}

impl Graph {
    /// The graph of the crate rooted at `lib.rs` in `sources` (relative path -> text).
    fn of(sources: &BTreeMap<String, String>) -> Graph {
        let mut collector = Collector {
            sources,
            modules: BTreeMap::new(),
            aliases: BTreeMap::new(),
            references: Vec::new(),
            file: String::new(),
            scope: Vec::new(),
        };
        collector.load("lib.rs", Vec::new(), "");
        let files: BTreeSet<String> = collector.modules.values().cloned().collect();
        let mut edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for reference in &collector.references {
            let Some(target) = collector.file_of(&reference.scope, &reference.segments) else {
                continue;
            };
            if target != reference.file {
                edges
                    .entry((reference.file.clone(), target))
                    .or_default()
                    .insert(reference.segments.join("::"));
            }
        }
        Graph { files, edges }
    }

    fn file_edges(&self) -> BTreeMap<(String, String), BTreeSet<String>> {
        self.edges.clone()
    }

    /// `src/<folder>/` is one node, each top-level file another; `lib.rs` is none.
    fn folder_edges(&self) -> BTreeMap<(String, String), BTreeSet<String>> {
        fn node(file: &str) -> Option<String> {
            match file.split_once('/') {
                Some((folder, _)) => Some(format!("{folder}/")),
                None if file == "lib.rs" || file == "main.rs" => None,
                None => Some(file.to_owned()),
            }
        }
        let mut edges: BTreeMap<(String, String), BTreeSet<String>> = BTreeMap::new();
        for ((from, to), paths) in &self.edges {
            let (Some(a), Some(b)) = (node(from), node(to)) else {
                continue;
            };
            if a != b {
                let why = edges.entry((a, b)).or_default();
                why.extend(paths.iter().map(|path| format!("{from} -> {to} ({path})")));
            }
        }
        edges
    }

    /// Every cycle, of files and of folders, with the edges that make it; empty when there is none.
    fn cycles_report(&self) -> String {
        let mut report = String::new();
        for (what, edges) in [("file", self.file_edges()), ("folder", self.folder_edges())] {
            for component in cyclic_components(&edges) {
                let shortest = shortest_cycle(&edges, &component);
                writeln!(
                    report,
                    "{what} cycle of {}: {}\n  e.g. {}",
                    component.len(),
                    component.iter().cloned().collect::<Vec<_>>().join(", "),
                    shortest.join(" -> ")
                )
                .unwrap();
                for ((from, to), why) in &edges {
                    if component.contains(from) && component.contains(to) {
                        writeln!(report, "  {from} -> {to}:").unwrap();
                        for reason in why {
                            writeln!(report, "      {reason}").unwrap();
                        }
                    }
                }
            }
        }
        report
    }
}

/// The strongly connected components of more than one node (Tarjan's algorithm).
fn cyclic_components(
    edges: &BTreeMap<(String, String), BTreeSet<String>>,
) -> Vec<BTreeSet<String>> {
    struct Tarjan<'a> {
        next: BTreeMap<&'a str, Vec<&'a str>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        found: Vec<BTreeSet<String>>,
    }
    impl<'a> Tarjan<'a> {
        fn visit(&mut self, v: &'a str) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.next.get(v).cloned().unwrap_or_default() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = BTreeSet::new();
                loop {
                    let w = self.stack.pop().unwrap();
                    self.on_stack.remove(w);
                    component.insert(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if component.len() > 1 {
                    self.found.push(component);
                }
            }
        }
    }
    let mut tarjan = Tarjan {
        next: BTreeMap::new(),
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for (from, to) in edges.keys() {
        tarjan.next.entry(from).or_default().push(to);
        tarjan.next.entry(to).or_default();
    }
    let nodes: Vec<&str> = tarjan.next.keys().copied().collect();
    for v in nodes {
        if !tarjan.index.contains_key(v) {
            tarjan.visit(v);
        }
    }
    tarjan.found.sort();
    tarjan.found
}

/// One shortest cycle through the first node of `component`, as the nodes it passes, back to the start.
fn shortest_cycle(
    edges: &BTreeMap<(String, String), BTreeSet<String>>,
    component: &BTreeSet<String>,
) -> Vec<String> {
    let start = component.iter().next().expect("a node").clone();
    let mut came_from: BTreeMap<String, String> = BTreeMap::new();
    let mut queue = VecDeque::from([start.clone()]);
    while let Some(node) = queue.pop_front() {
        for (_, to) in edges
            .keys()
            .filter(|(from, to)| *from == node && component.contains(to))
        {
            if *to == start {
                let mut back = Vec::new();
                let mut at = node.clone();
                while at != start {
                    back.push(at.clone());
                    at = came_from[&at].clone();
                }
                back.reverse();
                return [vec![start.clone()], back, vec![start]].concat();
            }
            if !came_from.contains_key(to) {
                came_from.insert(to.clone(), node.clone());
                queue.push_back(to.clone());
            }
        }
    }
    unreachable!("a component of more than one node has a cycle through each of its nodes")
}

/// Walks the crate from `lib.rs`: which module lives in which file, what each scope's `use`s bring in, and
/// every path that may name a module of the crate.
struct Collector<'a> {
    sources: &'a BTreeMap<String, String>,
    modules: BTreeMap<ModPath, String>,
    /// In a module: a name a `use` brought in, and the path it stands for (as written there).
    aliases: BTreeMap<ModPath, BTreeMap<String, Vec<String>>>,
    references: Vec<Reference>,
    file: String,
    scope: ModPath,
}

impl Collector<'_> {
    /// Reads the file of `module`, whose `mod x;` children are files in `children` (a folder, `""` or `a/`).
    fn load(&mut self, file: &str, module: ModPath, children: &str) {
        let source = self
            .sources
            .get(file)
            .unwrap_or_else(|| panic!("no file {file} for module {}", module.join("::")));
        let parsed = syn::parse_file(source).unwrap_or_else(|e| panic!("{file}: {e}"));
        self.modules.insert(module.clone(), file.to_owned());
        let (outer_file, outer_scope) = (
            std::mem::replace(&mut self.file, file.to_owned()),
            std::mem::replace(&mut self.scope, module),
        );
        self.items(&parsed.items, children);
        self.file = outer_file;
        self.scope = outer_scope;
    }

    fn items(&mut self, items: &[syn::Item], children: &str) {
        for item in items {
            if is_test_only(item) {
                continue;
            }
            match item {
                syn::Item::Mod(module) => {
                    let name = module.ident.to_string();
                    let mut path = self.scope.clone();
                    path.push(name.clone());
                    match &module.content {
                        Some((_, inner)) => {
                            for attr in &module.attrs {
                                self.visit_attribute(attr);
                            }
                            self.modules.insert(path.clone(), self.file.clone());
                            let outer = std::mem::replace(&mut self.scope, path);
                            self.items(inner, &format!("{children}{name}/"));
                            self.scope = outer;
                        }
                        None => {
                            let file = match path_attribute(&module.attrs) {
                                Some(explicit) => {
                                    let here = Path::new(&self.file).parent().unwrap();
                                    here.join(explicit).to_string_lossy().replace('\\', "/")
                                }
                                None if self
                                    .sources
                                    .contains_key(&format!("{children}{name}.rs")) =>
                                {
                                    format!("{children}{name}.rs")
                                }
                                None => format!("{children}{name}/mod.rs"),
                            };
                            let folder = format!("{children}{name}/");
                            self.load(&file, path, &folder);
                        }
                    }
                }
                other => self.visit_item(other),
            }
        }
    }

    /// The file a path names from `scope`, or `None` when it names nothing in the crate (std, a dependency,
    /// a local item).
    fn file_of(&self, scope: &ModPath, segments: &[String]) -> Option<String> {
        let absolute = self.absolute(scope, segments, 0)?;
        (0..=absolute.len())
            .rev()
            .find_map(|n| self.modules.get(&absolute[..n]))
            .cloned()
    }

    /// `segments` written in `scope`, as a path from the crate root.
    fn absolute(&self, scope: &ModPath, segments: &[String], depth: usize) -> Option<ModPath> {
        let (first, rest) = segments.split_first()?;
        if depth > 16 {
            return None; // a `use` cycle of names: rustc refuses it anyway
        }
        let mut base = match first.as_str() {
            "crate" => Vec::new(),
            "self" => scope.clone(),
            "super" => {
                let mut base = scope.clone();
                base.pop()?;
                let mut rest = rest;
                while let Some(("super", tail)) = rest.split_first().map(|(s, t)| (s.as_str(), t)) {
                    base.pop()?;
                    rest = tail;
                }
                base.extend(rest.iter().cloned());
                return Some(base);
            }
            _ => {
                let mut child = scope.clone();
                child.push(first.clone());
                if self.modules.contains_key(&child) {
                    child.extend(rest.iter().cloned());
                    return Some(child);
                }
                let target = self.aliases.get(scope)?.get(first)?;
                let mut base = self.absolute(scope, target, depth + 1)?;
                base.extend(rest.iter().cloned());
                return Some(base);
            }
        };
        base.extend(rest.iter().cloned());
        Some(base)
    }

    fn reference(&mut self, segments: Vec<String>) {
        if !segments.is_empty() {
            self.references.push(Reference {
                file: self.file.clone(),
                scope: self.scope.clone(),
                segments,
            });
        }
    }

    /// The paths of a use tree, each whole (`a::{b, c::d}` is `a::b` and `a::c::d`), with the names it binds.
    fn use_tree(&mut self, prefix: &mut Vec<String>, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push(path.ident.to_string());
                self.use_tree(prefix, &path.tree);
                prefix.pop();
            }
            syn::UseTree::Name(name) => {
                let name = name.ident.to_string();
                let mut path = prefix.clone();
                let bound = if name == "self" {
                    prefix.last().cloned()
                } else {
                    path.push(name.clone());
                    Some(name)
                };
                self.bind(bound, path);
            }
            syn::UseTree::Rename(rename) => {
                let mut path = prefix.clone();
                if rename.ident != "self" {
                    path.push(rename.ident.to_string());
                }
                self.bind(Some(rename.rename.to_string()), path);
            }
            syn::UseTree::Glob(_) => self.reference(prefix.clone()),
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.use_tree(prefix, tree);
                }
            }
        }
    }

    fn bind(&mut self, name: Option<String>, path: Vec<String>) {
        if let Some(name) = name.filter(|n| n != "_") {
            // `use x::y` at the root of a 2018 path names `x` in scope: never an alias of itself.
            if path.len() > 1 || path.first() != Some(&name) {
                self.aliases
                    .entry(self.scope.clone())
                    .or_default()
                    .insert(name, path.clone());
            }
        }
        self.reference(path);
    }

    /// Paths in tokens that syn does not parse (macro bodies, attribute arguments): every run `a::b::c`,
    /// `$crate::…` included, with `a::{b, c}` groups expanded.
    fn tokens(&mut self, tokens: TokenStream) {
        let trees: Vec<TokenTree> = tokens.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            match &trees[i] {
                TokenTree::Group(group) => {
                    self.tokens(group.stream());
                    i += 1;
                }
                TokenTree::Ident(ident) if !follows_path_separator(&trees, i) => {
                    let mut path = vec![ident.to_string()];
                    let mut j = i + 1;
                    while is_path_separator(&trees, j) {
                        match trees.get(j + 2) {
                            Some(TokenTree::Ident(next)) => {
                                path.push(next.to_string());
                                j += 3;
                            }
                            Some(TokenTree::Group(group))
                                if group.delimiter() == Delimiter::Brace =>
                            {
                                self.token_group(&path, group.stream());
                                j += 3;
                                break;
                            }
                            _ => break,
                        }
                    }
                    if path.len() > 1 {
                        self.reference(path);
                    }
                    i = j.max(i + 1);
                }
                _ => i += 1,
            }
        }
    }

    /// `prefix::{a, b::c, d::{e}}` inside tokens.
    fn token_group(&mut self, prefix: &[String], stream: TokenStream) {
        let trees: Vec<TokenTree> = stream.into_iter().collect();
        for part in trees.split(|t| matches!(t, TokenTree::Punct(p) if p.as_char() == ',')) {
            let mut path = prefix.to_vec();
            let mut j = 0;
            loop {
                match part.get(j) {
                    Some(TokenTree::Ident(ident)) if ident != "self" => {
                        path.push(ident.to_string())
                    }
                    Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => {
                        self.token_group(&path, group.stream());
                        break;
                    }
                    _ => {}
                }
                if !is_path_separator(part, j + 1) {
                    self.reference(path);
                    break;
                }
                j += 3;
            }
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if !is_test_only(item) {
            syn::visit::visit_item(self, item);
        }
    }

    fn visit_item_mod(&mut self, module: &'ast syn::ItemMod) {
        // Modules nested in functions or blocks: rare, and named from their parent's scope here.
        if let Some((_, items)) = &module.content {
            for item in items {
                self.visit_item(item);
            }
        }
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        for attr in &item.attrs {
            self.visit_attribute(attr);
        }
        self.use_tree(&mut Vec::new(), &item.tree);
    }

    /// `pub(super)` and `pub(in path)` say who may see an item, not what it uses.
    fn visit_vis_restricted(&mut self, _restricted: &'ast syn::VisRestricted) {}

    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.reference(path.segments.iter().map(|s| s.ident.to_string()).collect());
        syn::visit::visit_path(self, path);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        syn::visit::visit_macro(self, mac);
        self.tokens(mac.tokens.clone());
    }

    fn visit_meta_list(&mut self, list: &'ast syn::MetaList) {
        syn::visit::visit_meta_list(self, list);
        self.tokens(list.tokens.clone());
    }
}

fn is_path_separator(trees: &[TokenTree], at: usize) -> bool {
    matches!(
        (trees.get(at), trees.get(at + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b))) if a.as_char() == ':' && b.as_char() == ':'
    )
}

/// `ident` is the tail of a longer path (`x::ident`), already taken with its head.
fn follows_path_separator(trees: &[TokenTree], at: usize) -> bool {
    at >= 2 && is_path_separator(trees, at - 2)
}

fn path_attribute(attrs: &[syn::Attribute]) -> Option<String> {
    attrs.iter().find_map(|attr| match &attr.meta {
        syn::Meta::NameValue(nv) if nv.path.is_ident("path") => match &nv.value {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) => Some(s.value()),
            _ => None,
        },
        _ => None,
    })
}

/// `#[cfg(test)]` on the item.
fn is_test_only(item: &syn::Item) -> bool {
    let attrs = match item {
        syn::Item::Const(i) => &i.attrs,
        syn::Item::Enum(i) => &i.attrs,
        syn::Item::ExternCrate(i) => &i.attrs,
        syn::Item::Fn(i) => &i.attrs,
        syn::Item::ForeignMod(i) => &i.attrs,
        syn::Item::Impl(i) => &i.attrs,
        syn::Item::Macro(i) => &i.attrs,
        syn::Item::Mod(i) => &i.attrs,
        syn::Item::Static(i) => &i.attrs,
        syn::Item::Struct(i) => &i.attrs,
        syn::Item::Trait(i) => &i.attrs,
        syn::Item::TraitAlias(i) => &i.attrs,
        syn::Item::Type(i) => &i.attrs,
        syn::Item::Union(i) => &i.attrs,
        syn::Item::Use(i) => &i.attrs,
        _ => return false,
    };
    attrs.iter().any(|attr| match &attr.meta {
        syn::Meta::List(list) => list.path.is_ident("cfg") && list.tokens.to_string() == "test",
        _ => false,
    })
}

/// The collector on small crates written here, so that what it sees is pinned down.
mod collector {
    use super::*;

    fn crate_of(files: &[(&str, &str)]) -> Graph {
        Graph::of(
            &files
                .iter()
                .map(|(path, text)| (path.to_string(), text.to_string()))
                .collect(),
        )
    }

    fn edges(graph: &Graph) -> Vec<String> {
        graph
            .edges
            .keys()
            .map(|(a, b)| format!("{a} -> {b}"))
            .collect()
    }

    #[test]
    fn grouped_uses_resolve_each_path_to_the_deepest_module_file() {
        let graph = crate_of(&[
            ("lib.rs", "pub mod a; pub mod b;"),
            ("a/mod.rs", "pub mod x; pub mod y; pub struct A;"),
            ("a/x.rs", "pub struct X;"),
            ("a/y.rs", "pub struct Y;"),
            ("b.rs", "use crate::a::{self, x::X, y::{Y as Why}};"),
        ]);
        assert_eq!(
            edges(&graph),
            ["b.rs -> a/mod.rs", "b.rs -> a/x.rs", "b.rs -> a/y.rs"]
        );
        assert!(graph.cycles_report().is_empty());
    }

    #[test]
    fn paths_in_expressions_types_macros_and_attributes_count() {
        let graph = crate_of(&[
            (
                "lib.rs",
                "pub mod a; pub mod b; pub mod c; pub mod d; pub mod e;",
            ),
            ("a.rs", "fn f() { let _ = crate::b::new(); }"),
            ("b.rs", "fn f(_: super::c::C) {}"),
            ("c.rs", "fn f() { println!(\"{}\", crate::d::D); }"),
            (
                "d.rs",
                "#[utoipa::path(responses((status = 409, body = crate::e::Problem)))] fn f() {}",
            ),
            ("e.rs", "macro_rules! m { () => { $crate::a::f() } }"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "a.rs -> b.rs",
                "b.rs -> c.rs",
                "c.rs -> d.rs",
                "d.rs -> e.rs",
                "e.rs -> a.rs"
            ]
        );
        let report = graph.cycles_report();
        assert!(
            report.contains("file cycle of 5: a.rs, b.rs, c.rs, d.rs, e.rs"),
            "{report}"
        );
        assert!(
            report.contains("e.g. a.rs -> b.rs -> c.rs -> d.rs -> e.rs -> a.rs"),
            "{report}"
        );
        assert!(report.contains("folder cycle of 5"), "{report}");
        assert!(
            report.contains("d.rs -> e.rs (crate::e::Problem)"),
            "{report}"
        );
    }

    #[test]
    fn child_modules_aliases_and_super_resolve_from_where_they_stand() {
        let graph = crate_of(&[
            ("lib.rs", "pub mod lines; pub mod app;"),
            (
                "lines/mod.rs",
                "pub mod api; pub mod repo; pub use repo::Row;",
            ),
            (
                "lines/api.rs",
                "use super::repo; fn f() { repo::find(); crate::app::State::new(); }",
            ),
            ("lines/repo.rs", "pub fn find() {} pub struct Row;"),
            ("app.rs", "use crate::lines; fn f() { lines::api::f(); }"),
        ]);
        assert_eq!(
            edges(&graph),
            [
                "app.rs -> lines/api.rs",
                "app.rs -> lines/mod.rs",
                "lines/api.rs -> app.rs",
                "lines/api.rs -> lines/repo.rs",
                "lines/mod.rs -> lines/repo.rs",
            ]
        );
        let report = graph.cycles_report();
        assert!(
            report.contains("file cycle of 2: app.rs, lines/api.rs"),
            "{report}"
        );
        assert!(
            report.contains("folder cycle of 2: app.rs, lines/"),
            "{report}"
        );
    }

    #[test]
    fn unit_tests_and_inline_modules_of_the_same_file_are_no_edge() {
        let graph = crate_of(&[
            ("lib.rs", "pub mod a; pub mod b;"),
            ("a.rs", "pub fn f() {} mod inner { fn g() { super::f(); } }"),
            ("b.rs", "#[cfg(test)] mod tests { use crate::a::f; }"),
        ]);
        assert_eq!(edges(&graph), Vec::<String>::new());
    }
}
