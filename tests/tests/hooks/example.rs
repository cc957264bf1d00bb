//! `generated/examples/event_hook_receiver.rs`, run as written against `FakeOrg`: it reads the
//! org and the hook from the environment, serves the receiver, registers the hook (which the
//! org verifies by calling it) and acknowledges the org's deliveries.

use std::time::Duration;

use tests::okta_hooks::FakeOrg;

use super::*;

#[tokio::test]
async fn the_example_registers_its_hook_from_the_environment_and_serves_it() {
    let org = FakeOrg::start().await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    // Only this test of the binary reads these variables.
    std::env::set_var("OKTA_CLIENT_ORGURL", org.url());
    std::env::set_var("OKTA_CLIENT_TOKEN", "00example-token");
    std::env::set_var("HOOK_URL", format!("http://127.0.0.1:{port}/okta/events"));
    std::env::set_var("HOOK_SECRET", SECRET);
    std::env::set_var("LISTEN", format!("127.0.0.1:{port}"));
    // The program runs until the test binary exits.
    std::thread::spawn(|| {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        if let Err(e) = runtime.block_on(super::example_program::run()) {
            panic!("the example failed: {e}");
        }
    });
    let start = Instant::now();
    loop {
        let hooks = org.hooks();
        if hooks
            .first()
            .is_some_and(|h| h["verificationStatus"] == "VERIFIED" && h["status"] == "ACTIVE")
        {
            assert_eq!(hooks.len(), 1);
            assert_eq!(hooks[0]["name"], "okta-client-example");
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no verified hook: {hooks:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let attempts = org
        .emit(&events("example", 3, "user.lifecycle.create"))
        .await;
    assert_eq!(attempts, [vec![Some(200)]]);
    // A type the example does not subscribe to is not delivered.
    assert!(org
        .emit(&events("other", 2, "user.session.start"))
        .await
        .is_empty());
}
