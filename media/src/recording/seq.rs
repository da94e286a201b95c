//! Sequence-number bookkeeping for one RTP stream (RFC 3550 §A.1/A.3):
//! losses, duplicates, and whether a packet is the newest so far.

/// Sequence numbers remembered for duplicate detection (20 s at 50 pps).
const WINDOW: i64 = 1024;
/// A forward jump larger than this is a restarted stream, not a loss.
const MAX_DROPOUT: i64 = 3000;
/// A backward jump larger than this is a restarted stream, not reordering.
const MAX_MISORDER: i64 = 100;

/// How a sequence number relates to those seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SeqStatus {
    /// The newest packet so far (also the first, and a restart).
    Advanced,
    /// Older than the newest, not seen before.
    Reordered,
    /// Seen before.
    Duplicate,
    /// Too old to tell.
    TooOld,
}

#[derive(Debug, Clone, Default)]
pub(super) struct SeqTracker {
    started: bool,
    /// Extended (wrap-counting) sequence numbers.
    base: i64,
    max: i64,
    received: u64,
    /// The sequence number that would confirm a jump as a restart.
    bad_seq: Option<u16>,
    /// Losses counted before a restart.
    lost_before: u64,
    seen: [u64; (WINDOW / 64) as usize],
}

impl SeqTracker {
    pub fn on_packet(&mut self, seq: u16) -> SeqStatus {
        if !self.started {
            self.restart(i64::from(seq));
            return SeqStatus::Advanced;
        }
        let delta = i64::from(seq.wrapping_sub(self.max as u16) as i16);
        if !(-MAX_MISORDER..=MAX_DROPOUT).contains(&delta) {
            // Either a stray (very late) packet or a new sequence space:
            // only the next packet continuing the jump proves a restart
            // (RFC 3550 §A.1). Keep the losses counted so far.
            if self.bad_seq != Some(seq) {
                self.bad_seq = Some(seq.wrapping_add(1));
                return SeqStatus::TooOld;
            }
            self.lost_before += self.lost_in_run();
            self.restart(i64::from(seq));
            return SeqStatus::Advanced;
        }
        self.bad_seq = None;
        let ext = self.max + delta;
        if delta > 0 {
            let cleared = delta.min(WINDOW);
            for e in (self.max + 1)..=(self.max + cleared) {
                self.set_bit(e, false);
            }
            self.max = ext;
            self.set_bit(ext, true);
            self.received += 1;
            return SeqStatus::Advanced;
        }
        if self.max - ext >= WINDOW {
            return SeqStatus::TooOld;
        }
        if self.bit(ext) {
            return SeqStatus::Duplicate;
        }
        self.set_bit(ext, true);
        self.received += 1;
        self.base = self.base.min(ext);
        SeqStatus::Reordered
    }

    /// Packets expected but not received.
    pub fn lost(&self) -> u64 {
        self.lost_before + self.lost_in_run()
    }

    fn lost_in_run(&self) -> u64 {
        if !self.started {
            return 0;
        }
        let expected = (self.max - self.base + 1) as u64;
        expected.saturating_sub(self.received)
    }

    fn restart(&mut self, ext: i64) {
        self.started = true;
        // Keep extended numbers positive and far from wrapping.
        let ext = ext + (1 << 32);
        self.base = ext;
        self.max = ext;
        self.received = 1;
        self.bad_seq = None;
        self.seen = Default::default();
        self.set_bit(ext, true);
    }

    fn bit(&self, ext: i64) -> bool {
        let i = ext.rem_euclid(WINDOW) as usize;
        self.seen[i / 64] & (1 << (i % 64)) != 0
    }

    fn set_bit(&mut self, ext: i64, on: bool) {
        let i = ext.rem_euclid(WINDOW) as usize;
        if on {
            self.seen[i / 64] |= 1 << (i % 64);
        } else {
            self.seen[i / 64] &= !(1 << (i % 64));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_losses_duplicates_and_reordering_across_the_wrap() {
        let mut t = SeqTracker::default();
        let seqs: Vec<u16> = vec![65533, 65534, 0, 65535, 1, 1, 4, 3];
        let got: Vec<SeqStatus> = seqs.iter().map(|s| t.on_packet(*s)).collect();
        use SeqStatus::*;
        assert_eq!(
            got,
            vec![Advanced, Advanced, Advanced, Reordered, Advanced, Duplicate, Advanced, Reordered]
        );
        assert_eq!(t.lost(), 1, "only 2 is missing");
    }

    #[test]
    fn a_restart_is_not_thousands_of_losses() {
        let mut t = SeqTracker::default();
        t.on_packet(100);
        t.on_packet(102); // one lost
                          // One packet from far away is a stray; the next one confirms.
        assert_eq!(t.on_packet(40_000), SeqStatus::TooOld);
        assert_eq!(t.on_packet(40_001), SeqStatus::Advanced);
        assert_eq!(t.lost(), 1);
        assert_eq!(t.on_packet(40_002), SeqStatus::Advanced);
        assert_eq!(t.lost(), 1);
        assert_eq!(t.on_packet(40_001), SeqStatus::Duplicate);
    }

    #[test]
    fn very_old_packets_are_too_old() {
        let mut t = SeqTracker::default();
        for s in 0..=1100u16 {
            t.on_packet(s);
        }
        assert_eq!(t.on_packet(50), SeqStatus::TooOld);
        assert_eq!(
            t.on_packet(1101),
            SeqStatus::Advanced,
            "a stray does not restart"
        );
        assert_eq!(t.on_packet(1090), SeqStatus::Duplicate);
        assert_eq!(t.lost(), 0);
    }
}
