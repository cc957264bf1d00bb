//! Streaming 10,000 items over 50 pages keeps memory at about one page: the peak heap while
//! streaming is compared with the heap needed to hold one decoded page.
//! `cargo bench -p tests --bench stream_memory`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use futures::TryStreamExt;
use okta_client::models::InlineHook;
use serde_json::json;
use tests::bench_server;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

const PAGES: usize = 50;
const PER_PAGE: usize = 200;

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pages: Vec<Arc<Vec<u8>>> = (0..PAGES)
        .map(|p| {
            let items: Vec<_> = (0..PER_PAGE)
                .map(|i| json!({"id": format!("cal{p:04}{i:04}"), "name": "x".repeat(64), "status": "ACTIVE", "extra": {"blob": "y".repeat(256)}}))
                .collect();
            Arc::new(serde_json::to_vec(&items).unwrap())
        })
        .collect();
    let page_bytes = pages[0].len();
    let base_holder: Arc<std::sync::OnceLock<String>> = Arc::new(std::sync::OnceLock::new());
    let bh = base_holder.clone();
    let base = rt.block_on(bench_server::start(Arc::new(move |target: &str| {
        let p: usize = target
            .split("after=")
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let next = (p + 1 < PAGES)
            .then(|| format!("{}/api/v1/inlineHooks?after={}", bh.get().unwrap(), p + 1));
        (pages[p].clone(), next)
    })));
    base_holder.set(base.clone()).unwrap();
    let client = okta_client::Client::builder(&base)
        .api_token("bench-token")
        .build()
        .unwrap();

    // The cost of one decoded page, for reference.
    let before = CURRENT.load(Ordering::Relaxed);
    let one: Vec<InlineHook> = rt.block_on(async {
        client
            .inline_hook()
            .list_inline_hooks()
            .send()
            .await
            .unwrap()
            .body
    });
    let one_page = CURRENT.load(Ordering::Relaxed) - before;
    drop(one);

    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);
    let count = rt.block_on(async {
        let mut stream = client
            .inline_hook()
            .list_inline_hooks()
            .customize()
            .into_stream_as::<InlineHook>();
        let mut n = 0usize;
        while let Some(item) = stream.try_next().await.unwrap() {
            std::hint::black_box(&item);
            n += 1;
        }
        n
    });
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    assert_eq!(count, PAGES * PER_PAGE);
    println!("streamed {count} items over {PAGES} pages ({page_bytes} bytes of JSON per page)");
    println!(
        "heap for one decoded page (page held by the caller): {} KiB",
        one_page / 1024
    );
    println!(
        "peak heap above baseline while streaming:            {} KiB",
        peak / 1024
    );
    println!(
        "all {count} items decoded at once would need about:  {} KiB",
        one_page * PAGES / 1024
    );
}
