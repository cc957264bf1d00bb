//! An event hook from registration to a running receiver: serves the hook, registers it with
//! the org (create or update by name, verification, activation: safe on every start), and
//! reconciles with the System Log ten minutes behind; prints each event once, whichever way it
//! came.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com OKTA_CLIENT_TOKEN=00abc… \
//! HOOK_URL=https://hooks.example.com/okta/events HOOK_SECRET=… \
//!     cargo run -p okta-client --features axum --example event_hook_receiver
//! ```
//!
//! `HOOK_URL` is the public HTTPS address Okta calls (a TLS-terminating proxy in front of this
//! process); the receiver listens on `LISTEN` (default `0.0.0.0:8080`) at the URL's path. The
//! reconciliation's position is kept in `event-hook.cursor`.

use std::time::Duration;

use okta_client::hooks::{CursorFuture, CursorStore, EventHookReceiver, HookRegistration, Source};
use okta_client::system_log::LogCursor;
use okta_client::Client;

const EVENT_TYPES: [&str; 3] = [
    "user.lifecycle.create",
    "user.lifecycle.deactivate",
    "group.user_membership.add",
];
const CURSOR_FILE: &str = "event-hook.cursor";

/// The reconciliation's position in a file.
struct FileCursor;

impl CursorStore for FileCursor {
    fn load(&self) -> CursorFuture<'_, Option<LogCursor>> {
        Box::pin(async {
            match std::fs::read_to_string(CURSOR_FILE) {
                Ok(text) => Ok(Some(text.trim().parse()?)),
                Err(_) => Ok(None),
            }
        })
    }

    fn save<'a>(&'a self, cursor: &'a LogCursor) -> CursorFuture<'a, ()> {
        Box::pin(async move {
            std::fs::write(CURSOR_FILE, cursor.as_str())
                .map_err(|e| okta_client::Error::Config(format!("{CURSOR_FILE}: {e}")))
        })
    }
}

fn env(name: &str) -> Result<String, okta_client::Error> {
    std::env::var(name).map_err(|_| okta_client::Error::Config(format!("{name} is not set")))
}

#[tokio::main]
async fn main() -> Result<(), okta_client::Error> {
    run().await
}

/// The program (also run by the receiver's tests, against an org on 127.0.0.1).
pub async fn run() -> Result<(), okta_client::Error> {
    let client = Client::from_env()?;
    let hook_url = env("HOOK_URL")?;
    let secret = env("HOOK_SECRET")?;
    let listen = std::env::var("LISTEN").unwrap_or_else(|_| "0.0.0.0:8080".into());
    let path = url::Url::parse(&hook_url)
        .map_err(|e| okta_client::Error::Config(format!("HOOK_URL: {e}")))?
        .path()
        .to_string();

    // 1. The receiver, handing events to a bounded queue, served first: Okta calls it to verify.
    let (receiver, mut queue) =
        EventHookReceiver::builder("Authorization", secret.clone()).queue(1_000)?;
    let listener = tokio::net::TcpListener::bind(&listen)
        .await
        .map_err(|e| okta_client::Error::Config(format!("LISTEN {listen}: {e}")))?;
    let app = receiver.router(&path);
    tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, app).await {
            eprintln!("the receiver stopped: {e}");
        }
    });

    // 2. The hook, as it should be.
    let registered =
        HookRegistration::new("okta-client-example", &hook_url, "Authorization", secret)
            .event_types(EVENT_TYPES)
            .register(&client)
            .await?;
    println!("hook {}: {:?}", registered.id, registered.changes);

    // 3. Reconciliation: what the hook never brought, from the System Log.
    let reconciler = receiver
        .reconciler(&client, EVENT_TYPES)
        .lag(Duration::from_secs(600))
        .cursor_store(FileCursor);
    tokio::spawn(async move {
        if let Err(e) = reconciler.run().await {
            eprintln!("reconciliation stopped: {e}");
        }
    });

    // 4. Each event once.
    while let Some(batch) = queue.recv().await {
        for event in batch.events() {
            let how = match batch.source() {
                Source::Hook => "hook",
                _ => "System Log",
            };
            println!(
                "{} {} {} (by {how})",
                event.published.as_deref().unwrap_or("?"),
                event.event_type.as_deref().unwrap_or("?"),
                event.uuid().unwrap_or("?"),
            );
        }
        if !batch.ack().await {
            eprintln!("the delivery was not recorded in Redis");
        }
    }
    Ok(())
}
