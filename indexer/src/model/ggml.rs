//! The whisper.cpp ggml model file format: header, hyperparameters, mel filters, vocabulary,
//! then named tensors. All integers are little-endian `i32`.
//!
//! Only framing lives here; which tensors a Whisper model has is [`super::layout`]'s job.

use std::io::{self, Read, Write};

use super::mel::MelFilterbank;

/// `"ggml"` read as a little-endian `u32`; the first four bytes of every model file.
pub const MAGIC: u32 = 0x6767_6d6c;

/// `ftype` of a model whose matrices are stored as f16 (what the official files use).
pub const FTYPE_F16: i32 = 1;

/// The hyperparameters that follow the magic, in file order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hparams {
    pub n_vocab: u32,
    pub n_audio_ctx: u32,
    pub n_audio_state: u32,
    pub n_audio_head: u32,
    pub n_audio_layer: u32,
    pub n_text_ctx: u32,
    pub n_text_state: u32,
    pub n_text_head: u32,
    pub n_text_layer: u32,
    pub n_mels: u32,
    pub ftype: i32,
}

impl Hparams {
    /// Multilingual checkpoints have one more token (`<|startoftranscript|>` moves up by one)
    /// than the English-only ones (51864).
    pub fn is_multilingual(&self) -> bool {
        self.n_vocab >= 51_865
    }

    fn to_words(self) -> [i32; 11] {
        let as_i32 = |v: u32| i32::try_from(v).unwrap_or(i32::MAX);
        [
            as_i32(self.n_vocab),
            as_i32(self.n_audio_ctx),
            as_i32(self.n_audio_state),
            as_i32(self.n_audio_head),
            as_i32(self.n_audio_layer),
            as_i32(self.n_text_ctx),
            as_i32(self.n_text_state),
            as_i32(self.n_text_head),
            as_i32(self.n_text_layer),
            as_i32(self.n_mels),
            self.ftype,
        ]
    }
}

/// ggml tensor element types that whisper.cpp model files use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GgmlType {
    F32,
    F16,
    Q4_0,
    Q4_1,
    Q5_0,
    Q5_1,
    Q8_0,
    Q2K,
    Q3K,
    Q4K,
    Q5K,
    Q6K,
}

impl GgmlType {
    pub fn from_id(id: i32) -> Option<Self> {
        Some(match id {
            0 => GgmlType::F32,
            1 => GgmlType::F16,
            2 => GgmlType::Q4_0,
            3 => GgmlType::Q4_1,
            6 => GgmlType::Q5_0,
            7 => GgmlType::Q5_1,
            8 => GgmlType::Q8_0,
            10 => GgmlType::Q2K,
            11 => GgmlType::Q3K,
            12 => GgmlType::Q4K,
            13 => GgmlType::Q5K,
            14 => GgmlType::Q6K,
            _ => return None,
        })
    }

    pub fn id(self) -> i32 {
        match self {
            GgmlType::F32 => 0,
            GgmlType::F16 => 1,
            GgmlType::Q4_0 => 2,
            GgmlType::Q4_1 => 3,
            GgmlType::Q5_0 => 6,
            GgmlType::Q5_1 => 7,
            GgmlType::Q8_0 => 8,
            GgmlType::Q2K => 10,
            GgmlType::Q3K => 11,
            GgmlType::Q4K => 12,
            GgmlType::Q5K => 13,
            GgmlType::Q6K => 14,
        }
    }

    /// Bytes of data for `n` elements, or `None` if `n` does not fill whole quantization blocks.
    pub fn data_size(self, n: u64) -> Option<u64> {
        let (block, block_bytes) = match self {
            GgmlType::F32 => (1, 4),
            GgmlType::F16 => (1, 2),
            GgmlType::Q4_0 => (32, 18),
            GgmlType::Q4_1 => (32, 20),
            GgmlType::Q5_0 => (32, 22),
            GgmlType::Q5_1 => (32, 24),
            GgmlType::Q8_0 => (32, 34),
            GgmlType::Q2K => (256, 84),
            GgmlType::Q3K => (256, 110),
            GgmlType::Q4K => (256, 144),
            GgmlType::Q5K => (256, 176),
            GgmlType::Q6K => (256, 210),
        };
        n.is_multiple_of(block).then(|| n / block * block_bytes)
    }
}

/// Writes ggml framing to any byte sink.
pub struct GgmlWriter<W: Write> {
    out: W,
}

impl<W: Write> GgmlWriter<W> {
    pub fn new(out: W) -> Self {
        GgmlWriter { out }
    }

    pub fn into_inner(self) -> W {
        self.out
    }

    pub fn write_header(&mut self, hparams: &Hparams) -> io::Result<()> {
        self.i32(MAGIC as i32)?;
        hparams.to_words().iter().try_for_each(|&w| self.i32(w))
    }

    pub fn write_mel_filters(&mut self, mel: &MelFilterbank) -> io::Result<()> {
        self.i32(len_i32(mel.n_mels)?)?;
        self.i32(len_i32(mel.n_bins)?)?;
        for w in &mel.weights {
            self.out.write_all(&w.to_le_bytes())?;
        }
        Ok(())
    }

    pub fn write_vocabulary(&mut self, tokens: &[Vec<u8>]) -> io::Result<()> {
        self.i32(len_i32(tokens.len())?)?;
        for token in tokens {
            self.i32(len_i32(token.len())?)?;
            self.out.write_all(token)?;
        }
        Ok(())
    }

    /// Writes a tensor's header; its data (`shape`'s element count of `ty`) must follow.
    /// `shape` is in row-major (PyTorch) order; ggml stores it innermost first.
    pub fn write_tensor_header(
        &mut self,
        name: &str,
        shape: &[usize],
        ty: GgmlType,
    ) -> io::Result<()> {
        self.i32(len_i32(shape.len())?)?;
        self.i32(len_i32(name.len())?)?;
        self.i32(ty.id())?;
        for &dim in shape.iter().rev() {
            self.i32(len_i32(dim)?)?;
        }
        self.out.write_all(name.as_bytes())
    }

    pub fn write_data(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)
    }

    fn i32(&mut self, v: i32) -> io::Result<()> {
        self.out.write_all(&v.to_le_bytes())
    }
}

fn len_i32(n: usize) -> io::Result<i32> {
    i32::try_from(n).map_err(|_| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{n} does not fit a ggml i32"),
        )
    })
}

/// A tensor header as read back from a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorHeader {
    pub name: String,
    /// Row-major (PyTorch) order, i.e. the reverse of the file's order.
    pub shape: Vec<usize>,
    pub ty: GgmlType,
}

/// Why a ggml stream could not be read; the caller adds the file name.
#[derive(Debug)]
pub enum ReadError {
    Io(io::Error),
    Format(String),
}

impl From<io::Error> for ReadError {
    fn from(e: io::Error) -> Self {
        ReadError::Io(e)
    }
}

fn read_i32(r: &mut impl Read) -> io::Result<i32> {
    let mut b = [0u8; 4];
    r.read_exact(&mut b)?;
    Ok(i32::from_le_bytes(b))
}

fn read_count(r: &mut impl Read, what: &str) -> Result<u32, ReadError> {
    let v = read_i32(r)?;
    u32::try_from(v).map_err(|_| ReadError::Format(format!("{what} is negative ({v})")))
}

/// Reads the magic and the hyperparameters.
pub fn read_header(r: &mut impl Read) -> Result<Hparams, ReadError> {
    let magic = read_i32(r)? as u32;
    if magic != MAGIC {
        return Err(ReadError::Format(format!(
            "bad magic 0x{magic:08x} (expected 0x{MAGIC:08x}, \"ggml\")"
        )));
    }
    Ok(Hparams {
        n_vocab: read_count(r, "n_vocab")?,
        n_audio_ctx: read_count(r, "n_audio_ctx")?,
        n_audio_state: read_count(r, "n_audio_state")?,
        n_audio_head: read_count(r, "n_audio_head")?,
        n_audio_layer: read_count(r, "n_audio_layer")?,
        n_text_ctx: read_count(r, "n_text_ctx")?,
        n_text_state: read_count(r, "n_text_state")?,
        n_text_head: read_count(r, "n_text_head")?,
        n_text_layer: read_count(r, "n_text_layer")?,
        n_mels: read_count(r, "n_mels")?,
        ftype: read_i32(r)?,
    })
}

/// Reads the mel filter section's dimensions, `(n_mel, n_fft)`; `n_mel × n_fft` f32 follow.
pub fn read_mel_dims(r: &mut impl Read) -> Result<(u32, u32), ReadError> {
    Ok((
        read_count(r, "mel filter count")?,
        read_count(r, "mel filter width")?,
    ))
}

/// Reads one vocabulary entry's length (the bytes follow).
pub fn read_len(r: &mut impl Read, what: &str) -> Result<u32, ReadError> {
    read_count(r, what)
}

/// Reads a tensor header; `Ok(None)` at a clean end of file.
pub fn read_tensor_header(r: &mut impl Read) -> Result<Option<TensorHeader>, ReadError> {
    let mut first = [0u8; 4];
    let mut filled = 0;
    while filled < 4 {
        match r.read(&mut first[filled..])? {
            0 if filled == 0 => return Ok(None),
            0 => return Err(io::Error::from(io::ErrorKind::UnexpectedEof).into()),
            n => filled += n,
        }
    }
    let n_dims = i32::from_le_bytes(first);
    if !(1..=4).contains(&n_dims) {
        return Err(ReadError::Format(format!(
            "tensor with {n_dims} dimensions"
        )));
    }
    let name_len = read_count(r, "tensor name length")?;
    if name_len > 256 {
        return Err(ReadError::Format(format!(
            "tensor name of {name_len} bytes"
        )));
    }
    let type_id = read_i32(r)?;
    let ty = GgmlType::from_id(type_id)
        .ok_or_else(|| ReadError::Format(format!("unknown tensor type {type_id}")))?;
    let mut shape = Vec::with_capacity(n_dims as usize);
    for _ in 0..n_dims {
        shape.push(read_count(r, "tensor dimension")? as usize);
    }
    shape.reverse();
    let mut name = vec![0u8; name_len as usize];
    r.read_exact(&mut name)?;
    let name = String::from_utf8(name)
        .map_err(|_| ReadError::Format("tensor name is not UTF-8".into()))?;
    Ok(Some(TensorHeader { name, shape, ty }))
}
