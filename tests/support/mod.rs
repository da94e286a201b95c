//! Test harness for end-to-end SIP tests on loopback: real peers (sipp), an independent judge of
//! the wire (tshark) and checks on the recordings.
//!
//! - [`pcap`] writes RTP streams (G.711 audio, RFC 4733 DTMF) as pcap files for sipp's
//!   `play_pcap_audio`.
//! - [`sipp`] renders the scenario templates in `tests/sipp/*.xml.in` and runs sipp.
//! - [`tshark`] captures loopback traffic and reads SIP messages, RTP streams and DTMF back.
//! - [`audio`] loads recorded WAVs and compares channels with the audio that was sent.
//! - [`earshot`] runs the `earshot` process under test (apply, up, registered sipp phones).
//!
//! The tools come from `scripts/deps --test`; a missing one fails the test with that hint.
//! Include it from a test file with `mod support;` (or `#[path = "support/mod.rs"] mod support;`).

// Each test file uses a different part of the harness; the rest would warn as dead code there.
#![allow(dead_code)]

pub mod audio;
pub mod earshot;
pub mod pcap;
pub mod sipp;
pub mod tshark;

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// The repository root (where `tests/` lives).
pub fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Fails with a message naming `scripts/deps --test` when `tool` cannot be run.
///
/// `version_arg` is an argument that makes the tool print something and exit (`-v`, `--version`).
pub fn require_tool(tool: &str, version_arg: &str) -> anyhow::Result<()> {
    let ran = Command::new(tool)
        .arg(version_arg)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match ran {
        Ok(_) => Ok(()),
        Err(e) => anyhow::bail!(
            "`{tool}` cannot be run ({e}): install the test tools with `scripts/deps --test`"
        ),
    }
}
