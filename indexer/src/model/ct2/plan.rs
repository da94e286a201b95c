//! Plans a conversion from the index alone: the hyperparameters, and for every ggml tensor the
//! CTranslate2 variable (and rows of it) it comes from. Every shape and dtype is checked here,
//! before any output is written.

use std::collections::HashSet;
use std::ops::Range;

use super::reader::{Ct2Index, Variable};
use crate::model::ggml::{Hparams, FTYPE_F16};
use crate::model::layout::{whisper_tensors, TensorSpec};
use crate::model::ModelError;

/// One ggml tensor and where its data comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedTensor {
    pub spec: TensorSpec,
    /// The CTranslate2 variable holding the data.
    pub source: String,
    /// The rows (first dimension) of `source` to take; CTranslate2 fuses query/key/value
    /// (self-attention) and key/value (cross-attention) projections along it.
    pub rows: Range<usize>,
}

/// The whole conversion.
#[derive(Debug, Clone)]
pub struct Plan {
    pub hparams: Hparams,
    pub tensors: Vec<PlannedTensor>,
}

/// Plans the conversion of a Whisper `model.bin`.
pub fn plan(index: &Ct2Index) -> Result<Plan, ModelError> {
    if index.spec != "WhisperSpec" {
        return Err(ModelError::UnknownSpec {
            path: index.path.clone(),
            spec: index.spec.clone(),
        });
    }
    let hparams = hparams(index)?;
    let mut used = HashSet::new();
    let mut tensors = Vec::new();
    for spec in whisper_tensors(&hparams) {
        let (source, part, parts) = ct2_source(&spec.name);
        let var = index.require(&source)?;
        let rows_per_part = spec.shape[0];
        // The variable's shape: the parts stacked along the first dimension; the convolution
        // biases are plain vectors there, [n, 1] columns in ggml.
        let mut expected = spec.shape.clone();
        expected[0] *= parts;
        if spec.name.ends_with("conv1.bias") || spec.name.ends_with("conv2.bias") {
            expected.pop();
        }
        check_float(index, var, &expected)?;
        used.insert(var.name.clone());
        tensors.push(PlannedTensor {
            rows: part * rows_per_part..(part + 1) * rows_per_part,
            source: var.name.clone(),
            spec,
        });
    }
    // A weight this converter does not know would be silently dropped: refuse instead.
    if let Some(extra) = index
        .variables
        .iter()
        .find(|v| !v.shape.is_empty() && v.dtype.is_float() && !used.contains(&v.name))
    {
        return Err(ModelError::UnexpectedVariable {
            path: index.path.clone(),
            name: extra.name.clone(),
        });
    }
    Ok(Plan { hparams, tensors })
}

/// The CTranslate2 variable of a ggml tensor, which part of it, and of how many equal parts.
fn ct2_source(ggml_name: &str) -> (String, usize, usize) {
    let (prefix, rest) = if let Some(rest) = ggml_name.strip_prefix("encoder.blocks.") {
        ("encoder", rest)
    } else if let Some(rest) = ggml_name.strip_prefix("decoder.blocks.") {
        ("decoder", rest)
    } else {
        return (top_level_source(ggml_name), 0, 1);
    };
    let (layer, tensor) = rest
        .split_once('.')
        .expect("layout names blocks as <stack>.blocks.<i>.<tensor>");
    let (module, param) = tensor
        .rsplit_once('.')
        .expect("layout names end in .weight or .bias");
    let (ct2_module, part, parts) = match module {
        "attn.query" => ("self_attention/linear_0", 0, 3),
        "attn.key" => ("self_attention/linear_0", 1, 3),
        "attn.value" => ("self_attention/linear_0", 2, 3),
        "attn.out" => ("self_attention/linear_1", 0, 1),
        "attn_ln" => ("self_attention/layer_norm", 0, 1),
        "cross_attn.query" => ("attention/linear_0", 0, 1),
        "cross_attn.key" => ("attention/linear_1", 0, 2),
        "cross_attn.value" => ("attention/linear_1", 1, 2),
        "cross_attn.out" => ("attention/linear_2", 0, 1),
        "cross_attn_ln" => ("attention/layer_norm", 0, 1),
        "mlp.0" => ("ffn/linear_0", 0, 1),
        "mlp.2" => ("ffn/linear_1", 0, 1),
        "mlp_ln" => ("ffn/layer_norm", 0, 1),
        other => unreachable!("layout produced an unknown block tensor `{other}`"),
    };
    let param = ct2_param(ct2_module, param);
    (
        format!("{prefix}/layer_{layer}/{ct2_module}/{param}"),
        part,
        parts,
    )
}

fn top_level_source(ggml_name: &str) -> String {
    match ggml_name {
        "encoder.positional_embedding" => "encoder/position_encodings/encodings".into(),
        "decoder.positional_embedding" => "decoder/position_encodings/encodings".into(),
        "decoder.token_embedding.weight" => "decoder/embeddings/weight".into(),
        "encoder.ln_post.weight" => "encoder/layer_norm/gamma".into(),
        "encoder.ln_post.bias" => "encoder/layer_norm/beta".into(),
        "decoder.ln.weight" => "decoder/layer_norm/gamma".into(),
        "decoder.ln.bias" => "decoder/layer_norm/beta".into(),
        // encoder.conv1.weight → encoder/conv1/weight
        other => other.replace('.', "/"),
    }
}

/// Layer norms call their parameters gamma and beta in CTranslate2.
fn ct2_param(module: &str, param: &str) -> &'static str {
    match (module.ends_with("layer_norm"), param) {
        (true, "weight") => "gamma",
        (true, _) => "beta",
        (false, "weight") => "weight",
        (false, _) => "bias",
    }
}

fn check_float(index: &Ct2Index, var: &Variable, expected: &[usize]) -> Result<(), ModelError> {
    if !var.dtype.is_float() {
        return Err(ModelError::UnexpectedDtype {
            path: index.path.clone(),
            name: var.name.clone(),
            found: var.dtype.name(),
            expected: "float16, bfloat16 or float32",
        });
    }
    if var.shape != expected {
        return Err(ModelError::UnexpectedShape {
            path: index.path.clone(),
            name: var.name.clone(),
            found: var.shape.clone(),
            expected: expected.to_vec(),
        });
    }
    Ok(())
}

/// Reads the hyperparameters off the variables' shapes and the head-count scalars.
fn hparams(index: &Ct2Index) -> Result<Hparams, ModelError> {
    let matrix = |name: &str| -> Result<(u32, u32), ModelError> {
        let var = index.require(name)?;
        match var.shape[..] {
            [rows, cols] => Ok((dim(rows), dim(cols))),
            _ => Err(ModelError::UnexpectedShape {
                path: index.path.clone(),
                name: var.name.clone(),
                found: var.shape.clone(),
                expected: vec![0, 0],
            }),
        }
    };
    let heads = |name: &str| -> Result<u32, ModelError> {
        let var = index.require(name)?;
        var.as_int()
            .and_then(|n| u32::try_from(n).ok())
            .filter(|&n| n > 0)
            .ok_or_else(|| ModelError::UnexpectedDtype {
                path: index.path.clone(),
                name: var.name.clone(),
                found: var.dtype.name(),
                expected: "a positive integer scalar",
            })
    };
    let layers = |stack: &str| {
        (0..)
            .take_while(|i| {
                index
                    .get(&format!("{stack}/layer_{i}/ffn/linear_0/weight"))
                    .is_some()
            })
            .count() as u32
    };
    let (n_vocab, n_text_state) = matrix("decoder/embeddings/weight")?;
    let (n_audio_ctx, n_audio_state) = matrix("encoder/position_encodings/encodings")?;
    let (n_text_ctx, _) = matrix("decoder/position_encodings/encodings")?;
    let conv1 = index.require("encoder/conv1/weight")?;
    let n_mels = match conv1.shape[..] {
        [_, n_mels, _] => dim(n_mels),
        _ => {
            return Err(ModelError::UnexpectedShape {
                path: index.path.clone(),
                name: conv1.name.clone(),
                found: conv1.shape.clone(),
                expected: vec![n_audio_state as usize, 80, 3],
            })
        }
    };
    Ok(Hparams {
        n_vocab,
        n_audio_ctx,
        n_audio_state,
        n_audio_head: heads("encoder/num_heads")?,
        n_audio_layer: layers("encoder"),
        n_text_ctx,
        n_text_state,
        n_text_head: heads("decoder/num_heads")?,
        n_text_layer: layers("decoder"),
        n_mels,
        ftype: FTYPE_F16,
    })
}

fn dim(d: usize) -> u32 {
    // The reader parsed every dimension from a u32.
    u32::try_from(d).expect("CTranslate2 dimensions are u32")
}
