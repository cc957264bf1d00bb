//! Calls an endpoint the catalog does not describe, with the same authentication, retries and
//! errors as the generated operations.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com OKTA_CLIENT_TOKEN=00abc… \
//!     cargo run -p okta-client --example generic_request -- /api/v1/users/me
//! ```

use okta_client::{Client, Method};

#[tokio::main]
async fn main() -> Result<(), okta_client::Error> {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/api/v1/org".into());
    let client = Client::from_env()?;
    let response = client
        .request(Method::GET, &path)
        .send_as::<serde_json::Value>()
        .await?;
    println!(
        "HTTP {} (request id {:?})",
        response.status,
        response.request_id()
    );
    println!("{:#}", response.body);
    Ok(())
}
