//! Sans-IO media for the Earshot B2BUA: everything between the UDP socket
//! and the recording file that does not need a socket or a clock.
//!
//! - [`rtp`]: RTP packets (parse, write, RTCP told apart) and [`rtp::RtpSender`]
//!   for streams we originate.
//! - [`sdp`]: a peer's SDP, offer/answer negotiation, our own SDP.
//! - [`codec`]: [`Codec`] and the [`PayloadMap`] every packet is decoded
//!   through — by payload type and rtpmap, never by assumption.
//! - [`dtmf`]: RFC 4733 telephone-events, detected once per key press.
//! - [`latch`]: symmetric RTP — which source address a leg's media comes from.
//! - [`recording`]: [`CallRecorder`], the stereo caller/agent recording on
//!   one call clock, robust to loss, reordering, hold and SSRC changes.
//! - [`wav`]: [`IncrementalWav`], the recording written as the call goes and
//!   recoverable after a crash.
//! - [`prompt`]: prompts and music on hold played into a leg.
//!
//! Time is [`Millis`]: milliseconds on a monotonic clock the caller chooses.
//! Nothing here reads the wall clock, spawns a thread or opens a socket;
//! only [`wav`] touches files.

pub mod codec;
pub mod dtmf;
pub mod latch;
pub mod prompt;
pub mod recording;
pub mod rtp;
pub mod sdp;
pub mod wav;

pub use codec::{Codec, PayloadFormat, PayloadMap};
pub use recording::{CallRecorder, Channel, ChannelStats, PushOutcome, RecorderConfig};
pub use wav::{FinalizedWav, IncrementalWav};

/// Milliseconds on the caller's monotonic clock.
pub type Millis = u64;

/// Audio sample rate of recordings and prompts (G.711 narrowband).
pub const SAMPLE_RATE: u32 = 8000;
