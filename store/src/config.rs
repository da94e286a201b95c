//! Configuration: every value has a working default; `earshot.toml` and `EARSHOT_*`
//! environment variables override it (environment last).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{StoreError, StoreResult};

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Where the embedded default keeps its database, objects, index and models.
    pub data_dir: PathBuf,
    /// `sqlite://…` (default: a file in `data_dir`) or `postgres://…`.
    pub database_url: Option<String>,
    /// `file:///…` (default: `data_dir/objects`) or `s3://bucket/prefix` (AWS_* variables apply).
    pub object_store_url: Option<String>,
    /// The tantivy index directory (default `data_dir/index`); always rebuildable from the store.
    pub index_dir: Option<PathBuf>,
    /// Whisper ggml models (default `data_dir/models`).
    pub models_dir: Option<PathBuf>,
    /// Local time of the contact center, as minutes east of UTC (Taiwan: +480).
    pub utc_offset_minutes: i32,
    pub web: WebConfig,
    pub sip: SipConfig,
    pub indexer: IndexerConfig,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WebConfig {
    pub listen: String,
    /// The address users reach the app at (for links); defaults to `http://{listen}`.
    pub public_url: Option<String>,
    /// Set the `Secure` flag on cookies; turn on behind HTTPS.
    pub secure_cookies: bool,
    pub session_hours: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SipConfig {
    /// UDP address the recorder listens on; empty disables it.
    pub listen: String,
    /// Digest authentication realm of agents' softphones. Agents' stored credentials are
    /// `md5(username:realm:password)`, so changing the realm invalidates every agent password.
    pub realm: String,
    /// Also accept SIP over TCP on the same address.
    pub tcp: bool,
    /// Address put in SDP and bound for RTP (default: the listen address's IP).
    pub media_ip: Option<String>,
    /// RTP ports, two per call (even ports; RTCP is not relayed).
    pub rtp_port_min: u16,
    pub rtp_port_max: u16,
    /// Concurrent calls over all trunks; more are refused with 503.
    pub max_calls: usize,
    /// SIP requests per second per source address (and the burst allowed); more are dropped.
    pub rate_per_second: u32,
    pub rate_burst: u32,
    /// A call still up after this long is ended (a lost BYE must not hold ports forever).
    pub max_call_minutes: u64,
    /// Post-call keypad survey: how long to wait for an answer once a question has been asked,
    /// for the next key of a two-key answer (NPS `1` `0`), and tries per question (timeouts and
    /// invalid keys together) before it is left unanswered.
    pub survey_answer_timeout_ms: u64,
    pub survey_inter_digit_ms: u64,
    pub survey_tries: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct IndexerConfig {
    /// Run the transcription worker inside `earshot up`.
    pub enabled: bool,
    /// Concurrent transcription jobs.
    pub workers: usize,
    /// whisper.cpp threads per job.
    pub threads: usize,
    /// Model for calls in any language (multilingual).
    pub model: String,
    /// Model preferred for calls known to be English, when present (faster).
    pub english_model: Option<String>,
    /// Language of calls that do not say theirs: `zh`, `en`, or `auto`.
    pub default_language: String,
    /// Skip silence before Whisper (large CPU saving on calls with pauses).
    pub skip_silence: bool,
    pub max_attempts: i64,
    pub lease_seconds: i64,
    pub poll_millis: u64,
    /// Mask card numbers and national IDs in stored transcripts.
    pub redact: bool,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: default_data_dir(),
            database_url: None,
            object_store_url: None,
            index_dir: None,
            models_dir: None,
            utc_offset_minutes: 480,
            web: WebConfig::default(),
            sip: SipConfig::default(),
            indexer: IndexerConfig::default(),
        }
    }
}

impl Default for WebConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            secure_cookies: false,
            session_hours: 12,
        }
    }
}

impl Default for SipConfig {
    fn default() -> Self {
        Self {
            listen: "127.0.0.1:5060".into(),
            realm: "earshot".into(),
            tcp: true,
            media_ip: None,
            rtp_port_min: 20_000,
            rtp_port_max: 29_999,
            max_calls: 1_000,
            rate_per_second: 100,
            rate_burst: 200,
            max_call_minutes: 240,
            survey_answer_timeout_ms: 5_000,
            survey_inter_digit_ms: 2_000,
            survey_tries: 3,
        }
    }
}

impl Default for IndexerConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            workers: 1,
            threads: std::thread::available_parallelism()
                .map(|n| n.get())
                .unwrap_or(2)
                .min(4),
            model: "base".into(),
            english_model: Some("tiny.en".into()),
            default_language: "zh".into(),
            skip_silence: true,
            max_attempts: 5,
            lease_seconds: 600,
            poll_millis: 500,
            redact: true,
        }
    }
}

fn default_data_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("XDG_DATA_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir).join("earshot");
    }
    if let Some(home) = std::env::var_os("HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(home).join(".local/share/earshot");
    }
    PathBuf::from("earshot-data")
}

impl Config {
    /// Defaults, then the TOML file (if given, or `./earshot.toml` if present), then `EARSHOT_*`.
    pub fn load(file: Option<&Path>) -> StoreResult<Self> {
        let implicit = Path::new("earshot.toml");
        let path = match file {
            Some(p) => Some(p.to_path_buf()),
            None if implicit.exists() => Some(implicit.to_path_buf()),
            None => None,
        };
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    StoreError::Invalid(format!("cannot read {}: {e}", path.display()))
                })?;
                toml::from_str(&text).map_err(|e| {
                    StoreError::Invalid(format!("invalid configuration {}: {e}", path.display()))
                })?
            }
            None => Config::default(),
        };
        config.apply_env(|k| std::env::var(k).ok())?;
        Ok(config)
    }

    /// Apply `EARSHOT_*` overrides from a lookup function (the environment, or a map in tests).
    pub fn apply_env(&mut self, get: impl Fn(&str) -> Option<String>) -> StoreResult<()> {
        fn parse<T: std::str::FromStr>(key: &str, v: String) -> StoreResult<T> {
            v.parse()
                .map_err(|_| StoreError::Invalid(format!("{key}={v:?} is not a valid value")))
        }
        if let Some(v) = get("EARSHOT_DATA_DIR") {
            self.data_dir = v.into();
        }
        if let Some(v) = get("EARSHOT_DATABASE_URL") {
            self.database_url = Some(v);
        }
        if let Some(v) = get("EARSHOT_OBJECT_STORE_URL") {
            self.object_store_url = Some(v);
        }
        if let Some(v) = get("EARSHOT_INDEX_DIR") {
            self.index_dir = Some(v.into());
        }
        if let Some(v) = get("EARSHOT_MODELS_DIR") {
            self.models_dir = Some(v.into());
        }
        if let Some(v) = get("EARSHOT_UTC_OFFSET_MINUTES") {
            self.utc_offset_minutes = parse("EARSHOT_UTC_OFFSET_MINUTES", v)?;
        }
        if let Some(v) = get("EARSHOT_WEB_LISTEN") {
            self.web.listen = v;
        }
        if let Some(v) = get("EARSHOT_PUBLIC_URL") {
            self.web.public_url = Some(v);
        }
        if let Some(v) = get("EARSHOT_SIP_LISTEN") {
            self.sip.listen = v;
        }
        if let Some(v) = get("EARSHOT_SIP_MEDIA_IP") {
            self.sip.media_ip = Some(v);
        }
        if let Some(v) = get("EARSHOT_SIP_RTP_PORTS") {
            match v
                .split_once('-')
                .map(|(a, b)| (a.trim().parse(), b.trim().parse()))
            {
                Some((Ok(lo), Ok(hi))) if lo < hi => {
                    self.sip.rtp_port_min = lo;
                    self.sip.rtp_port_max = hi;
                }
                _ => {
                    return Err(StoreError::Invalid(format!(
                        "EARSHOT_SIP_RTP_PORTS={v:?}: expected LOW-HIGH, e.g. 20000-29999"
                    )))
                }
            }
        }
        if let Some(v) = get("EARSHOT_SIP_MAX_CALLS") {
            self.sip.max_calls = parse("EARSHOT_SIP_MAX_CALLS", v)?;
        }
        if let Some(v) = get("EARSHOT_SIP_RATE_PER_SECOND") {
            self.sip.rate_per_second = parse("EARSHOT_SIP_RATE_PER_SECOND", v)?;
        }
        if let Some(v) = get("EARSHOT_SIP_REALM") {
            self.sip.realm = v;
        }
        if let Some(v) = get("EARSHOT_MODEL") {
            self.indexer.model = v;
        }
        if let Some(v) = get("EARSHOT_ENGLISH_MODEL") {
            self.indexer.english_model = Some(v).filter(|m| !m.is_empty());
        }
        if let Some(v) = get("EARSHOT_LANGUAGE") {
            self.indexer.default_language = v;
        }
        if let Some(v) = get("EARSHOT_INDEXER_THREADS") {
            self.indexer.threads = parse("EARSHOT_INDEXER_THREADS", v)?;
        }
        if let Some(v) = get("EARSHOT_INDEXER_WORKERS") {
            self.indexer.workers = parse("EARSHOT_INDEXER_WORKERS", v)?;
        }
        Ok(())
    }

    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| {
            format!(
                "sqlite://{}?mode=rwc",
                self.data_dir.join("earshot.db").display()
            )
        })
    }

    pub fn object_store_url(&self) -> String {
        self.object_store_url
            .clone()
            .unwrap_or_else(|| format!("file://{}", self.objects_dir().display()))
    }

    fn objects_dir(&self) -> PathBuf {
        absolute(&self.data_dir.join("objects"))
    }

    pub fn index_dir(&self) -> PathBuf {
        self.index_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("index"))
    }

    pub fn models_dir(&self) -> PathBuf {
        self.models_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("models"))
    }

    /// Recordings of calls in progress (and any a crash left behind, recovered at start).
    pub fn spool_dir(&self) -> PathBuf {
        self.data_dir.join("spool")
    }

    /// IVR prompts: `<prompts_dir>/<language>/<name>.wav`.
    pub fn prompts_dir(&self) -> PathBuf {
        self.data_dir.join("prompts")
    }

    pub fn public_url(&self) -> String {
        self.web
            .public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.web.listen))
    }
}

fn absolute(path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_path_buf()
    } else {
        std::env::current_dir()
            .map(|d| d.join(path))
            .unwrap_or_else(|_| path.to_path_buf())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    #[test]
    fn defaults_point_into_the_data_dir() {
        let c = Config {
            data_dir: "/srv/earshot".into(),
            ..Config::default()
        };
        assert_eq!(
            c.database_url(),
            "sqlite:///srv/earshot/earshot.db?mode=rwc"
        );
        assert_eq!(c.object_store_url(), "file:///srv/earshot/objects");
        assert_eq!(c.index_dir(), PathBuf::from("/srv/earshot/index"));
    }

    #[test]
    fn environment_overrides_and_rejects_garbage() {
        let env: HashMap<&str, &str> = [
            ("EARSHOT_DATABASE_URL", "postgres://u@localhost/e"),
            ("EARSHOT_INDEXER_THREADS", "3"),
        ]
        .into();
        let mut c = Config::default();
        c.apply_env(|k| env.get(k).map(|v| v.to_string())).unwrap();
        assert_eq!(c.database_url(), "postgres://u@localhost/e");
        assert_eq!(c.indexer.threads, 3);

        let err = c
            .apply_env(|k| (k == "EARSHOT_INDEXER_THREADS").then(|| "many".to_string()))
            .unwrap_err();
        assert!(err.to_string().contains("EARSHOT_INDEXER_THREADS"), "{err}");
    }

    #[test]
    fn toml_with_unknown_key_is_an_error() {
        let err = toml::from_str::<Config>("databse_url = 'x'").unwrap_err();
        assert!(err.to_string().contains("databse_url"));
    }
}
