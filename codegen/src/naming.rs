//! Every Rust name the generator emits comes from here: case conversion (heck), Rust keywords,
//! the names the generated code already uses (all from [`crate::contract`]), and collisions.

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};

use crate::contract;

const KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "union", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

pub fn is_keyword(s: &str) -> bool {
    KEYWORDS.contains(&s)
}

/// Whether `s` names a type the generated modules use themselves (`Option`, `Client`, …).
pub fn is_reserved_type(s: &str) -> bool {
    contract::is_reserved_type(s)
}

/// Whether `raw` has anything an identifier can be made of; `-`, `$` or a blank have not, and
/// would all become the placeholder `value`.
pub fn has_words(raw: &str) -> bool {
    !words(raw).is_empty()
}

/// Strips what cannot start or appear in an identifier: `_links` → `links`, `x-rate` → `x rate`.
fn words(raw: &str) -> String {
    // `OAuth2` is one word, not `O` + `Auth2`: `ListOAuth2Scopes` → `list_oauth2_scopes`.
    let raw = raw.replace("OAuth", "Oauth");
    let cleaned: String = raw
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    cleaned.trim().to_string()
}

/// A snake_case identifier that is never a keyword and never starts with a digit.
pub fn snake(raw: &str) -> String {
    let mut s = words(raw).to_snake_case();
    if s.is_empty() {
        s = "value".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("n{s}");
    }
    if is_keyword(&s) {
        s.push('_');
    }
    s
}

/// An UpperCamelCase type name that is never reserved and never starts with a digit.
pub fn type_name(raw: &str) -> String {
    let mut s = words(raw).to_upper_camel_case();
    if s.is_empty() {
        s = "Value".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("V{s}");
    }
    if contract::is_reserved_type(&s) || is_keyword(&s) {
        s.push_str("Model");
    }
    s
}

/// The Rust field name of a JSON property; never a member every model has
/// (`explicitNulls` → `explicit_nulls_`).
pub fn field_name(json_name: &str) -> String {
    let s = snake(json_name);
    if contract::is_model_member(&s) {
        return format!("{s}_");
    }
    s
}

/// The builder method / argument name of a parameter.
pub fn param_name(wire_name: &str) -> String {
    let s = snake(wire_name);
    if contract::is_builder_member(&s) {
        return format!("{s}_");
    }
    s
}

/// The enum variant for a documented value: `com.okta.import.transform` → `ComOktaImportTransform`.
pub fn variant_name(value: &str) -> String {
    let mut s = words(value).to_upper_camel_case();
    if s.is_empty() {
        s = "Empty".into();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) {
        s = format!("V{s}");
    }
    // `Unknown` is the variant that carries values the catalog does not list.
    if s == contract::UNKNOWN_VARIANT || s == "Self" {
        s.push_str("Value");
    }
    s
}

pub fn module_name(group: &str) -> String {
    snake(group)
}

pub fn feature_name(group: &str) -> String {
    words(group).to_kebab_case()
}

/// File name (without extension) of a model.
pub fn model_file(model: &str) -> String {
    let s = snake(model);
    // The file is also a module: `Type` → `type_`, never the keyword `type`, and `Serde` →
    // `serde_`, never the name of a crate the emitted code names (`serde::Serialize`).
    match s.trim_end_matches('_') {
        t if is_keyword(t) => s,
        t if contract::is_external_crate(t) => format!("{t}_"),
        t => t.to_string(),
    }
}

/// Gives each name in order a unique spelling by appending `2`, `3`, …
pub fn dedupe(names: &mut [String]) {
    let taken: std::collections::HashSet<String> = names.iter().cloned().collect();
    let mut seen = std::collections::HashSet::new();
    for name in names.iter_mut() {
        if seen.insert(name.clone()) {
            continue;
        }
        let mut n = 2;
        loop {
            let candidate = if name.ends_with('_') {
                format!("{name}{n}")
            } else {
                format!("{name}_{n}")
            };
            if !taken.contains(&candidate) && seen.insert(candidate.clone()) {
                *name = candidate;
                break;
            }
            n += 1;
        }
    }
}

/// [`dedupe`] for UpperCamelCase names (types, enum variants): `Name2`, `Name3`, … (an
/// underscore would break the case convention). Used by the profile generator, whose names
/// come from an org's schema and are never refused.
pub fn dedupe_camel(names: &mut [String]) {
    let taken: std::collections::HashSet<String> = names.iter().cloned().collect();
    let mut seen = std::collections::HashSet::new();
    for name in names.iter_mut() {
        if seen.insert(name.clone()) {
            continue;
        }
        let mut n = 2;
        while taken.contains(&format!("{name}{n}")) || !seen.insert(format!("{name}{n}")) {
            n += 1;
        }
        *name = format!("{name}{n}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_leading_underscores() {
        assert_eq!(field_name("type"), "type_");
        assert_eq!(field_name("self"), "self_");
        assert_eq!(field_name("_links"), "links");
        assert_eq!(
            field_name("endUserSupportHelpURL"),
            "end_user_support_help_url"
        );
        assert_eq!(param_name("send"), "send_");
        assert_eq!(type_name("Error"), "ErrorModel");
        assert_eq!(
            variant_name("com.okta.user.pre-registration"),
            "ComOktaUserPreRegistration"
        );
        assert_eq!(variant_name("Unknown"), "UnknownValue");
        assert_eq!(feature_name("AuthorizationServer"), "authorization-server");
        assert_eq!(model_file("Type"), "type_");
        assert_eq!(snake("ListOAuth2Scopes"), "list_oauth2_scopes");
        assert_eq!(model_file("InlineHook"), "inline_hook");
    }

    #[test]
    fn contract_names_are_reserved() {
        for member in contract::MODEL_FIELDS {
            assert_eq!(field_name(member), format!("{member}_"));
        }
        assert_eq!(field_name("explicitNulls"), "explicit_nulls_");
        assert_eq!(field_name("mismatchedFields"), "mismatched_fields_");
        for member in contract::BUILDER_MEMBERS {
            assert_eq!(param_name(member), format!("{member}_"));
        }
        assert_eq!(param_name("intoStream"), "into_stream_");
        assert_eq!(type_name("ExplicitNulls"), "ExplicitNullsModel");
        assert_eq!(type_name("MismatchedFields"), "MismatchedFieldsModel");
        assert_eq!(type_name("WireModel"), "WireModelModel");
        assert_eq!(model_file("Serde"), "serde_");
        assert_eq!(model_file("SerdeJson"), "serde_json_");
    }

    #[test]
    fn dedupe_appends_numbers() {
        let mut v = vec!["user_id".to_string(), "user_id".into(), "user_id_2".into()];
        dedupe(&mut v);
        assert_eq!(v, ["user_id", "user_id_3", "user_id_2"]);
        let mut v = vec!["Eng".to_string(), "Eng".into(), "Eng2".into(), "Eng".into()];
        dedupe_camel(&mut v);
        assert_eq!(v, ["Eng", "Eng3", "Eng2", "Eng4"]);
    }
}
