//! `earshot up`: the recorder, the indexer and the web app in one process, on one store.

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use earshot_indexer::model::ModelName;
use earshot_indexer::search::SearchIndex;
use earshot_indexer::worker::{Models, Worker};
use earshot_store::users::{random_secret, Role};
use earshot_store::{Config, Store};
use tokio::sync::watch;

use crate::cli::UpArgs;

pub async fn run(mut config: Config, args: UpArgs) -> anyhow::Result<ExitCode> {
    if let Some(listen) = &args.listen {
        config.web.listen = listen.clone();
    }
    if let Some(sip) = &args.sip {
        config.sip.listen = if sip == "off" {
            String::new()
        } else {
            sip.clone()
        };
    }
    let config = Arc::new(config);
    let store = Store::open(&config)
        .await
        .with_context(|| format!("cannot open the store in {}", config.data_dir.display()))?;
    let search = Arc::new(SearchIndex::open(&config.index_dir()).context(
        "cannot open the search index (is another `earshot up` running on this data directory?)",
    )?);

    // Bind every port first, so a taken port is reported before anything starts.
    let web_listener = tokio::net::TcpListener::bind(&config.web.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {} for the web app (use --listen)",
                config.web.listen
            )
        })?;
    let web_addr = web_listener.local_addr()?;
    let sip = if config.sip.listen.is_empty() {
        None
    } else {
        let udp = tokio::net::UdpSocket::bind(&config.sip.listen)
            .await
            .with_context(|| {
                format!(
                    "cannot listen on {} for SIP (use --sip ADDR or --sip off)",
                    config.sip.listen
                )
            })?;
        let addr = udp.local_addr()?;
        let tcp = if config.sip.tcp {
            Some(tokio::net::TcpListener::bind(addr).await.with_context(|| {
                format!("cannot listen on tcp://{addr} for SIP (set sip.tcp = false)")
            })?)
        } else {
            None
        };
        Some((udp, tcp, addr))
    };
    let first_admin = ensure_admin(&store).await?;

    let (stop_tx, stop_rx) = watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();

    if let Some((udp, tcp, addr)) = sip {
        let server_cfg = recorder_config(&config, addr)?;
        let store2 = store.clone();
        let stop = stop_rx.clone();
        tasks.spawn(async move {
            if let Err(e) =
                earshot_recorder::server::serve(store2, server_cfg, udp, tcp, stop).await
            {
                tracing::error!(error = %e, "routing core stopped");
                eprintln!("recorder: routing core stopped: {e:#}");
            }
        });
        eprintln!(
            "recorder: SIP on udp://{addr}{}",
            if config.sip.tcp {
                format!(" and tcp://{addr}")
            } else {
                String::new()
            }
        );
    }

    let web_state = earshot_web::AppState {
        store: store.clone(),
        search: search.clone(),
        config: config.clone(),
    };
    let mut web_stop = stop_rx.clone();
    tasks.spawn(async move {
        let shutdown = async move {
            let _ = web_stop.wait_for(|s| *s).await;
        };
        if let Err(e) = earshot_web::serve(web_state, web_listener, shutdown).await {
            tracing::error!(error = %e, "web app stopped");
        }
    });

    let url = config
        .web
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{web_addr}"));
    eprintln!("web app: {url}");
    if let Some((user, password)) = &first_admin {
        eprintln!("first start: administrator created\n  user:     {user}\n  password: {password}\n  (shown once; change it after logging in, or create users with `earshot user add`)");
    }

    if !args.no_indexer && config.indexer.enabled {
        let models = Arc::new(Models::new(
            config.models_dir(),
            &config.indexer.model,
            config.indexer.english_model.as_deref(),
        ));
        let config2 = config.clone();
        let fetch = !args.no_fetch;
        let store2 = store.clone();
        let search2 = search.clone();
        let stop_rx2 = stop_rx.clone();
        tasks.spawn(async move {
            if fetch {
                let wanted: Vec<String> = std::iter::once(config2.indexer.model.clone())
                    .chain(config2.indexer.english_model.clone())
                    .collect();
                for name in wanted {
                    let Ok(name) = name.parse::<ModelName>() else {
                        continue;
                    };
                    let cfg = config2.clone();
                    let result =
                        tokio::task::spawn_blocking(move || crate::cli::fetch_model(&cfg, name))
                            .await;
                    match result {
                        Ok(Ok(_)) => {}
                        Ok(Err(e)) => eprintln!("indexer: could not fetch the {name} model: {e:#}"),
                        Err(e) => eprintln!("indexer: model fetch panicked: {e}"),
                    }
                }
            }
            let mut workers = tokio::task::JoinSet::new();
            for i in 0..config2.indexer.workers.max(1) {
                let worker = Worker::new(
                    store2.clone(),
                    search2.clone(),
                    models.clone(),
                    config2.indexer.clone(),
                    format!("{}-{}-{i}", hostname(), std::process::id()),
                );
                workers.spawn(worker.run(stop_rx2.clone()));
            }
            eprintln!(
                "indexer: {} transcription worker(s) running",
                config2.indexer.workers.max(1)
            );
            while workers.join_next().await.is_some() {}
        });
    }

    if args.demo {
        let store = store.clone();
        let config = config.clone();
        tasks.spawn(async move {
            if let Err(e) = crate::demo::publish_demo_scorecard(&store).await {
                eprintln!("demo: {e:#}");
            }
            if let Err(e) = crate::demo::publish_demo_survey(&store).await {
                eprintln!("demo: {e:#}");
            }
            if let Err(e) = crate::demo::import_demo_calls(&store, &config).await {
                eprintln!("demo: {e:#}");
            }
        });
    }

    eprintln!("ready. Press Ctrl-C to stop.");
    shutdown_signal().await;
    eprintln!("stopping…");
    let _ = stop_tx.send(true);
    // Workers finish the job in hand; a second signal or 30 s ends the wait.
    let drain = async { while tasks.join_next().await.is_some() {} };
    tokio::select! {
        _ = drain => {}
        _ = tokio::time::sleep(std::time::Duration::from_secs(30)) => {}
        _ = shutdown_signal() => {}
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Create the first administrator if there are no users; returns its credentials to print once.
/// The routing core's settings from the configuration, for the SIP address actually bound.
fn recorder_config(
    config: &Config,
    addr: std::net::SocketAddr,
) -> anyhow::Result<earshot_recorder::server::ServerConfig> {
    let media_ip = match &config.sip.media_ip {
        Some(ip) => ip
            .parse()
            .with_context(|| format!("sip.media_ip {ip:?} is not an IP address"))?,
        None if addr.ip().is_unspecified() => {
            anyhow::bail!("sip.listen is {addr}: set sip.media_ip to the address peers reach")
        }
        None => addr.ip(),
    };
    Ok(earshot_recorder::server::ServerConfig {
        switch: earshot_recorder::switch::SwitchConfig {
            sip_addr: addr,
            media_ip,
            realm: config.sip.realm.clone(),
            max_calls: config.sip.max_calls,
            rate_per_second: config.sip.rate_per_second,
            rate_burst: config.sip.rate_burst,
            rtp_ports: (config.sip.rtp_port_min, config.sip.rtp_port_max),
            epoch_at_zero: 0,
            max_call_ms: config.sip.max_call_minutes * 60_000,
        },
        spool: config.spool_dir(),
        prompts_dir: config.prompts_dir(),
        max_attempts: config.indexer.max_attempts,
        recorder_name: hostname(),
        reload_every: std::time::Duration::from_secs(2),
        keypad: earshot_survey::KeypadConfig {
            answer_timeout_ms: config.sip.survey_answer_timeout_ms.max(1),
            inter_digit_ms: config.sip.survey_inter_digit_ms.max(1),
            max_attempts: config.sip.survey_tries.max(1),
        },
    })
}

async fn ensure_admin(store: &Store) -> anyhow::Result<Option<(String, String)>> {
    if store.user_count().await? > 0 {
        return Ok(None);
    }
    let password = random_secret()[..20].to_string();
    store
        .create_user("admin", "Administrator", &password, Role::Admin)
        .await?;
    store
        .audit(
            "system",
            earshot_store::audit::action::USER_CREATE,
            "user:admin",
            serde_json::json!({ "role": "admin", "first_start": true }),
        )
        .await?;
    Ok(Some(("admin".into(), password)))
}

fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "earshot".into())
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("signal handler");
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
