//! Writing a model file so that readers never see half of one: the bytes go to a temporary file
//! beside the destination, are hashed on the way, synced, and renamed into place only once
//! complete (and, for downloads, verified).

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tempfile::NamedTempFile;

use super::ModelError;

/// A file being written next to `target`.
pub(crate) struct StagedFile {
    target: PathBuf,
    out: BufWriter<NamedTempFile>,
    hasher: Sha256,
    len: u64,
}

/// A complete, synced staged file, not yet in place.
pub(crate) struct FinishedFile {
    target: PathBuf,
    tmp: NamedTempFile,
    pub len: u64,
    /// Lower-case hex SHA-256 of the contents.
    pub sha256: String,
}

impl StagedFile {
    pub fn new(target: &Path) -> Result<Self, ModelError> {
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        fs::create_dir_all(dir).map_err(ModelError::io("creating", dir))?;
        let tmp = tempfile::Builder::new()
            .prefix(".earshot-")
            .suffix(".partial")
            .tempfile_in(dir)
            .map_err(ModelError::io("creating a temporary file in", dir))?;
        Ok(StagedFile {
            target: target.to_owned(),
            out: BufWriter::with_capacity(1 << 20, tmp),
            hasher: Sha256::new(),
            len: 0,
        })
    }

    /// Flushes and syncs the data; the file is still under its temporary name.
    pub fn finish(self) -> Result<FinishedFile, ModelError> {
        let target = self.target;
        let tmp = self
            .out
            .into_inner()
            .map_err(|e| ModelError::io("writing", target.clone())(e.into_error()))?;
        tmp.as_file()
            .sync_all()
            .map_err(ModelError::io("syncing", tmp.path()))?;
        Ok(FinishedFile {
            target,
            tmp,
            len: self.len,
            sha256: hex::encode(self.hasher.finalize()),
        })
    }
}

impl Write for StagedFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.len += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

impl FinishedFile {
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Renames the file into place, replacing any file already there.
    pub fn commit(self) -> Result<PathBuf, ModelError> {
        let target = self.target;
        // Temporary files are created private (0600); a model is ordinary readable data.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(self.tmp.path(), fs::Permissions::from_mode(0o644))
                .map_err(ModelError::io("setting permissions of", self.tmp.path()))?;
        }
        self.tmp
            .persist(&target)
            .map_err(|e| ModelError::io("renaming a finished file to", target.clone())(e.error))?;
        // Make the rename itself durable where the platform allows opening a directory.
        if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(target)
    }
}
