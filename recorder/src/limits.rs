//! Protection against floods: a token bucket per source address, and the port pool for media.
//!
//! Both are pure state fed with the time, like the rest of the routing core.

use std::collections::{BTreeSet, HashMap};
use std::net::IpAddr;

use earshot_routing::Millis;

/// A token bucket per source IP: `burst` requests at once, refilled at `per_second`.
///
/// Over the limit a request is dropped without an answer (answering a flood feeds it). Buckets
/// idle for a minute are forgotten so a scan of many addresses cannot grow the table forever.
#[derive(Debug)]
pub struct RateLimiter {
    burst: f64,
    per_ms: f64,
    buckets: HashMap<IpAddr, (f64, Millis)>,
    last_sweep: Millis,
    pub dropped: u64,
}

impl RateLimiter {
    pub fn new(per_second: u32, burst: u32) -> Self {
        RateLimiter {
            burst: f64::from(burst.max(1)),
            per_ms: f64::from(per_second) / 1000.0,
            buckets: HashMap::new(),
            last_sweep: 0,
            dropped: 0,
        }
    }

    /// Take a token for one request from `ip`; `false` means drop it.
    pub fn allow(&mut self, ip: IpAddr, now: Millis) -> bool {
        if now.saturating_sub(self.last_sweep) > 60_000 {
            self.buckets
                .retain(|_, (_, at)| now.saturating_sub(*at) <= 60_000);
            self.last_sweep = now;
        }
        let (tokens, at) = self.buckets.entry(ip).or_insert((self.burst, now));
        *tokens = (*tokens + now.saturating_sub(*at) as f64 * self.per_ms).min(self.burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            self.dropped += 1;
            false
        }
    }
}

/// Even RTP ports for media legs (RTCP would take the odd one above; we do not bind it).
#[derive(Debug)]
pub struct PortPool {
    free: BTreeSet<u16>,
}

impl PortPool {
    /// Every even port in `low..=high`.
    pub fn new(low: u16, high: u16) -> Self {
        let start = low + (low % 2);
        PortPool {
            free: (start..=high).step_by(2).collect(),
        }
    }

    pub fn take(&mut self) -> Option<u16> {
        let port = *self.free.iter().next()?;
        self.free.remove(&port);
        Some(port)
    }

    pub fn give_back(&mut self, port: u16) {
        self.free.insert(port);
    }

    pub fn available(&self) -> usize {
        self.free.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_allows_a_burst_then_the_rate() {
        let ip: IpAddr = "192.0.2.1".parse().unwrap();
        let other: IpAddr = "192.0.2.2".parse().unwrap();
        let mut rl = RateLimiter::new(10, 5);
        assert_eq!((0..20).filter(|_| rl.allow(ip, 0)).count(), 5);
        assert!(rl.allow(other, 0), "another source has its own bucket");
        // 10 per second: one token every 100 ms.
        assert!(!rl.allow(ip, 50));
        assert!(rl.allow(ip, 100));
        assert!(!rl.allow(ip, 100));
        assert_eq!(
            rl.dropped, 17,
            "15 over the burst, one too early, one after the refill"
        );
        // Never more than the burst after a long pause.
        assert_eq!((0..20).filter(|_| rl.allow(ip, 1_000_000)).count(), 5);
    }

    #[test]
    fn ports_are_even_and_recycled() {
        let mut pool = PortPool::new(20_001, 20_006);
        assert_eq!(pool.available(), 3);
        let a = pool.take().unwrap();
        let b = pool.take().unwrap();
        let c = pool.take().unwrap();
        assert_eq!((a, b, c), (20_002, 20_004, 20_006));
        assert!(pool.take().is_none());
        pool.give_back(b);
        assert_eq!(pool.take(), Some(20_004));
    }
}
