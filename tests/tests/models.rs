//! Models never lose data.
//!
//! * Property tests over every model of the catalog (the list is emitted from the catalog into
//!   `generated/models.rs`; the shapes come from `generated/openapi.json`): arbitrary JSON with
//!   extra fields, unknown enum values, nulls and absent fields decodes and re-encodes to an
//!   equal JSON value.
//! * The JSON examples of `002_030ab8ae49809163.txt` round-trip through the typed models.
//! * A read-modify-write through the client keeps fields and enum values the catalog does not
//!   know, in their order.

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{json, Map, Value};
use tests::repo_root;

#[rustfmt::skip]
#[path = "generated/models.rs"]
mod generated;

/// Decodes (leniently, as serde does by default, or strictly) and encodes again.
type Roundtrip = fn(&Value, bool) -> Result<Value, String>;

fn roundtrip<T: serde::de::DeserializeOwned + serde::Serialize>(
    v: &Value,
    strict: bool,
) -> Result<Value, String> {
    let typed: T = if strict {
        okta_client::json::from_slice_strict(v.to_string().as_bytes())
    } else {
        serde_json::from_value(v.clone())
    }
    .map_err(|e| format!("decode: {e}"))?;
    serde_json::to_value(&typed).map_err(|e| format!("encode: {e}"))
}

fn openapi_schemas() -> Map<String, Value> {
    let text =
        std::fs::read_to_string(repo_root().join("generated/openapi.json")).expect("openapi.json");
    let doc: Value = serde_json::from_str(&text).expect("valid JSON");
    doc["components"]["schemas"]
        .as_object()
        .expect("schemas")
        .clone()
}

/// Any JSON value, small.
fn any_json() -> BoxedStrategy<Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1.0e12f64..1.0e12).prop_map(Value::from),
        "[ -~é✓]{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 16, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            prop::collection::btree_map("[a-zA-Z_]{1,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
    .boxed()
}

/// A JSON value of the shape `schema` describes, with unknown fields and enum values mixed in.
fn arb(schema: &Value, all: &Map<String, Value>, depth: usize) -> BoxedStrategy<Value> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        let name = r.rsplit('/').next().unwrap();
        return arb(&all[name], all, depth + 1);
    }
    if let Some(inner) = schema.get("allOf").and_then(|a| a.get(0)) {
        return arb(inner, all, depth);
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        let known: Vec<Value> = values.clone();
        // Values the catalog does not list must survive exactly too.
        return prop_oneof![
            prop::sample::select(known),
            "[A-Za-z0-9_.-]{1,16}".prop_map(Value::from)
        ]
        .boxed();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("string") => "[ -~é✓]{0,16}".prop_map(Value::from).boxed(),
        Some("integer") if schema.get("format") == Some(&json!("int32")) => {
            any::<i32>().prop_map(Value::from).boxed()
        }
        Some("integer") => any::<i64>().prop_map(Value::from).boxed(),
        Some("number") => (-1.0e12f64..1.0e12).prop_map(Value::from).boxed(),
        Some("boolean") => any::<bool>().prop_map(Value::from).boxed(),
        Some("array") => {
            if depth > 5 {
                return Just(json!([])).boxed();
            }
            prop::collection::vec(arb(&schema["items"], all, depth + 1), 0..3)
                .prop_map(Value::from)
                .boxed()
        }
        Some("object") => match schema.get("properties").and_then(Value::as_object) {
            Some(props) => object(props, schema, all, depth),
            None => prop::collection::btree_map("[a-zA-Z_]{1,8}", any_json(), 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect()))
                .boxed(),
        },
        _ => any_json(),
    }
}

fn object(
    props: &Map<String, Value>,
    schema: &Value,
    all: &Map<String, Value>,
    depth: usize,
) -> BoxedStrategy<Value> {
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut fields: Vec<BoxedStrategy<Option<(String, Value)>>> = Vec::new();
    for (name, p) in props {
        let name = name.clone();
        let nullable = p.get("nullable") == Some(&json!(true));
        let value = if depth > 5 && !required.contains(&name.as_str()) {
            Just(None).boxed()
        } else {
            arb(p, all, depth + 1).prop_map(Some).boxed()
        };
        // Okta sends `null` in optional fields the documents never call nullable, too: every
        // optional field may be null, absent or a value, and must come back as it was.
        let value = if nullable || !required.contains(&name.as_str()) {
            prop_oneof![value, Just(Some(Value::Null))].boxed()
        } else {
            value
        };
        let entry = if required.contains(&name.as_str()) {
            value
                .prop_map(move |v| v.map(|v| (name.clone(), v)))
                .boxed()
        } else {
            // Optional fields are sometimes absent.
            prop_oneof![
                Just(None),
                value.prop_map(move |v| v.map(|v| (name.clone(), v)))
            ]
            .boxed()
        };
        fields.push(entry);
    }
    let known: Vec<String> = props.keys().cloned().collect();
    let extras = prop::collection::btree_map("x[A-Z][a-zA-Z]{0,8}", any_json(), 0..3).prop_map(
        move |m: BTreeMap<String, Value>| {
            m.into_iter()
                .filter(|(k, _)| !known.contains(k))
                .collect::<Vec<_>>()
        },
    );
    (fields, extras)
        .prop_map(|(fields, extras)| {
            let mut o = Map::new();
            for (k, v) in fields.into_iter().flatten() {
                o.insert(k, v);
            }
            for (k, v) in extras {
                o.insert(k, v);
            }
            Value::Object(o)
        })
        .boxed()
}

#[test]
fn every_model_round_trips_arbitrary_json() {
    let schemas = openapi_schemas();
    let models = generated::all();
    assert!(
        models.len() >= 30,
        "the catalog has dozens of models, got {}",
        models.len()
    );
    for (name, rt) in models {
        let schema = schemas
            .get(name)
            .unwrap_or_else(|| panic!("{name} is not in openapi.json"));
        let strategy = arb(schema, &schemas, 0);
        let mut runner = TestRunner::new(Config {
            cases: 96,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |input| {
                let output = rt(&input, false)
                    .map_err(|e| TestCaseError::fail(format!("{name}: {e} for {input}")))?;
                prop_assert_eq!(&output, &input, "{} changed the JSON", name);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

/// The JSON kind a property's schema documents (`string` for enums), if it documents one.
fn documented_kind<'s>(schema: &'s Value, all: &'s Map<String, Value>) -> Option<&'s str> {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str) {
        return documented_kind(all.get(r.rsplit('/').next()?)?, all);
    }
    if let Some(inner) = schema.get("allOf").and_then(|a| a.get(0)) {
        return documented_kind(inner, all);
    }
    if schema.get("enum").is_some() {
        return Some("string");
    }
    schema.get("type").and_then(Value::as_str)
}

/// A value of each JSON kind but `null`, with the kinds it stands for.
fn other_kinds() -> Vec<(&'static [&'static str], Value)> {
    vec![
        (&["string"], json!("not what the documents say")),
        (&["integer", "number"], json!(123456)),
        (&["number"], json!(1.5)),
        (&["boolean"], json!(true)),
        (&["array"], json!([{"include": ["US"]}, 3])),
        (
            &["object"],
            json!({"include": [{"country": "US"}], "exclude": []}),
        ),
    ]
}

/// Okta sends shapes its documents do not show: an optional field of any model holding a
/// value of another JSON kind keeps the object decodable, is written back unchanged, and fails
/// only a strict decode.
#[test]
fn a_field_of_another_kind_is_kept_raw_on_every_model() {
    let schemas = openapi_schemas();
    let mut checked = 0;
    for (name, rt) in generated::all() {
        let schema = &schemas[name];
        let Some(props) = schema.get("properties").and_then(Value::as_object) else {
            continue;
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        // Every optional property with a documented kind, with every value that does not fit.
        let mut cases: Vec<(String, Value)> = Vec::new();
        for (prop, p) in props {
            let Some(kind) = documented_kind(p, &schemas) else {
                continue;
            };
            if required.contains(&prop.as_str()) {
                continue;
            }
            for (fits, value) in other_kinds() {
                let fits = fits.contains(&kind) || (kind == "number" && value.is_number());
                if !fits {
                    cases.push((prop.clone(), value));
                }
            }
        }
        if cases.is_empty() {
            continue;
        }
        checked += 1;
        let strategy = (arb(schema, &schemas, 0), prop::sample::select(cases));
        let mut runner = TestRunner::new(Config {
            cases: 48,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&strategy, |(mut input, (prop, value))| {
                input
                    .as_object_mut()
                    .expect("an object")
                    .insert(prop.clone(), value);
                let output = rt(&input, false)
                    .map_err(|e| TestCaseError::fail(format!("{name}.{prop}: {e} for {input}")))?;
                prop_assert_eq!(&output, &input, "{}.{} changed the JSON", name, prop);
                prop_assert!(
                    rt(&input, true).is_err(),
                    "{}.{}: a strict decode accepted {}",
                    name,
                    prop,
                    input
                );
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    assert!(
        checked >= 30,
        "only {checked} models have optional typed fields"
    );
}

/// The zone Okta's documents do not show: `locations` as an object. The zone decodes, says
/// which field did not fit, and a PUT of it sends the object back unchanged.
#[test]
fn an_enhanced_dynamic_zone_decodes_with_its_locations_kept_raw() {
    use okta_client::models::NetworkZone;
    let zone = json!({
        "id": "nzo1",
        "name": "Enhanced",
        "type": "DYNAMIC_V2",
        "locations": {"include": [{"country": "US"}], "exclude": [{"country": "CA", "region": "CA-BC"}]},
        "status": "ACTIVE"
    });
    let decoded: NetworkZone = serde_json::from_value(zone.clone()).expect("decodes");
    assert_eq!(decoded.name.as_deref(), Some("Enhanced"));
    assert!(decoded.locations.is_none());
    let misfit = decoded
        .mismatched_fields
        .get("locations")
        .expect("reported");
    assert_eq!(misfit.value, zone["locations"]);
    assert!(
        misfit.message.contains("expected a sequence"),
        "{}",
        misfit.message
    );
    assert_eq!(serde_json::to_value(&decoded).unwrap(), zone);
    // Setting the field replaces the raw value.
    let replaced = decoded.clone().with_locations(vec![]);
    assert_eq!(
        serde_json::to_value(&replaced).unwrap()["locations"],
        json!([])
    );
    // Forgetting it leaves the field out.
    let mut dropped = decoded;
    dropped.mismatched_fields.remove("locations");
    assert!(serde_json::to_value(&dropped)
        .unwrap()
        .get("locations")
        .is_none());
    // The client's way outside the client: direct first, lenient when needed.
    let fast = okta_client::json::from_slice::<NetworkZone>(zone.to_string().as_bytes()).unwrap();
    assert!(fast.mismatched_fields.contains("locations"));
    assert_eq!(serde_json::to_value(&fast).unwrap(), zone);
    // Strictly, the zone does not decode.
    let strict = okta_client::json::from_slice_strict::<NetworkZone>(zone.to_string().as_bytes());
    assert!(strict
        .unwrap_err()
        .to_string()
        .contains("expected a sequence"));
}

fn example(name: &str) -> Value {
    let path = repo_root()
        .join("tests/fixtures/examples/002")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_inline_hook_examples_round_trip_through_typed_models() {
    use okta_client::models::{
        InlineHook, InlineHookChannelConfigAuthSchemeType, InlineHookChannelType, InlineHookStatus,
        InlineHookType,
    };
    for name in [
        "create_request",
        "create_response",
        "get_response",
        "update_request",
        "update_response",
        "activate_response",
        "deactivate_response",
        "inline_hook_object",
    ] {
        let json = example(name);
        let hook: InlineHook =
            serde_json::from_value(json.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(serde_json::to_value(&hook).unwrap(), json, "{name}");
        // The documented fields land in typed fields, not in the catch-all map.
        assert!(
            hook.additional_properties.is_empty(),
            "{name}: {:?}",
            hook.additional_properties
        );
        assert_eq!(
            hook.type_,
            Some(InlineHookType::ComOktaOauth2TokensTransform)
        );
        let channel = hook.channel.expect("channel");
        assert_eq!(channel.type_, Some(InlineHookChannelType::Http));
        let config = channel.config.expect("config");
        assert!(config.uri.starts_with("https://"));
        assert_eq!(
            config.headers.unwrap()[0].key.as_deref(),
            Some("X-Other-Header")
        );
        let scheme = config.auth_scheme.expect("authScheme");
        assert_eq!(scheme.type_, InlineHookChannelConfigAuthSchemeType::Header);
        assert_eq!(scheme.key, "Authorization");
        if name.ends_with("response") || name == "inline_hook_object" {
            assert!(hook.status.is_some());
            assert!(
                scheme.value.is_none(),
                "{name}: authScheme.value is never returned"
            );
            // Date-times are kept as the exact text.
            let created = hook.created.as_ref().expect("created");
            assert!(created.ends_with(".000Z"), "{created}");
        }
        if name == "deactivate_response" {
            assert_eq!(hook.status, Some(InlineHookStatus::Inactive));
        }
    }
    let list = example("list_response");
    let hooks: Vec<InlineHook> = serde_json::from_value(list.clone()).unwrap();
    assert_eq!(serde_json::to_value(&hooks).unwrap(), list);
    // The execute payloads have no schema: untyped JSON, kept as is.
    for name in ["execute_request", "execute_response"] {
        let v = example(name);
        let typed: Value = serde_json::from_value(v.clone()).unwrap();
        assert_eq!(typed, v);
    }
}

#[test]
fn absent_null_and_value_are_distinct() {
    use okta_client::models::InlineHook;
    use okta_client::Nullable;
    let absent: InlineHook = serde_json::from_value(json!({})).unwrap();
    let null: InlineHook = serde_json::from_value(json!({"created": null})).unwrap();
    let set: InlineHook =
        serde_json::from_value(json!({"created": "2018-05-15T01:23:08.000Z"})).unwrap();
    assert_eq!(absent.created, Nullable::Absent);
    assert_eq!(null.created, Nullable::Null);
    assert_eq!(
        set.created,
        Nullable::Value("2018-05-15T01:23:08.000Z".to_string())
    );
    // Unset optional fields are omitted; an explicit null is sent as null.
    let mut hook = InlineHook::new();
    assert_eq!(serde_json::to_string(&hook).unwrap(), "{}");
    hook.last_updated = Nullable::Null;
    assert_eq!(
        serde_json::to_value(&hook).unwrap(),
        json!({"lastUpdated": null})
    );
}

#[test]
fn enums_are_ergonomic_and_keep_unknown_values() {
    use okta_client::models::InlineHookType;
    let t: InlineHookType = "com.okta.user.pre-registration".parse().unwrap();
    assert_eq!(t, InlineHookType::ComOktaUserPreRegistration);
    assert_eq!(t.to_string(), "com.okta.user.pre-registration");
    let new: InlineHookType = serde_json::from_value(json!("com.okta.future.hook")).unwrap();
    // Unknown values are compared through as_str(): the payload is opaque, and the value
    // built from the same string is equal.
    assert!(matches!(new, InlineHookType::Unknown(_)));
    assert_eq!(new, InlineHookType::from("com.okta.future.hook"));
    assert_eq!(new.as_str(), "com.okta.future.hook");
    assert_eq!(
        serde_json::to_value(&new).unwrap(),
        json!("com.okta.future.hook")
    );
    assert_eq!(InlineHookType::VALUES.len(), 5);
}

#[tokio::test]
async fn read_modify_write_keeps_what_the_model_does_not_know() {
    use wiremock::matchers::{body_json, method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    let server = MockServer::start().await;
    let original = json!({
        "id": "cal1",
        "status": "ACTIVE",
        "name": "Old name",
        "zNewTopLevel": {"nested": [1, 2, 3]},
        "type": "com.okta.future.hook.type",
        "version": "1.0.0",
        "channel": {
            "type": "HTTP",
            "version": "1.0.0",
            "config": {
                "uri": "https://example.com/hook",
                "method": "POST",
                "headers": [{"key": "X-A", "value": "1", "sensitive": true}],
                "authScheme": {"type": "HEADER", "key": "Authorization"},
                "timeoutMs": 3000
            },
            "channelExtra": "kept"
        },
        "created": null,
        "aCustomAttribute": "custom value",
        "lastUpdated": "2018-05-15T01:23:08.000Z"
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/inlineHooks/cal1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&original))
        .mount(&server)
        .await;
    let mut expected = original.clone();
    expected["name"] = json!("New name");
    Mock::given(method("PUT"))
        .and(path("/api/v1/inlineHooks/cal1"))
        .and(body_json(&expected))
        .respond_with(ResponseTemplate::new(200).set_body_json(&expected))
        .expect(1)
        .mount(&server)
        .await;

    let client = okta_client::Client::builder(server.uri())
        .api_token("t")
        .build()
        .unwrap();
    let mut hook = client
        .inline_hook()
        .get_inline_hook("cal1")
        .send()
        .await
        .unwrap()
        .into_body();
    hook.name = Some("New name".into());
    // The unknown fields keep their relative order when written back.
    let text = serde_json::to_string(&hook).unwrap();
    let (a, b) = (
        text.find("zNewTopLevel").unwrap(),
        text.find("aCustomAttribute").unwrap(),
    );
    assert!(a < b, "unknown fields reordered: {text}");
    let updated = client
        .inline_hook()
        .replace_inline_hook("cal1", hook)
        .send()
        .await
        .unwrap();
    assert_eq!(serde_json::to_value(&updated.body).unwrap(), expected);
}

/// Numbers in fields the model does not know keep their value: integers across the whole i64
/// and u64 range and decimals that f64 holds exactly as written.
#[test]
fn unknown_numbers_keep_their_value() {
    use okta_client::models::InlineHook;
    let v = json!({"big": u64::MAX, "neg": i64::MIN, "dec": 0.1, "exp": 1.5e300, "nested": [{"n": 42}]});
    let hook: InlineHook = serde_json::from_value(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&hook).unwrap(), v);
    let text = r#"{"big":18446744073709551615,"dec":0.1}"#;
    let hook: InlineHook = serde_json::from_str(text).unwrap();
    assert_eq!(serde_json::to_string(&hook).unwrap(), text);
}

#[test]
fn explicit_nulls_in_fields_not_documented_nullable_survive_a_round_trip() {
    use okta_client::models::{InlineHook, NetworkZone};
    let hook_json = json!({
        "id": "cal1",
        "name": "hook",
        "channel": {"type": "HTTP", "config": {"uri": "https://x.example.com", "authScheme": null}}
    });
    let mut hook: InlineHook = serde_json::from_value(hook_json.clone()).unwrap();
    assert_eq!(serde_json::to_value(&hook).unwrap(), hook_json);
    let config = hook.channel.as_ref().unwrap().config.as_ref().unwrap();
    assert!(config.auth_scheme.is_none());
    assert_eq!(config.explicit_nulls.names(), ["authScheme"]);
    // A value set by the caller wins over the remembered null…
    hook.name = None;
    let mut zone: NetworkZone =
        serde_json::from_value(json!({"name": "z", "proxies": null})).unwrap();
    zone.proxies = Some(vec![]);
    assert_eq!(
        serde_json::to_value(&zone).unwrap(),
        json!({"name": "z", "proxies": []})
    );
    // …and forgetting the null makes the unset field absent again.
    zone.proxies = None;
    zone.explicit_nulls.remove("proxies");
    assert_eq!(serde_json::to_value(&zone).unwrap(), json!({"name": "z"}));
    // A field that was absent stays absent.
    assert_eq!(
        serde_json::to_value(&hook).unwrap(),
        json!({"id": "cal1", "channel": {"type": "HTTP", "config": {"uri": "https://x.example.com", "authScheme": null}}})
    );
}
