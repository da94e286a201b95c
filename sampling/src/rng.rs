//! Random integers from ChaCha8's raw output, so that a draw depends only on the seed and on
//! `rand_chacha`'s value-stable stream — not on `rand`'s distribution code, which changes between
//! versions, nor on the platform's pointer width.

use rand::RngCore;
use rand_chacha::ChaCha8Rng;

/// Uniform on `0..bound` (`bound ≥ 1`), without modulo bias: rejection of the lowest
/// `2⁶⁴ mod bound` values (the method of OpenBSD's `arc4random_uniform`).
pub(crate) fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    debug_assert!(bound > 0);
    let bound = bound.max(1);
    // 2⁶⁴ mod bound, computed as (2⁶⁴ − bound) mod bound.
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let r = rng.next_u64();
        if r >= threshold {
            return r % bound;
        }
    }
}

/// Fisher–Yates shuffle (Knuth, TAOCP vol. 2, §3.4.2, Algorithm P).
pub(crate) fn shuffle<T>(rng: &mut ChaCha8Rng, items: &mut [T]) {
    for i in (1..items.len()).rev() {
        // i + 1 ≤ len fits in u64, and the result is ≤ i.
        let j = below(rng, i as u64 + 1) as usize;
        items.swap(i, j);
    }
}
