//! Symmetric RTP latching for one leg.
//!
//! The SDP says where a peer's media should come from, but NAT and
//! multi-homed PBXs mean the packets often come from another port (or
//! address). The usual B2BUA answer: the first acceptable packet *latches*
//! the leg's remote address — we send there from then on — and packets
//! from any other source are dropped, so a stray or spoofed stream cannot
//! take over the call (or its recording). A re-INVITE with a new address
//! allows one new latch.

use std::net::{IpAddr, SocketAddr};

/// What to do with a packet from a source address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LatchDecision {
    /// From the latched source: use it.
    Accept,
    /// This packet latched the leg to this address: use it, and send there.
    LatchedNew(SocketAddr),
    /// Not from the leg's peer: drop it.
    Drop(DropReason),
}

/// Why a packet was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DropReason {
    /// Another source than the latched one.
    NotLatchedSource {
        /// The latched address.
        latched: SocketAddr,
    },
    /// Before latching, from another IP than the SDP's (strict mode).
    UnexpectedAddress {
        /// The SDP's IP.
        expected: IpAddr,
    },
    /// Before latching, in strict mode, with no SDP address to match
    /// (on hold with `0.0.0.0`, or no SDP yet).
    NoExpectedAddress,
}

/// Which sources may latch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LatchMode {
    /// Only the SDP's IP address (any port): the safe default.
    #[default]
    SdpAddress,
    /// Any source: for peers behind NAT whose SDP carries a private
    /// address. The first packet wins.
    AnySource,
}

/// The latching state of one leg.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latch {
    mode: LatchMode,
    expected: Option<SocketAddr>,
    latched: Option<SocketAddr>,
    dropped: u64,
}

impl Latch {
    /// A leg whose SDP gives `expected` (`None` without an address, e.g. a
    /// `0.0.0.0` hold or an SDP not seen yet).
    pub fn new(expected: Option<SocketAddr>, mode: LatchMode) -> Self {
        Latch {
            mode,
            expected,
            latched: None,
            dropped: 0,
        }
    }

    /// Decides about a packet from `source`.
    pub fn on_packet(&mut self, source: SocketAddr) -> LatchDecision {
        let decision = match (self.latched, self.mode, self.expected) {
            (Some(latched), _, _) if latched == source => LatchDecision::Accept,
            (Some(latched), _, _) => LatchDecision::Drop(DropReason::NotLatchedSource { latched }),
            (None, LatchMode::AnySource, _) => LatchDecision::LatchedNew(source),
            (None, LatchMode::SdpAddress, Some(expected)) if expected.ip() == source.ip() => {
                LatchDecision::LatchedNew(source)
            }
            (None, LatchMode::SdpAddress, Some(expected)) => {
                LatchDecision::Drop(DropReason::UnexpectedAddress {
                    expected: expected.ip(),
                })
            }
            (None, LatchMode::SdpAddress, None) => {
                LatchDecision::Drop(DropReason::NoExpectedAddress)
            }
        };
        match decision {
            LatchDecision::LatchedNew(addr) => {
                tracing::debug!(%addr, sdp = ?self.expected, "RTP latched");
                self.latched = Some(addr);
            }
            LatchDecision::Drop(_) => self.dropped += 1,
            LatchDecision::Accept => {}
        }
        decision
    }

    /// The SDP changed (re-INVITE). A new address allows a new latch; the
    /// same address keeps the latch (a session refresh must not open a
    /// window for a hijack); no address (`0.0.0.0` hold) keeps the latch
    /// too, since a held peer may still send music on hold from it.
    pub fn sdp_changed(&mut self, expected: Option<SocketAddr>) {
        if expected.is_some() && expected != self.expected {
            self.latched = None;
        }
        self.expected = expected;
    }

    /// Where to send this leg's media: the latched source, else the SDP's
    /// address.
    pub fn remote(&self) -> Option<SocketAddr> {
        self.latched.or(self.expected)
    }

    /// The latched source, if any.
    pub fn latched(&self) -> Option<SocketAddr> {
        self.latched
    }

    /// Packets dropped so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn latches_on_the_sdp_ip_at_any_port() {
        let mut latch = Latch::new(Some(addr("198.51.100.7:4000")), LatchMode::SdpAddress);
        assert_eq!(latch.remote(), Some(addr("198.51.100.7:4000")));
        assert_eq!(
            latch.on_packet(addr("203.0.113.9:4000")),
            LatchDecision::Drop(DropReason::UnexpectedAddress {
                expected: "198.51.100.7".parse().unwrap()
            })
        );
        assert_eq!(
            latch.on_packet(addr("198.51.100.7:5555")),
            LatchDecision::LatchedNew(addr("198.51.100.7:5555"))
        );
        assert_eq!(latch.remote(), Some(addr("198.51.100.7:5555")));
        assert_eq!(
            latch.on_packet(addr("198.51.100.7:5555")),
            LatchDecision::Accept
        );
        // Same IP, other port: not the latched source.
        assert_eq!(
            latch.on_packet(addr("198.51.100.7:4000")),
            LatchDecision::Drop(DropReason::NotLatchedSource {
                latched: addr("198.51.100.7:5555")
            })
        );
        assert_eq!(latch.dropped(), 2);
    }

    #[test]
    fn any_source_mode_for_peers_behind_nat() {
        let mut latch = Latch::new(Some(addr("192.168.1.20:4000")), LatchMode::AnySource);
        assert_eq!(
            latch.on_packet(addr("203.0.113.9:61000")),
            LatchDecision::LatchedNew(addr("203.0.113.9:61000"))
        );
        assert!(matches!(
            latch.on_packet(addr("203.0.113.10:61000")),
            LatchDecision::Drop(_)
        ));
    }

    #[test]
    fn a_reinvite_with_a_new_address_relatches() {
        let mut latch = Latch::new(Some(addr("10.0.0.1:4000")), LatchMode::SdpAddress);
        latch.on_packet(addr("10.0.0.1:4000"));
        // Session refresh with the same SDP: latch kept.
        latch.sdp_changed(Some(addr("10.0.0.1:4000")));
        assert_eq!(latch.latched(), Some(addr("10.0.0.1:4000")));
        // Hold with 0.0.0.0: latch kept.
        latch.sdp_changed(None);
        assert_eq!(
            latch.on_packet(addr("10.0.0.1:4000")),
            LatchDecision::Accept
        );
        // Transfer to another media server.
        latch.sdp_changed(Some(addr("10.0.0.2:6000")));
        assert_eq!(latch.latched(), None);
        assert_eq!(latch.remote(), Some(addr("10.0.0.2:6000")));
        assert!(matches!(
            latch.on_packet(addr("10.0.0.1:4000")),
            LatchDecision::Drop(_)
        ));
        assert_eq!(
            latch.on_packet(addr("10.0.0.2:6002")),
            LatchDecision::LatchedNew(addr("10.0.0.2:6002"))
        );
    }

    #[test]
    fn strict_mode_without_an_address_drops() {
        let mut latch = Latch::new(None, LatchMode::SdpAddress);
        assert_eq!(
            latch.on_packet(addr("10.0.0.1:4000")),
            LatchDecision::Drop(DropReason::NoExpectedAddress)
        );
        assert_eq!(latch.remote(), None);
    }
}
