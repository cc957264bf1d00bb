//! The generated profiles with okta-client, against a local HTTP server (wiremock on
//! 127.0.0.1): realistic Okta answers decode into the typed structs, survive a round trip
//! untouched, and an edit goes out as exactly the change (POST) or the whole profile (PUT).

use futures::TryStreamExt;
use okta_client::profile::{Profile, UserStatus, UserTypes};
use okta_client::test_util::mock_client;
use profile_crate::{
    ContractorProfile, ExampleAppUser, GroupProfile, OrgUser, UserProfile, UserProfileBadgeColor,
    UserProfileShirtSizes, UserProfileWorkStatus,
};
use serde_json::{json, Value};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Match, Mock, MockServer, Request, ResponseTemplate};

/// The request body is exactly this JSON: `1` is not `1.0` here, so that a number sent back
/// in another form than it was received fails the test.
struct BodyJson(Value);

impl Match for BodyJson {
    fn matches(&self, request: &Request) -> bool {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let same = body == self.0;
        if !same {
            eprintln!("body {body}\n  expected {}", self.0);
        }
        same
    }
}

fn body_json(v: Value) -> BodyJson {
    BodyJson(v)
}

/// A user as Okta answers `GET /api/v1/users/{id}`: base and custom attributes, one attribute
/// the schema does not know (`favoriteColor`), an explicit `null` (`nickName`... here
/// `middleName`), a value of another kind (`yearsOfService` as a string), an enum value the
/// schema does not list (`workStatus`), and the members around the profile.
fn user_json() -> Value {
    json!({
        "id": "00u1ero7vZFVEIYLWPBN",
        "status": "ACTIVE",
        "created": "2024-02-01T08:00:00.000Z",
        "activated": null,
        "statusChanged": "2024-02-01T08:00:00.000Z",
        "lastLogin": "2026-12-01T09:12:44.000Z",
        "lastUpdated": "2026-12-02T10:00:00.000Z",
        "passwordChanged": "2024-02-01T08:00:00.000Z",
        "type": {"id": "oty1"},
        "profile": {
            "login": "isaac.brock@example.com",
            "firstName": "Isaac",
            "lastName": "Brock",
            "middleName": null,
            "email": "isaac.brock@example.com",
            "mobilePhone": "555-415-1337",
            "costCenter": "CC-10",
            "employeeNumber": "E-100",
            "badgeId": "B-0042",
            "badgeColor": "GREEN",
            "clearanceLevel": 2,
            "shirtSizes": ["M", "XXL"],
            "deskNumbers": [12, 14],
            "fte": 1,
            "isContractor": false,
            "yearsOfService": "seven",
            "workStatus": "SABBATICAL",
            "type": "staff",
            "cost_center": "snake",
            "additionalProperties": "named like a member",
            "riskScore": 0.25,
            "meta": {"source": "hr", "rev": 3},
            "favoriteColor": "teal"
        },
        "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}},
        "_links": {"self": {"href": "https://example.okta.com/api/v1/users/00u1ero7vZFVEIYLWPBN"}}
    })
}

async fn serve(server: &MockServer, verb: &str, at: &str, body: Value) {
    Mock::given(method(verb))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_user_decodes_typed_and_keeps_everything_else() {
    let server = MockServer::start().await;
    serve(
        &server,
        "GET",
        "/api/v1/users/00u1ero7vZFVEIYLWPBN",
        user_json(),
    )
    .await;
    let client = mock_client(&server.uri()).unwrap();
    let user = client
        .profiles()
        .get_user::<UserProfile>("00u1ero7vZFVEIYLWPBN")
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(user.id, "00u1ero7vZFVEIYLWPBN");
    assert_eq!(user.status, Some(UserStatus::Active));
    let p = &user.profile;
    assert_eq!(p.cost_center.as_deref(), Some("CC-10"));
    assert_eq!(p.cost_center_2.as_deref(), Some("snake"));
    assert_eq!(p.type_.as_deref(), Some("staff"));
    assert_eq!(
        p.additional_properties_.as_deref(),
        Some("named like a member")
    );
    assert_eq!(p.badge_color, Some(UserProfileBadgeColor::Green));
    assert_eq!(
        p.badge_color.get().and_then(|c| c.title()),
        Some("Green badge")
    );
    assert_eq!(p.clearance_level, Some(2));
    // Number enums: named constants for the listed values, named by their display names.
    assert_eq!(
        p.clearance_level,
        Some(UserProfile::CLEARANCE_LEVEL_INTERNAL)
    );
    assert_eq!(
        [
            UserProfile::CLEARANCE_LEVEL_PUBLIC,
            UserProfile::CLEARANCE_LEVEL_SECRET
        ],
        [1, 3]
    );
    assert_eq!(
        [UserProfile::SALARY_BAND_1_5, UserProfile::SALARY_BAND_2_5],
        [1.5, 2.5]
    );
    assert_eq!(
        p.shirt_sizes.as_deref(),
        Some(&[UserProfileShirtSizes::M, UserProfileShirtSizes::from("XXL")][..])
    );
    assert_eq!(p.desk_numbers, Some(vec![12, 14]));
    assert_eq!(p.fte, Some(1.0));
    assert_eq!(p.is_contractor, Some(false));
    assert_eq!(p.meta.get().map(|m| m["rev"].clone()), Some(json!(3)));
    // An unlisted enum value is kept, opaque, and validate() names it.
    let work = p.work_status.get().unwrap();
    assert!(matches!(work, UserProfileWorkStatus::Unknown(_)));
    assert_eq!(work.as_str(), "SABBATICAL");
    // Unknown attribute, explicit null, and a value of another kind: kept, not failed.
    assert_eq!(p.additional_properties["favoriteColor"], "teal");
    assert!(p.middle_name.is_unset() && p.explicit_nulls.contains("middleName"));
    assert_eq!(p.years_of_service, None);
    assert_eq!(
        p.years_of_service.mismatched().map(|m| &m.value),
        Some(&json!("seven"))
    );
    // validate() reports the value of another kind, and what it is, until the attribute is set
    // or cleared.
    let v = p.validate().unwrap_err();
    let kinds: Vec<String> = v
        .iter()
        .filter(|x| x.attribute == "yearsOfService")
        .map(|x| x.message.clone())
        .collect();
    assert_eq!(
        kinds,
        [
            "arrived as a string, not an integer as the schema says (kept as received and sent \
             back unchanged: set the attribute, or clear it)"
        ],
        "{v}"
    );
    let mut fixed = p.clone();
    fixed.years_of_service.set(7);
    assert!(
        !fixed
            .validate()
            .is_err_and(|v| v.contains("yearsOfService")),
        "a value set replaces the one of another kind"
    );
    // Edited in place, and read out as an `Option`.
    assert!(fixed.cost_center.is_set() && !p.years_of_service.is_set());
    if let Some(c) = fixed.cost_center.get_mut() {
        c.push_str("-X");
    }
    assert_eq!(
        fixed.cost_center.clone().into_option().as_deref(),
        Some("CC-10-X")
    );
    let mut cleared = p.clone();
    cleared.years_of_service = None.into();
    assert!(cleared.years_of_service.is_unset());
    assert!(
        !cleared
            .validate()
            .is_err_and(|v| v.contains("yearsOfService")),
        "assigning None clears the value of another kind"
    );
    // Everything around the profile, as received.
    assert_eq!(user.rest["created"], "2024-02-01T08:00:00.000Z");
    assert_eq!(
        user.rest["_links"]["self"]["href"],
        "https://example.okta.com/api/v1/users/00u1ero7vZFVEIYLWPBN"
    );
    assert!(user.rest["activated"].is_null());
    // Nothing changed, nothing lost: the user writes back as received.
    assert!(!user.has_changes(), "{:?}", user.changes());
    // Exactly: `fte` arrived as `1` and is written as `1`, not `1.0`.
    let back = serde_json::to_string(&user).unwrap();
    let parsed: Value = serde_json::from_str(&back).unwrap();
    assert_eq!(parsed, user_json(), "{back}");
    assert!(back.contains(r#""fte":1,"#), "{back}");
}

#[tokio::test]
async fn strict_decoding_refuses_what_lenient_decoding_keeps() {
    let server = MockServer::start().await;
    serve(&server, "GET", "/api/v1/users/00u1", user_json()).await;
    let client = mock_client(&server.uri()).unwrap();
    let err = client
        .profiles()
        .get_user::<UserProfile>("00u1")
        .strict_decoding(true)
        .send()
        .await
        .unwrap_err();
    assert!(matches!(err, okta_client::Error::Decode(_)), "{err:?}");
    assert!(
        err.to_string().contains("invalid type: string \"seven\""),
        "{err}"
    );
}

#[tokio::test]
async fn an_edit_sends_only_what_changed_with_a_partial_update() {
    let server = MockServer::start().await;
    serve(&server, "GET", "/api/v1/users/00u1", user_json()).await;
    let mut after = user_json();
    after["profile"]["costCenter"] = json!("CC-42");
    after["profile"]["mobilePhone"] = Value::Null;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1ero7vZFVEIYLWPBN"))
        .and(body_json(json!({"profile": {
            "costCenter": "CC-42",
            "fte": 0.5,
            "mobilePhone": null
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(after))
        .expect(1)
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let mut user = client
        .profiles()
        .get_user::<UserProfile>("00u1")
        .send()
        .await
        .unwrap()
        .body;

    user.profile.cost_center.set("CC-42");
    user.profile.fte.set(0.5);
    user.profile.mobile_phone.clear();
    // Read-only: decoded, but an edit is never sent.
    user.profile.employee_number.set("E-999");
    user.profile.risk_score.set(0.99);
    let updated = client
        .profiles()
        .update_user(&user)
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(updated.profile.cost_center.as_deref(), Some("CC-42"));
    assert!(!updated.has_changes());
}

#[tokio::test]
async fn a_full_replace_sends_the_whole_profile_as_read() {
    let server = MockServer::start().await;
    serve(&server, "GET", "/api/v1/users/00u1", user_json()).await;
    // Everything as received (`fte` stays `1`, not `1.0`), read-only attributes included with
    // their received value although the program edited them, the edit itself.
    let mut sent = user_json()["profile"].clone();
    sent["costCenter"] = json!("CC-42");
    Mock::given(method("PUT"))
        .and(path("/api/v1/users/00u1ero7vZFVEIYLWPBN"))
        .and(body_json(json!({ "profile": sent })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let mut user = client
        .profiles()
        .get_user::<UserProfile>("00u1")
        .send()
        .await
        .unwrap()
        .body;
    user.profile.cost_center.set("CC-42");
    user.profile.employee_number.set("E-999");
    client.profiles().replace_user(&user).send().await.unwrap();
}

/// A value of another kind is sent back unchanged while it is left alone, and clearing the
/// attribute (assigning `None`, or `clear()`) really clears it: a partial update sends `null`,
/// a full replace leaves it out.
#[tokio::test]
async fn clearing_a_value_of_another_kind_sends_null_or_leaves_it_out() {
    let server = MockServer::start().await;
    serve(&server, "GET", "/api/v1/users/00u1", user_json()).await;
    let mut replaced = user_json()["profile"].clone();
    replaced.as_object_mut().unwrap().remove("yearsOfService");
    Mock::given(method("PUT"))
        .and(path("/api/v1/users/00u1ero7vZFVEIYLWPBN"))
        .and(body_json(json!({ "profile": replaced })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1ero7vZFVEIYLWPBN"))
        .and(body_json(json!({"profile": {"yearsOfService": null}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(user_json()))
        .expect(1)
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let mut user = client
        .profiles()
        .get_user::<UserProfile>("00u1")
        .send()
        .await
        .unwrap()
        .body;
    // Left alone: no change, and written back as received.
    assert!(!user.has_changes(), "{:?}", user.changes());
    assert_eq!(
        serde_json::to_value(&user.profile).unwrap()["yearsOfService"],
        "seven"
    );
    user.profile.years_of_service = None.into();
    assert_eq!(
        user.changes(),
        *json!({"yearsOfService": null}).as_object().unwrap()
    );
    client.profiles().update_user(&user).send().await.unwrap();
    let mut again = user.clone();
    again.profile.years_of_service.clear();
    client.profiles().replace_user(&again).send().await.unwrap();
}

/// Okta's integers are 64-bit: an edit between two values an `f64` cannot tell apart goes out,
/// and an integer too large for an `f64` (`number`) attribute that the edit left alone is
/// neither sent as a change nor rounded in a replace.
#[tokio::test]
async fn integer_edits_beyond_2_pow_53_are_sent_exactly() {
    let server = MockServer::start().await;
    let mut user = user_json();
    user["profile"]["yearsOfService"] = serde_json::from_str("9007199254740993").unwrap();
    user["profile"]["fte"] = serde_json::from_str("9007199254740993").unwrap();
    serve(&server, "GET", "/api/v1/users/00u1", user.clone()).await;
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u1ero7vZFVEIYLWPBN"))
        .and(body_json(
            json!({"profile": {"yearsOfService": 9007199254740992_i64}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(user.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let mut sent = user["profile"].clone();
    sent["yearsOfService"] = json!(9007199254740992_i64);
    Mock::given(method("PUT"))
        .and(path("/api/v1/users/00u1ero7vZFVEIYLWPBN"))
        .and(body_json(json!({ "profile": sent })))
        .respond_with(ResponseTemplate::new(200).set_body_json(user.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let mut got = client
        .profiles()
        .get_user::<UserProfile>("00u1")
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(got.profile.years_of_service, Some(9007199254740993));
    assert!(!got.has_changes(), "{:?}", got.changes());
    got.profile.years_of_service.set(9_007_199_254_740_992_i64);
    for extreme in [i64::MIN, i64::MAX] {
        let mut edited = got.clone();
        edited.profile.years_of_service.set(extreme);
        assert_eq!(
            Value::Object(edited.changes()),
            json!({ "yearsOfService": extreme })
        );
    }
    client.profiles().update_user(&got).send().await.unwrap();
    client.profiles().replace_user(&got).send().await.unwrap();
}

#[tokio::test]
async fn a_new_user_is_created_without_read_only_attributes() {
    let server = MockServer::start().await;
    let profile = UserProfile::new(
        "ada@example.com",
        "Ada",
        "Lovelace",
        "ada@example.com",
        "B-0001",
    )
    .with_cost_center("CC-1")
    .with_badge_color(UserProfileBadgeColor::Blue);
    assert_eq!(profile.validate(), Ok(()));
    Mock::given(method("POST"))
        .and(path("/api/v1/users"))
        .and(query_param("activate", "false"))
        .and(body_json(json!({"profile": {
            "login": "ada@example.com", "firstName": "Ada", "lastName": "Lovelace",
            "email": "ada@example.com", "costCenter": "CC-1", "badgeId": "B-0001",
            "badgeColor": "BLUE"
        }})))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "00u2", "status": "STAGED",
            "profile": {"login": "ada@example.com", "badgeColor": "BLUE"}
        })))
        .expect(1)
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let user = client
        .profiles()
        .create_user(&profile)
        .query("activate", false)
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(user.status, Some(UserStatus::Staged));
    assert_eq!(user.profile.badge_color, Some(UserProfileBadgeColor::Blue));
}

#[tokio::test]
async fn groups_are_read_and_replaced_whole() {
    let server = MockServer::start().await;
    let group = json!({
        "id": "00g1", "created": "2024-01-01T00:00:00.000Z", "type": "OKTA_GROUP",
        "objectClass": ["okta:user_group"],
        "profile": {"name": "Engineering", "description": null, "costCenter": "CC-7",
                    "tier": "gold", "memberLimit": 500, "slackChannel": "#eng"},
        "_links": {"users": {"href": "https://example.okta.com/api/v1/groups/00g1/users"}}
    });
    serve(&server, "GET", "/api/v1/groups/00g1", group.clone()).await;
    Mock::given(method("PUT"))
        .and(path("/api/v1/groups/00g1"))
        .and(body_json(
            json!({"profile": {"name": "Engineering", "description": null,
            "costCenter": "CC-8", "tier": "gold", "memberLimit": 500, "slackChannel": "#eng"}}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(group.clone()))
        .expect(1)
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let mut g = client
        .profiles()
        .get_group::<GroupProfile>("00g1")
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(g.profile.tier.get().map(|t| t.title()), Some(Some("Gold")));
    assert_eq!(g.rest["type"], "OKTA_GROUP");
    g.profile.cost_center.set("CC-8");
    assert_eq!(
        serde_json::Value::Object(g.changes()),
        json!({"costCenter": "CC-8"})
    );
    client.profiles().replace_group(&g).send().await.unwrap();
}

#[tokio::test]
async fn app_users_stream_every_page() {
    let server = MockServer::start().await;
    let next = format!(
        "<{}/api/v1/apps/0oa1/users?after=00u2>; rel=\"next\"",
        server.uri()
    );
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/0oa1/users"))
        .and(query_param("after", "00u2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            {"id": "00u3", "scope": "USER", "profile": {"userName": "c", "role": "owner"}}
        ])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/apps/0oa1/users"))
        .respond_with(ResponseTemplate::new(200).insert_header("link", next.as_str()).set_body_json(json!([
            {"id": "00u1", "scope": "USER", "profile": {"userName": "a", "role": "admin", "salesforceGroups": ["x"]}},
            {"id": "00u2", "scope": "GROUP", "profile": {"userName": "b", "seatCount": 3}}
        ])))
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let users: Vec<_> = client
        .profiles()
        .list_app_users::<ExampleAppUser>("0oa1")
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    let names: Vec<_> = users
        .iter()
        .map(|u| u.profile.user_name.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(names, ["a", "b", "c"]);
    assert_eq!(
        users[0].profile.role.get().and_then(|r| r.title()),
        Some("Administrator")
    );
    assert_eq!(
        users[2].profile.role.get().map(|r| r.as_str()),
        Some("owner")
    );
    assert_eq!(users[1].rest["scope"], "GROUP");
    assert_eq!(ExampleAppUser::READ_ONLY, ["seatCount"]);
}

#[test]
fn validate_reports_every_rule_at_once() {
    let mut p = UserProfile::new("abc", "", "Brock", "x@example.com", "B1")
        .with_years_of_service(81)
        .with_fte(1.5)
        .with_desk_numbers(vec![0, 5])
        .with_work_status("SABBATICAL")
        .with_shirt_sizes(vec![UserProfileShirtSizes::S, "XXL".into()]);
    p.clearance_level.set(7);
    p.salary_band.set(2.5);
    let v = p.validate().unwrap_err();
    let names: Vec<&str> = v.iter().map(|x| x.attribute).collect();
    assert_eq!(
        names,
        [
            "login",
            "firstName",
            "clearanceLevel",
            "shirtSizes",
            "deskNumbers",
            "yearsOfService",
            "fte",
            "badgeId",
            "workStatus"
        ],
        "{v}"
    );
    assert!(UserProfile::default()
        .validate()
        .unwrap_err()
        .contains("email"));
}

/// Bounds are checked as the schema writes them: `badgeSerial`'s maximum is 2^53 + 1, which an
/// `f64` rounds to 2^53, so 2^53 + 1 is within it and 2^53 + 2 is reported against the maximum
/// as written; `hoursPerWeek`'s maximum is the decimal 37.5, so 37 is within it and 38 is not.
#[test]
fn validate_checks_bounds_exactly() {
    let top = (1_i64 << 53) + 1;
    let contractor = |serial: i64, hours: i64| {
        ContractorProfile::new(
            "kim@agency.example",
            "Kim",
            "Lee",
            "kim@agency.example",
            "Acme",
        )
        .with_badge_serial(serial)
        .with_hours_per_week(hours)
    };
    assert_eq!(contractor(top, 37).validate(), Ok(()));
    let v = contractor(top + 1, 38).validate().unwrap_err();
    assert_eq!(
        v.to_string(),
        "`badgeSerial`: 9007199254740994 is more than the maximum 9007199254740993; \
         `hoursPerWeek`: 38 is more than the maximum 37.5"
    );
    let v = contractor(0, -1).validate().unwrap_err();
    assert_eq!(
        v.to_string(),
        "`badgeSerial`: 0 is less than the minimum 1; `hoursPerWeek`: -1 is less than the minimum 0"
    );
}

#[test]
fn every_attribute_is_listed_and_read_only_ones_are_marked() {
    assert_eq!(UserProfile::ATTRIBUTES.len(), 22 + 28);
    assert_eq!(UserProfile::READ_ONLY, ["employeeNumber", "riskScore"]);
    assert_eq!(
        UserProfileWorkStatus::VALUES,
        ["ACTIVE", "ON_LEAVE", "Unknown", "unknown", ""]
    );
    // Values that collide after case conversion, or take the name `Unknown`, stay apart.
    let all: Vec<UserProfileWorkStatus> = UserProfileWorkStatus::VALUES
        .iter()
        .map(|v| UserProfileWorkStatus::from(*v))
        .collect();
    for (v, e) in UserProfileWorkStatus::VALUES.iter().zip(&all) {
        assert_eq!(e.as_str(), *v);
        assert!(!matches!(e, UserProfileWorkStatus::Unknown(_)), "{v}");
    }
    assert_eq!(all[4].title(), Some("Empty"));
}

/// An org with two user types: one listing yields each user with the struct of its type
/// (`type.id`), a user of a type the code does not know is kept whole, and a contractor is
/// updated through the `User` of its variant with only what changed.
#[tokio::test]
async fn one_listing_yields_each_user_with_the_struct_of_its_type() {
    let server = MockServer::start().await;
    let mut employee = user_json();
    employee["type"]["id"] = json!("oty1default");
    let contractor = json!({
        "id": "00u2", "status": "ACTIVE", "type": {"id": "oty2contractor"},
        "profile": {"login": "kim@agency.example", "firstName": "Kim", "lastName": "Lee",
                    "email": "kim@agency.example", "agency": "Acme Staffing", "hourlyRate": 80}
    });
    let stranger = json!({
        "id": "00u3", "status": "STAGED", "type": {"id": "oty9new"},
        "profile": {"login": "x@example.com", "shoeSize": 44}
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/users"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([
            employee.clone(),
            contractor.clone(),
            stranger.clone()
        ])))
        .mount(&server)
        .await;
    let mut after = contractor.clone();
    after["profile"]["agency"] = json!("Beta Staffing");
    Mock::given(method("POST"))
        .and(path("/api/v1/users/00u2"))
        .and(body_json(json!({"profile": {"agency": "Beta Staffing"}})))
        .respond_with(ResponseTemplate::new(200).set_body_json(after))
        .expect(1)
        .mount(&server)
        .await;
    let client = mock_client(&server.uri()).unwrap();
    let users: Vec<OrgUser> = client
        .profiles()
        .list_typed_users::<OrgUser>()
        .into_stream()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(users.len(), 3);
    let OrgUser::UserProfile(isaac) = &users[0] else {
        panic!("{:?}", users[0])
    };
    assert_eq!(isaac.profile.cost_center.as_deref(), Some("CC-10"));
    let OrgUser::ContractorProfile(kim) = &users[1] else {
        panic!("{:?}", users[1])
    };
    assert_eq!(kim.profile.agency.as_deref(), Some("Acme Staffing"));
    assert_eq!(kim.profile.hourly_rate, Some(80.0));
    assert!(kim.profile.additional_properties.is_empty());
    let OrgUser::Other(raw) = &users[2] else {
        panic!("{:?}", users[2])
    };
    assert_eq!(Value::Object(raw.clone()), stranger);
    // Written back exactly as received, whichever the variant (`fte: 1` stays `1`).
    for (u, expected) in users.iter().zip([employee, contractor, stranger]) {
        assert_eq!(serde_json::to_value(u).unwrap(), expected);
    }
    assert_eq!(OrgUser::TYPE_IDS, ["oty1default", "oty2contractor"]);

    let mut kim = kim.clone();
    kim.profile.agency.set("Beta Staffing");
    let updated = client
        .profiles()
        .update_user(&kim)
        .send()
        .await
        .unwrap()
        .body;
    assert_eq!(updated.profile.agency.as_deref(), Some("Beta Staffing"));
    let _: &ContractorProfile = &updated.profile;
}
