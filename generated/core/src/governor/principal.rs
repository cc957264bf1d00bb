//! The name of the principal whose share of the org's buckets a client spends, as written into
//! Redis: never a secret, nor anything a secret could be recovered from.

use ring::hmac;

use crate::auth::Auth;

/// The fixed key of the hash that names an API-token or access-token principal. It is public
/// (documented in the README): the hash hides the token because the token is long and random,
/// not because this key is secret; it only separates okta-client's ids from other hashes.
pub(super) const PRINCIPAL_HASH_KEY: &[u8] = b"okta-client shared budget principal v1";

/// The principal's id: `client:{client id}` for an OAuth service app (public already), or
/// `token:{hash}` with the first 16 bytes (32 hex digits) of HMAC-SHA256 over the token.
pub(crate) fn principal_id(auth: &Auth) -> String {
    match auth {
        Auth::ApiToken(t) | Auth::AccessToken(t) => {
            let key = hmac::Key::new(hmac::HMAC_SHA256, PRINCIPAL_HASH_KEY);
            let tag = hmac::sign(&key, t.expose().as_bytes());
            let mut id = String::from("token:");
            for b in &tag.as_ref()[..16] {
                id.push_str(&format!("{b:02x}"));
            }
            id
        }
        #[cfg(feature = "oauth")]
        Auth::PrivateKey(provider) => format!("client:{}", provider.client_id()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn a_token_is_named_by_a_keyed_hash_that_does_not_contain_it() {
        let token = "00abcdefghijklmnopqrstuvwxyz0123456789ABCD";
        let id = principal_id(&Auth::ApiToken(Secret::new(token)));
        assert!(id.starts_with("token:") && id.len() == 6 + 32, "{id}");
        assert!(!id.contains(token) && !id.contains(&token[..8]));
        // Stable across processes (the same token shares one budget), distinct per token.
        assert_eq!(id, principal_id(&Auth::ApiToken(Secret::new(token))));
        assert_ne!(id, principal_id(&Auth::ApiToken(Secret::new("00other"))));
        // A keyed hash, not the plain SHA-256 of the token.
        let plain = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
        let plain: String = plain.as_ref()[..16]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert!(!id.ends_with(&plain));
    }
}
