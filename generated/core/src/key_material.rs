//! Private keys for OAuth 2.0 client assertions: PEM (PKCS#8 RSA or EC, PKCS#1 RSA, SEC1 EC) or
//! a private JWK (RSA or EC P-256), turned into what `jsonwebtoken` (ring) signs with.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};
use simple_asn1::{from_der, oid, to_der, ASN1Block, ASN1Class, BigInt, BigUint};

use super::error::Error;

/// A private key to sign client assertions with. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct PrivateKeyMaterial {
    pub(crate) key: EncodingKey,
    pub(crate) algorithm: Algorithm,
    /// The `kid` a JWK carried, if any.
    pub(crate) jwk_key_id: Option<String>,
}

impl fmt::Debug for PrivateKeyMaterial {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PrivateKeyMaterial({:?}, <redacted>)", self.algorithm)
    }
}

fn bad(what: &str) -> Error {
    Error::Config(format!("invalid private key: {what}"))
}

impl PrivateKeyMaterial {
    /// A PEM key: `BEGIN PRIVATE KEY` (PKCS#8, RSA or EC P-256), `BEGIN RSA PRIVATE KEY` or
    /// `BEGIN EC PRIVATE KEY` (SEC1, P-256).
    pub fn from_pem(pem: &str) -> Result<Self, Error> {
        let (label, der) = pem_block(pem)?;
        let material = match label.as_str() {
            "RSA PRIVATE KEY" | "PRIVATE KEY"
                if EncodingKey::from_rsa_pem(pem.as_bytes()).is_ok() =>
            {
                PrivateKeyMaterial {
                    key: EncodingKey::from_rsa_pem(pem.as_bytes())
                        .map_err(|_| bad("unreadable RSA key"))?,
                    algorithm: Algorithm::RS256,
                    jwk_key_id: None,
                }
            }
            "PRIVATE KEY" => PrivateKeyMaterial {
                key: EncodingKey::from_ec_pem(pem.as_bytes())
                    .map_err(|_| bad("a PKCS#8 key that is neither RSA nor EC P-256"))?,
                algorithm: Algorithm::ES256,
                jwk_key_id: None,
            },
            "EC PRIVATE KEY" => {
                let (d, public) = parse_sec1(&der).ok_or_else(|| bad("unreadable SEC1 EC key"))?;
                let public = public.ok_or_else(|| {
                    bad("the SEC1 key does not include its public key; convert it to PKCS#8")
                })?;
                ec_material(&d, &public, None)?
            }
            other => return Err(bad(&format!("unsupported PEM block `{other}`"))),
        };
        material.check()
    }

    /// A PEM file.
    pub fn from_pem_file(path: impl AsRef<std::path::Path>) -> Result<Self, Error> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::Config(format!("cannot read {}: {e}", path.display())))?;
        Self::from_pem(&text)
    }

    /// A private JWK (JSON): `kty` `RSA` (with `n`, `e`, `d`, `p`, `q`, `dp`, `dq`, `qi`) or `EC`
    /// on `P-256` (with `x`, `y`, `d`). Its `kid`, if any, is used as the key id.
    pub fn from_jwk(json: &str) -> Result<Self, Error> {
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|_| bad("the JWK is not JSON"))?;
        let field = |k: &str| -> Result<Vec<u8>, Error> {
            let s = v
                .get(k)
                .and_then(|x| x.as_str())
                .ok_or_else(|| bad(&format!("the JWK has no `{k}`")))?;
            URL_SAFE_NO_PAD
                .decode(s.trim_end_matches('='))
                .map_err(|_| bad(&format!("the JWK's `{k}` is not base64url")))
        };
        let kid = v.get("kid").and_then(|k| k.as_str()).map(str::to_string);
        let material = match v.get("kty").and_then(|k| k.as_str()) {
            Some("RSA") => {
                let parts = ["n", "e", "d", "p", "q", "dp", "dq", "qi"]
                    .map(field)
                    .into_iter()
                    .collect::<Result<Vec<_>, _>>()?;
                PrivateKeyMaterial {
                    key: EncodingKey::from_rsa_der(&rsa_pkcs1(&parts)?),
                    algorithm: Algorithm::RS256,
                    jwk_key_id: kid,
                }
            }
            Some("EC") => {
                if v.get("crv").and_then(|c| c.as_str()) != Some("P-256") {
                    return Err(bad("only EC keys on P-256 are supported"));
                }
                let (x, y, d) = (field("x")?, field("y")?, field("d")?);
                if x.len() != 32 || y.len() != 32 || d.len() != 32 {
                    return Err(bad("a P-256 JWK has 32-byte `x`, `y` and `d`"));
                }
                let mut public = vec![4u8];
                public.extend(&x);
                public.extend(&y);
                ec_material(&d, &public, kid)?
            }
            _ => return Err(bad("the JWK's `kty` must be RSA or EC")),
        };
        material.check()
    }

    /// A PEM or JWK given inline, or the path of a file holding one (what
    /// `OKTA_CLIENT_PRIVATEKEY` may contain).
    pub fn from_text_or_path(text: &str) -> Result<Self, Error> {
        let t = text.trim();
        if t.starts_with("-----BEGIN") {
            return Self::from_pem(t);
        }
        if t.starts_with('{') {
            return Self::from_jwk(t);
        }
        let contents = std::fs::read_to_string(t).map_err(|e| {
            Error::Config(format!(
                "the private key is neither a PEM, a JWK nor a readable file ({e})"
            ))
        })?;
        if contents.trim_start().starts_with('{') {
            Self::from_jwk(&contents)
        } else {
            Self::from_pem(&contents)
        }
    }

    /// Signs once, so that a key ring cannot use fails when the client is built, not on the first
    /// call.
    fn check(self) -> Result<Self, Error> {
        let header = jsonwebtoken::Header::new(self.algorithm);
        let why = match self.algorithm {
            Algorithm::RS256 => {
                "the RSA key cannot sign (is it complete, with at least 2048 bits?)"
            }
            _ => "the EC key is not a valid P-256 key (its scalar or public point is wrong)",
        };
        jsonwebtoken::encode(&header, &serde_json::json!({"check": true}), &self.key)
            .map_err(|_| bad(why))?;
        Ok(self)
    }
}

fn ec_material(d: &[u8], public: &[u8], kid: Option<String>) -> Result<PrivateKeyMaterial, Error> {
    Ok(PrivateKeyMaterial {
        key: EncodingKey::from_ec_der(&p256_pkcs8(d, public)?),
        algorithm: Algorithm::ES256,
        jwk_key_id: kid,
    })
}

/// The label and DER bytes of the first PEM block. Framing problems (no body, `END` before
/// `BEGIN`, a label that does not match, bad base64) are the `pem` crate's to find.
fn pem_block(text: &str) -> Result<(String, Vec<u8>), Error> {
    let block = pem::parse(text).map_err(|e| bad(&format!("not a PEM block ({e})")))?;
    if block.contents().is_empty() {
        return Err(bad("the PEM block has no body"));
    }
    Ok((block.tag().to_string(), block.contents().to_vec()))
}

fn integer(bytes: &[u8]) -> ASN1Block {
    ASN1Block::Integer(0, BigInt::from(BigUint::from_bytes_be(bytes)))
}

fn der(block: &ASN1Block) -> Result<Vec<u8>, Error> {
    to_der(block).map_err(|e| bad(&format!("cannot encode the key ({e})")))
}

/// PKCS#1 `RSAPrivateKey` from a JWK's big-endian parts (`n`, `e`, `d`, `p`, `q`, `dp`, `dq`,
/// `qi`), the form ring reads.
fn rsa_pkcs1(parts: &[Vec<u8>]) -> Result<Vec<u8>, Error> {
    let mut fields = vec![integer(&[0])];
    fields.extend(parts.iter().map(|p| integer(p)));
    der(&ASN1Block::Sequence(0, fields))
}

/// PKCS#8 for a P-256 key: the form ring reads.
fn p256_pkcs8(d: &[u8], public: &[u8]) -> Result<Vec<u8>, Error> {
    let ec_private_key = ASN1Block::Sequence(
        0,
        vec![
            integer(&[1]),
            ASN1Block::OctetString(0, d.to_vec()),
            ASN1Block::Explicit(
                ASN1Class::ContextSpecific,
                0,
                BigUint::from(1u8),
                Box::new(ASN1Block::BitString(0, public.len() * 8, public.to_vec())),
            ),
        ],
    );
    let algorithm = ASN1Block::Sequence(
        0,
        vec![
            ASN1Block::ObjectIdentifier(0, oid!(1, 2, 840, 10045, 2, 1)),
            ASN1Block::ObjectIdentifier(0, oid!(1, 2, 840, 10045, 3, 1, 7)),
        ],
    );
    der(&ASN1Block::Sequence(
        0,
        vec![
            integer(&[0]),
            algorithm,
            ASN1Block::OctetString(0, der(&ec_private_key)?),
        ],
    ))
}

/// The private scalar and (if present) the public point of a SEC1 `ECPrivateKey`.
fn parse_sec1(bytes: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let blocks = from_der(bytes).ok()?;
    let Some(ASN1Block::Sequence(_, fields)) = blocks.first() else {
        return None;
    };
    let Some(ASN1Block::OctetString(_, d)) = fields.get(1) else {
        return None;
    };
    let public = fields.iter().find_map(|f| match f {
        ASN1Block::Explicit(ASN1Class::ContextSpecific, _, tag, inner)
            if *tag == BigUint::from(1u8) =>
        {
            match inner.as_ref() {
                ASN1Block::BitString(_, _, bits) => Some(bits.clone()),
                _ => None,
            }
        }
        // simple_asn1 leaves context-specific tags it cannot interpret as raw bytes.
        ASN1Block::Unknown(ASN1Class::ContextSpecific, true, _, tag, body)
            if *tag == BigUint::from(1u8) =>
        {
            match from_der(body).ok()?.first()? {
                ASN1Block::BitString(_, _, bits) => Some(bits.clone()),
                _ => None,
            }
        }
        _ => None,
    });
    Some((d.clone(), public))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config_error(r: Result<PrivateKeyMaterial, Error>) -> String {
        match r {
            Err(Error::Config(m)) => m,
            Err(other) => panic!("not a configuration error: {other:?}"),
            Ok(_) => panic!("accepted"),
        }
    }

    #[test]
    fn malformed_pem_framing_is_a_configuration_error() {
        for text in [
            "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
            "-----BEGIN PRIVATE KEY----------END PRIVATE KEY-----",
            // The BEGIN line's closing dashes are the END line's opening ones.
            "-----BEGIN PRIVATE KEY-----END PRIVATE KEY-----",
            "-----BEGIN X-----END X-----",
            "-----END PRIVATE KEY-----\nMIIB\n-----BEGIN PRIVATE KEY-----\n",
            "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----\n",
            "-----BEGIN EC PRIVATE KEY-----\n!!!!\n-----END EC PRIVATE KEY-----\n",
            "-----BEGIN ",
        ] {
            let m = config_error(PrivateKeyMaterial::from_pem(text));
            assert!(m.starts_with("invalid private key"), "{text:?}: {m}");
        }
    }

    #[test]
    fn an_invalid_ec_key_is_not_called_an_rsa_problem() {
        // A P-256 key whose scalar is zero: well-formed DER, not a key.
        let der = p256_pkcs8(&[0u8; 32], &[4u8; 65]).unwrap();
        let pem = pem::encode(&pem::Pem::new("PRIVATE KEY", der));
        let m = config_error(PrivateKeyMaterial::from_pem(&pem));
        assert!(!m.contains("RSA"), "{m}");
        let jwk = r#"{"kty":"EC","crv":"P-256","x":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","y":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","d":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}"#;
        let m = config_error(PrivateKeyMaterial::from_jwk(jwk));
        assert!(m.contains("EC") && !m.contains("RSA"), "{m}");
    }

    proptest::proptest! {
        /// Any text, PEM-shaped or not, gives a key or a configuration error: never a panic.
        #[test]
        fn key_parsers_never_panic(
            label in "(PRIVATE KEY|RSA PRIVATE KEY|EC PRIVATE KEY|[A-Z ]{0,12})",
            end_label in "(PRIVATE KEY|RSA PRIVATE KEY|EC PRIVATE KEY|[A-Z ]{0,12})",
            body in "[A-Za-z0-9+/=\n]{0,200}",
            der in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200),
            swap in proptest::prelude::any::<bool>(),
        ) {
            let (begin, end) = (format!("-----BEGIN {label}-----"), format!("-----END {end_label}-----"));
            let text = if swap { format!("{end}\n{body}\n{begin}") } else { format!("{begin}\n{body}\n{end}") };
            let r = PrivateKeyMaterial::from_pem(&text);
            proptest::prop_assert!(r.is_ok() || matches!(r, Err(Error::Config(_))));
            let wrapped = pem::encode(&pem::Pem::new(label, der.clone()));
            let r = PrivateKeyMaterial::from_pem(&wrapped);
            proptest::prop_assert!(r.is_ok() || matches!(r, Err(Error::Config(_))));
            let _ = parse_sec1(&der);
            let jwk = format!(r#"{{"kty":"RSA","n":"{body}","e":"AQAB","d":"{body}","p":"x","q":"y","dp":"z","dq":"w","qi":"v"}}"#);
            let r = PrivateKeyMaterial::from_jwk(&jwk);
            proptest::prop_assert!(r.is_ok() || matches!(r, Err(Error::Config(_))));
        }
    }
}
