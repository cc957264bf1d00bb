//! TLS for the client's own HTTP stack: ring as the crypto provider, and the trust roots the
//! builder chose.
//!
//! reqwest 0.13 is built with `rustls-no-provider`, so it takes its crypto provider from the
//! process-wide default and panics without one. Handing it a finished `rustls::ClientConfig`
//! keeps okta-client's choice (ring, shared with JWT signing) local: nothing process-wide is
//! installed for HTTP, and an application's own provider choice is left alone. Redis over TLS
//! is the one exception (`redis_crypto_provider`, the `redis-tls` feature).

use std::sync::Arc;

use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use rustls::RootCertStore;

use super::error::Error;

/// The trust roots: the built-in Mozilla roots, the platform's and the caller's.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tls {
    pub extra_roots_pem: Vec<Vec<u8>>,
    pub builtin_roots: Option<bool>,
    pub platform_roots: Option<bool>,
}

impl Tls {
    /// The rustls configuration reqwest is given: checked here, so a bad certificate is an
    /// `Error::Config` at `build()`, never a failed handshake later.
    pub(crate) fn client_config(&self) -> Result<rustls::ClientConfig, Error> {
        let mut roots = RootCertStore::empty();
        if self.builtin_roots.unwrap_or(true) {
            roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        }
        if self.platform_roots.unwrap_or(false) {
            add_platform_roots(&mut roots)?;
        }
        for pem in &self.extra_roots_pem {
            let mut found = 0usize;
            for cert in CertificateDer::pem_slice_iter(pem) {
                let cert =
                    cert.map_err(|e| Error::Config(format!("bad root certificate PEM: {e}")))?;
                roots.add(cert).map_err(|e| {
                    Error::Config(format!("a root certificate cannot be used: {e}"))
                })?;
                found += 1;
            }
            if found == 0 {
                return Err(Error::Config(
                    "the root certificate PEM holds no certificate".into(),
                ));
            }
        }
        if roots.is_empty() {
            return Err(Error::Config(
                "no trusted root certificates: builtin_roots(false) needs add_root_certificates_pem \
                 or platform_roots(true)"
                    .into(),
            ));
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::Config(format!("cannot configure TLS: {e}")))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        // reqwest negotiates HTTP/2 only through ALPN, which a preconfigured config must offer.
        config.alpn_protocols = if cfg!(feature = "http2") {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        Ok(config)
    }
}

fn add_platform_roots(roots: &mut RootCertStore) -> Result<(), Error> {
    let found = rustls_native_certs::load_native_certs();
    let (added, ignored) = roots.add_parsable_certificates(found.certs);
    // Asking for the platform's roots and getting none is a configuration problem (a container
    // without a CA bundle, say); a few unusable certificates among many are not.
    if added == 0 {
        let why = match found.errors.first() {
            Some(e) => e.to_string(),
            None if ignored > 0 => format!("none of its {ignored} certificates is usable"),
            None => "it holds no certificate".to_string(),
        };
        return Err(Error::Config(format!(
            "the platform trust store cannot be used: {why}"
        )));
    }
    Ok(())
}

/// Redis over TLS (`rediss://`, the `redis-tls` feature). The redis crate builds its rustls
/// configuration from the process-wide crypto provider and fails (or, with two providers
/// compiled in and none chosen, panics) without one. So before a Redis client is used, ring is
/// installed as that default **if the application has not installed one**: the only
/// process-wide effect okta-client has, and only with this feature. An application that
/// installs its own provider first keeps it.
#[cfg(feature = "redis-tls")]
pub(crate) fn redis_crypto_provider() {
    if rustls::crypto::CryptoProvider::get_default().is_none() {
        // Another thread may have installed one in between; either is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}
