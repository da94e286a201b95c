//! The peer: nginx serving the evaluation page's HTML (fetched once from Earshot) as a static
//! file on loopback, two workers, no access log. The same load against it shows what a page
//! server reaches on this machine, with this load generator, without any database work.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};

use crate::server::{free_port, terminate, wait_ok};

/// The file the page is served as.
pub const PAGE: &str = "evaluation.html";

/// `QA_BENCH_NGINX`, else Debian's `/usr/sbin/nginx`.
pub fn binary() -> PathBuf {
    std::env::var_os("QA_BENCH_NGINX")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/sbin/nginx"))
}

/// A minimal configuration: everything under `dir`, one loopback port, the page as HTML.
/// As root, nginx would run its workers as `nobody`, who cannot enter a private temporary
/// directory: then the workers stay root (loopback only, for the length of the benchmark).
pub fn config(dir: &Path, port: u16, as_root: bool) -> String {
    let d = dir.display();
    format!(
        "{user}worker_processes 2;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
    types {{ text/html html; }}
    default_type text/html;
    charset utf-8;
    sendfile on;
    keepalive_requests 1000000;
    keepalive_timeout 120s;
    server {{
        listen 127.0.0.1:{port};
        root {d}/html;
        location / {{ }}
    }}
}}
",
        user = if as_root { "user root;\n" } else { "" },
    )
}

pub struct Nginx {
    child: Child,
    dir: PathBuf,
    pub url: String,
}

impl Nginx {
    /// nginx on a free port serving `page` as `/evaluation.html`; returns once it answers.
    pub async fn start(dir: &Path, page: &[u8]) -> Result<Nginx> {
        let nginx = binary();
        if !nginx.exists() {
            bail!("{} not found", nginx.display());
        }
        std::fs::create_dir_all(dir.join("html"))?;
        std::fs::create_dir_all(dir.join("tmp"))?;
        std::fs::write(dir.join("html").join(PAGE), page)?;
        let port = free_port()?;
        // SAFETY: geteuid has no preconditions.
        let as_root = unsafe { libc::geteuid() } == 0;
        let conf = dir.join("nginx.conf");
        std::fs::write(&conf, config(dir, port, as_root))?;
        let child = Command::new(&nginx)
            .arg("-p")
            .arg(dir)
            .arg("-c")
            .arg(&conf)
            .arg("-e")
            .arg(dir.join("error.log"))
            .args(["-g", "daemon off;"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(dir.join("stderr.log"))?)
            .spawn()
            .with_context(|| format!("starting {}", nginx.display()))?;
        let mut me = Nginx {
            child,
            dir: dir.to_path_buf(),
            url: format!("http://127.0.0.1:{port}/{PAGE}"),
        };
        let (child, dir) = (&mut me.child, &me.dir);
        let url = me.url.clone();
        wait_ok(&url, Duration::from_secs(20), || {
            match child.try_wait()? {
                Some(status) => bail!(
                    "nginx exited ({status}): {}{}",
                    std::fs::read_to_string(dir.join("stderr.log")).unwrap_or_default(),
                    std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
                ),
                None => Ok(()),
            }
        })
        .await?;
        Ok(me)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn stop(mut self) -> Result<()> {
        terminate(&mut self.child)
    }
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = terminate(&mut self.child);
    }
}

pub fn self_check() -> Result<()> {
    let c = config(Path::new("/tmp/x"), 8123, false);
    ensure!(c.starts_with("worker_processes 2;"), "{c}");
    for want in [
        "access_log off;",
        "listen 127.0.0.1:8123;",
        "root /tmp/x/html;",
        "pid /tmp/x/nginx.pid;",
    ] {
        ensure!(c.contains(want), "no {want:?} in\n{c}");
    }
    ensure!(config(Path::new("/tmp/x"), 1, true).starts_with("user root;\n"));
    Ok(())
}
