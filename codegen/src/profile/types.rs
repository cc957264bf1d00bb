//! The org's user types (`GET /api/v1/meta/types/user`, saved as JSON) → one enum over them,
//! each variant the struct of the type's schema, so that one listing of users decodes each
//! with the struct of its `type.id`.
//!
//! A type names its schema by `_links.schema.href`; the schema whose own `id` ends the same way
//! (`…/meta/schemas/user/osc1…`) is its schema. The default type (`"default": true`) also
//! matches the schema saved from `/api/v1/meta/schemas/user/default`, whose `id` ends in
//! `/user/default`. A type without a matching schema is a problem located at its `href`.

use serde_json::Value;

use super::ir::Profile;
use super::load::{key_path, kind_of, Reader};
use super::{problem, Problems};

/// The name of the generated enum over the user types.
pub const ENUM_NAME: &str = "OrgUser";

/// One user type.
#[derive(Clone, Debug, PartialEq)]
pub struct UserType {
    /// `oty1…`: what a user's `type.id` says.
    pub id: String,
    /// `name` (`contractor`), for the docs.
    pub name: Option<String>,
    /// `displayName`, for the docs.
    pub display_name: Option<String>,
    /// `default`: the type of users created without one.
    pub default: bool,
    /// `_links.schema.href`.
    pub schema_href: String,
    /// The JSON path of `_links.schema.href`, for messages.
    pub href_path: String,
}

/// The enum: one variant per struct that some type uses, with those types.
#[derive(Clone, Debug)]
pub struct UserTypesIr {
    pub name: String,
    /// The file the types were read from.
    pub file: String,
    /// (index of the profile, its types) in the order of the types' first appearance.
    pub variants: Vec<(usize, Vec<UserType>)>,
}

/// Parses the saved list of user types, every problem at once.
pub fn load(file: &str, text: &str) -> Result<Vec<UserType>, Problems> {
    let mut r = Reader {
        file,
        problems: Vec::new(),
    };
    let root: Value = match serde_json::from_str(text) {
        Ok(v) => v,
        Err(e) => {
            r.not_json(&e);
            return Err(Problems(r.problems));
        }
    };
    let Value::Array(list) = &root else {
        r.problem(
            "$",
            format!(
                "the user types are a JSON array (as `GET /api/v1/meta/types/user` returns them), not {}",
                kind_of(&root)
            ),
        );
        return Err(Problems(r.problems));
    };
    let mut out: Vec<UserType> = Vec::new();
    for (i, entry) in list.iter().enumerate() {
        let at = format!("$[{i}]");
        let before = r.problems.len();
        let Value::Object(t) = entry else {
            r.problem(
                &at,
                format!("a user type is an object, not {}", kind_of(entry)),
            );
            continue;
        };
        let id = r.string(t, "id", &at);
        if id.is_none() && r.get(t, "id").is_none() {
            r.problem(&at, "a user type needs its `id` (`oty…`)");
        }
        let name = r.string(t, "name", &at);
        let display_name = r.string(t, "displayName", &at);
        let default = matches!(r.get(t, "default"), Some(Value::Bool(true)));
        let links_at = key_path(&at, "_links");
        let schema_at = key_path(&links_at, "schema");
        let href = r
            .object(t, "_links", &at)
            .and_then(|l| r.object(l, "schema", &links_at))
            .and_then(|s| r.string(s, "href", &schema_at));
        if href.is_none() && r.problems.len() == before {
            r.problem(
                &at,
                "a user type needs `_links.schema.href`, the link to its schema",
            );
        }
        let (Some(id), Some(schema_href)) = (id, href) else {
            continue;
        };
        if out.iter().any(|o| o.id == id) {
            r.problem(
                &key_path(&at, "id"),
                format!("the user type `{id}` is listed twice"),
            );
            continue;
        }
        out.push(UserType {
            id,
            name,
            display_name,
            default,
            schema_href,
            href_path: key_path(&schema_at, "href"),
        });
    }
    if out.is_empty() && r.problems.is_empty() {
        r.problem("$", "no user type is listed");
    }
    if r.problems.is_empty() {
        Ok(out)
    } else {
        Err(Problems(r.problems))
    }
}

/// `https://x.okta.com/api/v1/meta/schemas/user/osc1` → `osc1`.
fn user_schema_key(url: &str) -> Option<&str> {
    let (_, key) = url.split_once("/meta/schemas/user/")?;
    let key = key.trim_end_matches('/');
    (!key.is_empty() && !key.contains('/')).then_some(key)
}

/// Each type's struct among `profiles`; a type whose schema is not among them is a problem.
pub fn resolve(
    file: &str,
    types: Vec<UserType>,
    profiles: &[Profile],
) -> Result<UserTypesIr, Problems> {
    let keys: Vec<Option<&str>> = profiles
        .iter()
        .map(|p| p.schema.id.as_deref().and_then(user_schema_key))
        .collect();
    let mut variants: Vec<(usize, Vec<UserType>)> = Vec::new();
    let mut problems = Vec::new();
    for t in types {
        let wanted = user_schema_key(&t.schema_href);
        let found = keys
            .iter()
            .position(|k| k.is_some() && *k == wanted)
            .or_else(|| {
                t.default
                    .then(|| keys.iter().position(|k| *k == Some("default")))
                    .flatten()
            });
        let Some(pi) = found else {
            problems.push(problem(
                file,
                &t.href_path,
                format!(
                    "no schema given is the one of the user type `{}` (`{}`): save `{}` and add it (a schema's `id` names it)",
                    t.name.as_deref().unwrap_or(&t.id),
                    t.id,
                    t.schema_href
                ),
            ));
            continue;
        };
        match variants.iter_mut().find(|(i, _)| *i == pi) {
            Some((_, list)) => list.push(t),
            None => variants.push((pi, vec![t])),
        }
    }
    if !problems.is_empty() {
        return Err(Problems(problems));
    }
    Ok(UserTypesIr {
        name: ENUM_NAME.to_string(),
        file: file.to_string(),
        variants,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schema_keys() {
        assert_eq!(
            user_schema_key("https://x.okta.com/api/v1/meta/schemas/user/osc1"),
            Some("osc1")
        );
        assert_eq!(
            user_schema_key("https://x.okta.com/meta/schemas/user/default"),
            Some("default")
        );
        assert_eq!(
            user_schema_key("https://x.okta.com/meta/schemas/group/default"),
            None
        );
        assert_eq!(
            user_schema_key("https://x.okta.com/meta/schemas/user/"),
            None
        );
    }

    #[test]
    fn bad_lists_are_located() {
        let p = load("t.json", "{}").unwrap_err();
        assert!(p.0[0].message.contains("a JSON array"), "{p}");
        let p = load(
            "t.json",
            r#"[{"id": "oty1"}, 3, {"id": "oty1", "_links": {"schema": {"href": "h"}}}]"#,
        )
        .unwrap_err();
        let paths: Vec<&str> =
            p.0.iter()
                .filter_map(|x| x.location.json_path.as_deref())
                .collect();
        assert_eq!(paths, ["$[0]", "$[1]"], "{p}");
    }
}
