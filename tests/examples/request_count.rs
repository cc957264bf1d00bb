//! 2,000 sequential GETs of one inline hook against the benchmark server on 127.0.0.1, with the
//! rate-limit governor on (default) or off (`off`), for instruction counts that do not depend on
//! machine load: `valgrind --tool=callgrind target/release/examples/request_count [off]`
//! (BENCHMARKS.md §3). The counts include the server, which is the same in both runs.

use std::sync::Arc;

fn main() {
    let off = std::env::args().nth(1).as_deref() == Some("off");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let one = Arc::new(serde_json::to_vec(&tests::bench_hook(1)).unwrap());
    let base = rt.block_on(tests::bench_server::start(Arc::new(move |_: &str| {
        (one.clone(), None)
    })));
    let mut builder = okta_client::Client::builder(&base).api_token("bench-token");
    if off {
        builder = builder.rate_limit(okta_client::RateLimitConfig::disabled());
    }
    let client = builder.build().unwrap();
    rt.block_on(async {
        for _ in 0..2000 {
            let hook = client
                .inline_hook()
                .get_inline_hook("cal1")
                .send()
                .await
                .unwrap();
            assert!(hook.body.id.is_some());
        }
    });
}
