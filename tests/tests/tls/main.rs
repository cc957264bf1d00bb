//! TLS against a real handshake on 127.0.0.1: which roots the client trusts, and that the ring
//! configuration okta-client hands reqwest works without any process-wide crypto provider.
//!
//! Nothing in this file installs a process-wide rustls provider: reqwest is built without one,
//! so a client that worked here could only have used okta-client's own configuration.

use okta_client::{Client, Error};

mod server;

use server::{serve_once, CA};

#[tokio::test]
async fn a_private_ca_added_to_the_roots_is_trusted() {
    let port = serve_once();
    let client = Client::builder(format!("https://localhost:{port}"))
        .api_token("00tlstoken")
        .add_root_certificates_pem(CA)
        .build()
        .unwrap();
    let user = client.user().get_user("00u1").send().await.unwrap();
    assert_eq!(user.into_body()["id"], "00u1");
}

#[tokio::test]
async fn only_the_added_roots_when_the_builtin_ones_are_off() {
    let port = serve_once();
    let client = Client::builder(format!("https://127.0.0.1:{port}"))
        .api_token("00tlstoken")
        .builtin_roots(false)
        .add_root_certificates_pem(CA)
        .build()
        .unwrap();
    client.user().get_user("00u1").send().await.unwrap();
}

#[tokio::test]
async fn a_certificate_from_an_unknown_ca_is_refused() {
    let port = serve_once();
    let client = Client::builder(format!("https://localhost:{port}"))
        .api_token("00tlstoken")
        .build()
        .unwrap();
    let e = client.user().get_user("00u1").send().await.unwrap_err();
    assert!(matches!(e, Error::Transport(_)), "{e:?}");
    // The token never reaches an untrusted server, and the error does not carry it.
    assert!(!format!("{e} {e:?}").contains("00tlstoken"));
}

#[tokio::test]
async fn the_http_client_builder_keeps_the_trust_roots() {
    let port = serve_once();
    let okta = Client::builder(format!("https://localhost:{port}"))
        .api_token("00tlstoken")
        .add_root_certificates_pem(CA);
    let http = okta
        .http_client_builder()
        .unwrap()
        .user_agent("corporate-agent/1")
        .build()
        .unwrap();
    let client = okta.http_client(http).build().unwrap();
    client.user().get_user("00u1").send().await.unwrap();
}

#[test]
fn bad_or_missing_roots_fail_at_build() {
    for builder in [
        Client::builder("https://example.okta.com").add_root_certificates_pem("not a certificate"),
        Client::builder("https://example.okta.com").add_root_certificates_pem(""),
        Client::builder("https://example.okta.com").builtin_roots(false),
    ] {
        let e = builder.api_token("00tlstoken").build().unwrap_err();
        assert!(matches!(e, Error::Config(_)), "{e:?}");
    }
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

    /// Whatever a caller passes as root certificates, `build()` answers with a client or
    /// `Error::Config`, never a panic: random bytes, and PEM framing around random base64
    /// (which decodes to DER that is almost never a certificate).
    #[test]
    fn any_root_certificate_text_is_a_client_or_a_config_error(
        raw in proptest::collection::vec(proptest::num::u8::ANY, 0..512),
        body in "[A-Za-z0-9+/=\n]{0,400}",
        label in "(CERTIFICATE|TRUSTED CERTIFICATE|X509 CRL|PRIVATE KEY|[A-Z ]{0,12})",
    ) {
        let framed = format!("-----BEGIN {label}-----\n{body}\n-----END {label}-----\n");
        for pem in [raw, framed.into_bytes()] {
            let result = Client::builder("https://example.okta.com")
                .api_token("00tlstoken")
                .add_root_certificates_pem(pem)
                .build();
            if let Err(e) = result {
                proptest::prop_assert!(matches!(e, Error::Config(_)), "{e:?}");
            }
        }
    }
}
