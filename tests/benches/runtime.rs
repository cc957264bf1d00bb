//! Run-time overhead of the generated client against a handwritten reqwest + serde request to
//! the same local server with the same payload: one object, and a 200-item list page.
//! `cargo bench -p tests --bench runtime`.

use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use okta_client::models::InlineHook;
use tests::bench_server;

use tests::bench_hook as hook;

/// What a user would write by hand: one GET with the same headers, then serde. serde on the
/// models is lenient by default (it buffers optional fields); a hand-written client would use
/// plain types, whose cost is the models' direct decode.
async fn handwritten<T: serde::de::DeserializeOwned>(http: &reqwest::Client, url: &str) -> T {
    let r = http
        .get(url)
        .header("authorization", "SSWS bench-token")
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    let bytes = r.bytes().await.unwrap();
    okta_client::json::from_slice_strict::<T>(&bytes).unwrap()
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .unwrap();
    let one = Arc::new(serde_json::to_vec(&hook(1)).unwrap());
    let page = Arc::new(serde_json::to_vec(&(0..200).map(hook).collect::<Vec<_>>()).unwrap());
    let (one2, page2) = (one.clone(), page.clone());
    let base = rt.block_on(bench_server::start(Arc::new(move |target: &str| {
        if target.starts_with("/api/v1/inlineHooks/") {
            (one2.clone(), None)
        } else {
            (page2.clone(), None)
        }
    })));
    let client = okta_client::Client::builder(&base)
        .api_token("bench-token")
        .build()
        .unwrap();
    // The same without the rate-limit governor, to tell its cost apart.
    let ungoverned = okta_client::Client::builder(&base)
        .api_token("bench-token")
        .rate_limit(okta_client::RateLimitConfig::disabled())
        .build()
        .unwrap();
    // The handwritten baseline uses reqwest's own builder, which needs a process-wide crypto
    // provider (okta-client builds reqwest without one and hands it its own configuration).
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder().build().unwrap();
    // The same reqwest settings as the generated client (timeouts, no redirects), to tell the
    // cost of those settings from the cost of the client's own code.
    let http_same = reqwest::Client::builder()
        .timeout(okta_client::DEFAULT_TIMEOUT)
        .connect_timeout(okta_client::DEFAULT_CONNECT_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    let mut g = c.benchmark_group("get one inline hook");
    g.bench_function("generated client", |b| {
        b.iter(|| {
            rt.block_on(async {
                client
                    .inline_hook()
                    .get_inline_hook("cal1")
                    .send()
                    .await
                    .unwrap()
                    .body
            })
        })
    });
    g.bench_function("generated client, governor off", |b| {
        b.iter(|| {
            rt.block_on(async {
                ungoverned
                    .inline_hook()
                    .get_inline_hook("cal1")
                    .send()
                    .await
                    .unwrap()
                    .body
            })
        })
    });
    g.bench_function("handwritten reqwest + serde", |b| {
        b.iter(|| {
            rt.block_on(handwritten::<InlineHook>(
                &http,
                &format!("{base}/api/v1/inlineHooks/cal1"),
            ))
        })
    });
    g.finish();

    let mut g = c.benchmark_group("list a 200-item page");
    g.bench_function("generated client", |b| {
        b.iter(|| {
            rt.block_on(async {
                client
                    .inline_hook()
                    .list_inline_hooks()
                    .send()
                    .await
                    .unwrap()
                    .body
            })
        })
    });
    g.bench_function("handwritten reqwest + serde", |b| {
        b.iter(|| {
            rt.block_on(handwritten::<Vec<InlineHook>>(
                &http,
                &format!("{base}/api/v1/inlineHooks"),
            ))
        })
    });
    g.bench_function("handwritten, same reqwest settings", |b| {
        b.iter(|| {
            rt.block_on(handwritten::<Vec<InlineHook>>(
                &http_same,
                &format!("{base}/api/v1/inlineHooks"),
            ))
        })
    });
    g.finish();

    // The client decodes a response the direct way first and only falls back to the lenient
    // way (optional fields buffered as JSON) and then item by item when that fails.
    let mut odd: Vec<serde_json::Value> = (0..200).map(hook).collect();
    odd[100]["channel"] = serde_json::json!("not a channel");
    let odd = serde_json::to_vec(&odd).unwrap();
    let mut g = c.benchmark_group("decode a 200-item page (no I/O)");
    g.bench_function("direct (the client's first attempt)", |b| {
        b.iter(|| okta_client::json::from_slice_strict::<Vec<InlineHook>>(&page).unwrap())
    });
    g.bench_function("lenient (serde_json::from_slice on the models)", |b| {
        b.iter(|| serde_json::from_slice::<Vec<InlineHook>>(&page).unwrap())
    });
    g.bench_function(
        "one item of another shape (direct fails, then lenient)",
        |b| {
            b.iter(|| {
                okta_client::json::from_slice_strict::<Vec<InlineHook>>(&odd).unwrap_err();
                serde_json::from_slice::<Vec<InlineHook>>(&odd).unwrap()
            })
        },
    );
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
