//! `platform_roots(true)` reads the operating system's trust store, which on Linux honours
//! `SSL_CERT_FILE` and `SSL_CERT_DIR`. This binary holds one test that sets them before any other thread
//! exists, so no test can race with it.

use okta_client::{Client, Error};

#[path = "tls/server.rs"]
mod server;

#[test]
fn the_platform_store_is_trusted_when_asked_and_an_unusable_one_is_refused() {
    let dir = std::env::temp_dir().join(format!("okta-tls-platform-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let store = dir.join("ca-bundle.pem");
    let empty = dir.join("empty.pem");
    std::fs::write(&store, server::CA).unwrap();
    std::fs::write(&empty, "no certificate here\n").unwrap();
    let builder = |url: &str| {
        Client::builder(url)
            .api_token("00tlstoken")
            .builtin_roots(false)
            .platform_roots(true)
    };

    // A store without a usable certificate fails at build, naming the store.
    std::env::remove_var("SSL_CERT_DIR");
    std::env::set_var("SSL_CERT_FILE", &empty);
    let e = builder("https://example.okta.com").build().unwrap_err();
    assert!(
        matches!(&e, Error::Config(m) if m.contains("platform trust store")),
        "{e:?}"
    );

    // The store's CA is trusted: a real handshake with a certificate it signed succeeds.
    std::env::set_var("SSL_CERT_FILE", &store);
    let port = server::serve_once();
    let client = builder(&format!("https://localhost:{port}"))
        .build()
        .unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let user = rt.block_on(client.user().get_user("00u1").send()).unwrap();
    assert_eq!(user.into_body()["id"], "00u1");
    let _ = std::fs::remove_dir_all(&dir);
}
