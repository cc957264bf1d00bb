//! Private keys for OAuth 2.0 client assertions: PEM (PKCS#8 RSA or EC, PKCS#1 RSA, SEC1 EC) or
//! a private JWK (RSA or EC P-256), turned into what `jsonwebtoken` (ring) signs with.

use std::fmt;

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey};

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
        let (label, der) = pem_block(pem).ok_or_else(|| bad("no PEM block found"))?;
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
                let parts = ["n", "e", "d", "p", "q", "dp", "dq", "qi"].map(field);
                let mut body = der_integer(&[0]);
                for p in parts {
                    body.extend(der_integer(&p?));
                }
                PrivateKeyMaterial {
                    key: EncodingKey::from_rsa_der(&der_tlv(0x30, &body)),
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
        jsonwebtoken::encode(&header, &serde_json::json!({"check": true}), &self.key)
            .map_err(|_| bad("the key cannot sign (RSA keys need at least 2048 bits)"))?;
        Ok(self)
    }
}

fn ec_material(d: &[u8], public: &[u8], kid: Option<String>) -> Result<PrivateKeyMaterial, Error> {
    Ok(PrivateKeyMaterial {
        key: EncodingKey::from_ec_der(&p256_pkcs8(d, public)),
        algorithm: Algorithm::ES256,
        jwk_key_id: kid,
    })
}

/// The label and DER bytes of the first PEM block.
fn pem_block(pem: &str) -> Option<(String, Vec<u8>)> {
    let start = pem.find("-----BEGIN ")?;
    let rest = &pem[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end = rest.find(&format!("-----END {label}-----"))?;
    let body: String = rest[body_start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some((label, STANDARD.decode(body).ok()?))
}

fn der_len(n: usize) -> Vec<u8> {
    if n < 0x80 {
        vec![n as u8]
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .iter()
            .copied()
            .skip_while(|b| *b == 0)
            .collect();
        let mut out = vec![0x80 | bytes.len() as u8];
        out.extend(bytes);
        out
    }
}

fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    out.extend(der_len(content.len()));
    out.extend_from_slice(content);
    out
}

/// A positive INTEGER from big-endian bytes.
fn der_integer(bytes: &[u8]) -> Vec<u8> {
    let mut b: Vec<u8> = bytes.iter().copied().skip_while(|x| *x == 0).collect();
    if b.is_empty() || b[0] & 0x80 != 0 {
        b.insert(0, 0);
    }
    der_tlv(0x02, &b)
}

/// PKCS#8 for a P-256 key: the form ring reads.
fn p256_pkcs8(d: &[u8], public: &[u8]) -> Vec<u8> {
    const EC_PUBLIC_KEY: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
    const PRIME256V1: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
    let mut bits = vec![0u8];
    bits.extend_from_slice(public);
    let mut ec = der_integer(&[1]);
    ec.extend(der_tlv(0x04, d));
    ec.extend(der_tlv(0xa1, &der_tlv(0x03, &bits)));
    let ec_private_key = der_tlv(0x30, &ec);
    let mut alg = EC_PUBLIC_KEY.to_vec();
    alg.extend_from_slice(PRIME256V1);
    let mut body = der_integer(&[0]);
    body.extend(der_tlv(0x30, &alg));
    body.extend(der_tlv(0x04, &ec_private_key));
    der_tlv(0x30, &body)
}

/// One TLV: (tag, content, rest).
fn der_read(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        first as usize
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | *b as usize);
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

/// The private scalar and (if present) the public point of a SEC1 `ECPrivateKey`.
fn parse_sec1(der: &[u8]) -> Option<(Vec<u8>, Option<Vec<u8>>)> {
    let (0x30, seq, _) = der_read(der)? else {
        return None;
    };
    let (0x02, _version, rest) = der_read(seq)? else {
        return None;
    };
    let (0x04, d, mut rest) = der_read(rest)? else {
        return None;
    };
    let mut public = None;
    while let Some((tag, content, next)) = der_read(rest) {
        if tag == 0xa1 {
            let (0x03, bits, _) = der_read(content)? else {
                return None;
            };
            public = Some(bits.get(1..)?.to_vec());
        }
        rest = next;
    }
    Some((d.to_vec(), public))
}
