//! The contract between emitted code and okta-client's runtime (`codegen/src/contract.rs`)
//! is what the emitted code really uses, and names the catalog can choose never collide with it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use okta_codegen::contract::{self, RUNTIME, RUNTIME_METHODS};
use syn::visit::{self, Visit};
use tests::repo_root;

fn emitted(catalog: &Path) -> Vec<okta_codegen::EmittedFile> {
    okta_codegen::generate(catalog, &repo_root(), &okta_codegen::Layout::repository())
        .unwrap_or_else(|e| panic!("{}: {e}", catalog.display()))
        .files
}

fn catalogs() -> Vec<std::path::PathBuf> {
    let root = repo_root();
    vec![
        root.join("spec"),
        root.join("tests/fixtures/catalogs/features"),
        root.join("tests/fixtures/catalogs/names"),
    ]
}

/// What one emitted file names: paths (also those serde attributes hold as strings), method
/// calls, and the functions it defines.
#[derive(Default)]
struct Names {
    paths: BTreeSet<String>,
    methods: BTreeSet<String>,
    defined: BTreeSet<String>,
}

impl<'ast> Visit<'ast> for Names {
    fn visit_path(&mut self, p: &'ast syn::Path) {
        let text: Vec<String> = p.segments.iter().map(|s| s.ident.to_string()).collect();
        self.paths.insert(text.join("::"));
        visit::visit_path(self, p);
    }

    fn visit_expr_method_call(&mut self, m: &'ast syn::ExprMethodCall) {
        self.methods.insert(m.method.to_string());
        visit::visit_expr_method_call(self, m);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        self.defined.insert(f.sig.ident.to_string());
        visit::visit_impl_item_fn(self, f);
    }

    fn visit_item_fn(&mut self, f: &'ast syn::ItemFn) {
        self.defined.insert(f.sig.ident.to_string());
        visit::visit_item_fn(self, f);
    }

    // `#[serde(skip_serializing_if = "crate::rt::Field::is_absent")]` names a path in a string.
    fn visit_attribute(&mut self, a: &'ast syn::Attribute) {
        if a.path().is_ident("serde") {
            let _ = a.parse_nested_meta(|meta| {
                if let Ok(value) = meta.value() {
                    if let Ok(syn::Lit::Str(s)) = value.parse::<syn::Lit>() {
                        if let Ok(path) = s.parse::<syn::Path>() {
                            self.visit_path(&path);
                        }
                    }
                }
                Ok(())
            });
        }
        visit::visit_attribute(self, a);
    }
}

fn names_in(path: &str, text: &str) -> Names {
    let file = syn::parse_file(text).unwrap_or_else(|e| panic!("{path} is not Rust: {e}"));
    let mut names = Names::default();
    names.visit_file(&file);
    names
}

/// Every name the facade file brings in (`pub(crate) use super::x::{A, B}` → A, B), in order.
fn facade_names() -> Vec<String> {
    fn leaves(tree: &syn::UseTree, out: &mut Vec<String>) {
        match tree {
            syn::UseTree::Path(p) => leaves(&p.tree, out),
            syn::UseTree::Name(n) => out.push(n.ident.to_string()),
            syn::UseTree::Rename(r) => out.push(r.rename.to_string()),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| leaves(t, out)),
            syn::UseTree::Glob(_) => panic!("the facade re-exports by name, never with `*`"),
        }
    }
    let path = repo_root().join("generated/src/runtime/facade.rs");
    let text = std::fs::read_to_string(&path).unwrap();
    let file = syn::parse_file(&text).unwrap();
    let mut out = Vec::new();
    for item in &file.items {
        match item {
            syn::Item::Use(u) => leaves(&u.tree, &mut out),
            _ => panic!("the facade only re-exports (`use`); found another item"),
        }
    }
    out
}

/// Every `.rs` file of the hand-written runtime (okta-client's and the core crate's), parsed.
fn runtime_files() -> Vec<(String, syn::File)> {
    let mut out = Vec::new();
    let mut dirs = vec![
        repo_root().join("generated/src/runtime"),
        repo_root().join("generated/core/src"),
    ];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).unwrap();
                let file =
                    syn::parse_file(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.push((path.display().to_string(), file));
            }
        }
    }
    assert!(out.len() > 10, "the runtime's files: {}", out.len());
    out
}

/// The last segment of an `impl`'s self type (`impl<T> Field<T>` → `Field`).
fn self_type(i: &syn::ItemImpl) -> Option<String> {
    match &*i.self_ty {
        syn::Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// Every function defined in an `impl` of each type, and every variant of each enum, in the
/// runtime (items inside modules and functions too), by type name.
fn runtime_members() -> BTreeMap<String, BTreeSet<String>> {
    #[derive(Default)]
    struct Members(BTreeMap<String, BTreeSet<String>>);
    impl<'ast> Visit<'ast> for Members {
        fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
            if let Some(t) = self_type(i) {
                for item in &i.items {
                    if let syn::ImplItem::Fn(f) = item {
                        self.0
                            .entry(t.clone())
                            .or_default()
                            .insert(f.sig.ident.to_string());
                    }
                }
            }
            visit::visit_item_impl(self, i);
        }
        fn visit_item_enum(&mut self, e: &'ast syn::ItemEnum) {
            let set = self.0.entry(e.ident.to_string()).or_default();
            set.extend(e.variants.iter().map(|v| v.ident.to_string()));
            visit::visit_item_enum(self, e);
        }
        // A trait's provided and required methods count for the trait itself
        // (`IntoMultipart::into_multipart`).
        fn visit_item_trait(&mut self, t: &'ast syn::ItemTrait) {
            let set = self.0.entry(t.ident.to_string()).or_default();
            for item in &t.items {
                if let syn::TraitItem::Fn(f) = item {
                    set.insert(f.sig.ident.to_string());
                }
            }
            visit::visit_item_trait(self, t);
        }
    }
    let mut m = Members::default();
    for (_, file) in runtime_files() {
        m.visit_file(&file);
    }
    m.0
}

/// The facade and `RUNTIME` list the same names, in the same order; every method the contract
/// lists exists on its type in the runtime.
#[test]
fn the_facade_is_the_contract() {
    let facade = facade_names();
    let listed: Vec<String> = RUNTIME.iter().map(|i| i.name().to_string()).collect();
    assert_eq!(
        facade, listed,
        "generated/src/runtime/facade.rs and RUNTIME in codegen/src/contract.rs differ"
    );
    let members = runtime_members();
    let missing: Vec<String> = RUNTIME_METHODS
        .iter()
        .filter(|m| {
            !members
                .get(m.on.name())
                .is_some_and(|set| set.contains(m.name))
        })
        .map(|m| format!("{}::{}", m.on.name(), m.name))
        .collect();
    assert!(
        missing.is_empty(),
        "RUNTIME_METHODS lists what the runtime does not define: {missing:?}"
    );
}

/// Whether `path` (as written in emitted code inside okta-client) is allowed, and which
/// contract entry it uses: the facade item, and the method if it names one.
fn allowed_inside(path: &str) -> Result<Option<(&'static str, Option<&'static str>)>, ()> {
    let Some(rest) = path.strip_prefix("crate::") else {
        // Not a crate path: std, serde, http, locals, the emitted items' own names.
        return Ok(None);
    };
    if rest == "models" || rest.starts_with("models::") {
        return Ok(None);
    }
    let Some(rest) = path.strip_prefix(&format!("{}::", contract::FACADE)) else {
        return Err(());
    };
    let mut parts = rest.splitn(2, "::");
    let name = parts.next().unwrap_or_default();
    let item = RUNTIME.iter().find(|i| i.name() == name).ok_or(())?;
    match parts.next() {
        None => Ok(Some((item.path, None))),
        Some(member) if contract::STD_METHODS.contains(&member) => Ok(Some((item.path, None))),
        Some(member) => RUNTIME_METHODS
            .iter()
            .find(|m| m.on == *item && m.name == member)
            .map(|m| Some((item.path, Some(m.name))))
            .ok_or(()),
    }
}

#[test]
fn every_runtime_name_the_emitted_code_uses_is_in_the_contract_and_back() {
    let mut unlisted = BTreeSet::new();
    let mut used_items = BTreeSet::new();
    let mut used_methods = BTreeSet::new();
    let mut called = BTreeSet::new();
    let mut defined = BTreeSet::new();
    for catalog in catalogs() {
        for f in emitted(&catalog) {
            if !f.path.ends_with(".rs") {
                continue;
            }
            let names = names_in(&f.path, &f.contents);
            // Emitted tests live outside the crate: they name okta-client by its public paths.
            let outside = f.path.starts_with("tests/");
            for path in &names.paths {
                if outside {
                    if let Some(rest) = path.strip_prefix("okta_client::") {
                        let public = format!("crate::{rest}");
                        let ok = RUNTIME
                            .iter()
                            .chain([&contract::MODELS])
                            .filter_map(|i| i.public)
                            .any(|p| public == p || public.starts_with(&format!("{p}::")));
                        if !ok {
                            unlisted.insert(format!("{path} (in {})", f.path));
                        }
                    }
                    continue;
                }
                match allowed_inside(path) {
                    Ok(Some((item, method))) => {
                        used_items.insert(item);
                        if let Some(m) = method {
                            used_methods.insert((item, m));
                        }
                    }
                    Ok(None) => {}
                    Err(()) => {
                        unlisted.insert(format!("{path} (in {})", f.path));
                    }
                }
            }
            if !outside {
                called.extend(names.methods);
                defined.extend(names.defined);
            }
        }
    }
    assert!(
        unlisted.is_empty(),
        "emitted code names runtime items codegen/src/contract.rs does not list (or not through the facade):\n{}",
        unlisted.into_iter().collect::<Vec<_>>().join("\n")
    );
    // Method calls: syn cannot tell the receiver's type, so a call is accounted for when the
    // emitted code defines a function of that name, or the contract lists it.
    for m in &called {
        for listed in RUNTIME_METHODS.iter().filter(|r| r.name == m.as_str()) {
            used_methods.insert((listed.on.path, listed.name));
        }
    }
    let strays: Vec<&String> = called
        .iter()
        .filter(|m| {
            !defined.contains(*m)
                && !contract::STD_METHODS.contains(&m.as_str())
                && !RUNTIME_METHODS.iter().any(|r| r.name == m.as_str())
        })
        .collect();
    assert!(
        strays.is_empty(),
        "emitted code calls methods neither it nor RUNTIME_METHODS defines: {strays:?}"
    );
    let unused: Vec<&str> = RUNTIME
        .iter()
        .map(|i| i.path)
        .filter(|p| !used_items.contains(p))
        .collect();
    assert!(
        unused.is_empty(),
        "codegen/src/contract.rs lists runtime items no emitted file uses: {unused:?}"
    );
    let unused: Vec<String> = RUNTIME_METHODS
        .iter()
        .filter(|m| !used_methods.contains(&(m.on.path, m.name)))
        .map(|m| format!("{}::{}", m.on.name(), m.name))
        .collect();
    assert!(
        unused.is_empty(),
        "codegen/src/contract.rs lists runtime methods no emitted file calls: {unused:?}"
    );
}

/// The names of a trait's or an impl's items (constants and functions), in order.
fn item_names<'a>(
    items: impl Iterator<Item = (Option<&'a syn::Ident>, Option<&'a syn::Ident>)>,
) -> Vec<String> {
    items
        .filter_map(|(c, f)| c.or(f))
        .map(|i| i.to_string())
        .collect()
}

/// The runtime's `WireModel` trait has exactly the items of `WIRE_MODEL_ITEMS`, in order, and
/// every emitted `impl` of it defines only those, with every item the trait does not provide.
#[test]
fn every_struct_implements_the_wire_model_of_the_contract() {
    let trait_name = contract::WIRE_MODEL.name();
    let mut found = Vec::new();
    for (_, file) in runtime_files() {
        for item in &file.items {
            let syn::Item::Trait(t) = item else { continue };
            if t.ident != trait_name {
                continue;
            }
            let declared = item_names(t.items.iter().map(|i| match i {
                syn::TraitItem::Const(c) => (Some(&c.ident), None),
                syn::TraitItem::Fn(f) => (None, Some(&f.sig.ident)),
                _ => (None, None),
            }));
            let provided: BTreeSet<String> = t
                .items
                .iter()
                .filter_map(|i| match i {
                    syn::TraitItem::Const(c) if c.default.is_some() => Some(c.ident.to_string()),
                    syn::TraitItem::Fn(f) if f.default.is_some() => Some(f.sig.ident.to_string()),
                    _ => None,
                })
                .collect();
            found.push((declared, provided));
        }
    }
    assert_eq!(found.len(), 1, "one `trait {trait_name}` in the runtime");
    let (declared, provided) = found.remove(0);
    assert_eq!(declared, contract::WIRE_MODEL_ITEMS.all());
    let mut impls = 0;
    for catalog in catalogs() {
        for f in emitted(&catalog) {
            if !f.path.starts_with("generated/src/models/") || !f.path.ends_with(".rs") {
                continue;
            }
            let file = syn::parse_file(&f.contents).unwrap();
            for item in &file.items {
                let syn::Item::Impl(i) = item else { continue };
                let Some((_, path, _)) = &i.trait_ else {
                    continue;
                };
                if path.segments.last().is_none_or(|s| s.ident != trait_name) {
                    continue;
                }
                impls += 1;
                let defined = item_names(i.items.iter().map(|i| match i {
                    syn::ImplItem::Const(c) => (Some(&c.ident), None),
                    syn::ImplItem::Fn(f) => (None, Some(&f.sig.ident)),
                    _ => (None, None),
                }));
                let expected: Vec<String> = declared
                    .iter()
                    .filter(|n| defined.contains(n) || !provided.contains(*n))
                    .cloned()
                    .collect();
                assert_eq!(defined, expected, "{:?} in {}", self_type(i), f.path);
            }
        }
    }
    assert!(
        impls > 60,
        "only {impls} `impl {trait_name}` in the emitted models"
    );
}

#[test]
fn the_checker_sees_paths_in_code_attributes_and_macros_and_nothing_in_docs() {
    let names = names_in(
        "example.rs",
        r#"
        /// [`a`](crate::request::Customize) is a doc link, not code.
        #[serde(default, skip_serializing_if = "crate::rt::Nullable::is_absent")]
        struct W { x: crate::rt::Nullable<u8> }
        impl W { fn own(&self) { self.x.clone(); crate::rt::string_enum!(W); } }
        "#,
    );
    let paths: Vec<&str> = names.paths.iter().map(String::as_str).collect();
    assert!(
        paths.contains(&"crate::rt::Nullable::is_absent"),
        "{paths:?}"
    );
    assert!(paths.contains(&"crate::rt::Nullable"), "{paths:?}");
    assert!(paths.contains(&"crate::rt::string_enum"), "{paths:?}");
    assert!(!paths.contains(&"crate::request::Customize"), "{paths:?}");
    assert!(names.methods.contains("clone"));
    assert!(names.defined.contains("own"));
    assert_eq!(
        allowed_inside("crate::rt::Nullable"),
        Ok(Some(("crate::rt::Nullable", None)))
    );
    assert_eq!(
        allowed_inside("crate::rt::WireReader::option"),
        Ok(Some(("crate::rt::WireReader", Some("option"))))
    );
    assert_eq!(allowed_inside("crate::rt::WireReader::made_up"), Err(()));
    assert_eq!(allowed_inside("crate::runtime::wire::WireReader"), Err(()));
    assert_eq!(allowed_inside("crate::Nullable"), Err(()));
    assert_eq!(allowed_inside("crate::models::Widget::new"), Ok(None));
}

/// The names fixture gives properties, parameters and schemas the names of generated members
/// and runtime types; each is renamed, once, and the members keep their own names.
#[test]
fn catalog_names_never_take_a_contract_name() {
    let files = emitted(&repo_root().join("tests/fixtures/catalogs/names"));
    let file = |end: &str| {
        files
            .iter()
            .find(|f| f.path.ends_with(end))
            .unwrap_or_else(|| panic!("no {end}"))
            .contents
            .as_str()
    };
    let text = file("models/error_model.rs");
    let start = text.find("pub struct ErrorModel {").expect("ErrorModel");
    let error = &text[start..start + text[start..].find("\n}").expect("its end")];
    for member in contract::MODEL_FIELDS
        .iter()
        .filter(|m| **m != "mismatched_fields")
    {
        assert_eq!(
            error.matches(&format!("pub {member}:")).count(),
            1,
            "{member}: {error}"
        );
    }
    for field in [
        "explicit_nulls_",
        "mismatched_fields_",
        "additional_properties_",
    ] {
        assert!(error.contains(&format!("pub {field}:")), "{field}: {error}");
    }
    let api = okta_codegen::load_api(&repo_root().join("tests/fixtures/catalogs/names")).unwrap();
    let names: BTreeSet<&str> = api.models.iter().map(|m| m.name.as_str()).collect();
    for taken in [
        "ExplicitNullsModel",
        "WireModelModel",
        "ErrorModel",
        "Serde",
    ] {
        assert!(names.contains(taken), "{taken} missing from {names:?}");
    }
    assert!(
        files.iter().any(|f| f.path.ends_with("models/serde_.rs")),
        "the Serde model's module is not `serde_`"
    );
    let ops = file("operations/keywords.rs");
    for setter in ["customize_", "into_stream_", "send_", "body_"] {
        assert!(ops.contains(&format!("pub fn {setter}(")), "{setter}");
    }
}

/// Path parameters are sent in the order of the template, whatever order `params` declares
/// them in: `GetCsrForApp` declares `csrId` before `appId`.
#[test]
fn path_parameters_fill_the_template_in_its_order() {
    let api = okta_codegen::load_api(&repo_root().join("tests/fixtures/catalogs/names")).unwrap();
    let (_, op) = api
        .operations()
        .find(|(_, o)| o.name == "GetCsrForApp")
        .expect("GetCsrForApp");
    let declared: Vec<&str> = op.params.iter().map(|p| p.wire_name.as_str()).collect();
    assert_eq!(declared, ["csrId", "appId"]);
    let in_path: Vec<&str> = op.path_params().map(|p| p.wire_name.as_str()).collect();
    assert_eq!(in_path, ["appId", "csrId"]);

    let files = emitted(&repo_root().join("tests/fixtures/catalogs/names"));
    let ops = &files
        .iter()
        .find(|f| f.path.ends_with("operations/keywords.rs"))
        .expect("keywords.rs")
        .contents;
    let start = ops
        .find("\"GetCsrForApp\"")
        .expect("GetCsrForApp's request");
    let call: String = ops[start..]
        .chars()
        .take_while(|c| *c != ';')
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        call.contains(
            "\"/api/v1/apps/{appId}/credentials/csrs/{csrId}\",&[&self.app_id,&self.csr_id]"
        ),
        "{call}"
    );
}

/// `CLIENT_METHODS` is exactly the methods the hand-written runtime gives `Client` in its
/// inherent `impl Client` blocks (wherever they are, however written), plus the trait methods
/// emitted code calls on it.
#[test]
fn the_client_methods_of_the_contract_are_the_runtimes() {
    #[derive(Default)]
    struct ClientFns(BTreeSet<String>);
    impl<'ast> Visit<'ast> for ClientFns {
        fn visit_item_impl(&mut self, i: &'ast syn::ItemImpl) {
            if i.trait_.is_none() && self_type(i).as_deref() == Some("Client") {
                for item in &i.items {
                    if let syn::ImplItem::Fn(f) = item {
                        self.0.insert(f.sig.ident.to_string());
                    }
                }
            }
            visit::visit_item_impl(self, i);
        }
    }
    let mut found = ClientFns::default();
    for (_, file) in runtime_files() {
        found.visit_file(&file);
    }
    let traits = ["clone", "clone_from", "fmt"];
    let listed: BTreeSet<String> = contract::CLIENT_METHODS
        .iter()
        .filter(|m| !traits.contains(m))
        .map(|m| m.to_string())
        .collect();
    assert_eq!(
        found.0, listed,
        "update CLIENT_METHODS in codegen/src/contract.rs"
    );
}
