//! The media plane of one call: two RTP sockets (caller side, agent side), the relay between
//! them, prompts played to the caller, DTMF detection, and the stereo recording written to the
//! spool as the call goes.
//!
//! This is the thin I/O shell around the sans-IO pieces of `earshot-media`: latching, the
//! RFC 4733 detector, the prompt player and the [`CallRecorder`] clock. Packets are relayed
//! byte for byte (no transcoding: the agent was offered what the caller sends), so the relay
//! costs one `recv` and one `send` per packet; decoding for the recording is the only work.

use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_media::dtmf::DtmfDetector;
use earshot_media::latch::{Latch, LatchDecision, LatchMode};
use earshot_media::prompt::PromptPlayer;
use earshot_media::recording::{CallRecorder, Channel, RecorderConfig};
use earshot_media::rtp::{RtpPacket, RtpSender};
use earshot_media::sdp::SessionDescription;
use earshot_media::wav::IncrementalWav;
use earshot_media::{Codec, PayloadMap};
use earshot_routing::CallId;
use earshot_store::Store;
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::finalize::{store_call, Sidecar};
use crate::prompts::PromptLibrary;
use crate::switch::{CallSummary, LegMedia, MediaEvent, Side};

/// What every call's media task shares.
#[derive(Clone)]
pub struct MediaContext {
    pub store: Store,
    pub spool: PathBuf,
    pub prompts: Arc<std::sync::RwLock<Arc<PromptLibrary>>>,
    pub events: mpsc::UnboundedSender<(MediaEvent, Instant)>,
    pub media_ip: IpAddr,
    pub max_attempts: i64,
}

/// Commands to a running call's media task.
#[derive(Debug)]
pub enum Control {
    Play {
        prompt: String,
        language: String,
        looped: bool,
    },
    StopPrompt,
    Bridge {
        agent: LegMedia,
        agent_name: Option<String>,
        queue: Option<String>,
    },
    Update {
        side: Side,
        media: LegMedia,
    },
    /// Stop relaying between the legs (the agent hung up; the caller stays for the survey).
    Unbridge,
    /// The survey's answers so far, for the sidecar.
    SurveyProgress {
        survey: Box<earshot_store::surveys::NewKeypadResponse>,
    },
    Close {
        summary: Box<CallSummary>,
    },
}

/// The switch's handle on a call's media task.
pub struct MediaHandle {
    pub control: mpsc::UnboundedSender<Control>,
}

/// Start the media task of a call.
pub fn spawn(
    ctx: MediaContext,
    call: CallId,
    sidecar: Sidecar,
    caller_port: u16,
    agent_port: u16,
    caller: LegMedia,
) -> MediaHandle {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        run(ctx, call, sidecar, caller_port, agent_port, caller, rx).await;
    });
    MediaHandle { control: tx }
}

struct Leg {
    latch: Latch,
    payloads: PayloadMap,
    on_hold: bool,
}

impl Leg {
    fn new(sdp: SessionDescription) -> Leg {
        Leg {
            latch: Latch::new(sdp.audio_remote(), LatchMode::SdpAddress),
            payloads: sdp.payload_map(),
            on_hold: sdp.is_hold(),
        }
    }

    fn update(&mut self, sdp: SessionDescription) {
        self.latch.sdp_changed(sdp.audio_remote());
        self.payloads = sdp.payload_map();
        self.on_hold = sdp.is_hold();
    }

    /// Where to send to this leg: the latched source, else what its SDP says; nowhere on hold.
    fn destination(&self) -> Option<SocketAddr> {
        if self.on_hold {
            return None;
        }
        self.latch.remote()
    }

    fn accepts(&mut self, from: SocketAddr) -> bool {
        matches!(
            self.latch.on_packet(from),
            LatchDecision::Accept | LatchDecision::LatchedNew(_)
        )
    }
}

async fn run(
    ctx: MediaContext,
    call: CallId,
    mut sidecar: Sidecar,
    caller_port: u16,
    agent_port: u16,
    caller: LegMedia,
    mut rx: mpsc::UnboundedReceiver<Control>,
) {
    let started = Instant::now();
    let now_ms = |t: Instant| t.saturating_duration_since(started).as_millis() as u64;
    let fail = |reason: String| {
        let _ = ctx
            .events
            .send((MediaEvent::Failed { call, reason }, Instant::now()));
    };
    let bind = |port| UdpSocket::bind(SocketAddr::new(ctx.media_ip, port));
    let (caller_sock, agent_sock) = match (bind(caller_port).await, bind(agent_port).await) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => {
            fail(format!(
                "cannot bind RTP ports {caller_port}/{agent_port}: {e}"
            ));
            drain_until_close(rx).await;
            return;
        }
    };
    let wav_path = ctx.spool.join(format!("{}.wav", sidecar.call_ref));
    let mut wav = match IncrementalWav::create(&wav_path) {
        Ok(w) => w,
        Err(e) => {
            fail(format!("cannot create the recording: {e}"));
            drain_until_close(rx).await;
            return;
        }
    };
    if let Err(e) = sidecar.write(&wav_path) {
        tracing::warn!(error = %e, "cannot write the call's sidecar");
    }

    let mut recorder = CallRecorder::new(0, RecorderConfig::default());
    let caller_sdp = caller.remote;
    let mut caller_leg = Leg::new(caller_sdp.clone());
    let mut agent_leg: Option<Leg> = None;
    let mut dtmf = DtmfDetector::new();
    // Prompts go out in the codec the caller offered first among those we speak.
    let prompt_codec = prompt_codec(&caller_leg.payloads, &caller_sdp);
    let mut sender = RtpSender::new(rand_u32(), prompt_codec.0, rand_u32() as u16, rand_u32());
    let mut player: Option<PromptPlayer> = None;
    let mut caller_buf = vec![0u8; 2048];
    let mut agent_buf = vec![0u8; 2048];
    // Prompts need a 20 ms pace; the recording only needs flushing now and then (what is final
    // is decided by RTP time, not by when we look), so a bridged call wakes 5 times a second
    // rather than 50.
    let mut prompt_tick = tokio::time::interval(Duration::from_millis(20));
    prompt_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut flush_tick = tokio::time::interval(Duration::from_millis(200));
    flush_tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut last_sync = Instant::now();
    let mut syncing: Option<tokio::task::JoinHandle<()>> = None;
    let mut bridged = false;

    loop {
        tokio::select! {
            r = caller_sock.recv_from(&mut caller_buf) => {
                let Ok((n, from)) = r else { continue };
                let now = Instant::now();
                if !caller_leg.accepts(from) {
                    continue;
                }
                let bytes = &caller_buf[..n];
                if bridged {
                    if let Some(dest) = agent_leg.as_ref().and_then(Leg::destination) {
                        let _ = agent_sock.send_to(bytes, dest).await;
                    }
                }
                let Ok(pkt) = RtpPacket::parse(bytes) else { continue };
                if caller_leg.payloads.telephone_event() == Some(pkt.payload_type) {
                    if let Ok(Some(digit)) = dtmf.push(pkt.timestamp, pkt.payload) {
                        let _ = ctx.events.send((MediaEvent::Digit { call, digit: digit.key }, now));
                    }
                }
                recorder.push(Channel::Caller, &pkt, &caller_leg.payloads, now_ms(now));
            }
            r = agent_sock.recv_from(&mut agent_buf) => {
                let Ok((n, from)) = r else { continue };
                let now = Instant::now();
                let Some(leg) = agent_leg.as_mut() else { continue };
                if !leg.accepts(from) {
                    continue;
                }
                let bytes = &agent_buf[..n];
                if bridged {
                    if let Some(dest) = caller_leg.destination() {
                        let _ = caller_sock.send_to(bytes, dest).await;
                    }
                }
                let Ok(pkt) = RtpPacket::parse(bytes) else { continue };
                recorder.push(Channel::Agent, &pkt, &leg.payloads, now_ms(now));
            }
            _ = prompt_tick.tick(), if player.is_some() => {
                let now = Instant::now();
                if let Some(p) = player.as_mut() {
                    let t = now_ms(now);
                    while let Some(packet) = p.poll_packet(t, &mut sender) {
                        if let Some(dest) = caller_leg.destination() {
                            let _ = caller_sock.send_to(&packet, dest).await;
                        }
                    }
                    if p.is_finished() {
                        player = None;
                        let _ = ctx.events.send((MediaEvent::PromptFinished { call }, now));
                    }
                }
            }
            _ = flush_tick.tick() => {
                let now = Instant::now();
                let samples = recorder.pull(now_ms(now));
                if let Err(e) = wav.append(&samples) {
                    tracing::error!(error = %e, "recording write failed");
                }
                // Once a second the recording is made durable; the fdatasync runs on a
                // blocking thread so hundreds of calls syncing never stall the relay.
                let previous_done = syncing.as_ref().is_none_or(|h| h.is_finished());
                if now.duration_since(last_sync) >= Duration::from_secs(1) && previous_done {
                    last_sync = now;
                    match wav.prepare_sync() {
                        Ok(file) => {
                            syncing = Some(tokio::task::spawn_blocking(move || {
                                if let Err(e) = file.sync_data() {
                                    tracing::error!(error = %e, "recording sync failed");
                                }
                            }));
                        }
                        Err(e) => tracing::error!(error = %e, "recording write failed"),
                    }
                }
            }
            cmd = rx.recv() => {
                let Some(cmd) = cmd else { break };
                match cmd {
                    Control::Play { prompt, language, looped } => {
                        let lib = ctx.prompts.read().map(|l| l.clone()).ok();
                        match lib.and_then(|l| l.get(&language, &prompt)) {
                            Some(audio) => {
                                sender.start_talkspurt();
                                let made = if looped {
                                    PromptPlayer::looping(audio, prompt_codec.1)
                                } else {
                                    PromptPlayer::new(audio, prompt_codec.1)
                                };
                                match made {
                                    Ok(mut p) => {
                                        p.start(now_ms(Instant::now()));
                                        player = Some(p);
                                    }
                                    Err(e) => {
                                        tracing::warn!(%prompt, error = %e, "prompt unplayable; treated as played");
                                        player = None;
                                        let _ = ctx.events.send((MediaEvent::PromptFinished { call }, Instant::now()));
                                    }
                                }
                            }
                            None => {
                                tracing::warn!(%prompt, %language, "prompt missing; treated as played");
                                player = None;
                                let _ = ctx.events.send((MediaEvent::PromptFinished { call }, Instant::now()));
                            }
                        }
                    }
                    Control::StopPrompt => player = None,
                    Control::Bridge { agent, agent_name, queue } => {
                        player = None;
                        agent_leg = Some(Leg::new(agent.remote));
                        bridged = true;
                        sidecar.agent = agent_name;
                        sidecar.queue = queue;
                        sidecar.connected_at = Some(earshot_store::time::now_ms());
                        let _ = sidecar.write(&wav_path);
                    }
                    Control::Unbridge => {
                        // From now on nothing goes to the agent leg and nothing from it is
                        // recorded: its channel stays silent on the same clock while the
                        // caller's keys and voice are still recorded.
                        bridged = false;
                        agent_leg = None;
                        sidecar.talk_ended_at = Some(earshot_store::time::now_ms());
                        let _ = sidecar.write(&wav_path);
                    }
                    Control::SurveyProgress { survey } => {
                        sidecar.survey = Some(*survey);
                        if let Err(e) = sidecar.write(&wav_path) {
                            tracing::warn!(error = %e, "cannot keep the survey's answers in the sidecar");
                        }
                    }
                    Control::Update { side, media } => match side {
                        Side::Caller => caller_leg.update(media.remote),
                        Side::Agent => {
                            if let Some(l) = agent_leg.as_mut() {
                                l.update(media.remote);
                            }
                        }
                    },
                    Control::Close { summary } => {
                        let end = now_ms(Instant::now());
                        let rest = recorder.finish(end);
                        let finalized = wav.append(&rest).and_then(|()| wav.finalize());
                        if let Err(e) = finalized {
                            tracing::error!(error = %e, path = %wav_path.display(), "cannot finalize the recording; left in the spool");
                            return;
                        }
                        drop((caller_sock, agent_sock));
                        match store_call(&ctx.store, &wav_path, &summary, ctx.max_attempts).await {
                            Ok(id) => tracing::info!(call = id, call_ref = %summary.call_ref, "call stored"),
                            Err(e) => tracing::error!(error = %e, "call not stored; kept in the spool for the next start"),
                        }
                        return;
                    }
                }
            }
        }
    }
}

/// After a media failure the switch still sends `Close`; nothing was recorded.
async fn drain_until_close(mut rx: mpsc::UnboundedReceiver<Control>) {
    while let Some(cmd) = rx.recv().await {
        if matches!(cmd, Control::Close { .. }) {
            return;
        }
    }
}

/// The payload type and codec prompts are sent in: the caller's first offered codec we speak.
fn prompt_codec(map: &PayloadMap, sdp: &SessionDescription) -> (u8, Codec) {
    if let Some(audio) = sdp.audio() {
        for pt in audio.payload_types() {
            if let Some(earshot_media::PayloadFormat::Audio(codec)) = map.get(pt) {
                if codec.is_supported() {
                    return (pt, *codec);
                }
            }
        }
    }
    (0, Codec::Pcmu)
}

fn rand_u32() -> u32 {
    rand::random()
}
