//! HTTP `Range` requests (RFC 9110 §14) for one byte range, without IO.
//!
//! Browsers fetch and seek `<audio>` with single ranges (`bytes=0-`, `bytes=123456-`).
//! Several ranges in one request (multipart/byteranges) are answered with the whole body, as
//! the RFC permits; other units and unparseable values are ignored the same way.

use std::ops::Range;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeAnswer {
    /// 200 with the whole object.
    Full,
    /// 206 with these bytes (end exclusive).
    Partial(Range<u64>),
    /// 416: the range starts past the end, or is backwards.
    Unsatisfiable,
}

impl RangeAnswer {
    /// Whether this answer starts at the first byte, i.e. begins a playback rather than a seek.
    pub fn starts_at_zero(&self) -> bool {
        match self {
            RangeAnswer::Full => true,
            RangeAnswer::Partial(r) => r.start == 0,
            RangeAnswer::Unsatisfiable => false,
        }
    }
}

/// Decide how to answer a `Range` header for an object of `size` bytes.
pub fn resolve(header: Option<&str>, size: u64) -> RangeAnswer {
    let Some(spec) = header.and_then(|h| h.trim().strip_prefix("bytes=")) else {
        return RangeAnswer::Full;
    };
    if spec.contains(',') {
        return RangeAnswer::Full;
    }
    let Some((first, last)) = spec.trim().split_once('-') else {
        return RangeAnswer::Full;
    };
    let parse = |s: &str| -> Option<Option<u64>> {
        let s = s.trim();
        if s.is_empty() {
            Some(None)
        } else if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse().ok().map(Some)
        } else {
            None
        }
    };
    let (Some(first), Some(last)) = (parse(first), parse(last)) else {
        return RangeAnswer::Full;
    };
    match (first, last) {
        (None, None) => RangeAnswer::Full,
        // Suffix: the last `n` bytes.
        (None, Some(n)) => {
            if n == 0 || size == 0 {
                RangeAnswer::Unsatisfiable
            } else {
                RangeAnswer::Partial(size.saturating_sub(n)..size)
            }
        }
        (Some(start), last) => {
            if start >= size || last.is_some_and(|l| l < start) {
                RangeAnswer::Unsatisfiable
            } else {
                let end = last.map_or(size, |l| l.saturating_add(1).min(size));
                RangeAnswer::Partial(start..end)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeAnswer::*;

    #[test]
    fn single_ranges() {
        assert_eq!(resolve(None, 100), Full);
        assert_eq!(resolve(Some("bytes=0-"), 100), Partial(0..100));
        assert_eq!(resolve(Some("bytes=10-19"), 100), Partial(10..20));
        assert_eq!(resolve(Some("bytes=90-1000"), 100), Partial(90..100));
        assert_eq!(resolve(Some("bytes=-10"), 100), Partial(90..100));
        assert_eq!(resolve(Some("bytes=-1000"), 100), Partial(0..100));
        assert_eq!(resolve(Some("bytes=99-99"), 100), Partial(99..100));
    }

    #[test]
    fn unsatisfiable_ranges() {
        assert_eq!(resolve(Some("bytes=100-"), 100), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=20-10"), 100), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=-0"), 100), Unsatisfiable);
        assert_eq!(resolve(Some("bytes=0-"), 0), Unsatisfiable);
    }

    #[test]
    fn ignored_ranges_give_the_whole_body() {
        for h in [
            "items=0-1",
            "bytes=0-1,5-9",
            "bytes=a-b",
            "bytes=-",
            "bytes=5",
            "bytes=+1-2",
        ] {
            assert_eq!(resolve(Some(h), 100), Full, "{h}");
        }
    }

    #[test]
    fn playback_starts_at_zero() {
        assert!(Full.starts_at_zero());
        assert!(Partial(0..5).starts_at_zero());
        assert!(!Partial(5..9).starts_at_zero());
        assert!(!Unsatisfiable.starts_at_zero());
    }
}
