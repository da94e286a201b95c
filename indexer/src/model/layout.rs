//! Which tensors a Whisper model has, their shapes, and how a ggml file stores them.
//!
//! The order is that of OpenAI's PyTorch `state_dict`, which the official converter followed;
//! whisper.cpp looks tensors up by name, so order only matters for reproducible bytes.

use super::ggml::{GgmlType, Hparams};

/// One tensor of a Whisper ggml file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TensorSpec {
    pub name: String,
    /// Row-major (PyTorch) shape.
    pub shape: Vec<usize>,
    /// The type an f16 model stores it as.
    pub ty: GgmlType,
}

/// Which attention block a layer holds, for [`whisper_tensors`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stack {
    Encoder,
    Decoder,
}

/// The tensors of an f16 Whisper model with these hyperparameters, in file order.
pub fn whisper_tensors(h: &Hparams) -> Vec<TensorSpec> {
    let mut t = Tensors::default();
    let (a, n_mels) = (h.n_audio_state as usize, h.n_mels as usize);
    t.push("encoder.positional_embedding", &[h.n_audio_ctx as usize, a]);
    t.push("encoder.conv1.weight", &[a, n_mels, 3]);
    t.push("encoder.conv1.bias", &[a, 1]);
    t.push("encoder.conv2.weight", &[a, a, 3]);
    t.push("encoder.conv2.bias", &[a, 1]);
    for i in 0..h.n_audio_layer {
        t.block(&format!("encoder.blocks.{i}."), a, Stack::Encoder);
    }
    t.norm("encoder.ln_post", a);

    let (s, ctx) = (h.n_text_state as usize, h.n_text_ctx as usize);
    t.push("decoder.positional_embedding", &[ctx, s]);
    t.push("decoder.token_embedding.weight", &[h.n_vocab as usize, s]);
    for i in 0..h.n_text_layer {
        t.block(&format!("decoder.blocks.{i}."), s, Stack::Decoder);
    }
    t.norm("decoder.ln", s);
    t.0
}

/// whisper.cpp keeps vectors, the convolution biases and the positional embeddings in f32
/// (they are added, not multiplied, and are small); matrices are f16.
pub fn is_f32(name: &str, n_dims: usize) -> bool {
    n_dims < 2
        || name.ends_with("conv1.bias")
        || name.ends_with("conv2.bias")
        || name.ends_with("positional_embedding")
}

#[derive(Default)]
struct Tensors(Vec<TensorSpec>);

impl Tensors {
    fn push(&mut self, name: &str, shape: &[usize]) {
        let ty = if is_f32(name, shape.len()) {
            GgmlType::F32
        } else {
            GgmlType::F16
        };
        self.0.push(TensorSpec {
            name: name.to_owned(),
            shape: shape.to_vec(),
            ty,
        });
    }

    fn linear(&mut self, prefix: &str, n_out: usize, n_in: usize, bias: bool) {
        self.push(&format!("{prefix}.weight"), &[n_out, n_in]);
        if bias {
            self.push(&format!("{prefix}.bias"), &[n_out]);
        }
    }

    fn norm(&mut self, prefix: &str, n: usize) {
        self.push(&format!("{prefix}.weight"), &[n]);
        self.push(&format!("{prefix}.bias"), &[n]);
    }

    /// Attention's key projection has no bias: a bias on the keys adds the same amount to
    /// every score of a query, which softmax cancels.
    fn attention(&mut self, prefix: &str, n: usize) {
        self.linear(&format!("{prefix}.query"), n, n, true);
        self.linear(&format!("{prefix}.key"), n, n, false);
        self.linear(&format!("{prefix}.value"), n, n, true);
        self.linear(&format!("{prefix}.out"), n, n, true);
    }

    fn block(&mut self, p: &str, n: usize, stack: Stack) {
        self.attention(&format!("{p}attn"), n);
        self.norm(&format!("{p}attn_ln"), n);
        if stack == Stack::Decoder {
            self.attention(&format!("{p}cross_attn"), n);
            self.norm(&format!("{p}cross_attn_ln"), n);
        }
        self.linear(&format!("{p}mlp.0"), 4 * n, n, true);
        self.linear(&format!("{p}mlp.2"), n, 4 * n, true);
        self.norm(&format!("{p}mlp_ln"), n);
    }
}
