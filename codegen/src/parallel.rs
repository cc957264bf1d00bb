//! Work spread over every core, results in input order. Generation is short and CPU-bound
//! (YAML parsing, formatting), and the units are independent files, so a scoped work queue is
//! enough; the output never depends on which thread did what.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// `f` applied to every item, on up to `available_parallelism` threads, the costliest items
/// (by `cost`) first so that the last one to finish is a small one; results in input order.
pub(crate) fn map<T, R>(
    items: &[T],
    cost: impl Fn(&T) -> usize,
    f: impl Fn(&T) -> R + Sync,
) -> Vec<R>
where
    T: Sync,
    R: Send,
{
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(items.len());
    if threads <= 1 {
        return items.iter().map(f).collect();
    }
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(cost(&items[i])));
    let next = AtomicUsize::new(0);
    let slots: Vec<Mutex<Option<R>>> = items.iter().map(|_| Mutex::new(None)).collect();
    let work = || loop {
        let k = next.fetch_add(1, Ordering::Relaxed);
        let Some(&i) = order.get(k) else { break };
        let result = f(&items[i]);
        *slots[i].lock().unwrap_or_else(|e| e.into_inner()) = Some(result);
    };
    std::thread::scope(|s| {
        // The calling thread works too: one spawn fewer.
        for _ in 1..threads {
            s.spawn(work);
        }
        work();
    });
    // A worker that panicked has propagated its panic out of the scope above, so every slot is
    // filled here; the fallback recomputes rather than panicking a second time.
    slots
        .into_iter()
        .zip(items)
        .map(|(m, item)| {
            m.into_inner()
                .unwrap_or_else(|e| e.into_inner())
                .unwrap_or_else(|| f(item))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_input_order_whatever_the_costs() {
        let items: Vec<usize> = (0..200).collect();
        let out = super::map(&items, |&i| (i * 7919) % 101, |&i| i * 2);
        assert_eq!(out, items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u8], |_| 0, |&b| b).is_empty());
    }
}
