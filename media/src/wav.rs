//! The call recording as a WAV file written while the call goes on.
//!
//! A crash must not lose the call: the file is a valid stereo 16-bit PCM
//! WAV from the start, its audio is made durable by [`IncrementalWav::sync`]
//! (the runtime calls it about once a second), and each sync also writes
//! the sizes into the header — so after a crash the file already decodes up
//! to the last sync, and [`recover`] turns whatever else reached the disk
//! into a clean file.
//!
//! Layout (44-byte header, the data chunk last):
//!
//! ```text
//! 0  "RIFF" <riff size>  "WAVE"
//! 12 "fmt " 16  PCM, 2 channels, 8000 Hz, 32000 B/s, align 4, 16 bits
//! 36 "data" <data size>  samples, interleaved caller/agent, little-endian
//! ```

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::SAMPLE_RATE;

const CHANNELS: u16 = 2;
const BYTES_PER_SAMPLE: u16 = 2;
const BLOCK_ALIGN: u16 = CHANNELS * BYTES_PER_SAMPLE;
const HEADER_LEN: u64 = 44;
/// Written in the size fields until the first sync: "unknown".
const PLACEHOLDER: u32 = u32::MAX;
/// Bytes buffered before they are written out (sync writes them anyway).
const BUFFER_LEN: usize = 64 * 1024;
/// The most audio bytes a RIFF file can describe.
const MAX_DATA: u64 = u32::MAX as u64 - (HEADER_LEN - 8);

/// A failure to write or repair a recording, naming the file.
#[derive(Debug, Error)]
pub enum WavFileError {
    /// The operating system refused.
    #[error("{}: could not {action}: {source}", path.display())]
    Io {
        /// The recording.
        path: PathBuf,
        /// What was being done, e.g. "create the file".
        action: &'static str,
        /// The OS error.
        source: io::Error,
    },
    /// `append` with half a stereo frame.
    #[error("{}: {samples} samples is not a whole number of stereo frames", path.display())]
    PartialFrame {
        /// The recording.
        path: PathBuf,
        /// The samples given.
        samples: usize,
    },
    /// Longer than a WAV file can be (about 37 hours at 8 kHz stereo).
    #[error("{}: the recording exceeds the 4 GiB WAV size limit", path.display())]
    TooLarge {
        /// The recording.
        path: PathBuf,
    },
    /// `recover` found something other than a recording of ours.
    #[error("{}: cannot recover: {reason}", path.display())]
    NotRecoverable {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
}

/// A complete recording on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalizedWav {
    /// Where it is.
    pub path: PathBuf,
    /// Stereo frames (samples per channel).
    pub frames: u64,
    /// `frames` at 8000 Hz, in whole milliseconds (rounded down).
    pub duration_ms: u64,
}

impl FinalizedWav {
    fn new(path: PathBuf, frames: u64) -> Self {
        FinalizedWav {
            path,
            frames,
            duration_ms: frames * 1000 / u64::from(SAMPLE_RATE),
        }
    }
}

/// A stereo 8 kHz 16-bit WAV file being written (see the module docs).
///
/// Dropping it without [`finalize`](Self::finalize) is what a crash does:
/// audio appended since the last [`sync`](Self::sync) may be lost; run
/// [`recover`] on the file.
#[derive(Debug)]
pub struct IncrementalWav {
    path: PathBuf,
    file: File,
    buffer: Vec<u8>,
    /// Audio bytes handed to the file (written or buffered).
    data_len: u64,
}

impl IncrementalWav {
    /// Creates (or truncates) `path` and writes the header with "unknown"
    /// sizes.
    ///
    /// # Errors
    ///
    /// When the file cannot be created or written.
    pub fn create(path: impl AsRef<Path>) -> Result<Self, WavFileError> {
        let path = path.as_ref().to_path_buf();
        let mut file = File::create(&path).map_err(io_error(&path, "create the file"))?;
        file.write_all(&header(PLACEHOLDER, PLACEHOLDER))
            .map_err(io_error(&path, "write the header"))?;
        Ok(IncrementalWav {
            path,
            file,
            buffer: Vec::with_capacity(BUFFER_LEN),
            data_len: 0,
        })
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stereo frames appended so far.
    pub fn frames(&self) -> u64 {
        self.data_len / u64::from(BLOCK_ALIGN)
    }

    /// Appends interleaved stereo samples (caller, agent, caller, …).
    ///
    /// # Errors
    ///
    /// For an odd number of samples (nothing is written), a file past the
    /// WAV size limit, or a failed write.
    pub fn append(&mut self, samples: &[i16]) -> Result<(), WavFileError> {
        if !samples.len().is_multiple_of(usize::from(CHANNELS)) {
            return Err(WavFileError::PartialFrame {
                path: self.path.clone(),
                samples: samples.len(),
            });
        }
        let bytes = 2 * samples.len() as u64;
        if self.data_len + bytes > MAX_DATA {
            return Err(WavFileError::TooLarge {
                path: self.path.clone(),
            });
        }
        for sample in samples {
            self.buffer.extend_from_slice(&sample.to_le_bytes());
        }
        self.data_len += bytes;
        if self.buffer.len() >= BUFFER_LEN {
            self.write_buffer()?;
        }
        Ok(())
    }

    /// Makes everything appended so far durable: writes it, records the
    /// sizes in the header, and `fdatasync`s.
    ///
    /// # Errors
    ///
    /// When a write or the sync fails.
    pub fn sync(&mut self) -> Result<(), WavFileError> {
        self.write_buffer()?;
        self.write_sizes()?;
        self.file
            .sync_data()
            .map_err(io_error(&self.path, "sync the file to disk"))
    }

    /// Like [`IncrementalWav::sync`], but leaves the `fdatasync` to the caller: writes what
    /// was appended and the sizes, and returns a handle on the same file to sync elsewhere
    /// (an async runtime syncs on a blocking thread rather than stalling every call).
    ///
    /// # Errors
    ///
    /// When a write fails or the file handle cannot be duplicated.
    pub fn prepare_sync(&mut self) -> Result<std::fs::File, WavFileError> {
        self.write_buffer()?;
        self.write_sizes()?;
        self.file
            .try_clone()
            .map_err(io_error(&self.path, "duplicate the file handle"))
    }

    /// Completes the file: writes the rest, the final sizes, and `fsync`s.
    ///
    /// # Errors
    ///
    /// When a write or the sync fails (the file can then still be
    /// [`recover`]ed).
    pub fn finalize(mut self) -> Result<FinalizedWav, WavFileError> {
        self.write_buffer()?;
        self.write_sizes()?;
        self.file
            .sync_all()
            .map_err(io_error(&self.path, "sync the file to disk"))?;
        let frames = self.frames();
        Ok(FinalizedWav::new(self.path, frames))
    }

    fn write_buffer(&mut self) -> Result<(), WavFileError> {
        if !self.buffer.is_empty() {
            self.file
                .write_all(&self.buffer)
                .map_err(io_error(&self.path, "write audio"))?;
            self.buffer.clear();
        }
        Ok(())
    }

    fn write_sizes(&mut self) -> Result<(), WavFileError> {
        // `append` keeps data_len within MAX_DATA, so both fit in u32.
        let data = self.data_len as u32;
        write_sizes_at(&mut self.file, data).map_err(io_error(&self.path, "update the header"))?;
        self.file
            .seek(SeekFrom::End(0))
            .map_err(io_error(&self.path, "seek to the end"))?;
        Ok(())
    }
}

/// Repairs a recording left behind by a crash: drops a trailing partial
/// frame, writes the header sizes for all the audio present, and syncs.
/// A file that is already complete is left as it is.
///
/// Only files this module wrote are accepted (the 44-byte header above); the
/// data chunk is taken to run to the end of the file.
///
/// # Errors
///
/// When the file cannot be read or written, or is not such a recording.
pub fn recover(path: impl AsRef<Path>) -> Result<FinalizedWav, WavFileError> {
    let path = path.as_ref().to_path_buf();
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(&path)
        .map_err(io_error(&path, "open the file"))?;
    let len = file
        .metadata()
        .map_err(io_error(&path, "read the file's size"))?
        .len();
    let not_ours = |reason: &str| WavFileError::NotRecoverable {
        path: path.clone(),
        reason: reason.to_owned(),
    };
    if len < HEADER_LEN {
        return Err(not_ours(&format!(
            "it is {len} bytes long, shorter than the {HEADER_LEN}-byte header"
        )));
    }
    let mut found = [0u8; HEADER_LEN as usize];
    file.read_exact(&mut found)
        .map_err(io_error(&path, "read the header"))?;
    let expected = header(0, 0);
    let same = |range: std::ops::Range<usize>| found[range.clone()] == expected[range];
    if !(same(0..4) && same(8..40)) {
        return Err(not_ours(
            "the header is not that of an 8 kHz stereo 16-bit recording written by Earshot",
        ));
    }
    let present = (len - HEADER_LEN).min(MAX_DATA);
    let data = present - present % u64::from(BLOCK_ALIGN);
    if HEADER_LEN + data != len {
        file.set_len(HEADER_LEN + data)
            .map_err(io_error(&path, "truncate to whole frames"))?;
    }
    write_sizes_at(&mut file, data as u32).map_err(io_error(&path, "update the header"))?;
    file.sync_all()
        .map_err(io_error(&path, "sync the file to disk"))?;
    let frames = data / u64::from(BLOCK_ALIGN);
    tracing::info!(path = %path.display(), frames, "recovered recording");
    Ok(FinalizedWav::new(path, frames))
}

fn header(riff_size: u32, data_size: u32) -> [u8; HEADER_LEN as usize] {
    let mut h = [0u8; HEADER_LEN as usize];
    let byte_rate = SAMPLE_RATE * u32::from(BLOCK_ALIGN);
    h[0..4].copy_from_slice(b"RIFF");
    h[4..8].copy_from_slice(&riff_size.to_le_bytes());
    h[8..12].copy_from_slice(b"WAVE");
    h[12..16].copy_from_slice(b"fmt ");
    h[16..20].copy_from_slice(&16u32.to_le_bytes());
    h[20..22].copy_from_slice(&1u16.to_le_bytes()); // PCM
    h[22..24].copy_from_slice(&CHANNELS.to_le_bytes());
    h[24..28].copy_from_slice(&SAMPLE_RATE.to_le_bytes());
    h[28..32].copy_from_slice(&byte_rate.to_le_bytes());
    h[32..34].copy_from_slice(&BLOCK_ALIGN.to_le_bytes());
    h[34..36].copy_from_slice(&(8 * BYTES_PER_SAMPLE).to_le_bytes());
    h[36..40].copy_from_slice(b"data");
    h[40..44].copy_from_slice(&data_size.to_le_bytes());
    h
}

fn write_sizes_at(file: &mut File, data: u32) -> io::Result<()> {
    let riff = data + (HEADER_LEN as u32 - 8);
    file.seek(SeekFrom::Start(4))?;
    file.write_all(&riff.to_le_bytes())?;
    file.seek(SeekFrom::Start(40))?;
    file.write_all(&data.to_le_bytes())
}

fn io_error(path: &Path, action: &'static str) -> impl FnOnce(io::Error) -> WavFileError {
    let path = path.to_path_buf();
    move |source| WavFileError::Io {
        path,
        action,
        source,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(n: usize, offset: usize) -> Vec<i16> {
        (0..n)
            .flat_map(|i| [(i + offset) as i16, -((i + offset) as i16)])
            .collect()
    }

    fn hound_read(path: &Path) -> (hound::WavSpec, Vec<i16>) {
        let mut reader = hound::WavReader::open(path).unwrap();
        let spec = reader.spec();
        let samples = reader.samples::<i16>().map(Result::unwrap).collect();
        (spec, samples)
    }

    #[test]
    fn writes_a_wav_that_hound_and_earshot_audio_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("call.wav");
        let mut wav = IncrementalWav::create(&path).unwrap();
        wav.append(&frames(8000, 0)).unwrap();
        wav.sync().unwrap();
        wav.append(&frames(4000, 8000)).unwrap();
        let done = wav.finalize().unwrap();
        assert_eq!(done.frames, 12_000);
        assert_eq!(done.duration_ms, 1500);
        assert_eq!(std::fs::metadata(&path).unwrap().len(), 44 + 12_000 * 4);

        let (spec, samples) = hound_read(&path);
        assert_eq!(
            (spec.channels, spec.sample_rate, spec.bits_per_sample),
            (2, 8000, 16)
        );
        assert_eq!(samples, frames(12_000, 0));
        let (info, audio) = earshot_audio::decode_wav(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(info.frames, 12_000);
        assert_eq!(audio.channels[1][3], -3.0 / 32768.0);
    }

    #[test]
    fn recovers_after_a_crash_with_everything_synced_intact() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("crashed.wav");
        let mut wav = IncrementalWav::create(&path).unwrap();
        wav.append(&frames(100, 0)).unwrap();
        wav.sync().unwrap();
        wav.append(&frames(900, 100)).unwrap();
        wav.sync().unwrap();
        wav.append(&frames(500, 1000)).unwrap(); // buffered: lost in the crash
        drop(wav);
        // Half a frame made it to disk as the process died.
        let mut file = OpenOptions::new().append(true).open(&path).unwrap();
        file.write_all(&[1, 2, 3]).unwrap();
        drop(file);

        let recovered = recover(&path).unwrap();
        assert_eq!(recovered.frames, 1000);
        assert_eq!(recovered.duration_ms, 125);
        let (_, samples) = hound_read(&path);
        assert_eq!(samples, frames(1000, 0));
        let (info, _) = earshot_audio::decode_wav(&std::fs::read(&path).unwrap()).unwrap();
        assert_eq!(info.frames, 1000);
        // Recovering again changes nothing.
        assert_eq!(recover(&path).unwrap(), recovered);
    }

    #[test]
    fn recovers_a_file_that_never_synced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("raw.wav");
        let mut bytes = header(PLACEHOLDER, PLACEHOLDER).to_vec();
        for s in frames(10, 0) {
            bytes.extend_from_slice(&s.to_le_bytes());
        }
        std::fs::write(&path, &bytes).unwrap();
        assert!(
            earshot_audio::decode_wav(&bytes).is_err(),
            "unfinalized before recovery"
        );
        assert_eq!(recover(&path).unwrap().frames, 10);
        assert_eq!(hound_read(&path).1, frames(10, 0));
    }

    #[test]
    fn errors_name_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope/call.wav");
        let err = IncrementalWav::create(&missing).unwrap_err();
        assert!(err.to_string().contains("nope/call.wav"), "{err}");
        let err = recover(&missing).unwrap_err();
        assert!(err.to_string().contains("nope/call.wav"), "{err}");

        let other = dir.path().join("other.wav");
        std::fs::write(&other, b"RIFF\0\0\0\0WAVEjunkjunkjunkjunkjunkjunkjunkjunk").unwrap();
        assert!(matches!(
            recover(&other),
            Err(WavFileError::NotRecoverable { .. })
        ));
        std::fs::write(&other, b"RIFF").unwrap();
        assert!(matches!(
            recover(&other),
            Err(WavFileError::NotRecoverable { .. })
        ));

        let mut wav = IncrementalWav::create(dir.path().join("odd.wav")).unwrap();
        assert!(matches!(
            wav.append(&[1, 2, 3]),
            Err(WavFileError::PartialFrame { .. })
        ));
        assert_eq!(wav.frames(), 0);
    }
}
