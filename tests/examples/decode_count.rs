//! Decodes the 200-item page of the runtime benchmark 50 times, the way the client's first
//! attempt does, for instruction counts that do not depend on machine load:
//! `valgrind --tool=callgrind target/release/examples/decode_count` (BENCHMARKS.md).

use okta_client::models::InlineHook;

fn main() {
    let page = serde_json::to_vec(&(0..200).map(tests::bench_hook).collect::<Vec<_>>()).unwrap();
    let mut n = 0;
    for _ in 0..50 {
        n += okta_client::json::from_slice_strict::<Vec<InlineHook>>(&page)
            .unwrap()
            .len();
    }
    assert_eq!(n, 10_000);
}
