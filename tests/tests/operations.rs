//! Runs the per-operation tests emitted from the catalog (`generated/operations.rs`): for every
//! operation, the request the client sends (method, path, query, headers, body) and the decoding
//! of its documented response, against a local HTTP server.

#[rustfmt::skip]
#[allow(non_snake_case)]
#[path = "generated/operations.rs"]
mod generated;

fn client(server: &wiremock::MockServer) -> okta_client::Client {
    okta_client::Client::builder(server.uri())
        .api_token("test-token")
        .retry(okta_client::RetryConfig::disabled())
        .build()
        .expect("client")
}

fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> T {
    serde_json::from_str(text).expect("the emitted sample matches its type")
}
