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

    let mut auth = InlineHookChannelConfigAuthScheme::new(
        InlineHookChannelConfigAuthSchemeType::Header,
        "Authorization".into(),
    );
    auth.value = Some(std::env::var("HOOK_SECRET").unwrap_or_else(|_| "change-me".into()));
    let mut config = InlineHookChannelConfig::new(uri);
    config.auth_scheme = Some(auth);
    let mut channel = InlineHookChannel::new();
    channel.type_ = Some(InlineHookChannelType::Http);
    channel.version = Some("1.0.0".into());
    channel.config = Some(config);
    let mut hook = InlineHook::new();
    hook.name = Some("okta-client example hook".into());
    hook.type_ = Some(InlineHookType::ComOktaOauth2TokensTransform);
    hook.version = Some("1.0.0".into());
    hook.channel = Some(channel);

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
