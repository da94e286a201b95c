//! Small in-memory, time-windowed bookkeeping, fed with the time so it is testable without
//! clocks: failed-login throttling per user name, and once-per-window playback audit.
//!
//! Both are per process. With several web nodes an attacker gets `nodes × MAX_FAILURES`
//! tries per window, still far from a useful guessing rate against argon2id.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;

/// Entries kept before expired ones are swept, so memory stays bounded under a spray of names.
const SWEEP_ABOVE: usize = 10_000;

/// Refuses logins for a user name after too many failures in a window.
#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: u32,
    window_ms: i64,
    failures: Mutex<HashMap<String, (u32, i64)>>,
}

impl LoginThrottle {
    pub fn new(max_failures: u32, window_ms: i64) -> Self {
        Self {
            max_failures,
            window_ms,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn key(username: &str) -> String {
        username.trim().to_lowercase()
    }

    /// `Err(ms)` while `username` is locked out, with how long is left.
    pub fn check(&self, username: &str, now_ms: i64) -> Result<(), i64> {
        let map = self.failures.lock().expect("throttle lock");
        match map.get(&Self::key(username)) {
            Some(&(count, first))
                if count >= self.max_failures && now_ms - first < self.window_ms =>
            {
                Err(self.window_ms - (now_ms - first))
            }
            _ => Ok(()),
        }
    }

    pub fn record_failure(&self, username: &str, now_ms: i64) {
        let mut map = self.failures.lock().expect("throttle lock");
        if map.len() > SWEEP_ABOVE {
            map.retain(|_, (_, first)| now_ms - *first < self.window_ms);
        }
        let entry = map.entry(Self::key(username)).or_insert((0, now_ms));
        if now_ms - entry.1 >= self.window_ms {
            *entry = (0, now_ms);
        }
        entry.0 += 1;
    }

    pub fn record_success(&self, username: &str) {
        self.failures
            .lock()
            .expect("throttle lock")
            .remove(&Self::key(username));
    }
}

/// Says yes once per key per window: used so that one playback (which a browser fetches as
/// several range requests, sometimes restarting at byte 0) is one audit row.
#[derive(Debug)]
pub struct OncePerWindow<K> {
    window_ms: i64,
    seen: Mutex<HashMap<K, i64>>,
}

impl<K: Eq + Hash> OncePerWindow<K> {
    pub fn new(window_ms: i64) -> Self {
        Self {
            window_ms,
            seen: Mutex::new(HashMap::new()),
        }
    }

    /// True if `key` was not seen within the window (and marks it seen now).
    pub fn first_in_window(&self, key: K, now_ms: i64) -> bool {
        let mut seen = self.seen.lock().expect("window lock");
        if seen.len() > SWEEP_ABOVE {
            seen.retain(|_, at| now_ms - *at < self.window_ms);
        }
        match seen.get(&key) {
            Some(&at) if now_ms - at < self.window_ms => false,
            _ => {
                seen.insert(key, now_ms);
                true
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_out_after_max_failures_until_the_window_ends() {
        let t = LoginThrottle::new(3, 1_000);
        for i in 0..3 {
            assert_eq!(t.check("Amy", i), Ok(()));
            t.record_failure("amy ", i);
        }
        assert_eq!(t.check("AMY", 100), Err(900));
        assert_eq!(t.check("bob", 100), Ok(()));
        assert_eq!(t.check("amy", 1_000), Ok(()), "window over");
        t.record_failure("amy", 1_000);
        assert_eq!(
            t.check("amy", 1_001),
            Ok(()),
            "a new window starts at one failure"
        );
    }

    #[test]
    fn success_clears_failures() {
        let t = LoginThrottle::new(2, 1_000);
        t.record_failure("amy", 0);
        t.record_success("amy");
        t.record_failure("amy", 1);
        assert_eq!(t.check("amy", 2), Ok(()));
    }

    #[test]
    fn once_per_window_per_key() {
        let w = OncePerWindow::new(100);
        assert!(w.first_in_window(("amy", 1), 0));
        assert!(!w.first_in_window(("amy", 1), 99));
        assert!(w.first_in_window(("amy", 2), 99));
        assert!(w.first_in_window(("bob", 1), 99));
        assert!(w.first_in_window(("amy", 1), 100));
    }
}
