//! Registers a token inline hook, then deactivates and deletes it again.
//!
//! ```sh
//! OKTA_CLIENT_ORGURL=https://example.okta.com OKTA_CLIENT_TOKEN=00abc… \
//!     cargo run -p okta-client --example create_inline_hook -- https://hooks.example.com/okta
//! ```

use okta_client::models::{
    InlineHook, InlineHookChannel, InlineHookChannelConfig, InlineHookChannelConfigAuthScheme,
    InlineHookChannelConfigAuthSchemeType, InlineHookChannelType, InlineHookType,
};
use okta_client::{Client, Error};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let uri = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "https://hooks.example.com/okta".into());
    let client = Client::from_env()?;

    let secret = std::env::var("HOOK_SECRET").unwrap_or_else(|_| "change-me".into());
    let auth = InlineHookChannelConfigAuthScheme::new(
        InlineHookChannelConfigAuthSchemeType::Header,
        "Authorization",
    )
    .with_value(secret);
    let channel = InlineHookChannel::new()
        .with_type(InlineHookChannelType::Http)
        .with_version("1.0.0")
        .with_config(InlineHookChannelConfig::new(uri).with_auth_scheme(auth));
    let hook = InlineHook::new()
        .with_name("okta-client example hook")
        .with_type(InlineHookType::ComOktaOauth2TokensTransform)
        .with_version("1.0.0")
        .with_channel(channel);

    let created = client
        .inline_hook()
        .create_inline_hook(hook)
        .send()
        .await?
        .into_body();
    let id = created.id.clone().unwrap_or_default();
    println!("created inline hook {id} ({:?})", created.status);

    client
        .inline_hook()
        .deactivate_inline_hook(&id)
        .send()
        .await?;
    let deleted = client.inline_hook().delete_inline_hook(&id).send().await?;
    println!("deleted: HTTP {}", deleted.status);
    Ok(())
}
