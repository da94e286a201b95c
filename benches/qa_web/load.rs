//! The load: every user its own HTTP client (cookie store, keep-alive connection), looping
//! request after request with no think time (a closed loop: a slow server gets fewer requests,
//! not a growing queue), for a warm-up and then the measured window.
//!
//! A request counts when it starts inside the window; its latency runs from sending the request
//! to the last byte of the body. Anything but `200 OK`, and any transport error or timeout, is an
//! error; errors are counted, not timed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{ensure, Result};
use rand::rngs::StdRng;
use rand::SeedableRng;

/// How long the load runs.
#[derive(Debug, Clone, Copy)]
pub struct Window {
    pub warmup: Duration,
    pub window: Duration,
}

/// What one scenario's load recorded, per variant (a scenario's kinds of request).
#[derive(Debug, Clone, Default)]
pub struct Recorded {
    pub window: Duration,
    /// Latencies of successful requests, sorted, per variant.
    pub latencies: Vec<Vec<Duration>>,
    pub errors: Vec<u64>,
    /// Body bytes of successful requests, per variant.
    pub bytes: Vec<u64>,
    pub first_error: Option<String>,
}

/// The figures of one set of requests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    pub requests: usize,
    pub errors: u64,
    pub per_second: f64,
    pub p50: Duration,
    pub p90: Duration,
    pub p99: Duration,
    pub max: Duration,
    pub mean_bytes: u64,
}

/// The `p`th percentile (0 < p ≤ 100) of sorted values by the nearest-rank method: the
/// smallest value that at least p % of the values do not exceed.
pub fn percentile(sorted: &[Duration], p: f64) -> Option<Duration> {
    if sorted.is_empty() || !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let rank = (p / 100.0 * sorted.len() as f64).ceil() as usize;
    sorted.get(rank.clamp(1, sorted.len()) - 1).copied()
}

impl Recorded {
    /// One variant's figures, or (`None`) all variants' together.
    pub fn summary(&self, variant: Option<usize>) -> Summary {
        let picked: Vec<usize> = match variant {
            Some(v) => vec![v],
            None => (0..self.latencies.len()).collect(),
        };
        let mut all: Vec<Duration> = picked
            .iter()
            .flat_map(|&v| self.latencies[v].iter().copied())
            .collect();
        all.sort_unstable();
        let bytes: u64 = picked.iter().map(|&v| self.bytes[v]).sum();
        let at = |p| percentile(&all, p).unwrap_or_default();
        Summary {
            requests: all.len(),
            errors: picked.iter().map(|&v| self.errors[v]).sum(),
            per_second: all.len() as f64 / self.window.as_secs_f64(),
            p50: at(50.0),
            p90: at(90.0),
            p99: at(99.0),
            max: all.last().copied().unwrap_or_default(),
            mean_bytes: bytes.checked_div(all.len() as u64).unwrap_or(0),
        }
    }
}

/// Per user and request number: which variant to send, and its URL.
pub type Pick = dyn Fn(usize, u64, &mut StdRng) -> (usize, String) + Send + Sync;

/// Runs `clients.len()` users from `start` for the warm-up and the window. `variants` is the
/// number of variants `pick` chooses from.
pub async fn run(
    clients: &[reqwest::Client],
    start: Instant,
    window: Window,
    variants: usize,
    pick: Arc<Pick>,
) -> Result<Recorded> {
    let from = start + window.warmup;
    let to = from + window.window;
    let mut tasks = tokio::task::JoinSet::new();
    for (user, client) in clients.iter().enumerate() {
        let client = client.clone();
        let pick = pick.clone();
        tasks.spawn(async move {
            let mut rng = StdRng::seed_from_u64(crate::seed::SEED ^ (user as u64 + 1));
            let mut mine = Recorded {
                window: window.window,
                latencies: vec![Vec::new(); variants],
                errors: vec![0; variants],
                bytes: vec![0; variants],
                first_error: None,
            };
            let mut i = 0u64;
            loop {
                let sent = Instant::now();
                if sent >= to {
                    break;
                }
                let (variant, url) = pick(user, i, &mut rng);
                i += 1;
                let result = async {
                    let response = client.get(&url).send().await?;
                    let status = response.status();
                    let body = response.bytes().await?;
                    Ok::<_, reqwest::Error>((status, body.len()))
                }
                .await;
                let took = sent.elapsed();
                if sent < from {
                    continue;
                }
                match result {
                    Ok((status, len)) if status == reqwest::StatusCode::OK => {
                        mine.latencies[variant].push(took);
                        mine.bytes[variant] += len as u64;
                    }
                    Ok((status, _)) => {
                        mine.errors[variant] += 1;
                        mine.first_error
                            .get_or_insert_with(|| format!("GET {url}: HTTP {status}"));
                    }
                    Err(e) => {
                        mine.errors[variant] += 1;
                        mine.first_error
                            .get_or_insert_with(|| format!("GET {url}: {e}"));
                    }
                }
            }
            mine
        });
    }
    let mut all = Recorded {
        window: window.window,
        latencies: vec![Vec::new(); variants],
        errors: vec![0; variants],
        bytes: vec![0; variants],
        first_error: None,
    };
    while let Some(mine) = tasks.join_next().await {
        let mine = mine?;
        for v in 0..variants {
            all.latencies[v].extend_from_slice(&mine.latencies[v]);
            all.errors[v] += mine.errors[v];
            all.bytes[v] += mine.bytes[v];
        }
        if all.first_error.is_none() {
            all.first_error = mine.first_error;
        }
    }
    for l in &mut all.latencies {
        l.sort_unstable();
    }
    Ok(all)
}

/// A stand-in server: `/ok` answers 200 after `delay`, anything else 500, keep-alive.
async fn stand_in(listener: tokio::net::TcpListener, delay: Duration) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    loop {
        let Ok((mut sock, _)) = listener.accept().await else {
            return;
        };
        tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") else {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                    continue;
                };
                let ok = buf.starts_with(b"GET /ok ");
                buf.drain(..end + 4);
                let reply: &[u8] = if ok {
                    tokio::time::sleep(delay).await;
                    b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"
                } else {
                    b"HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n"
                };
                if sock.write_all(reply).await.is_err() {
                    return;
                }
            }
        });
    }
}

/// The percentile on known lists, and the load against a stand-in server that answers one
/// variant with 200 after 2 ms and the other with 500.
pub async fn self_check() -> Result<()> {
    let ms = Duration::from_millis;
    let hundred: Vec<Duration> = (1..=100).map(ms).collect();
    // Nearest rank of 1..=100 ms: p50 is the 50th value, p99 the 99th, p100 the last.
    ensure!(percentile(&hundred, 50.0) == Some(ms(50)));
    ensure!(percentile(&hundred, 90.0) == Some(ms(90)));
    ensure!(percentile(&hundred, 99.0) == Some(ms(99)));
    ensure!(percentile(&hundred, 100.0) == Some(ms(100)));
    let ten: Vec<Duration> = (1..=10).map(ms).collect();
    // Ten values: p50 → rank ⌈5⌉ = 5; p90 → rank 9; p99 → rank ⌈9.9⌉ = 10, the largest.
    ensure!(percentile(&ten, 50.0) == Some(ms(5)));
    ensure!(percentile(&ten, 90.0) == Some(ms(9)));
    ensure!(percentile(&ten, 99.0) == Some(ms(10)));
    ensure!(percentile(&[ms(7)], 1.0) == Some(ms(7)));
    ensure!(percentile(&[], 50.0).is_none() && percentile(&ten, 0.0).is_none());

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(stand_in(listener, ms(2)));
    let clients: Vec<reqwest::Client> = (0..4)
        .map(|_| {
            reqwest::Client::builder()
                .timeout(Duration::from_secs(5))
                .build()
        })
        .collect::<Result<_, _>>()?;
    let pick: Arc<Pick> = Arc::new(move |_user: usize, i: u64, _rng: &mut StdRng| {
        let v = (i % 2) as usize;
        (v, format!("{base}/{}", ["ok", "bad"][v]))
    });
    let window = Window {
        warmup: ms(50),
        window: ms(400),
    };
    let r = run(&clients, Instant::now(), window, 2, pick).await?;
    server.abort();
    let (ok, bad) = (r.summary(Some(0)), r.summary(Some(1)));
    ensure!(ok.requests > 10 && ok.errors == 0, "{ok:?}");
    ensure!(bad.requests == 0 && bad.errors > 10, "{bad:?}");
    ensure!(
        ok.p50 >= ms(2) && ok.max >= ok.p99 && ok.p99 >= ok.p50,
        "{ok:?}"
    );
    ensure!(ok.mean_bytes == 5, "{ok:?}");
    // Users alternate ok/bad, so the two counts differ by at most one per user.
    ensure!(
        ok.requests.abs_diff(bad.errors as usize) <= 4,
        "{ok:?} {bad:?}"
    );
    ensure!(
        r.first_error.as_deref().is_some_and(|e| e.contains("500")),
        "{:?}",
        r.first_error
    );
    let all = r.summary(None);
    ensure!(all.requests == ok.requests && all.errors == bad.errors);
    Ok(())
}
