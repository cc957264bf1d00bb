//! The typed System Log event: every documented part, and lossless like the generated models.

use okta_client::log_event::{LogEvent, SystemLogEvent};
use serde_json::json;

#[test]
fn every_documented_part_decodes_typed() {
    let raw = tests::okta_hooks::event("e-1", "user.session.start", "2026-12-01T10:00:00.123Z");
    let e = LogEvent::from_value(&raw).unwrap();
    assert_eq!(e.uuid(), Some("e-1"));
    assert_eq!(e.event_type.as_deref(), Some("user.session.start"));
    assert_eq!(e.version.as_deref(), Some("0"));
    assert_eq!(e.severity.as_deref(), Some("INFO"));
    assert_eq!(e.display_message.as_deref(), Some("User login to Okta"));
    let actor = e.actor.as_ref().unwrap();
    assert_eq!(
        (actor.id.as_deref(), actor.actor_type.as_deref()),
        (Some("00u1"), Some("User"))
    );
    let client = e.client.as_ref().unwrap();
    assert_eq!(
        client.user_agent.as_ref().unwrap().browser.as_deref(),
        Some("SAFARI")
    );
    let geo = client.geographical_context.as_ref().unwrap();
    assert_eq!(geo.geolocation.as_ref().unwrap().lat, Some(48.8566));
    assert_eq!(
        e.outcome.as_ref().unwrap().result.as_deref(),
        Some("SUCCESS")
    );
    let target = &e.target.as_ref().unwrap()[0];
    assert_eq!(target.target_type.as_deref(), Some("AppInstance"));
    assert_eq!(
        target.detail_entry.as_ref().unwrap()["signOnModeType"],
        "SAML_2_0"
    );
    assert_eq!(
        e.transaction.as_ref().unwrap().transaction_type.as_deref(),
        Some("WEB")
    );
    assert_eq!(
        e.debug_context
            .as_ref()
            .unwrap()
            .debug_data
            .as_ref()
            .unwrap()["requestUri"],
        "/api/v1/authn"
    );
    let authn = e.authentication_context.as_ref().unwrap();
    assert_eq!(authn.authentication_step, Some(0));
    assert_eq!(authn.external_session_id.as_deref(), Some("102abc"));
    let security = e.security_context.as_ref().unwrap();
    assert_eq!(
        (security.as_number, security.is_proxy),
        (Some(64496), Some(false))
    );
    let hop = &e.request.as_ref().unwrap().ip_chain.as_ref().unwrap()[0];
    assert_eq!(hop.version.as_deref(), Some("V4"));
    let published = e.published_at().unwrap();
    assert_eq!(
        published
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
        1_796_119_200_123
    );
    // Encoding the typed event gives back the event as received, and so does the raw JSON.
    assert_eq!(serde_json::to_value(e.event()).unwrap(), raw);
    assert_eq!(e.to_value(), raw);
    assert_eq!(serde_json::to_value(&e).unwrap(), raw);
}

#[test]
fn unknown_fields_other_kinds_and_nulls_survive() {
    let raw = json!({
        "uuid": "e-2",
        "severity": 3,
        "newTopLevel": {"x": [1, 2]},
        "displayMessage": null,
        "actor": {"id": "00u2", "type": "User", "detailEntry": "not an object", "newActorField": true},
        "target": {"not": "an array"},
        "securityContext": {"isProxy": "maybe", "asNumber": null},
        "published": "2026-12-01T10:00:00Z"
    });
    let e = LogEvent::from_value(&raw).unwrap();
    assert_eq!(e.severity, None);
    assert_eq!(e.mismatched_fields.get("severity").unwrap().value, 3);
    assert_eq!(e.additional_properties["newTopLevel"], json!({"x": [1, 2]}));
    assert!(e.explicit_nulls.contains("displayMessage"));
    let actor = e.actor.as_ref().unwrap();
    assert_eq!(actor.id.as_deref(), Some("00u2"));
    assert_eq!(
        actor.mismatched_fields.get("detailEntry").unwrap().value,
        "not an object"
    );
    assert_eq!(actor.additional_properties["newActorField"], true);
    assert!(e.target.is_none());
    assert_eq!(
        e.mismatched_fields.get("target").unwrap().value,
        json!({"not": "an array"})
    );
    let security = e.security_context.as_ref().unwrap();
    assert_eq!(security.is_proxy, None);
    assert!(security.explicit_nulls.contains("asNumber"));
    // Written back exactly, keys and all.
    let typed: SystemLogEvent = serde_json::from_value(raw.clone()).unwrap();
    assert_eq!(serde_json::to_value(&typed).unwrap(), raw);
    assert_eq!(typed, *e.event());
    // Anything that is not an object is refused with an error, never a panic.
    for bad in [json!(1), json!("x"), json!([]), json!(null)] {
        assert!(LogEvent::from_value(&bad).is_err(), "{bad}");
    }
}
