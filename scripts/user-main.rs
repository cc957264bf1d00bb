// A user of okta-client that sends eight operations (lists, reads, writes; typed models both
// ways), for the "user's main.rs touched" and cold figures of BENCHMARKS §2. Never run: the
// future is polled once only when given an argument, so that every call is compiled.
use std::future::Future;

use client::models::{EventHook, InlineHook, InlineHookChannel};

async fn run(c: &client::Client) -> Result<(), client::Error> {
    let hooks = c.inline_hook().list_inline_hooks().send().await?;
    for h in hooks.body.iter() {
        let mut h: InlineHook = h.clone();
        h.name = Some(format!("{} (checked)", h.name.clone().unwrap_or_default()));
        h.channel = Some(InlineHookChannel::new().with_version("1.0.0"));
        let id = h.id.clone().unwrap_or_default();
        c.inline_hook().replace_inline_hook(id.clone(), h).send().await?;
        c.inline_hook().deactivate_inline_hook(id).send().await?;
    }
    let created = c
        .event_hook()
        .create_event_hook(EventHook::new().with_id("audit"))
        .send()
        .await?;
    println!("{:?}", created.body.id);
    let zones = c.network_zone().list_network_zones().send().await?;
    println!("{:?}", zones.request_id());
    let policies = c.policy().list_policies("OKTA_SIGN_ON").send().await?;
    println!("{:?}", policies.body.as_array().map(Vec::len));
    let hooks = c.event_hook().list_event_hooks().send().await?;
    println!("{}", hooks.items.len());
    Ok(())
}

fn main() {
    let c = client::Client::builder("https://example.okta.com")
        .api_token("x")
        .build()
        .unwrap();
    let mut fut = std::pin::pin!(run(&c));
    if std::env::args().count() > 1 {
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let _ = fut.as_mut().poll(&mut cx);
    }
}
