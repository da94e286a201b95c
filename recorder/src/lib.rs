//! The recorder: everything that captures calls and hands them to the store.
//!
//! Today it imports call recordings from WAV files ([`import`]) and answers on its SIP port
//! ([`sip`], [`listener`]) so that peers and health checks find it; the routing core (B2BUA,
//! IVR, ACD), passive pcap capture and SIPREC grow here. Whatever the capture mode, the result
//! is the same: a finalized, hashed recording in the object store, a call row, and a queued
//! transcription job — all or nothing. The recorder never calls the indexer or the web app.

pub mod import;
pub mod listener;
pub mod sip;
