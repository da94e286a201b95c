//! DTMF as RFC 4733 telephone-events: parsing, detecting each key press
//! exactly once, and encoding key presses to send.
//!
//! One key press is one *event*: a run of packets that all carry the RTP
//! timestamp of the event's start, with a growing duration, ending with the
//! end bit set — and that end packet is sent three times. Packets get lost
//! and reordered, so the detector keys events by timestamp rather than by
//! the marker bit or the end bit.

use thiserror::Error;

/// The telephone-event payload is 4 bytes.
pub const EVENT_LEN: usize = 4;
/// RTP ticks per packet when we send (20 ms at 8000 Hz).
const TICKS_PER_PACKET: u16 = 160;
/// How many times the end packet is sent (RFC 4733 §2.5.1.4).
const END_REPEATS: usize = 3;

/// Why a telephone-event payload or digit was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DtmfError {
    /// Fewer than 4 bytes.
    #[error("telephone-event payload of {0} bytes; at least 4 are needed")]
    TooShort(usize),
    /// A character that is not a DTMF key.
    #[error("{0:?} is not a DTMF key (0-9, *, #, A-D)")]
    NotADigit(char),
}

/// One telephone-event payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TelephoneEvent {
    /// Event code: 0-9 digits, 10 `*`, 11 `#`, 12-15 A-D, 16 flash, …
    pub event: u8,
    /// The event is over (the last packets of an event).
    pub end: bool,
    /// Power level in -dBm0, 0..=63.
    pub volume: u8,
    /// Duration so far, in RTP ticks.
    pub duration: u16,
}

impl TelephoneEvent {
    /// Parses the first event of a payload (a redundant RFC 2198 block is
    /// not expected on a telephone-event payload type).
    ///
    /// # Errors
    ///
    /// [`DtmfError::TooShort`] under 4 bytes.
    pub fn parse(payload: &[u8]) -> Result<Self, DtmfError> {
        let [event, flags, d0, d1, ..] = *payload else {
            return Err(DtmfError::TooShort(payload.len()));
        };
        Ok(TelephoneEvent {
            event,
            end: flags & 0x80 != 0,
            volume: flags & 0x3F,
            duration: u16::from_be_bytes([d0, d1]),
        })
    }

    /// The payload bytes.
    pub fn to_bytes(self) -> [u8; EVENT_LEN] {
        let [d0, d1] = self.duration.to_be_bytes();
        [
            self.event,
            u8::from(self.end) << 7 | (self.volume & 0x3F),
            d0,
            d1,
        ]
    }

    /// The key this event is, for events 0..=15.
    pub fn digit(self) -> Option<char> {
        event_digit(self.event)
    }
}

/// The key of an event code: 0-9, `*` (10), `#` (11), A-D (12-15).
pub fn event_digit(event: u8) -> Option<char> {
    Some(match event {
        0..=9 => char::from(b'0' + event),
        10 => '*',
        11 => '#',
        12..=15 => char::from(b'A' + event - 12),
        _ => return None,
    })
}

/// The event code of a key (`a`-`d` accepted as A-D).
pub fn digit_event(digit: char) -> Option<u8> {
    Some(match digit {
        '0'..='9' => digit as u8 - b'0',
        '*' => 10,
        '#' => 11,
        'A'..='D' => digit as u8 - b'A' + 12,
        'a'..='d' => digit as u8 - b'a' + 12,
        _ => return None,
    })
}

/// A key press, reported once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Digit {
    /// The key: '0'..='9', '*', '#', 'A'..='D'.
    pub key: char,
    /// The RTP timestamp of the event's start.
    pub timestamp: u32,
}

#[derive(Debug, Clone, Copy)]
struct Current {
    timestamp: u32,
    event: u8,
    ended: bool,
    duration: u16,
}

/// Turns a leg's telephone-event packets into key presses, each reported
/// once, as soon as any packet of the event arrives.
///
/// - Packets of one event share the timestamp; a new timestamp is a new event.
/// - The repeated end packets, and stragglers of the last few events that
///   arrive late, are recognized by their timestamp and ignored.
/// - A lost start packet does not lose the key: the end packets report it.
/// - A press longer than a duration field can hold (about 8 s) is sent as
///   segments whose timestamp moves by the previous duration; those
///   continue the same press.
#[derive(Debug, Clone, Default)]
pub struct DtmfDetector {
    current: Option<Current>,
    /// Timestamps of recent events, most recent last; reordered packets of
    /// an older event must not count as a new press.
    recent: Vec<u32>,
}

/// Events remembered besides the current one.
const RECENT: usize = 8;

impl DtmfDetector {
    /// A detector with no event in progress.
    pub fn new() -> Self {
        DtmfDetector::default()
    }

    /// Feeds one telephone-event packet's RTP timestamp and payload;
    /// returns the key when this packet is the first seen of a press.
    ///
    /// # Errors
    ///
    /// [`DtmfError::TooShort`] for a payload under 4 bytes (nothing changes).
    pub fn push(&mut self, timestamp: u32, payload: &[u8]) -> Result<Option<Digit>, DtmfError> {
        let event = TelephoneEvent::parse(payload)?;
        if let Some(current) = self.current.as_mut() {
            if current.timestamp == timestamp {
                current.ended |= event.end;
                current.duration = current.duration.max(event.duration);
                return Ok(None);
            }
            let continues = !current.ended
                && current.event == event.event
                && current.duration > 0
                && timestamp == current.timestamp.wrapping_add(u32::from(current.duration));
            if continues {
                let previous = current.timestamp;
                *current = Current {
                    timestamp,
                    event: event.event,
                    ended: event.end,
                    duration: event.duration,
                };
                self.remember(previous);
                return Ok(None);
            }
        }
        if self.recent.contains(&timestamp) {
            return Ok(None);
        }
        if let Some(previous) = self.current.take() {
            self.remember(previous.timestamp);
        }
        self.current = Some(Current {
            timestamp,
            event: event.event,
            ended: event.end,
            duration: event.duration,
        });
        Ok(event.digit().map(|key| Digit { key, timestamp }))
    }

    fn remember(&mut self, timestamp: u32) {
        if self.recent.len() == RECENT {
            self.recent.remove(0);
        }
        self.recent.push(timestamp);
    }
}

/// The payloads that send one key press of `duration_ms` at `volume`
/// (-dBm0, 0..=63; 10 is typical): one packet per 20 ms with a growing
/// duration, the first to be sent with the marker bit, then the end packet
/// three times. All carry the same RTP timestamp (see
/// [`crate::rtp::RtpSender::event`]); afterwards the stream's timestamp
/// moves on by [`press_ticks`].
///
/// # Errors
///
/// [`DtmfError::NotADigit`] for a character that is not a key.
pub fn encode_digit(
    key: char,
    duration_ms: u32,
    volume: u8,
) -> Result<Vec<TelephoneEvent>, DtmfError> {
    let event = digit_event(key).ok_or(DtmfError::NotADigit(key))?;
    let total = press_ticks(duration_ms);
    let packet = |duration, end| TelephoneEvent {
        event,
        end,
        volume: volume.min(63),
        duration,
    };
    let mut events: Vec<TelephoneEvent> = (1..)
        .map(|n: u32| n * u32::from(TICKS_PER_PACKET))
        .take_while(|d| *d < u32::from(total))
        .map(|d| packet(d as u16, false))
        .collect();
    events.extend(std::iter::repeat_n(packet(total, true), END_REPEATS));
    Ok(events)
}

/// RTP ticks (8000 Hz) a press of `duration_ms` lasts: at least one packet,
/// at most what the duration field holds.
pub fn press_ticks(duration_ms: u32) -> u16 {
    let ticks = duration_ms
        .saturating_mul(8)
        .max(u32::from(TICKS_PER_PACKET));
    u16::try_from(ticks).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(detector: &mut DtmfDetector, ts: u32, events: &[TelephoneEvent]) -> String {
        events
            .iter()
            .filter_map(|e| detector.push(ts, &e.to_bytes()).unwrap())
            .map(|d| d.key)
            .collect()
    }

    #[test]
    fn parses_and_writes_payloads() {
        let e = TelephoneEvent::parse(&[11, 0x8A, 0x03, 0x20]).unwrap();
        assert_eq!(
            e,
            TelephoneEvent {
                event: 11,
                end: true,
                volume: 10,
                duration: 800
            }
        );
        assert_eq!(e.digit(), Some('#'));
        assert_eq!(e.to_bytes(), [11, 0x8A, 0x03, 0x20]);
        assert_eq!(
            TelephoneEvent::parse(&[1, 2, 3]),
            Err(DtmfError::TooShort(3))
        );
        let keys: String = (0..=16).filter_map(event_digit).collect();
        assert_eq!(keys, "0123456789*#ABCD");
        for (i, key) in keys.chars().enumerate() {
            assert_eq!(digit_event(key), Some(i as u8));
        }
        assert_eq!(digit_event('x'), None);
    }

    #[test]
    fn encodes_a_press_as_rfc_4733_says() {
        let events = encode_digit('5', 100, 10).unwrap();
        let durations: Vec<(u16, bool)> = events.iter().map(|e| (e.duration, e.end)).collect();
        assert_eq!(
            durations,
            vec![
                (160, false),
                (320, false),
                (480, false),
                (640, false),
                (800, true),
                (800, true),
                (800, true)
            ]
        );
        assert!(events.iter().all(|e| e.event == 5 && e.volume == 10));
        assert_eq!(encode_digit('x', 100, 10), Err(DtmfError::NotADigit('x')));
        assert_eq!(
            encode_digit('1', 0, 10).unwrap().len(),
            3,
            "shortest press: end packets only"
        );
    }

    #[test]
    fn each_press_is_reported_once() {
        let mut d = DtmfDetector::new();
        let mut keys = String::new();
        for (i, key) in "1#1".chars().enumerate() {
            let ts = 1000 + i as u32 * 4000;
            keys += &feed(&mut d, ts, &encode_digit(key, 100, 10).unwrap());
        }
        assert_eq!(keys, "1#1", "the same key twice is two presses");
    }

    #[test]
    fn lost_start_and_late_stragglers() {
        let mut d = DtmfDetector::new();
        let press = encode_digit('7', 100, 10).unwrap();
        // Only the end packets arrive.
        assert_eq!(feed(&mut d, 500, &press[4..]), "7");
        // The next press, then a late end packet of the previous one.
        assert_eq!(feed(&mut d, 9000, &press[..2]), "7");
        assert_eq!(feed(&mut d, 500, &press[4..5]), "");
        assert_eq!(feed(&mut d, 9000, &press[2..]), "");
        assert!(d.push(1, &[1, 2]).is_err());
    }

    #[test]
    fn a_segmented_long_press_is_one_press() {
        let mut d = DtmfDetector::new();
        let long = |duration, end| TelephoneEvent {
            event: 3,
            end,
            volume: 10,
            duration,
        };
        assert_eq!(
            feed(&mut d, 100, &[long(160, false), long(u16::MAX, false)]),
            "3"
        );
        // Next segment starts where the first one's duration ends.
        let next = 100 + u32::from(u16::MAX);
        assert_eq!(feed(&mut d, next, &[long(160, false), long(800, true)]), "");
        assert_eq!(feed(&mut d, next + 8000, &[long(160, false)]), "3");
    }
}
