//! The change set of a profile: what a partial update (`POST`) must send so that Okta ends up
//! with the edited profile, and nothing else.

use serde_json::{Map, Value};

/// The attributes of `now` that differ from `before` (both the JSON object of one profile), as
/// the `profile` of a partial update: every attribute changed or added with its new value,
/// every attribute that had a value and has none now as `null` (a partial update clears an
/// attribute only when told so). Attributes in `read_only` are never included.
///
/// Numbers compare by value ([`same_json`]): an `f64` attribute that arrived as `1` and is
/// written as `1.0` has not changed.
pub fn changes(
    before: &Map<String, Value>,
    now: &Map<String, Value>,
    read_only: &[&str],
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in now {
        if read_only.contains(&name.as_str()) {
            continue;
        }
        let unchanged = match before.get(name) {
            Some(old) => same_json(old, value),
            // Absent before and `null` now says nothing new.
            None => value.is_null(),
        };
        if !unchanged {
            out.insert(name.clone(), value.clone());
        }
    }
    for (name, old) in before {
        if now.contains_key(name) || old.is_null() || read_only.contains(&name.as_str()) {
            continue;
        }
        out.insert(name.clone(), Value::Null);
    }
    out
}

/// JSON equality where numbers compare by value (`1` = `1.0`), recursively; serde_json's own
/// `==` tells an integer from a float.
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            x == y || matches!((x.as_f64(), y.as_f64()), (Some(p), Some(q)) if p == q)
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same_json(p, q))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, p)| y.get(k).is_some_and(|q| same_json(p, q)))
        }
        _ => a == b,
    }
}

/// `value` without the attributes in `read_only`: the `profile` of a full replace or a create.
pub(crate) fn writable(mut value: Map<String, Value>, read_only: &[&str]) -> Map<String, Value> {
    value.retain(|name, _| !read_only.contains(&name.as_str()));
    value
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn obj(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => panic!("not an object"),
        }
    }

    #[test]
    fn only_what_changed_is_sent_and_cleared_values_become_null() {
        let before = obj(json!({
            "login": "a@example.com", "costCenter": "10", "level": 1, "nickName": null,
            "tags": ["x", "y"], "employeeNumber": "7", "legacy": "keep"
        }));
        let now = obj(json!({
            "login": "a@example.com", "costCenter": "20", "level": 1.0, "nickName": null,
            "tags": ["x", "y"], "title": "Dr", "employeeNumber": "8", "legacy": "keep"
        }));
        let c = changes(&before, &now, &["employeeNumber"]);
        assert_eq!(Value::Object(c), json!({"costCenter": "20", "title": "Dr"}));

        let now = obj(json!({"login": "a@example.com", "level": 1}));
        let c = changes(&before, &now, &["employeeNumber"]);
        assert_eq!(
            Value::Object(c),
            json!({"costCenter": null, "tags": null, "legacy": null})
        );
    }

    #[test]
    fn an_unchanged_profile_has_no_changes() {
        let p = obj(json!({"a": {"b": [1, 2.5]}, "c": null}));
        assert!(changes(&p, &p, &[]).is_empty());
        assert!(changes(&Map::new(), &obj(json!({"c": null})), &[]).is_empty());
        assert!(!same_json(&json!(1), &json!("1")));
        assert!(!same_json(&json!([1]), &json!([1, 2])));
        assert!(!same_json(&json!({"a": 1}), &json!({"b": 1})));
        assert!(same_json(&json!({"a": [2]}), &json!({"a": [2.0]})));
    }

    #[test]
    fn read_only_attributes_are_never_written() {
        let p = obj(json!({"a": 1, "ro": 2}));
        assert_eq!(Value::Object(writable(p, &["ro"])), json!({"a": 1}));
    }
}
