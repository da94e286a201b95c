//! The routing core's I/O shell: SIP over UDP and TCP, the clock, the media tasks, and the
//! store writer, around the sans-IO [`Switch`].
//!
//! One task owns the switch; sockets and media tasks talk to it through a channel, so the
//! switch is never shared and never locked. Store writes go through their own task so a slow
//! database never stalls signalling.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use earshot_routing::CallId;
use earshot_sip::message::Limits;
use earshot_sip::{Message, StreamFramer, Transport};
use earshot_store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream, UdpSocket};
use tokio::sync::{mpsc, watch};

use crate::call_media::{self, Control, MediaContext, MediaHandle};
use crate::directory;
use crate::finalize::{store_call, Sidecar};
use crate::prompts::PromptLibrary;
use crate::switch::{Directory, MediaCommand, MediaEvent, StoreOp, Switch, SwitchConfig};

/// How the shell is set up.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    pub switch: SwitchConfig,
    pub spool: PathBuf,
    pub prompts_dir: PathBuf,
    pub max_attempts: i64,
    /// This recorder's name in the live tables (several recorders may share a store).
    pub recorder_name: String,
    /// How often the routing configuration is re-read from the store.
    pub reload_every: Duration,
    /// The keypad survey's timing: answer and inter-digit timeouts, tries per question.
    pub keypad: earshot_survey::KeypadConfig,
}

enum Input {
    Sip {
        bytes: Vec<u8>,
        from: SocketAddr,
        transport: Transport,
    },
    /// A message already framed (TCP).
    SipMessage {
        message: Message,
        from: SocketAddr,
        transport: Transport,
    },
    TcpUp {
        peer: SocketAddr,
        writer: mpsc::UnboundedSender<Vec<u8>>,
    },
    TcpDown {
        peer: SocketAddr,
    },
}

/// Store any recordings a previous run left in the spool (a crash mid-call): each is repaired
/// (header sizes, whole frames) and stored as a failed call with what its sidecar knew.
pub async fn recover_spool(store: &Store, spool: &Path, max_attempts: i64) -> usize {
    let Ok(entries) = std::fs::read_dir(spool) else {
        return 0;
    };
    let mut recovered = 0;
    for entry in entries.flatten() {
        let path = entry.path();
        if path.extension().and_then(|e| e.to_str()) != Some("wav") {
            continue;
        }
        let sidecar = match Sidecar::read(&path) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "spool file without a usable sidecar left alone");
                continue;
            }
        };
        let fixed = match earshot_media::wav::recover(&path) {
            Ok(f) => f,
            Err(e) => {
                tracing::error!(error = %e, "spool recording cannot be repaired; left alone");
                continue;
            }
        };
        let summary = sidecar.into_summary(fixed.duration_ms as i64);
        match store_call(store, &path, &summary, max_attempts).await {
            Ok(id) => {
                tracing::warn!(call = id, call_ref = %summary.call_ref, "recovered a call interrupted by a restart");
                recovered += 1;
            }
            Err(e) => tracing::error!(error = %e, "recovered recording not stored; kept"),
        }
    }
    recovered
}

/// Run the routing core until `stop` turns true.
pub async fn serve(
    store: Store,
    cfg: ServerConfig,
    udp: UdpSocket,
    tcp: Option<TcpListener>,
    mut stop: watch::Receiver<bool>,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(&cfg.spool)?;
    let recovered = recover_spool(&store, &cfg.spool, cfg.max_attempts).await;
    if recovered > 0 {
        tracing::warn!(recovered, "calls recovered from the spool");
    }
    crate::prompts::ensure_defaults(&cfg.prompts_dir)?;
    let (dir, mut version) = directory::load(&store, &cfg.switch.realm).await?;
    // The survey questions' prompts before the first call (the switch's task is not running yet).
    crate::prompts::make_survey_prompts(&store, &cfg.prompts_dir, dir.surveys.values()).await;
    let prompts = Arc::new(std::sync::RwLock::new(Arc::new(PromptLibrary::load(
        &cfg.prompts_dir,
    )?)));
    let origin = Instant::now();
    let mut switch_cfg = cfg.switch.clone();
    switch_cfg.epoch_at_zero = earshot_store::time::now_ms();
    let epoch_at_zero = switch_cfg.epoch_at_zero;
    let mut switch = Switch::new(switch_cfg, dir).with_keypad_config(cfg.keypad);

    let udp = Arc::new(udp);
    let (in_tx, mut in_rx) = mpsc::unbounded_channel::<Input>();
    let (media_tx, mut media_rx) = mpsc::unbounded_channel::<(MediaEvent, Instant)>();
    let (store_tx, store_rx) = mpsc::unbounded_channel::<StoreOp>();
    tokio::spawn(store_writer(
        store.clone(),
        store_rx,
        cfg.recorder_name.clone(),
        epoch_at_zero,
    ));

    // UDP receive loop.
    {
        let udp = udp.clone();
        let in_tx = in_tx.clone();
        tokio::spawn(async move {
            let mut buf = vec![0u8; 65_536];
            loop {
                match udp.recv_from(&mut buf).await {
                    Ok((n, from)) => {
                        if in_tx
                            .send(Input::Sip {
                                bytes: buf[..n].to_vec(),
                                from,
                                transport: Transport::Udp,
                            })
                            .is_err()
                        {
                            return;
                        }
                    }
                    // ICMP errors surface here on Linux: keep serving.
                    Err(e) => tracing::debug!(error = %e, "SIP UDP receive error"),
                }
            }
        });
    }
    if let Some(listener) = tcp {
        let in_tx = in_tx.clone();
        tokio::spawn(async move {
            loop {
                match listener.accept().await {
                    Ok((stream, peer)) => {
                        tokio::spawn(tcp_connection(stream, peer, in_tx.clone()));
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "SIP TCP accept failed");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
            }
        });
    }

    let ctx = MediaContext {
        store: store.clone(),
        spool: cfg.spool.clone(),
        prompts: prompts.clone(),
        events: media_tx,
        media_ip: cfg.switch.media_ip,
        max_attempts: cfg.max_attempts,
    };
    let mut calls: HashMap<CallId, MediaHandle> = HashMap::new();
    let mut tcp_conns: HashMap<SocketAddr, mpsc::UnboundedSender<Vec<u8>>> = HashMap::new();
    let mut reload = tokio::time::interval(cfg.reload_every);
    // Reloads run in a task of their own (store reads, survey prompts by text-to-speech, prompt
    // files), one at a time, and hand their result back here.
    let (reloaded_tx, mut reloaded_rx) = mpsc::unbounded_channel::<Reloaded>();
    let mut reloading = false;
    let now_of = |t: Instant| t.saturating_duration_since(origin).as_millis() as u64;

    loop {
        let wake = switch
            .poll_timeout()
            .map(|t| origin + Duration::from_millis(t))
            .unwrap_or_else(|| Instant::now() + Duration::from_secs(1));
        tokio::select! {
            changed = stop.changed() => {
                if changed.is_err() || *stop.borrow() {
                    break;
                }
            }
            Some(input) = in_rx.recv() => {
                let now = now_of(Instant::now());
                match input {
                    Input::Sip { bytes, from, transport } => switch.handle_sip(&bytes, from, transport, now),
                    Input::SipMessage { message, from, transport } => switch.handle_message(message, from, transport, now),
                    Input::TcpUp { peer, writer } => { tcp_conns.insert(peer, writer); }
                    Input::TcpDown { peer } => { tcp_conns.remove(&peer); }
                }
            }
            Some((ev, at)) = media_rx.recv() => switch.handle_media_event(ev, now_of(at)),
            _ = tokio::time::sleep_until(wake.into()) => switch.handle_timeout(now_of(Instant::now())),
            _ = reload.tick(), if !reloading => {
                reloading = true;
                tokio::spawn(reload_directory(
                    store.clone(),
                    cfg.switch.realm.clone(),
                    cfg.prompts_dir.clone(),
                    version,
                    reloaded_tx.clone(),
                ));
            }
            Some(reloaded) = reloaded_rx.recv() => {
                reloading = false;
                match reloaded {
                    Ok(Some((dir, v, lib))) => {
                        version = v;
                        tracing::info!("routing configuration reloaded");
                        if let Some(lib) = lib {
                            if let Ok(mut slot) = prompts.write() {
                                *slot = Arc::new(lib);
                            }
                        }
                        if let Err(e) = switch.reconfigure(*dir, now_of(Instant::now())) {
                            tracing::error!(error = %e, "new routing configuration refused; the previous one stays");
                        }
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "cannot reload the routing configuration"),
                }
            }
        }
        // Drain everything the switch wants done. Media commands first: they are channel sends,
        // and an `Unbridge` must reach the call's media task before our 200 to the agent's BYE
        // leaves, so no more of the caller's audio is relayed once the agent is told it hung up.
        while let Some(cmd) = switch.poll_media() {
            dispatch_media(&ctx, &mut calls, cmd);
        }
        while let Some(t) = switch.poll_transmit() {
            match t.transport {
                Transport::Udp => {
                    if let Err(e) = udp.send_to(&t.bytes, t.to).await {
                        tracing::debug!(to = %t.to, error = %e, "SIP send failed");
                    }
                }
                _ => match tcp_conns.get(&t.to) {
                    Some(w) => {
                        let _ = w.send(t.bytes);
                    }
                    None => {
                        // No connection to that peer (it closed, or we never had one): open one.
                        let in_tx = in_tx.clone();
                        tokio::spawn(async move {
                            match TcpStream::connect(t.to).await {
                                Ok(stream) => {
                                    let (w_tx, w_rx) = mpsc::unbounded_channel();
                                    let _ = w_tx.send(t.bytes);
                                    tcp_connection_with(stream, t.to, in_tx, w_tx, w_rx).await;
                                }
                                Err(e) => {
                                    tracing::debug!(to = %t.to, error = %e, "SIP TCP connect failed")
                                }
                            }
                        });
                    }
                },
            }
        }
        while let Some(op) = switch.poll_store() {
            let _ = store_tx.send(op);
        }
    }
    Ok(())
}

/// A reload's result: the new directory, its fingerprint and the prompt library (if the prompt
/// files could be read), or nothing when nothing changed.
type Reloaded = Result<Option<(Box<Directory>, directory::Version, Option<PromptLibrary>)>, String>;

/// Read the routing configuration if it changed since `version`; then make the prompts of any
/// new survey version and read the prompt files again, so that a survey is offered only once
/// its questions can be played. Runs off the switch's task.
async fn reload_directory(
    store: Store,
    realm: String,
    prompts_dir: PathBuf,
    version: directory::Version,
    done: mpsc::UnboundedSender<Reloaded>,
) {
    let result = match directory::load_if_changed(&store, &realm, version).await {
        Ok(Some((dir, v))) => {
            crate::prompts::make_survey_prompts(&store, &prompts_dir, dir.surveys.values()).await;
            let lib = tokio::task::spawn_blocking(move || PromptLibrary::load(&prompts_dir))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r.map_err(|e| e.to_string()));
            let lib = match lib {
                Ok(lib) => Some(lib),
                Err(e) => {
                    tracing::error!(error = %e, "prompt files cannot be read; the previous ones stay");
                    None
                }
            };
            Ok(Some((Box::new(dir), v, lib)))
        }
        Ok(None) => Ok(None),
        Err(e) => Err(e.to_string()),
    };
    let _ = done.send(result);
}

fn dispatch_media(ctx: &MediaContext, calls: &mut HashMap<CallId, MediaHandle>, cmd: MediaCommand) {
    let send = |calls: &HashMap<CallId, MediaHandle>, call: CallId, c: Control| {
        if let Some(h) = calls.get(&call) {
            let _ = h.control.send(c);
        }
    };
    match cmd {
        MediaCommand::Open {
            call,
            sidecar,
            caller_port,
            agent_port,
            caller,
        } => {
            let handle =
                call_media::spawn(ctx.clone(), call, *sidecar, caller_port, agent_port, caller);
            calls.insert(call, handle);
        }
        MediaCommand::Play {
            call,
            prompt,
            language,
            looped,
        } => send(
            calls,
            call,
            Control::Play {
                prompt,
                language,
                looped,
            },
        ),
        MediaCommand::StopPrompt { call } => send(calls, call, Control::StopPrompt),
        MediaCommand::Bridge {
            call,
            agent,
            agent_name,
            queue,
        } => send(
            calls,
            call,
            Control::Bridge {
                agent,
                agent_name,
                queue,
            },
        ),
        MediaCommand::Update { call, side, media } => {
            send(calls, call, Control::Update { side, media })
        }
        MediaCommand::Unbridge { call } => send(calls, call, Control::Unbridge),
        MediaCommand::SurveyProgress { call, survey } => {
            send(calls, call, Control::SurveyProgress { survey })
        }
        MediaCommand::Close { call, summary } => {
            send(calls, call, Control::Close { summary });
            calls.remove(&call);
        }
    }
}

async fn tcp_connection(stream: TcpStream, peer: SocketAddr, in_tx: mpsc::UnboundedSender<Input>) {
    let (w_tx, w_rx) = mpsc::unbounded_channel();
    tcp_connection_with(stream, peer, in_tx, w_tx, w_rx).await;
}

/// One SIP TCP connection: frames messages by Content-Length in, writes what the switch sends.
async fn tcp_connection_with(
    stream: TcpStream,
    peer: SocketAddr,
    in_tx: mpsc::UnboundedSender<Input>,
    w_tx: mpsc::UnboundedSender<Vec<u8>>,
    mut w_rx: mpsc::UnboundedReceiver<Vec<u8>>,
) {
    let _ = in_tx.send(Input::TcpUp { peer, writer: w_tx });
    let (mut read, mut write) = stream.into_split();
    let writer = tokio::spawn(async move {
        while let Some(bytes) = w_rx.recv().await {
            if write.write_all(&bytes).await.is_err() {
                return;
            }
        }
    });
    let mut framer = StreamFramer::new(Limits::default());
    let mut buf = vec![0u8; 16 * 1024];
    'conn: loop {
        let n = match read.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        framer.push(&buf[..n]);
        loop {
            match framer.pop() {
                Ok(Some(message)) => {
                    let _ = in_tx.send(Input::SipMessage {
                        message,
                        from: peer,
                        transport: Transport::Tcp,
                    });
                }
                Ok(None) => break,
                Err(e) if e.is_fatal() => {
                    // A stream that cannot be framed cannot be resynchronized: close it.
                    tracing::debug!(%peer, error = %e, "SIP TCP stream unframeable; closing");
                    break 'conn;
                }
                Err(e) => {
                    tracing::debug!(%peer, error = %e, "malformed SIP message on TCP skipped")
                }
            }
        }
    }
    writer.abort();
    let _ = in_tx.send(Input::TcpDown { peer });
}

/// Writes queue events, agent events and the live view, in order, off the signalling path.
async fn store_writer(
    store: Store,
    mut rx: mpsc::UnboundedReceiver<StoreOp>,
    recorder: String,
    epoch_at_zero: i64,
) {
    while let Some(op) = rx.recv().await {
        if let Err(e) = directory::write_op(&store, &recorder, epoch_at_zero, op).await {
            tracing::warn!(error = %e, "could not store a routing event");
        }
    }
}
