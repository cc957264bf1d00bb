//! The change set of a profile: what a partial update (`POST`) must send so that Okta ends up
//! with the edited profile, and nothing else; and the body of a full replace, which writes
//! every attribute the edit left alone back exactly as it was received.

use std::cmp::Ordering;

use serde_json::{Map, Number, Value};

/// The attributes of `now` that differ from `before` (both the JSON object of one profile), as
/// the `profile` of a partial update: every attribute changed or added with its new value,
/// every attribute that had a value and has none now as `null` (a partial update clears an
/// attribute only when told so). Attributes in `read_only` are never included.
///
/// Values compare with [`same_json`]: numbers exactly, by their value (Okta's integers are
/// 64-bit, so `9007199254740993` and `9007199254740992` differ although an `f64` cannot tell
/// them apart), and `1` equals `1.0`.
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

/// JSON equality where numbers compare exactly by their value, recursively: integers as the
/// 64-bit integers they are (never through `f64`), an integer and a decimal by the exact value
/// of the decimal (`1` = `1.0`, `9007199254740993` ≠ `9007199254740992.0`), two decimals as
/// the `f64`s serde_json holds. serde_json's own `==` tells `1` from `1.0`.
pub fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => same_number(x, y),
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

/// A JSON number as serde_json holds it: an integer (any `i64` or `u64`) or a decimal.
enum Exact {
    Integer(i128),
    Decimal(f64),
}

fn exact(n: &Number) -> Exact {
    if let Some(i) = n.as_i64() {
        Exact::Integer(i128::from(i))
    } else if let Some(u) = n.as_u64() {
        Exact::Integer(i128::from(u))
    } else {
        Exact::Decimal(n.as_f64().unwrap_or(f64::NAN))
    }
}

fn same_number(x: &Number, y: &Number) -> bool {
    match (exact(x), exact(y)) {
        (Exact::Integer(a), Exact::Integer(b)) => a == b,
        (Exact::Decimal(a), Exact::Decimal(b)) => a == b,
        (Exact::Integer(i), Exact::Decimal(d)) | (Exact::Decimal(d), Exact::Integer(i)) => {
            cmp_integer_decimal(i, d) == Some(Ordering::Equal)
        }
    }
}

/// `i` against `d`, exactly: no rounding of `i` to `f64`. `None` for NaN.
pub(crate) fn cmp_integer_decimal(i: i128, d: f64) -> Option<Ordering> {
    // 2^100 is far outside every 64-bit integer, and exact as an f64.
    const FAR: f64 = 1_267_650_600_228_229_401_496_703_205_376.0;
    if d.is_nan() {
        return None;
    }
    if d >= FAR {
        return Some(Ordering::Less);
    }
    if d <= -FAR {
        return Some(Ordering::Greater);
    }
    // `whole` is an integer below 2^100 in size, so `as i128` is exact; `d - whole` is exact too.
    let whole = d.trunc();
    match i.cmp(&(whole as i128)) {
        Ordering::Equal => (0.0).partial_cmp(&(d - whole)),
        other => Some(other),
    }
}

/// The `profile` of a full replace: `now` without what the API cannot change, and every
/// attribute the edit left alone exactly as it was received.
///
/// - An attribute whose value `now` has the same as `decoded` (the profile as received,
///   decoded into the struct and encoded again) is written as `received` has it, so that a
///   `number` attribute that arrived as `1` goes back as `1`, not `1.0`, and an integer too
///   large for an `f64` attribute goes back untouched.
/// - A read-only attribute is written as received, never as edited; without a received value
///   (a profile built in code) it is left out.
pub(crate) fn replacement(
    now: Map<String, Value>,
    decoded: &Map<String, Value>,
    received: &Map<String, Value>,
    read_only: &[&str],
) -> Map<String, Value> {
    let mut out = Map::new();
    for (name, value) in as_received(now, decoded, received) {
        if !read_only.contains(&name.as_str()) {
            out.insert(name, value);
        } else if let Some(r) = received.get(&name) {
            out.insert(name, r.clone());
        }
    }
    for name in read_only {
        if let (false, Some(r)) = (out.contains_key(*name), received.get(*name)) {
            out.insert((*name).to_string(), r.clone());
        }
    }
    out
}

/// `now` with every attribute whose value is the same as in `decoded` (the profile as
/// received, decoded into the struct and encoded again) written as `received` has it: the
/// profile of an envelope written out, lossless for what the edit left alone.
pub(crate) fn as_received(
    now: Map<String, Value>,
    decoded: &Map<String, Value>,
    received: &Map<String, Value>,
) -> Map<String, Value> {
    now.into_iter()
        .map(|(name, value)| {
            let unchanged = decoded.get(&name).is_some_and(|d| same_json(d, &value));
            match received.get(&name) {
                Some(r) if unchanged => (name, r.clone()),
                _ => (name, value),
            }
        })
        .collect()
}

/// `value` without the attributes in `read_only`: the `profile` of a create.
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

    /// Parses JSON text, so that integers beyond 2^53 keep their exact value.
    fn num(text: &str) -> Value {
        serde_json::from_str(text).unwrap()
    }

    #[test]
    fn numbers_compare_exactly_at_the_edges_of_f64_and_i64() {
        const P53: i64 = 1 << 53;
        for n in [
            P53 - 1,
            P53,
            P53 + 1,
            -P53 - 1,
            -P53,
            -P53 + 1,
            i64::MIN,
            i64::MAX,
        ] {
            assert!(same_json(&json!(n), &json!(n)), "{n}");
            // Each neighbour is another value, though an f64 may not tell them apart.
            if let Some(up) = n.checked_add(1) {
                assert!(!same_json(&json!(n), &json!(up)), "{n} vs {up}");
            }
            if let Some(down) = n.checked_sub(1) {
                assert!(!same_json(&json!(n), &json!(down)), "{n} vs {down}");
            }
        }
        // The edit of issue-sized integers is seen, and goes out as the new value.
        let before = obj(json!({"n": num("9007199254740993")}));
        let now = obj(json!({"n": num("9007199254740992")}));
        assert_eq!(
            Value::Object(changes(&before, &now, &[])),
            json!({"n": 9007199254740992_i64})
        );
        // u64 beyond i64::MAX and i64 values stay apart from each other.
        assert!(!same_json(&num("18446744073709551615"), &json!(-1)));
        assert!(!same_json(&num("9223372036854775808"), &json!(i64::MAX)));
        assert!(same_json(&num("9223372036854775807"), &json!(i64::MAX)));
        // An integer and a decimal: equal only when the decimal is exactly that integer.
        assert!(same_json(&num("1"), &num("1.0")));
        assert!(same_json(&num("-0"), &num("0.0")));
        assert!(!same_json(&num("1"), &num("1.5")));
        assert!(!same_json(
            &num("9007199254740993"),
            &num("9007199254740992.0")
        ));
        assert!(same_json(
            &num("9007199254740992"),
            &num("9007199254740992.0")
        ));
        assert!(!same_json(
            &json!(i64::MAX),
            &json!(9223372036854775807.0_f64)
        ));
        assert!(same_json(
            &json!(i64::MIN),
            &json!(-9223372036854775808.0_f64)
        ));
        assert!(!same_json(&num("1e300"), &json!(i64::MAX)));
        assert!(!same_json(&num("-1e300"), &json!(i64::MIN)));
        // Two decimals: by the f64 each is.
        assert!(same_json(&num("0.5"), &num("5e-1")));
        assert!(!same_json(&num("0.1"), &num("0.2")));
    }

    #[test]
    fn integer_against_decimal_orders_exactly() {
        use std::cmp::Ordering::*;
        assert_eq!(cmp_integer_decimal(1, 1.0), Some(Equal));
        assert_eq!(cmp_integer_decimal(1, 1.5), Some(Less));
        assert_eq!(cmp_integer_decimal(2, 1.5), Some(Greater));
        assert_eq!(cmp_integer_decimal(-1, -1.5), Some(Greater));
        assert_eq!(cmp_integer_decimal(-2, -1.5), Some(Less));
        assert_eq!(
            cmp_integer_decimal((1 << 53) + 1, 9007199254740992.0),
            Some(Greater)
        );
        assert_eq!(
            cmp_integer_decimal(i64::MAX.into(), 9223372036854775808.0),
            Some(Less)
        );
        assert_eq!(
            cmp_integer_decimal(i64::MIN.into(), -9223372036854775808.0),
            Some(Equal)
        );
        assert_eq!(cmp_integer_decimal(0, f64::INFINITY), Some(Less));
        assert_eq!(cmp_integer_decimal(0, f64::NEG_INFINITY), Some(Greater));
        assert_eq!(cmp_integer_decimal(0, f64::NAN), None);
    }

    #[test]
    fn a_replacement_keeps_what_the_edit_left_alone_as_received() {
        let received = obj(json!({
            "fte": 1, "big": num("9007199254740993"), "name": "a", "ro": 7, "roNull": null
        }));
        // What an f64 struct field makes of it: `1.0`, and the big integer rounded.
        let decoded = obj(json!({
            "fte": 1.0, "big": 9007199254740992.0_f64, "name": "a", "ro": 7, "roNull": null
        }));
        let now = obj(json!({
            "fte": 1.0, "big": 9007199254740992.0_f64, "name": "b", "ro": 8, "added": 2.5
        }));
        let body = replacement(now, &decoded, &received, &["ro", "roNull"]);
        let text = serde_json::to_string(&Value::Object(body)).unwrap();
        assert_eq!(
            text,
            r#"{"fte":1,"big":9007199254740993,"name":"b","ro":7,"added":2.5,"roNull":null}"#
        );
        // Built in code: nothing received, read-only attributes left out.
        let now = obj(json!({"fte": 1.0, "ro": 8}));
        let body = replacement(now, &Map::new(), &Map::new(), &["ro"]);
        assert_eq!(Value::Object(body), json!({"fte": 1.0}));
    }
}
