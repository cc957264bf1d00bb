//! The profile generator (`okta_codegen::profile`) on bad input, between two versions of a schema,
//! from the command line, and against the contract. The emitted code of the fixture schemas
//! is pinned in `snapshots.rs`; `tests/profile_crate` compiles and uses it;
//! `profile_fuzz.rs` mutates schemas.

use std::collections::BTreeSet;

use okta_codegen::contract;
use okta_codegen::profile::{self, diff::Impact, Error, Source};
use tests::{repo_root, snapshot_name};

fn source(rel: &str) -> Source {
    let path = repo_root().join("tests/fixtures/profile").join(rel);
    Source {
        file: path.file_name().unwrap().to_string_lossy().into_owned(),
        text: std::fs::read_to_string(&path).unwrap(),
        type_name: None,
    }
}

/// Each bad schema is refused with every problem at once, each located by a JSON path (or a
/// line and column for text that is not JSON); the messages are pinned.
#[test]
fn bad_schemas_are_refused_with_located_problems() {
    let dir = repo_root().join("tests/fixtures/profile/bad");
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    names.sort();
    assert!(names.len() >= 20, "{names:?}");
    let mut outputs = Vec::new();
    for name in names {
        let s = source(&format!("bad/{name}"));
        let problems = match profile::generate(&[s]) {
            Err(Error::Schema(p)) => p,
            Err(e) => panic!("{name}: not a schema error: {e}"),
            Ok(_) => panic!("{name}: accepted"),
        };
        assert!(!problems.0.is_empty(), "{name}");
        for p in &problems.0 {
            // One diagnostic type: located by JSON path, or by line and column in text that is
            // not JSON.
            let l = &p.location;
            assert!(
                l.json_path.as_deref().is_some_and(|x| x.starts_with('$')) || l.line > 0,
                "{name}: {p}"
            );
            assert_eq!(l.file, std::path::Path::new(&name));
        }
        let stem = name.trim_end_matches(".json");
        outputs.push((snapshot_name("profile_bad", stem), problems.to_string()));
    }
    tests::assert_snapshots!(outputs);
}

/// A file with several problems reports all of them, not the first.
#[test]
fn every_problem_of_a_schema_is_reported_at_once() {
    let Err(Error::Schema(p)) = profile::generate(&[source("bad/18_every_problem_at_once.json")])
    else {
        panic!("accepted")
    };
    assert!(p.0.len() >= 6, "{p}");
}

/// Nothing is written when a schema is bad: not the output, not a temporary file; and an
/// existing output is left as it was.
#[test]
fn a_bad_schema_writes_nothing() {
    let dir = std::env::temp_dir().join(format!("okta-profile-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("okta_profiles.rs");
    std::fs::write(&out, "// the previous output\n").unwrap();
    let fixtures = repo_root().join("tests/fixtures/profile");
    let r = profile::Builder::new()
        .schema(fixtures.join("user.json"))
        .schema(fixtures.join("bad/05_type_unknown.json"))
        .generate_to_file(&out);
    assert!(matches!(r, Err(Error::Schema(_))), "{r:?}");
    assert_eq!(
        std::fs::read_to_string(&out).unwrap(),
        "// the previous output\n"
    );
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    assert_eq!(files.len(), 1, "{files:?}");
    // A missing file is an I/O error naming it.
    let r = profile::Builder::new()
        .schema(dir.join("missing.json"))
        .generate_to_file(&out);
    assert!(
        matches!(&r, Err(Error::Io { what, .. }) if what.contains("missing.json")),
        "{r:?}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The command line (`cargo xtask profile`, `okta-profile-gen`): a file written, or an error
/// and nothing written; the diff report.
#[test]
fn the_command_line_generates_and_diffs() {
    let dir = std::env::temp_dir().join(format!("okta-profile-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join("profiles.rs");
    let fixtures = repo_root().join("tests/fixtures/profile");
    let arg = |p: &str| fixtures.join(p).to_string_lossy().into_owned();
    let args = vec![
        "generate".to_string(),
        arg("group.json"),
        format!("{}=Employee", arg("user.json")),
        arg("contractor.json"),
        "--user-types".into(),
        arg("user_types.json"),
        "-o".into(),
        out.to_string_lossy().into_owned(),
    ];
    profile::cli::run("okta-profile-gen", &args).unwrap();
    let code = std::fs::read_to_string(&out).unwrap();
    assert!(code.starts_with("// @generated"), "{code}");
    assert!(code.contains("pub struct GroupProfile {"));
    assert!(code.contains("pub struct Employee {"));
    assert!(code.contains("pub enum EmployeeBadgeColor {"));
    assert!(code.contains("pub enum OrgUser {"));
    assert!(code.contains("Employee(::okta_client::profile::User<Employee>),"));

    let bad = vec![
        "generate".to_string(),
        arg("bad/05_type_unknown.json"),
        "-o".into(),
        dir.join("never.rs").to_string_lossy().into_owned(),
    ];
    let err = profile::cli::run("okta-profile-gen", &bad).unwrap_err();
    assert!(err.contains("`strng` is not a type"), "{err}");
    assert!(err.contains("nothing was written"), "{err}");
    assert!(!dir.join("never.rs").exists());

    let usage = profile::cli::run("okta-profile-gen", &["generate".into()]).unwrap_err();
    assert!(usage.starts_with("usage: okta-profile-gen"), "{usage}");

    let report = profile::cli::run(
        "okta-profile-gen",
        &["diff".into(), arg("diff/old.json"), arg("diff/new.json")],
    )
    .unwrap();
    assert!(
        report.starts_with("# Profile schema changes: `NewProfile`"),
        "{report}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The change report between two versions of a schema: every kind of change, each marked.
#[test]
fn the_diff_marks_breaking_changes() {
    let (mut old, new) = (source("diff/old.json"), source("diff/new.json"));
    old.type_name = Some("UserProfile".into());
    let mut new = new;
    new.type_name = Some("UserProfile".into());
    let old = &profile::resolve(&[old]).unwrap()[0];
    let new = &profile::resolve(&[new]).unwrap()[0];
    let report = profile::diff::diff(old, new);
    let find = |needle: &str| {
        report
            .changes
            .iter()
            .find(|c| c.text.contains(needle))
            .unwrap_or_else(|| panic!("no change mentions {needle}:\n{}", report.to_markdown()))
            .impact
    };
    assert_eq!(find("`legacyCode` removed"), Impact::Breaking);
    assert_eq!(find("`region` added"), Impact::Additive);
    assert_eq!(find("`badgeId` added"), Impact::Breaking);
    assert_eq!(
        find("`level` is now number (was integer)"),
        Impact::Breaking
    );
    assert_eq!(find("\"platinum\" added"), Impact::Behaviour);
    assert_eq!(find("\"silver\" removed"), Impact::Breaking);
    assert_eq!(find("`manager` is now required"), Impact::Breaking);
    assert_eq!(find("`employeeNumber` is now read-only"), Impact::Behaviour);
    assert_eq!(find("`costCenter`: length"), Impact::Behaviour);
    assert_eq!(find("`nickname`: title"), Impact::Docs);
    assert_eq!(report.impact(), Some(Impact::Breaking));
    assert!(profile::diff::diff(old, old).changes.is_empty());
    tests::assert_snapshots!([("profile_diff__report.md".to_string(), report.to_markdown())]);
}

/// Every `::okta_client::…` path the emitted profile code names is in
/// `contract::PROFILE_RUNTIME`, and every entry is named by it.
#[test]
fn emitted_profile_code_names_exactly_the_contract_paths() {
    let code = profile::generate_with_user_types(
        &[
            source("user.json"),
            source("group.json"),
            source("app_user.json"),
            source("contractor.json"),
        ],
        Some(&source("user_types.json")),
    )
    .unwrap();
    let mut used = BTreeSet::new();
    for (i, _) in code.match_indices("::okta_client::") {
        let path: String = code[i + 2..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == ':')
            .collect();
        used.insert(path.trim_end_matches(':').to_string());
    }
    let listed: BTreeSet<String> = contract::PROFILE_RUNTIME
        .iter()
        .map(|i| i.public_path().replacen("crate::", "okta_client::", 1))
        .collect();
    // `okta_client::profile::serde::Serialize` is named through the listed `…::serde`.
    let unlisted: Vec<&String> = used
        .iter()
        .filter(|u| {
            !listed
                .iter()
                .any(|l| *u == l || u.starts_with(&format!("{l}::")))
        })
        .collect();
    assert!(unlisted.is_empty(), "not in PROFILE_RUNTIME: {unlisted:?}");
    for l in &listed {
        assert!(
            used.iter()
                .any(|u| u == l || u.starts_with(&format!("{l}::"))),
            "{l} is listed but never emitted"
        );
    }
}

/// Two structs never share a name, and none is renamed to make it unique: a name given for
/// one schema (`contractor.json=UserProfile`) or taken from its file name that another schema
/// also has is an error naming both sources. An enum named after a struct and attribute that
/// would take another struct's name gives way instead (its name is not one the user chose).
#[test]
fn colliding_struct_names_are_errors_naming_both_sources() {
    let mut contractor = source("group.json");
    contractor.file = "contractor.json".into();
    contractor.type_name = Some("UserProfile".into());
    let Err(Error::Schema(p)) = profile::generate(&[source("user.json"), contractor.clone()])
    else {
        panic!("a chosen name that collides was accepted")
    };
    assert_eq!(p.0.len(), 1, "{p}");
    assert_eq!(p.0[0].location.to_string(), "contractor.json at $");
    assert_eq!(
        p.0[0].message,
        "two structs would be called `UserProfile`: user.json's (from its file name) and \
         contractor.json's (the name given for it); give one of them another name \
         (`.schema_as(path, \"Name\")` in a build script, `path=Name` on the command line)"
    );
    // Two files called user.json (from two folders): the same, both names from the files.
    let mut second = source("group.json");
    second.file = "user.json".into();
    let Err(Error::Schema(p)) = profile::generate(&[source("user.json"), second.clone()]) else {
        panic!("two structs of one name were accepted")
    };
    assert!(
        p.to_string()
            .contains("user.json's (from its file name) and user.json's (from its file name)"),
        "{p}"
    );
    // From the command line too, and nothing is written.
    let dir = std::env::temp_dir().join(format!("okta-profile-names-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let fixtures = repo_root().join("tests/fixtures/profile");
    let out = dir.join("never.rs");
    let args = vec![
        "generate".to_string(),
        fixtures.join("user.json").to_string_lossy().into_owned(),
        format!("{}=UserProfile", fixtures.join("group.json").display()),
        "-o".into(),
        out.to_string_lossy().into_owned(),
    ];
    let err = profile::cli::run("okta-profile-gen", &args).unwrap_err();
    assert!(
        err.contains("two structs would be called `UserProfile`"),
        "{err}"
    );
    assert!(!out.exists());
    let _ = std::fs::remove_dir_all(&dir);
    // Another name for one of them resolves it; an enum that would take a struct's name
    // (`UserProfile` + `badgeColor` → `UserProfileBadgeColor`) gives way.
    second.type_name = Some("UserProfileBadgeColor".into());
    let code = profile::generate(&[source("user.json"), second]).unwrap();
    assert!(code.contains("pub struct UserProfile {"));
    assert!(code.contains("pub struct UserProfileBadgeColor {"));
    assert!(code.contains("pub enum UserProfileBadgeColor2 {"));
    let bad = Source {
        type_name: Some("user profile".into()),
        ..source("user.json")
    };
    let Err(Error::Schema(p)) = profile::generate(&[bad]) else {
        panic!("a type name that is no identifier was accepted")
    };
    assert!(p.to_string().contains("such as `UserProfile`"), "{p}");
}

/// Regenerating into the same folder shows what changed in a schema since the previous run
/// (what `build.rs` turns into `cargo:warning`s); an unchanged schema reports nothing.
#[test]
fn regenerating_reports_what_changed_since_the_last_run() {
    let dir = std::env::temp_dir().join(format!("okta-profile-history-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fixtures = repo_root().join("tests/fixtures/profile");
    let run = |schema: &str| {
        profile::Builder::new()
            .schema(fixtures.join("group.json"))
            .schema_as(fixtures.join(schema), "UserProfile")
            .generate_to_dir(&dir)
            .unwrap()
    };
    assert!(
        run("diff/old.json").is_empty(),
        "a first run has nothing to compare"
    );
    let reports = run("diff/new.json");
    assert_eq!(reports.len(), 1, "only the user schema changed");
    assert_eq!(reports[0].type_name, "UserProfile");
    assert_eq!(reports[0].impact(), Some(Impact::Breaking));
    assert!(reports[0]
        .changes
        .iter()
        .any(|c| c.text.contains("`legacyCode` removed")));
    let report = dir.join("okta_profiles.changes.md");
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("`legacyCode` removed"), "{text}");
    assert!(run("diff/new.json").is_empty(), "nothing changed since");
    // The report of the run before is gone: a report never describes an earlier run.
    assert!(!report.exists(), "a stale report stayed in place");
    // A later change replaces it with its own.
    assert_eq!(run("diff/old.json").len(), 1);
    let text = std::fs::read_to_string(&report).unwrap();
    assert!(text.contains("`legacyCode` added"), "{text}");
    assert!(!text.contains("`legacyCode` removed"), "{text}");
    assert_eq!(run("diff/new.json").len(), 1);
    let code = std::fs::read_to_string(dir.join(profile::OUT_FILE)).unwrap();
    assert!(
        code.contains("pub badge_id: ::okta_client::profile::Attribute<String>"),
        "the code is the new schema's"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The profile is what `properties.profile.allOf` references, as Okta composes it: a
/// definition no entry references contributes nothing, and a schema without `allOf` (written
/// by hand) is its `base` and `custom`.
#[test]
fn the_profile_is_what_all_of_references() {
    let schema = |all_of: &str| Source {
        file: "user.json".into(),
        text: format!(
            r#"{{"definitions": {{
                "base": {{"properties": {{"login": {{"type": "string"}}}}}},
                "custom": {{"properties": {{"costCenter": {{"type": "string"}}}}}},
                "extra": {{"properties": {{"badge": {{"type": "string"}}}}}}
            }}{all_of}}}"#
        ),
        type_name: None,
    };
    let fields = |all_of: &str| -> Vec<String> {
        let profiles = profile::resolve(&[schema(all_of)]).unwrap();
        profiles[0]
            .fields
            .iter()
            .map(|f| f.attribute.name.clone())
            .collect()
    };
    let refs = |names: &[&str]| {
        let entries: Vec<String> = names
            .iter()
            .map(|n| format!(r##"{{"$ref": "#/definitions/{n}"}}"##))
            .collect();
        format!(
            r#", "properties": {{"profile": {{"allOf": [{}]}}}}"#,
            entries.join(", ")
        )
    };
    assert_eq!(fields(&refs(&["custom", "base"])), ["login", "costCenter"]);
    assert_eq!(fields(&refs(&["base"])), ["login"]);
    assert_eq!(fields(&refs(&["extra", "base"])), ["login", "badge"]);
    assert_eq!(fields(""), ["login", "costCenter"]);
    let Err(Error::Schema(p)) = profile::resolve(&[schema(&refs(&["base", "cusotm"]))]) else {
        panic!("a reference to nothing was accepted")
    };
    assert_eq!(p.0.len(), 1, "{p}");
    assert_eq!(
        p.0[0].location.json_path.as_deref(),
        Some("$.properties.profile.allOf[1].$ref")
    );
    assert!(p.0[0]
        .message
        .contains("`#/definitions/cusotm` resolves to nothing"));
}

/// Read-only attributes are set by Okta: no `with_…` setter, not an argument of `new()`, not
/// required by `validate()`; every attribute's `validate()` reports a value of another kind.
#[test]
fn read_only_attributes_have_no_setter() {
    let text = r#"{"definitions": {"base": {"properties": {
        "login": {"type": "string", "required": true},
        "employeeNumber": {"type": "string", "mutability": "READ_ONLY", "required": true},
        "level": {"type": "integer"}
    }}}}"#;
    let code = profile::generate(&[Source {
        file: "user.json".into(),
        text: text.into(),
        type_name: None,
    }])
    .unwrap();
    assert!(code.contains("pub fn with_login("), "{code}");
    assert!(code.contains("pub fn with_level("), "{code}");
    assert!(!code.contains("fn with_employee_number"), "{code}");
    assert!(
        code.contains("pub fn new(login: impl Into<String>) -> Self"),
        "{code}"
    );
    assert!(!code.contains("v.required(\"employeeNumber\""), "{code}");
    assert!(
        code.contains("(\"level\", \"an integer\", self.level.mismatched()),"),
        "{code}"
    );
}

/// The user-type list: each type's schema found by its `_links.schema.href` (the default type
/// also by the schema saved from `/user/default`); a type whose schema is not given, a
/// malformed list, or a schema named like the enum is a located error.
#[test]
fn user_types_need_their_schemas() {
    let types = source("user_types.json");
    let schemas = [source("user.json"), source("contractor.json")];
    let (_, ir) = profile::resolve_with_user_types(&schemas, Some(&types)).unwrap();
    let ir = ir.unwrap();
    let names: Vec<(usize, Vec<&str>)> = ir
        .variants
        .iter()
        .map(|(i, l)| (*i, l.iter().map(|t| t.id.as_str()).collect()))
        .collect();
    assert_eq!(
        names,
        [(0, vec!["oty1default"]), (1, vec!["oty2contractor"])]
    );

    let Err(Error::Schema(p)) = profile::resolve_with_user_types(&schemas[..1], Some(&types))
    else {
        panic!("a user type without its schema was accepted")
    };
    assert_eq!(p.0.len(), 1, "{p}");
    assert_eq!(
        p.0[0].location.to_string(),
        "user_types.json at $[1]._links.schema.href"
    );
    assert!(
        p.0[0]
            .message
            .contains("the user type `contractor` (`oty2contractor`)")
            && p.0[0]
                .message
                .contains("https://example.okta.com/api/v1/meta/schemas/user/osc2contractor"),
        "{p}"
    );
    let list = |text: &str| Source {
        file: "types.json".into(),
        text: text.into(),
        type_name: None,
    };
    for (text, path) in [
        ("{}", "types.json at $"),
        ("[]", "types.json at $"),
        ("[7]", "types.json at $[0]"),
        (r#"[{"id": "oty1"}]"#, "types.json at $[0]"),
        (
            r#"[{"id": 1, "_links": {"schema": {"href": "h"}}}]"#,
            "types.json at $[0].id",
        ),
        ("[", "types.json:1:1"),
    ] {
        let Err(Error::Schema(p)) = profile::resolve_with_user_types(&schemas, Some(&list(text)))
        else {
            panic!("{text} was accepted")
        };
        assert_eq!(p.0[0].location.to_string(), path, "{text}: {p}");
    }
    // A struct may take neither the enum's name nor its catch-all variant's.
    for (name, why) in [
        ("OrgUser", "the name of the enum over the user types"),
        (
            "Other",
            "the variant of the enum over the user types that keeps users of other types",
        ),
    ] {
        let mut named = source("contractor.json");
        named.type_name = Some(name.into());
        let Err(Error::Schema(p)) =
            profile::resolve_with_user_types(&[source("user.json"), named], Some(&types))
        else {
            panic!("a struct named `{name}` was accepted")
        };
        assert!(p.to_string().contains(why), "{p}");
    }
}

/// `minimum` and `maximum` reach `validate()` and the docs as the schema writes them: an
/// integer bound of an integer attribute as an `i64` (2^53 + 1 is not 2^53), a decimal one by
/// its exact value, a number's integer bound beyond 2^53 as the integer; the docs print `1` and
/// `1.0` apart. A maximum beyond `i64` on an integer attribute is clamped (every value is within
/// it) but documented as written.
#[test]
fn bounds_are_emitted_and_documented_as_written() {
    let text = r#"{"definitions": {"custom": {"properties": {
        "serial": {"type": "integer", "maximum": 9007199254740993},
        "hours": {"type": "integer", "minimum": 1, "maximum": 37.5},
        "ratio": {"type": "number", "minimum": 1, "maximum": 1.0},
        "mass": {"type": "number", "minimum": 9007199254740993},
        "ceiling": {"type": "integer", "maximum": 18446744073709551615},
        "counts": {"type": "array", "items": {"type": "integer", "minimum": -9223372036854775808}}
    }}}}"#;
    let code = profile::generate(&[Source {
        file: "user.json".into(),
        text: text.into(),
        type_name: None,
    }])
    .unwrap();
    for expected in [
        r#"v.range_integer("serial", x.copied(), None, Some(9007199254740993i64));"#,
        "Range: at most 9007199254740993.",
        r#"v.range_integer("hours", x.copied(), Some(1i64), None);"#,
        r#"v.range_integer_decimal("hours", x.copied(), None, Some(37.5f64));"#,
        "Range: from 1 to 37.5.",
        r#"v.range("ratio", x.copied(), Some(1f64), Some(1f64));"#,
        "Range: from 1 to 1.0.",
        r#"v.range_number_integer("mass", x.copied(), Some(9007199254740993i128), None);"#,
        "Range: at least 9007199254740993.",
        r#"v.range_integer("ceiling", x.copied(), None, Some(9223372036854775807i64));"#,
        "Range: at most 18446744073709551615.",
        r#"v.range_integer("counts", x.copied(), Some(-9223372036854775808i64), None);"#,
        "Each item: at least -9223372036854775808.",
    ] {
        assert!(code.contains(expected), "no {expected}:\n{code}");
    }
}

/// The user schema as saved by the link of a type other than the default one
/// (`…/user/osc1default`), which the types of `diff/user_types_*.json` name.
fn user_schema_by_link() -> Source {
    let mut s = source("user.json");
    s.text = s.text.replace(
        "/meta/schemas/user/default\"",
        "/meta/schemas/user/osc1default\"",
    );
    s
}

/// The change report between two versions of the user types, with the structs they decode
/// into (`contractor.json` generated as `Contractor` the second time): variants, types added,
/// removed and moved to another struct, names and the default type, each marked; and the same
/// pair from the command line, compared by the types' links since it has no schemas.
#[test]
fn the_user_type_diff_marks_breaking_changes() {
    use profile::diff::TypeEntry;
    let resolve = |types: &str, contractor_name: Option<&str>| {
        let mut contractor = source("contractor.json");
        contractor.type_name = contractor_name.map(Into::into);
        let (profiles, ir) = profile::resolve_with_user_types(
            &[user_schema_by_link(), contractor],
            Some(&source(types)),
        )
        .unwrap();
        TypeEntry::of(&ir.unwrap(), &profiles)
    };
    let old = resolve("diff/user_types_old.json", None);
    let new = resolve("diff/user_types_new.json", Some("Contractor"));
    let report = profile::diff::diff_user_types(&old, &new);
    let find = |needle: &str| {
        report
            .changes
            .iter()
            .find(|c| c.text.contains(needle))
            .unwrap_or_else(|| panic!("no change mentions {needle}:\n{}", report.to_markdown()))
            .impact
    };
    assert_eq!(
        find("`OrgUser::ContractorProfile` removed"),
        Impact::Breaking
    );
    assert_eq!(find("`OrgUser::Contractor` added"), Impact::Breaking);
    assert_eq!(find("`temp` (`oty4temp`) removed"), Impact::Behaviour);
    assert_eq!(find("`intern` (`oty5intern`) added"), Impact::Behaviour);
    assert_eq!(
        find(
            "the users of the type `partner` (`oty3partner`) now decode as `OrgUser::UserProfile`"
        ),
        Impact::Behaviour
    );
    assert_eq!(find("now named `contractors`"), Impact::Docs);
    assert_eq!(find("display name `Employee` (was `User`)"), Impact::Docs);
    assert_eq!(
        find("the default user type is now `contractors`"),
        Impact::Docs
    );
    assert!(profile::diff::diff_user_types(&old, &old)
        .changes
        .is_empty());
    tests::assert_snapshots!([(
        "profile_diff__user_types.md".to_string(),
        report.to_markdown()
    )]);

    let fixtures = repo_root().join("tests/fixtures/profile");
    let arg = |p: &str| fixtures.join(p).to_string_lossy().into_owned();
    let cli = profile::cli::run(
        "okta-profile-gen",
        &[
            "diff".into(),
            arg("diff/user_types_old.json"),
            arg("diff/user_types_new.json"),
        ],
    )
    .unwrap();
    assert!(cli.starts_with("# User type changes: `OrgUser`"), "{cli}");
    assert!(
        cli.contains(
            "the users of the type `partner` (`oty3partner`) now decode as the struct of the \
             schema `https://example.okta.com/api/v1/meta/schemas/user/osc1default`"
        ),
        "{cli}"
    );
    assert!(cli.contains("`intern` (`oty5intern`) added"), "{cli}");
    let mixed = profile::cli::run(
        "okta-profile-gen",
        &["diff".into(), arg("user.json"), arg("user_types.json")],
    )
    .unwrap_err();
    assert!(mixed.contains("two lists of user types"), "{mixed}");
}

/// Regenerating into the same folder reports what changed in the user types since the previous
/// run, beside the schemas' changes: in the returned reports and `okta_profiles.changes.md`;
/// an unchanged list reports nothing, and a run without the user types after one with them
/// reports the enum removed, once.
#[test]
fn regenerating_reports_user_type_changes() {
    let dir = std::env::temp_dir().join(format!("okta-profile-types-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    let user = dir.join("user.json");
    std::fs::write(&user, user_schema_by_link().text).unwrap();
    let fixtures = repo_root().join("tests/fixtures/profile");
    let run = |types: Option<&str>| {
        let mut b = profile::Builder::new()
            .schema(&user)
            .schema(fixtures.join("contractor.json"));
        if let Some(t) = types {
            b = b.user_types(fixtures.join(t));
        }
        b.generate_to_dir(&out).unwrap()
    };
    assert!(run(Some("diff/user_types_old.json")).is_empty());
    let reports = run(Some("diff/user_types_new.json"));
    assert_eq!(reports.len(), 1, "only the user types changed");
    assert_eq!(reports[0].type_name, "OrgUser");
    assert_eq!(reports[0].subject, profile::diff::Subject::UserTypes);
    assert_eq!(reports[0].impact(), Some(Impact::Behaviour));
    let text = std::fs::read_to_string(out.join("okta_profiles.changes.md")).unwrap();
    assert!(text.starts_with("# User type changes: `OrgUser`"), "{text}");
    assert!(text.contains("`intern` (`oty5intern`) added"), "{text}");
    assert!(run(Some("diff/user_types_new.json")).is_empty());
    // A schema's struct renamed moves the types that decode with it to another variant, though
    // the list did not change.
    let reports = profile::Builder::new()
        .schema(&user)
        .schema_as(fixtures.join("contractor.json"), "Contractor")
        .user_types(fixtures.join("diff/user_types_new.json"))
        .generate_to_dir(&out)
        .unwrap();
    let texts: Vec<&str> = reports
        .iter()
        .flat_map(|r| r.changes.iter().map(|c| c.text.as_str()))
        .collect();
    assert!(
        texts.contains(&"`OrgUser::Contractor` added (the users of `contractors` (`oty2contractor`)): a `match` without a wildcard arm must handle it"),
        "{texts:?}"
    );
    let reports = run(None);
    assert_eq!(reports.len(), 1);
    assert_eq!(
        reports[0].changes[0].text,
        "`OrgUser` removed: the user types are no longer given"
    );
    assert!(run(None).is_empty(), "reported once");
    let _ = std::fs::remove_dir_all(&dir);
}
