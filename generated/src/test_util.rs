//! Testing code that uses okta-client without a real org (the `test-util` feature).
//!
//! Point a client at a mock HTTP server on the loopback interface (`http://127.0.0.1:…` is
//! allowed for loopback hosts only), with retries and the rate-limit governor off so that a
//! mocked `429` or `503` comes back at once and mocked `X-Rate-Limit-*` headers never hold a
//! call back, and a fixed token your mocks can match:
//!
//! ```no_run
//! # async fn run() -> Result<(), okta_client::Error> {
//! // In a test, with wiremock (or any HTTP mock) serving on `server_url`:
//! let server_url = "http://127.0.0.1:8080";
//! let client = okta_client::test_util::mock_client(server_url)?;
//! let hooks = client.event_hook().list_event_hooks().send().await?;
//! # let _ = hooks; Ok(()) }
//! ```
//!
//! `generated/tests/mock_server.rs` in the repository is a complete test to copy.

use crate::{Client, ClientBuilder, Error, RateLimitConfig, RetryConfig};

/// The API token [`mock_client`] sends: `Authorization: SSWS test-token`.
pub const TEST_TOKEN: &str = "test-token";

/// A builder for a client of the mock server at `server_url`, authenticating with
/// [`TEST_TOKEN`], never retrying and never pacing ([`RateLimitConfig::disabled`]); adjust it
/// before `build()`.
pub fn mock_client_builder(server_url: &str) -> ClientBuilder {
    Client::builder(server_url)
        .api_token(TEST_TOKEN)
        .retry(RetryConfig::disabled())
        .rate_limit(RateLimitConfig::disabled())
}

/// A client of the mock server at `server_url` (see [`mock_client_builder`]).
pub fn mock_client(server_url: &str) -> Result<Client, Error> {
    mock_client_builder(server_url).build()
}
