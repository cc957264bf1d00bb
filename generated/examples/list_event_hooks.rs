//! Lists the org's event hooks, one page at a time.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com OKTA_CLIENT_TOKEN=00abc… \
//!     cargo run -p okta-client --example list_event_hooks
//! ```

use okta_client::Client;

#[tokio::main]
async fn main() -> Result<(), okta_client::Error> {
    let client = Client::from_env()?;
    let mut page = client.event_hook().list_event_hooks().send().await?;
    loop {
        for hook in &page.items {
            println!(
                "{:<24} {:?}",
                hook.id.as_deref().unwrap_or("?"),
                hook.status
            );
        }
        println!(
            "(request id {:?}, rate limit {:?})",
            page.request_id(),
            page.rate_limit()
        );
        match page.next_page().await? {
            Some(next) => page = next,
            None => break,
        }
    }
    Ok(())
}
