//! Registration in one call against the Event Hooks API of `tests::okta_hooks::FakeOrg`,
//! which verifies the hook by calling the receiver.

use std::sync::atomic::Ordering;

use okta_client::hooks::{HookChange, HookRegistration};
use okta_client::Client;

use super::*;

fn client(org: &tests::okta_hooks::FakeOrg) -> Client {
    Client::builder(org.url())
        .api_token("00api-token")
        .build()
        .unwrap()
}

#[tokio::test]
async fn registration_creates_verifies_activates_and_is_idempotent() {
    let org = tests::okta_hooks::FakeOrg::start().await;
    let client = client(&org);
    let (receiver, _queue) = EventHookReceiver::builder(HEADER, SECRET).queue(8).unwrap();
    let mut served = Served::start(&receiver).await;
    let registration = HookRegistration::new("provisioning", served.uri(), HEADER, SECRET)
        .event_types(["user.lifecycle.create", "user.lifecycle.deactivate"])
        .header("X-Team", "identity");
    let first = registration.register(&client).await.unwrap();
    assert_eq!(first.changes, [HookChange::Created, HookChange::Verified]);
    let hooks = org.hooks();
    assert_eq!(hooks.len(), 1);
    let hook = &hooks[0];
    assert_eq!(hook["id"], first.id.as_str());
    assert_eq!(hook["name"], "provisioning");
    assert_eq!(hook["status"], "ACTIVE");
    assert_eq!(hook["verificationStatus"], "VERIFIED");
    assert_eq!(hook["channel"]["config"]["uri"], served.uri().as_str());
    assert_eq!(hook["channel"]["config"]["authScheme"]["value"], SECRET);
    assert_eq!(hook["channel"]["config"]["headers"][0]["value"], "identity");
    assert_eq!(
        hook["events"],
        serde_json::json!({"type": "EVENT_TYPE", "items": ["user.lifecycle.create", "user.lifecycle.deactivate"]})
    );
    // Again, on the next start: nothing to do.
    let again = registration.register(&client).await.unwrap();
    assert_eq!(again.id, first.id);
    assert!(again.changes.is_empty(), "{:?}", again.changes);
    assert_eq!(org.calls().create.load(Ordering::SeqCst), 1);
    assert_eq!(org.calls().replace.load(Ordering::SeqCst), 0);
    assert_eq!(org.calls().verify.load(Ordering::SeqCst), 1);
    // Other event types (order does not matter): replaced in place.
    let changed = HookRegistration::new("provisioning", served.uri(), HEADER, SECRET)
        .event_types(["user.lifecycle.deactivate", "group.user_membership.add"])
        .header("X-Team", "identity");
    let third = changed.register(&client).await.unwrap();
    assert_eq!(third.id, first.id);
    assert_eq!(third.changes, [HookChange::Updated(vec!["event_types"])]);
    assert_eq!(org.hooks().len(), 1);
    // A new secret must be asked for (Okta never shows it), and is verified again.
    let rotated_secret = "rotated-secret-000";
    let (rotated, _q) = EventHookReceiver::builder(HEADER, rotated_secret)
        .queue(8)
        .unwrap();
    served.stop().await;
    let served = Served::start(&rotated).await;
    let rotate = HookRegistration::new("provisioning", served.uri(), HEADER, rotated_secret)
        .event_types(["user.lifecycle.deactivate", "group.user_membership.add"])
        .header("X-Team", "identity")
        .replace_secret(true);
    let fourth = rotate.register(&client).await.unwrap();
    assert_eq!(
        fourth.changes,
        [
            HookChange::Updated(vec!["uri", "secret"]),
            HookChange::Verified
        ]
    );
    assert_eq!(
        org.hooks()[0]["channel"]["config"]["authScheme"]["value"],
        rotated_secret
    );
}

#[tokio::test]
async fn verification_fails_when_the_receiver_has_another_secret() {
    let org = tests::okta_hooks::FakeOrg::start().await;
    let client = client(&org);
    let (receiver, _queue) = EventHookReceiver::builder(HEADER, "another-secret")
        .queue(8)
        .unwrap();
    let mut served = Served::start(&receiver).await;
    let err = HookRegistration::new("h", served.uri(), HEADER, SECRET)
        .event_types(["user.lifecycle.create"])
        .register(&client)
        .await
        .unwrap_err();
    assert_eq!(err.status().map(|s| s.as_u16()), Some(400), "{err}");
    assert!(!err.to_string().contains(SECRET));
    // Nothing is activated or delivered to an unverified hook; a later run verifies it.
    let (receiver, _queue) = EventHookReceiver::builder(HEADER, SECRET).queue(8).unwrap();
    let addr = served.addr.clone();
    served.stop().await;
    let _served = Served::on(&receiver, &addr).await;
    let second = HookRegistration::new("h", format!("http://{addr}{PATH}"), HEADER, SECRET)
        .event_types(["user.lifecycle.create"])
        .register(&client)
        .await
        .unwrap();
    assert_eq!(second.changes, [HookChange::Verified]);
    // No event types: refused before any call.
    let err = HookRegistration::new("h", "https://x/y", HEADER, SECRET)
        .register(&client)
        .await
        .unwrap_err();
    assert!(matches!(err, okta_client::Error::Config(_)), "{err}");
}
