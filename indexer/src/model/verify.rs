//! Checks a ggml model file before whisper.cpp is handed it: whisper.cpp aborts or misbehaves on
//! a truncated or mismatched file, and its messages do not say what to do about it.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufReader, Read, Seek};
use std::path::Path;

use sha2::{Digest, Sha256};

use super::catalog::ModelName;
use super::ggml::{self, GgmlType, Hparams, ReadError, FTYPE_F16};
use super::layout::whisper_tensors;
use super::vocab::N_TEXT_TOKENS;
use super::ModelError;

/// What [`check_ggml`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GgmlInfo {
    pub hparams: Hparams,
    pub n_vocab: u32,
    pub n_audio_layer: u32,
    pub n_text_layer: u32,
    pub multilingual: bool,
    pub n_tensors: usize,
    pub file_size: u64,
    /// The known model these hyperparameters belong to, if any.
    pub model: Option<ModelName>,
}

/// Reads the whole structure of a ggml Whisper model (header, mel filters, vocabulary, every
/// tensor header) and checks it against its own hyperparameters; for an f16 file of a known
/// model, also its size. The tensor data itself is not read.
pub fn check_ggml(path: &Path) -> Result<GgmlInfo, ModelError> {
    if !path.is_file() {
        return Err(ModelError::ModelMissing {
            path: path.to_owned(),
        });
    }
    let file = File::open(path).map_err(ModelError::io("opening", path))?;
    let file_size = file
        .metadata()
        .map_err(ModelError::io("reading", path))?
        .len();
    let mut r = BufReader::new(file);
    let (hparams, n_tensors) = read_structure(&mut r, file_size).map_err(|e| match e {
        ReadError::Io(e) if e.kind() == io::ErrorKind::UnexpectedEof => ModelError::NotGgml {
            path: path.to_owned(),
            reason: "the file is truncated".into(),
        },
        ReadError::Io(source) => ModelError::Io {
            action: "reading",
            path: path.to_owned(),
            source,
        },
        ReadError::Format(reason) => ModelError::NotGgml {
            path: path.to_owned(),
            reason,
        },
    })?;

    let model = guess_model(&hparams);
    if let Some(name) = model.filter(|_| hparams.ftype == FTYPE_F16) {
        if file_size != name.ggml_size() {
            return Err(ModelError::SizeMismatch {
                path: path.to_owned(),
                expected: name.ggml_size(),
                actual: file_size,
            });
        }
    }
    Ok(GgmlInfo {
        hparams,
        n_vocab: hparams.n_vocab,
        n_audio_layer: hparams.n_audio_layer,
        n_text_layer: hparams.n_text_layer,
        multilingual: hparams.is_multilingual(),
        n_tensors,
        file_size,
        model,
    })
}

/// Checks that `path` is exactly one of the pinned files of `name` (size, then SHA-256);
/// returns its SHA-256.
pub fn verify_pinned(path: &Path, name: ModelName) -> Result<String, ModelError> {
    if !path.is_file() {
        return Err(ModelError::ModelMissing {
            path: path.to_owned(),
        });
    }
    let size = path
        .metadata()
        .map_err(ModelError::io("reading", path))?
        .len();
    if size != name.ggml_size() {
        return Err(ModelError::SizeMismatch {
            path: path.to_owned(),
            expected: name.ggml_size(),
            actual: size,
        });
    }
    let sha256 = sha256_file(path)?;
    if !name.accepted_sha256().any(|h| h == sha256) {
        return Err(ModelError::HashMismatch {
            path: path.to_owned(),
            expected: name.accepted_sha256().collect::<Vec<_>>().join(" or "),
            actual: sha256,
        });
    }
    Ok(sha256)
}

/// Lower-case hex SHA-256 of a file's contents.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let mut file = File::open(path).map_err(ModelError::io("opening", path))?;
    let mut hasher = Sha256::new();
    io::copy(&mut file, &mut hasher).map_err(ModelError::io("reading", path))?;
    Ok(hex::encode(hasher.finalize()))
}

/// The known model with these dimensions.
pub fn guess_model(h: &Hparams) -> Option<ModelName> {
    match (
        h.n_audio_state,
        h.n_audio_layer,
        h.n_text_layer,
        h.is_multilingual(),
    ) {
        (384, 4, 4, false) => Some(ModelName::TinyEn),
        (512, 6, 6, true) => Some(ModelName::Base),
        _ => None,
    }
}

fn format_err(reason: String) -> ReadError {
    ReadError::Format(reason)
}

/// Walks the file; returns the hyperparameters and the tensor count.
fn read_structure<R: Read + Seek>(
    r: &mut R,
    file_size: u64,
) -> Result<(Hparams, usize), ReadError> {
    let h = ggml::read_header(r)?;
    check_hparams(&h).map_err(format_err)?;

    let (n_mel, n_fft) = ggml::read_mel_dims(r)?;
    if n_mel != h.n_mels || n_fft != 201 {
        return Err(format_err(format!(
            "mel filters are {n_mel} × {n_fft}, expected {} × 201",
            h.n_mels
        )));
    }
    skip(
        r,
        u64::from(n_mel) * u64::from(n_fft) * 4,
        file_size,
        "the mel filters",
    )?;

    let n_tokens = ggml::read_len(r, "vocabulary size")?;
    if n_tokens > h.n_vocab {
        return Err(format_err(format!(
            "the vocabulary lists {n_tokens} tokens, more than n_vocab ({})",
            h.n_vocab
        )));
    }
    for i in 0..n_tokens {
        let len = ggml::read_len(r, "token length")?;
        if len > 1024 {
            return Err(format_err(format!("token {i} is {len} bytes long")));
        }
        skip(r, u64::from(len), file_size, "the vocabulary")?;
    }

    let mut expected: HashMap<String, _> = whisper_tensors(&h)
        .into_iter()
        .map(|t| (t.name.clone(), t))
        .collect();
    let n_expected = expected.len();
    while let Some(t) = ggml::read_tensor_header(r)? {
        let spec = expected
            .remove(&t.name)
            .ok_or_else(|| format_err(format!("unexpected or repeated tensor `{}`", t.name)))?;
        if t.shape != spec.shape {
            return Err(format_err(format!(
                "tensor `{}` has shape {:?}, but the hyperparameters call for {:?}",
                t.name, t.shape, spec.shape
            )));
        }
        // An f16 or f32 file stores each tensor exactly as the layout says; quantized files
        // quantize the matrices, so only their sizes can be checked.
        let type_ok = match h.ftype % 1000 {
            0 => t.ty == GgmlType::F32,
            FTYPE_F16 => t.ty == spec.ty,
            _ => spec.ty != GgmlType::F32 || t.ty == GgmlType::F32,
        };
        if !type_ok {
            return Err(format_err(format!(
                "tensor `{}` is stored as {:?}, which ftype {} does not allow",
                t.name, t.ty, h.ftype
            )));
        }
        let n: u64 = t.shape.iter().map(|&d| d as u64).product();
        let bytes = t.ty.data_size(n).ok_or_else(|| {
            format_err(format!(
                "tensor `{}` has {n} elements, not whole {:?} blocks",
                t.name, t.ty
            ))
        })?;
        skip(r, bytes, file_size, &format!("tensor `{}`", t.name))?;
    }
    if let Some(missing) = expected.keys().min() {
        return Err(format_err(format!(
            "{} of {n_expected} tensors are missing, e.g. `{missing}`",
            expected.len()
        )));
    }
    Ok((h, n_expected))
}

fn check_hparams(h: &Hparams) -> Result<(), String> {
    let positive = [
        ("n_audio_ctx", h.n_audio_ctx),
        ("n_audio_state", h.n_audio_state),
        ("n_audio_head", h.n_audio_head),
        ("n_audio_layer", h.n_audio_layer),
        ("n_text_ctx", h.n_text_ctx),
        ("n_text_state", h.n_text_state),
        ("n_text_head", h.n_text_head),
        ("n_text_layer", h.n_text_layer),
    ];
    if let Some((name, _)) = positive.iter().find(|(_, v)| *v == 0 || *v > 1 << 16) {
        return Err(format!("hyperparameter {name} is out of range: {h:?}"));
    }
    if !(N_TEXT_TOKENS as u32..=1 << 20).contains(&h.n_vocab) {
        return Err(format!(
            "n_vocab {} is not a Whisper vocabulary size",
            h.n_vocab
        ));
    }
    if ![80, 128].contains(&h.n_mels) {
        return Err(format!(
            "n_mels is {}; Whisper models use 80 or 128",
            h.n_mels
        ));
    }
    if !h.n_audio_state.is_multiple_of(h.n_audio_head)
        || !h.n_text_state.is_multiple_of(h.n_text_head)
    {
        return Err(format!(
            "the state width is not a multiple of the head count: {h:?}"
        ));
    }
    // ggml_ftype: all f32, mostly f16, then the quantizations whisper.cpp's `quantize` makes.
    if !matches!(h.ftype % 1000, 0..=4 | 7..=14) {
        return Err(format!("unknown ftype {}", h.ftype));
    }
    Ok(())
}

fn skip<R: Read + Seek>(r: &mut R, n: u64, file_size: u64, what: &str) -> Result<(), ReadError> {
    let pos = r.stream_position()?;
    if pos + n > file_size {
        return Err(format_err(format!("the file is truncated in {what}")));
    }
    r.seek_relative(i64::try_from(n).expect("bounded by the file size"))?;
    Ok(())
}
