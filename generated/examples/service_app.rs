//! Calls the API as an OAuth 2.0 service app (private_key_jwt), with DPoP if asked.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com \
//! OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey \
//! OKTA_CLIENT_CLIENTID=0oa1234567890 \
//! OKTA_CLIENT_SCOPES=okta.eventHooks.read \
//! OKTA_CLIENT_PRIVATEKEY=/path/to/private-key.pem \
//!     cargo run -p okta-client --example service_app -- [--dpop]
//! ```

use okta_client::auth::{PrivateKeyAuth, PrivateKeyMaterial};
use okta_client::Client;

#[tokio::main]
async fn main() -> Result<(), okta_client::Error> {
    let dpop = std::env::args().any(|a| a == "--dpop");
    let client = if dpop {
        // The builder form, for DPoP (the environment form has no switch for it).
        let var = |k: &str| {
            std::env::var(k).map_err(|_| okta_client::Error::Config(format!("{k} is not set")))
        };
        let key = PrivateKeyMaterial::from_text_or_path(&var("OKTA_CLIENT_PRIVATEKEY")?)?;
        let scopes = var("OKTA_CLIENT_SCOPES")?;
        let auth = PrivateKeyAuth::new(
            var("OKTA_CLIENT_CLIENTID")?,
            scopes.split([',', ' ']).filter(|s| !s.is_empty()),
            key,
        )
        .dpop(true);
        Client::builder(var("OKTA_CLIENT_ORGURL")?)
            .private_key(auth)
            .build()?
    } else {
        Client::from_env()?
    };
    // Every call below shares one cached access token, renewed before it expires.
    let hooks = client.event_hook().list_event_hooks().send().await?;
    println!("{} event hooks", hooks.items.len());
    Ok(())
}
