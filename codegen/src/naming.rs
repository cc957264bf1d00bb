//! Every Rust name the generator emits comes from here: case conversion (heck), Rust keywords,
//! the names the generated code already uses (all from [`crate::contract`]), and collisions.

use heck::{ToKebabCase, ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

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
/// A non-ASCII letter or digit is never dropped: a Latin letter becomes its usual ASCII
/// spelling (`Übername` → `Uebername`, `straße` → `strasse`, `é` → `e`), any other one its
/// code point as a word of its own (`日本` → `u65e5 u672c`).
fn words(raw: &str) -> String {
    // `OAuth2` is one word, not `O` + `Auth2`: `ListOAuth2Scopes` → `list_oauth2_scopes`.
    let raw = raw.replace("OAuth", "Oauth");
    let chars: Vec<char> = raw.chars().collect();
    let mut cleaned = String::with_capacity(raw.len());
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_alphanumeric() {
            cleaned.push(c);
        } else if let Some(latin) = latin_letter(c) {
            // `ÜBER` → `UEBER` (one word), `Über` → `Ueber`.
            let next_upper = chars.get(i + 1).is_some_and(|n| n.is_uppercase());
            if c.is_uppercase() && next_upper {
                cleaned.push_str(&latin.to_ascii_uppercase());
            } else if c.is_uppercase() {
                let mut letters = latin.chars();
                if let Some(first) = letters.next() {
                    cleaned.push(first.to_ascii_uppercase());
                    cleaned.extend(letters);
                }
            } else {
                cleaned.push_str(latin);
            }
        } else if c.is_alphanumeric() {
            cleaned.push_str(&format!(" u{:x} ", u32::from(c)));
        } else {
            cleaned.push(' ');
        }
    }
    cleaned.trim().to_string()
}

/// The ASCII spelling (lower case) of a Latin letter with a diacritic or a ligature, as
/// German, French, Nordic and Central European names are usually written without them.
fn latin_letter(c: char) -> Option<&'static str> {
    let lower = c.to_lowercase().next()?;
    Some(match lower {
        'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ă' | 'ą' => "a",
        'ä' | 'æ' => "ae",
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => "c",
        'ď' | 'đ' | 'ð' => "d",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => "e",
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => "g",
        'ĥ' | 'ħ' => "h",
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => "i",
        'ĵ' => "j",
        'ķ' => "k",
        'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => "l",
        'ñ' | 'ń' | 'ņ' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' | 'ŏ' | 'ő' => "o",
        'ö' | 'œ' => "oe",
        'ŕ' | 'ŗ' | 'ř' => "r",
        'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => "s",
        'ß' => "ss",
        'ţ' | 'ť' | 'ŧ' | 'ț' => "t",
        'ù' | 'ú' | 'û' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => "u",
        'ü' => "ue",
        'ŵ' => "w",
        'ý' | 'ÿ' | 'ŷ' => "y",
        'ź' | 'ż' | 'ž' => "z",
        'þ' => "th",
        _ => return None,
    })
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

/// The chained setter of a field: `cost_center` → `with_cost_center`, `type_` → `with_type`.
pub fn setter_name(field: &str) -> String {
    format!("{}{}", contract::SETTER_PREFIX, field.trim_end_matches('_'))
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

/// The names of the Rust prelude (types, traits, variants): a profile enum variant of one of
/// these names would shadow it wherever the enum's variants are imported with a glob.
const PRELUDE: &[&str] = &[
    "AsMut",
    "AsRef",
    "Box",
    "Clone",
    "Copy",
    "Default",
    "DoubleEndedIterator",
    "Drop",
    "Eq",
    "Err",
    "ExactSizeIterator",
    "Extend",
    "Fn",
    "FnMut",
    "FnOnce",
    "From",
    "FromIterator",
    "Into",
    "IntoIterator",
    "Iterator",
    "None",
    "Ok",
    "Option",
    "Ord",
    "PartialEq",
    "PartialOrd",
    "Result",
    "Send",
    "Sized",
    "Some",
    "String",
    "Sync",
    "ToOwned",
    "ToString",
    "TryFrom",
    "TryInto",
    "Unpin",
    "Vec",
];

/// The variant of a value a profile schema lists, by rules a reader can predict:
///
/// - the value's words in UpperCamelCase ([`variant_name`]: `ON_LEAVE` → `OnLeave`, `1` →
///   `V1`), non-ASCII letters spelt in ASCII (`Ä` → `Ae`) or by code point (`日` → `U65e5`);
/// - `""` is `Empty`; a value of symbols only is spelt by code point (`-` → `U2d`);
/// - a name of the prelude (`None`, `Some`, `Ok`, `Err`, `String`, …), `Self` or the
///   catch-all `Unknown` gets the suffix `Value` (`NoneValue`, `UnknownValue`), so that no
///   variant shadows a prelude name under a glob import or reads as the catch-all.
///
/// Values whose names still collide are told apart by [`dedupe_camel`], in the schema's order.
pub fn profile_variant_name(value: &str) -> String {
    if value.is_empty() {
        return "Empty".into();
    }
    if !has_words(value) {
        return value
            .chars()
            .map(|c| format!("U{:x}", u32::from(c)))
            .collect();
    }
    let mut s = variant_name(value);
    if PRELUDE.contains(&s.as_str()) {
        s.push_str("Value");
    }
    s
}

/// The name of the enum of a profile attribute: the struct's name and the attribute's, the
/// words they share said once (`UserProfile` + `userProfileType` → `UserProfileType`,
/// `UserProfile` + `profileType` → `UserProfileType`, `UserProfile` + `userProfile` →
/// `UserProfileValue`, never `UserProfileUserProfile`).
pub fn profile_enum_name(owner: &str, attribute: &str) -> String {
    let attr = type_name(attribute);
    if attr == owner {
        return format!("{owner}Value");
    }
    if attr.starts_with(owner) && attr[owner.len()..].starts_with(|c: char| c.is_ascii_uppercase())
    {
        return attr;
    }
    let (o, a) = (camel_words(owner), camel_words(&attr));
    let overlap = (1..=o.len().min(a.len()))
        .rev()
        .find(|n| o[o.len() - n..] == a[..*n])
        .unwrap_or(0);
    let mut name = owner.to_string();
    for w in &a[overlap..] {
        name.push_str(w);
    }
    if name == owner {
        name.push_str("Value");
    }
    name
}

/// The named constant of a value a number (or integer) enum of a profile lists: the
/// attribute's words, then the value's display name if it has one, else the value
/// (`clearanceLevel` + `Public` → `CLEARANCE_LEVEL_PUBLIC`, `fte` + `0.5` → `FTE_0_5`,
/// `delta` + `-1` → `DELTA_MINUS_1`).
pub fn constant_name(attribute: &str, title: Option<&str>, value: &serde_json::Value) -> String {
    let mut attr = words(attribute).to_shouty_snake_case();
    if attr.is_empty() {
        attr = "VALUE".into();
    }
    if attr.starts_with(|c: char| c.is_ascii_digit()) {
        attr = format!("N{attr}");
    }
    let text = value.to_string();
    let named = title
        .map(|t| words(t).to_shouty_snake_case())
        .filter(|t| !t.is_empty());
    let tail = match named {
        Some(t) => t,
        None => {
            let digits = words(&text).to_shouty_snake_case();
            if text.starts_with('-') {
                format!("MINUS_{digits}")
            } else {
                digits
            }
        }
    };
    format!("{attr}_{tail}")
}

/// `UserProfileV2` → `User`, `Profile`, `V2`: the words of an UpperCamelCase name.
fn camel_words(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in s.char_indices().skip(1) {
        if c.is_ascii_uppercase() {
            out.push(&s[start..i]);
            start = i;
        }
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
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
        assert_eq!(setter_name("type_"), "with_type");
        assert_eq!(setter_name("cost_center"), "with_cost_center");
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
    fn non_ascii_letters_are_spelt_in_ascii_never_dropped() {
        assert_eq!(field_name("Übername"), "uebername");
        assert_eq!(type_name("Übername"), "Uebername");
        assert_eq!(field_name("ÜBERNAME"), "uebername");
        assert_eq!(field_name("straße"), "strasse");
        assert_eq!(field_name("prénom"), "prenom");
        assert_eq!(field_name("Łódź"), "lodz");
        assert_eq!(field_name("日本"), "u65e5_u672c");
        assert_eq!(variant_name("Ä"), "Ae");
        assert_eq!(variant_name("日本"), "U65e5U672c");
    }

    #[test]
    fn profile_variants_avoid_the_prelude_and_the_catch_all() {
        for (value, variant) in [
            ("None", "NoneValue"),
            ("NONE", "NoneValue"),
            ("Some", "SomeValue"),
            ("ok", "OkValue"),
            ("ERR", "ErrValue"),
            ("string", "StringValue"),
            ("Unknown", "UnknownValue"),
            ("self", "SelfValue"),
            ("", "Empty"),
            ("-", "U2d"),
            ("+-", "U2bU2d"),
            ("Ä", "Ae"),
            ("ON_LEAVE", "OnLeave"),
            ("1", "V1"),
            ("Nonetheless", "Nonetheless"),
        ] {
            assert_eq!(profile_variant_name(value), variant, "{value:?}");
        }
    }

    #[test]
    fn profile_enum_names_do_not_stutter() {
        let e = |a| profile_enum_name("UserProfile", a);
        assert_eq!(e("badgeColor"), "UserProfileBadgeColor");
        assert_eq!(e("userProfile"), "UserProfileValue");
        assert_eq!(e("userProfileType"), "UserProfileType");
        assert_eq!(e("profileType"), "UserProfileType");
        assert_eq!(e("profile"), "UserProfileValue");
        assert_eq!(e("userName"), "UserProfileUserName");
        assert_eq!(e("user_profiles"), "UserProfileUserProfiles");
        assert_eq!(e("1st"), "UserProfileV1st");
        assert_eq!(
            profile_enum_name("GroupProfile", "tier"),
            "GroupProfileTier"
        );
    }

    #[test]
    fn number_enum_constants() {
        use serde_json::json;
        assert_eq!(
            constant_name("clearanceLevel", Some("Public"), &json!(1)),
            "CLEARANCE_LEVEL_PUBLIC"
        );
        assert_eq!(constant_name("fte", None, &json!(0.5)), "FTE_0_5");
        assert_eq!(constant_name("delta", None, &json!(-1)), "DELTA_MINUS_1");
        assert_eq!(constant_name("level", Some("-"), &json!(2)), "LEVEL_2");
        assert_eq!(constant_name("1st", None, &json!(3)), "N1ST_3");
        assert_eq!(
            constant_name("Übergröße", Some("Groß"), &json!(3)),
            "UEBERGROESSE_GROSS"
        );
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
