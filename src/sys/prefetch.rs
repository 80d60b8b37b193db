//! Cache hints for passes over rows whose data is scattered over memory.

/// `items` in order, calling `ask` on the item `distance` places further on before each is
/// handed out: a pass over rows whose data is scattered over memory asks for it early (with
/// [`prefetch`]), so the cache misses of several rows overlap instead of queueing.
pub(crate) fn read_ahead<'a, T>(
    items: &'a [T],
    distance: usize,
    ask: impl Fn(&T) + 'a,
) -> impl Iterator<Item = &'a T> + 'a {
    items.iter().enumerate().map(move |(k, item)| {
        if let Some(next) = items.get(k + distance) {
            ask(next);
        }
        item
    })
}

/// Asks the CPU to start loading the cache line at `p`; a hint only, never a fault.
#[inline(always)]
pub(crate) fn prefetch<T>(p: *const T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: prefetching is a hint; it does not dereference `p` and cannot fault.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_mm_prefetch(p.cast::<i8>(), std::arch::x86_64::_MM_HINT_T0);
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = p;
}

#[cfg(test)]
mod tests {
    /// Every item comes out once, in order, and each is asked for `distance` places earlier.
    #[test]
    fn read_ahead_hands_out_in_order_and_asks_ahead() {
        let items: Vec<u32> = (10..20).collect();
        let asked = std::cell::RefCell::new(Vec::new());
        let mut seen = Vec::new();
        for &x in super::read_ahead(&items, 3, |&n| asked.borrow_mut().push(n)) {
            // The last asked is three places on from this one (or the last item, near the end).
            assert_eq!(asked.borrow().last(), Some(&(x + 3).min(19)));
            seen.push(x);
        }
        assert_eq!(seen, items);
        assert_eq!(*asked.borrow(), (13..20).collect::<Vec<u32>>());
        assert_eq!(
            super::read_ahead(&items, 20, |_| panic!("nothing that far")).count(),
            10
        );
    }
}
