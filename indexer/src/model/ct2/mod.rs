//! Imports a CTranslate2 (faster-whisper) Whisper model directory as a whisper.cpp ggml file.
//!
//! The conversion is a lossless re-packing: hyperparameters are read off the variables'
//! shapes, the mel filterbank is computed (CTranslate2 keeps it outside the model), the
//! vocabulary is mapped back to bytes, and each tensor is renamed, un-fused and written as f16
//! (matrices) or f32 (vectors, convolution biases, positional embeddings). Variables are read
//! one at a time, so memory stays near the size of the largest tensor.

pub mod plan;
pub mod reader;

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::{Path, PathBuf};

use half::{bf16, f16};
use tracing::{debug, info};

use self::plan::{plan, Plan};
use self::reader::{Ct2Dtype, Ct2Index, Variable};
use super::ggml::{GgmlType, GgmlWriter, Hparams};
use super::mel::MelFilterbank;
use super::staged::{FinishedFile, StagedFile};
use super::vocab::{self, VocabError};
use super::ModelError;

/// What [`import_ct2`] wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub out: PathBuf,
    pub hparams: Hparams,
    pub tensors: usize,
    pub bytes: u64,
    /// Lower-case hex SHA-256 of the written file.
    pub sha256: String,
}

/// Converts the model in `dir` (`model.bin` plus `vocabulary.txt` or `vocabulary.json`; a
/// `config.json` is not needed, the weights say everything ggml records) and writes it to
/// `out`, atomically.
pub fn import_ct2(dir: &Path, out: &Path) -> Result<ImportReport, ModelError> {
    let staged = stage_import(dir, out)?;
    let mut report = staged.report;
    report.out = staged.file.commit()?;
    info!(out = %report.out.display(), bytes = report.bytes, sha256 = %report.sha256, "imported CTranslate2 model");
    Ok(report)
}

/// A converted model still under its temporary name, so a caller can verify it before
/// [`FinishedFile::commit`] puts it in place.
pub(crate) struct StagedImport {
    pub report: ImportReport,
    pub file: FinishedFile,
}

pub(crate) fn stage_import(dir: &Path, out: &Path) -> Result<StagedImport, ModelError> {
    let model_path = dir.join("model.bin");
    let file = File::open(&model_path).map_err(ModelError::io("opening", &model_path))?;
    let mut model = BufReader::with_capacity(1 << 20, file);
    let index = Ct2Index::read(&mut model, &model_path)?;
    let plan = plan(&index)?;
    debug!(?plan.hparams, tensors = plan.tensors.len(), "planned conversion");
    let tokens = read_vocabulary(dir, plan.hparams.is_multilingual())?;
    let mel = MelFilterbank::whisper(plan.hparams.n_mels as usize);

    let mut w = GgmlWriter::new(StagedFile::new(out)?);
    let write_err = |e| ModelError::io("writing", out)(e);
    w.write_header(&plan.hparams).map_err(write_err)?;
    w.write_mel_filters(&mel).map_err(write_err)?;
    w.write_vocabulary(&tokens).map_err(write_err)?;
    write_tensors(&index, &plan, &mut model, &mut w, out)?;
    let file = w.into_inner().finish()?;

    Ok(StagedImport {
        report: ImportReport {
            out: file.target().to_owned(),
            hparams: plan.hparams,
            tensors: plan.tensors.len(),
            bytes: file.len,
            sha256: file.sha256.clone(),
        },
        file,
    })
}

fn write_tensors<R: Read + Seek>(
    index: &Ct2Index,
    plan: &Plan,
    model: &mut R,
    w: &mut GgmlWriter<StagedFile>,
    out: &Path,
) -> Result<(), ModelError> {
    // Fused projections feed two or three consecutive tensors: keep the last variable read.
    let mut loaded: Option<&Variable> = None;
    let mut data = Vec::new();
    let mut converted = Vec::new();
    for t in &plan.tensors {
        let var = index.require(&t.source)?;
        if loaded.map(|v| &v.name) != Some(&var.name) {
            index.read_data(model, var, &mut data)?;
            loaded = Some(var);
        }
        let row_bytes = var.len as usize / var.shape[0];
        let rows = &data[t.rows.start * row_bytes..t.rows.end * row_bytes];
        let bytes = convert(rows, var.dtype, t.spec.ty, &mut converted);
        let written = (|| {
            w.write_tensor_header(&t.spec.name, &t.spec.shape, t.spec.ty)?;
            w.write_data(bytes)
        })();
        written.map_err(ModelError::io("writing", out))?;
    }
    Ok(())
}

/// Re-encodes little-endian floats of type `from` as `to` (f32 or f16), borrowing the input
/// when nothing changes.
fn convert<'a>(data: &'a [u8], from: Ct2Dtype, to: GgmlType, buf: &'a mut Vec<u8>) -> &'a [u8] {
    let same = matches!(
        (from, to),
        (Ct2Dtype::F16, GgmlType::F16) | (Ct2Dtype::F32, GgmlType::F32)
    );
    if same {
        return data;
    }
    buf.clear();
    let values = data.chunks_exact(from.size()).map(|b| match from {
        Ct2Dtype::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
        Ct2Dtype::F16 => f16::from_le_bytes([b[0], b[1]]).to_f32(),
        Ct2Dtype::Bf16 => bf16::from_le_bytes([b[0], b[1]]).to_f32(),
        other => unreachable!("plan admits only float variables, not {other:?}"),
    });
    match to {
        GgmlType::F32 => values.for_each(|v| buf.extend_from_slice(&v.to_le_bytes())),
        GgmlType::F16 => {
            values.for_each(|v| buf.extend_from_slice(&f16::from_f32(v).to_le_bytes()))
        }
        other => unreachable!("layout stores tensors as f32 or f16, not {other:?}"),
    }
    buf
}

/// The ggml vocabulary from `vocabulary.txt` (one token per line) or, as newer CTranslate2
/// converters write it, `vocabulary.json` (a JSON list of tokens).
fn read_vocabulary(dir: &Path, multilingual: bool) -> Result<Vec<Vec<u8>>, ModelError> {
    let txt = dir.join("vocabulary.txt");
    let json = dir.join("vocabulary.json");
    let (path, tokens): (PathBuf, Vec<String>) = if txt.exists() || !json.exists() {
        let text = std::fs::read_to_string(&txt).map_err(ModelError::io("reading", &txt))?;
        let tokens = text.lines().map(str::to_owned).collect();
        (txt, tokens)
    } else {
        let text = std::fs::read_to_string(&json).map_err(ModelError::io("reading", &json))?;
        let tokens = serde_json::from_str(&text).map_err(|e| ModelError::Vocabulary {
            path: json.clone(),
            line: e.line(),
            reason: format!("not a JSON list of tokens: {e}"),
        })?;
        (json, tokens)
    };
    let tokens: Vec<&str> = tokens.iter().map(String::as_str).collect();
    vocab::ggml_tokens(&tokens, multilingual).map_err(|e| {
        let line = match &e {
            VocabError::TooShort { found } => *found,
            VocabError::NotByteLevel { index, .. } => index + 1,
            VocabError::NoEndOfText { index, .. } => index + 1,
        };
        ModelError::Vocabulary {
            path,
            line,
            reason: e.to_string(),
        }
    })
}
