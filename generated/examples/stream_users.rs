//! Streams every user of the org; only one page is held in memory at a time.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com OKTA_CLIENT_TOKEN=00abc… \
//!     cargo run -p okta-client --example stream_users
//! ```

use futures::TryStreamExt;
use okta_client::Client;

#[tokio::main]
async fn main() -> Result<(), okta_client::Error> {
    let client = Client::from_env()?;
    let mut users = client.user().list_users().into_stream();
    let mut count = 0usize;
    while let Some(user) = users.try_next().await? {
        // The catalog's documents give no User schema: each user is untyped JSON.
        let login = user
            .pointer("/profile/login")
            .and_then(|v| v.as_str())
            .unwrap_or("?");
        println!("{login}");
        count += 1;
    }
    println!("{count} users");
    Ok(())
}
