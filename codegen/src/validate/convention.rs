//! The operation naming convention of spec/README.md, "Naming operations".

use crate::load::ast::{self, Method};

/// The first verb of an operation name for each method (spec/README.md, "Naming operations").
const VERBS: &[(Method, &[&str])] = &[
    (Method::Get, &["Get", "List", "Find", "Preview"]),
    (Method::Put, &["Replace", "Assign", "Set", "Create"]),
    (
        Method::Delete,
        &["Delete", "Unassign", "Revoke", "Unlink", "Clear"],
    ),
];

/// Spellings the convention replaces, and by what.
const SPELLINGS: &[(&str, &str)] = &[
    ("Idp", "IdentityProvider"),
    ("Oauth", "OAuth2"),
    ("Administrator", "Admin"),
    ("GivenTo", "For"),
];

/// Names longer than this are refused; spec/README.md asks for at most 50.
const MAX_NAME: usize = 60;

/// Why `op`'s name breaks the naming convention, with a hint, if it does. Names the SDK
/// documents (000, 001) give are kept as they are.
pub(super) fn naming_convention(op: &ast::Operation) -> Option<(String, String)> {
    let n = &op.name;
    if op
        .sources
        .iter()
        .any(|s| s.starts_with("000_") || s.starts_with("001_"))
    {
        return None;
    }
    let verb: String = n
        .chars()
        .take(1)
        .chain(n.chars().skip(1).take_while(|c| c.is_ascii_lowercase()))
        .collect();
    let method = op.method.as_str();
    if let Some((_, verbs)) = VERBS.iter().find(|(m, _)| *m == op.method) {
        if !verbs.contains(&verb.as_str()) {
            return Some((
                format!("operation name `{n}` starts with `{verb}`, which is not a {method} verb"),
                format!(
                    "start it with one of {}; keep the document's title in `notes`",
                    verbs
                        .iter()
                        .map(|v| format!("`{v}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    for (bad, good) in SPELLINGS {
        let at_word = n.match_indices(bad).any(|(i, _)| {
            n[i + bad.len()..]
                .chars()
                .next()
                .is_none_or(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == 's')
        });
        if at_word {
            return Some((
                format!("operation name `{n}` spells `{good}` as `{bad}`"),
                format!("write `{good}`: one spelling per noun (spec/README.md)"),
            ));
        }
    }
    if n.len() > MAX_NAME {
        return Some((
            format!("operation name `{n}` is {} characters long", n.len()),
            format!("at most {MAX_NAME} (aim for 50): drop words the group already says"),
        ));
    }
    None
}
