//! Follows the org's System Log: prints each new event as it arrives and keeps the cursor in a
//! file, so that a second run continues where the first stopped.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com OKTA_CLIENT_TOKEN=00abc… \
//!     cargo run -p okta-client --example tail_system_log -- 2026-12-01T00:00:00Z
//! ```
//!
//! The optional argument is where to start (`since`) when there is no stored cursor.

use std::time::Duration;

use futures::TryStreamExt;
use okta_client::system_log::LogCursor;
use okta_client::Client;

const CURSOR_FILE: &str = "system-log.cursor";

#[tokio::main]
async fn main() -> Result<(), okta_client::Error> {
    let client = Client::from_env()?;
    let mut tail = client.log_tailer().poll_interval(Duration::from_secs(15));
    match std::fs::read_to_string(CURSOR_FILE) {
        Ok(text) => tail = tail.resume(text.trim().parse::<LogCursor>()?),
        Err(_) => {
            if let Some(since) = std::env::args().nth(1) {
                tail = tail.since(since);
            }
        }
    }
    let mut events = tail.into_stream();
    while let Some(event) = events.try_next().await? {
        println!(
            "{} {} {}",
            event.published.as_deref().unwrap_or("?"),
            event.event_type.as_deref().unwrap_or("?"),
            event.display_message.as_deref().unwrap_or("")
        );
        if let Some(cursor) = events.cursor() {
            if let Err(e) = std::fs::write(CURSOR_FILE, cursor.as_str()) {
                eprintln!("cannot store the cursor in {CURSOR_FILE}: {e}");
            }
        }
    }
    Ok(())
}
