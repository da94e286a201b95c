//! CTranslate2 → ggml conversion on small synthetic models built here, byte by byte, plus the
//! mel filterbank against librosa and the GPT-2 byte alphabet. The output is parsed by a reader
//! written in this file, independent of the crate's own.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use earshot_indexer::model::{check_ggml, import_ct2, mel::MelFilterbank, vocab, ModelError};
use half::f16;
use sha2::{Digest, Sha256};

const STATE: usize = 8;
const HEADS: usize = 2;
const AUDIO_CTX: usize = 6;
const TEXT_CTX: usize = 5;
const MELS: usize = 80;
const LAYERS: usize = 2;

// ---------------------------------------------------------------------------------------------
// A CTranslate2 model.bin writer and a synthetic two-layer Whisper model.

#[derive(Clone)]
struct Var {
    name: String,
    shape: Vec<usize>,
    dtype: u8,
    data: Vec<u8>,
}

/// A float16 variable whose element `j` is `(seed + j) % 200 / 8 - 12`: exact in f16 and
/// different for every variable, so misplaced data shows.
fn f16_var(name: &str, shape: &[usize], seed: usize) -> Var {
    let n: usize = shape.iter().product();
    let data = (0..n)
        .flat_map(|j| f16::from_f32(((seed * 31 + j) % 200) as f32 / 8.0 - 12.0).to_le_bytes())
        .collect();
    Var {
        name: name.into(),
        shape: shape.to_vec(),
        dtype: 4,
        data,
    }
}

fn i16_scalar(name: &str, v: i16) -> Var {
    Var {
        name: name.into(),
        shape: vec![],
        dtype: 2,
        data: v.to_le_bytes().to_vec(),
    }
}

struct Ct2Model {
    version: u32,
    spec: String,
    vars: Vec<Var>,
    aliases: Vec<(String, String)>,
}

fn push_name(out: &mut Vec<u8>, name: &str) {
    out.extend_from_slice(&(name.len() as u16 + 1).to_le_bytes());
    out.extend_from_slice(name.as_bytes());
    out.push(0);
}

impl Ct2Model {
    fn whisper(n_vocab: usize) -> Self {
        let (n, mut seed) = (STATE, 0);
        let mut vars = Vec::new();
        let mut f16v = |vars: &mut Vec<Var>, name: String, shape: &[usize]| {
            seed += 1;
            vars.push(f16_var(&name, shape, seed));
        };
        for stack in ["encoder", "decoder"] {
            for i in 0..LAYERS {
                let p = format!("{stack}/layer_{i}");
                let mut attn = vec![("self_attention", 3, 2)];
                if stack == "decoder" {
                    attn.push(("attention", 1, 3));
                }
                for (module, first_rows, linears) in attn {
                    f16v(&mut vars, format!("{p}/{module}/layer_norm/gamma"), &[n]);
                    f16v(&mut vars, format!("{p}/{module}/layer_norm/beta"), &[n]);
                    for l in 0..linears {
                        // self_attention: linear_0 = fused QKV, linear_1 = out.
                        // attention: linear_0 = query, linear_1 = fused KV, linear_2 = out.
                        let rows = match (module, l) {
                            ("self_attention", 0) => first_rows * n,
                            ("attention", 1) => 2 * n,
                            _ => n,
                        };
                        f16v(
                            &mut vars,
                            format!("{p}/{module}/linear_{l}/weight"),
                            &[rows, n],
                        );
                        f16v(&mut vars, format!("{p}/{module}/linear_{l}/bias"), &[rows]);
                    }
                }
                f16v(&mut vars, format!("{p}/ffn/layer_norm/gamma"), &[n]);
                f16v(&mut vars, format!("{p}/ffn/layer_norm/beta"), &[n]);
                f16v(&mut vars, format!("{p}/ffn/linear_0/weight"), &[4 * n, n]);
                f16v(&mut vars, format!("{p}/ffn/linear_0/bias"), &[4 * n]);
                f16v(&mut vars, format!("{p}/ffn/linear_1/weight"), &[n, 4 * n]);
                f16v(&mut vars, format!("{p}/ffn/linear_1/bias"), &[n]);
            }
            f16v(&mut vars, format!("{stack}/layer_norm/gamma"), &[n]);
            f16v(&mut vars, format!("{stack}/layer_norm/beta"), &[n]);
            let ctx = if stack == "encoder" {
                AUDIO_CTX
            } else {
                TEXT_CTX
            };
            f16v(
                &mut vars,
                format!("{stack}/position_encodings/encodings"),
                &[ctx, n],
            );
            vars.push(i16_scalar(&format!("{stack}/num_heads"), HEADS as i16));
        }
        f16v(&mut vars, "encoder/conv1/weight".into(), &[n, MELS, 3]);
        f16v(&mut vars, "encoder/conv1/bias".into(), &[n]);
        f16v(&mut vars, "encoder/conv2/weight".into(), &[n, n, 3]);
        f16v(&mut vars, "encoder/conv2/bias".into(), &[n]);
        f16v(&mut vars, "decoder/embeddings/weight".into(), &[n_vocab, n]);
        // Flags CTranslate2 stores as scalars; the converter ignores them.
        vars.push(Var {
            name: "decoder/scale_embeddings".into(),
            shape: vec![],
            dtype: 1,
            data: vec![0],
        });
        vars.sort_by(|a, b| a.name.cmp(&b.name));
        Ct2Model {
            version: 6,
            spec: "WhisperSpec".into(),
            vars,
            aliases: vec![(
                "decoder/projection/weight".into(),
                "decoder/embeddings/weight".into(),
            )],
        }
    }

    fn var(&self, name: &str) -> &Var {
        self.vars.iter().find(|v| v.name == name).unwrap()
    }

    fn var_mut(&mut self, name: &str) -> &mut Var {
        self.vars.iter_mut().find(|v| v.name == name).unwrap()
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&self.version.to_le_bytes());
        push_name(&mut out, &self.spec);
        out.extend_from_slice(&3u32.to_le_bytes());
        out.extend_from_slice(&(self.vars.len() as u32).to_le_bytes());
        for v in &self.vars {
            push_name(&mut out, &v.name);
            out.push(v.shape.len() as u8);
            for &d in &v.shape {
                out.extend_from_slice(&(d as u32).to_le_bytes());
            }
            out.push(v.dtype);
            out.extend_from_slice(&(v.data.len() as u32).to_le_bytes());
            out.extend_from_slice(&v.data);
        }
        out.extend_from_slice(&(self.aliases.len() as u32).to_le_bytes());
        for (alias, target) in &self.aliases {
            push_name(&mut out, alias);
            push_name(&mut out, target);
        }
        out
    }
}

/// A vocabulary.txt in GPT-2's byte-level spelling, laid out like Whisper's: the 256 single
/// bytes, filler tokens, `<|endoftext|>`, then special tokens up to `n_vocab`.
fn vocabulary(n_vocab: usize) -> String {
    let table = vocab::byte_to_char();
    let mut lines: Vec<String> = table.iter().map(|c| c.to_string()).collect();
    lines.extend((256..vocab::END_OF_TEXT).map(|i| format!("Ġt{i}")));
    if n_vocab > 51_864 {
        // Multilingual vocabularies have an empty token 50256 before `<|endoftext|>`.
        lines.push(String::new());
    }
    lines.push("<|endoftext|>".into());
    lines.extend((lines.len()..n_vocab).map(|i| format!("<|special{i}|>")));
    lines.join("\n") + "\n"
}

struct Fixture {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    out: PathBuf,
}

fn fixture(model: &Ct2Model, vocabulary: &str) -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("faster-whisper-tiny");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("model.bin"), model.bytes()).unwrap();
    fs::write(dir.join("vocabulary.txt"), vocabulary).unwrap();
    let out = tmp.path().join("models").join("ggml-test.bin");
    Fixture {
        dir,
        out,
        _tmp: tmp,
    }
}

// ---------------------------------------------------------------------------------------------
// An independent reader of the ggml output.

struct Tensor {
    /// Dimensions as stored: innermost first.
    dims: Vec<usize>,
    ty: i32,
    data: Vec<u8>,
}

struct Ggml {
    hparams: Vec<i32>,
    mel: (i32, i32, Vec<f32>),
    tokens: Vec<Vec<u8>>,
    order: Vec<String>,
    tensors: HashMap<String, Tensor>,
}

fn parse_ggml(bytes: &[u8]) -> Ggml {
    let mut pos = 0;
    let i32_at = |pos: &mut usize| {
        let v = i32::from_le_bytes(bytes[*pos..*pos + 4].try_into().unwrap());
        *pos += 4;
        v
    };
    assert_eq!(i32_at(&mut pos) as u32, 0x6767_6d6c, "magic");
    let hparams: Vec<i32> = (0..11).map(|_| i32_at(&mut pos)).collect();
    let (n_mel, n_fft) = (i32_at(&mut pos), i32_at(&mut pos));
    let mel = (0..n_mel * n_fft)
        .map(|_| f32::from_bits(i32_at(&mut pos) as u32))
        .collect();
    let n_tokens = i32_at(&mut pos);
    let tokens = (0..n_tokens)
        .map(|_| {
            let len = i32_at(&mut pos) as usize;
            pos += len;
            bytes[pos - len..pos].to_vec()
        })
        .collect();
    let (mut order, mut tensors) = (Vec::new(), HashMap::new());
    while pos < bytes.len() {
        let (n_dims, name_len, ty) = (i32_at(&mut pos), i32_at(&mut pos), i32_at(&mut pos));
        let dims: Vec<usize> = (0..n_dims).map(|_| i32_at(&mut pos) as usize).collect();
        let name = String::from_utf8(bytes[pos..pos + name_len as usize].to_vec()).unwrap();
        pos += name_len as usize;
        let len = dims.iter().product::<usize>() * if ty == 0 { 4 } else { 2 };
        let data = bytes[pos..pos + len].to_vec();
        pos += len;
        order.push(name.clone());
        assert!(
            tensors.insert(name, Tensor { dims, ty, data }).is_none(),
            "duplicate tensor"
        );
    }
    Ggml {
        hparams,
        mel: (n_mel, n_fft, mel),
        tokens,
        order,
        tensors,
    }
}

fn f16_to_f32_bytes(f16_bytes: &[u8]) -> Vec<u8> {
    f16_bytes
        .chunks_exact(2)
        .flat_map(|b| f16::from_le_bytes([b[0], b[1]]).to_f32().to_le_bytes())
        .collect()
}

/// Rows `rows` (first dimension) of a row-major f16 variable.
fn rows(var: &Var, rows: std::ops::Range<usize>) -> Vec<u8> {
    let row = var.data.len() / var.shape[0];
    var.data[rows.start * row..rows.end * row].to_vec()
}

// ---------------------------------------------------------------------------------------------

#[test]
fn converts_a_synthetic_english_model_tensor_by_tensor() {
    let model = Ct2Model::whisper(51_864);
    let fx = fixture(&model, &vocabulary(51_864));
    let report = import_ct2(&fx.dir, &fx.out).expect("import");
    let bytes = fs::read(&fx.out).unwrap();
    assert_eq!(report.bytes, bytes.len() as u64);
    assert_eq!(report.sha256, hex::encode(Sha256::digest(&bytes)));
    let g = parse_ggml(&bytes);

    let (s, h, l) = (STATE as i32, HEADS as i32, LAYERS as i32);
    assert_eq!(
        g.hparams,
        [
            51_864,
            AUDIO_CTX as i32,
            s,
            h,
            l,
            TEXT_CTX as i32,
            s,
            h,
            l,
            MELS as i32,
            1
        ]
    );
    assert_eq!((g.mel.0, g.mel.1), (80, 201));
    assert_eq!(g.mel.2, MelFilterbank::whisper(80).weights);

    assert_eq!(g.tokens.len(), 50_257);
    assert_eq!(g.tokens[32], b" ", "token 32 is 'Ġ', the space byte");
    assert_eq!(g.tokens[10], b"\n", "token 10 is 'Ċ', the newline byte");
    assert_eq!(g.tokens[300], b" t300");
    assert_eq!(
        g.tokens[50_256], b"<|endoftext|>",
        "English-only models keep the text"
    );

    // 5 encoder stem tensors, 15 per encoder block, 2 for ln_post; 2 decoder stem tensors,
    // 24 per decoder block, 2 for the final norm. No key biases.
    assert_eq!(g.tensors.len(), 5 + 15 * LAYERS + 2 + 2 + 24 * LAYERS + 2);
    assert_eq!(g.order.first().unwrap(), "encoder.positional_embedding");
    assert_eq!(g.order.last().unwrap(), "decoder.ln.bias");
    assert!(!g.tensors.keys().any(|n| n.contains("key.bias")));

    let t = |name: &str| {
        g.tensors
            .get(name)
            .unwrap_or_else(|| panic!("no tensor {name}"))
    };
    let n = STATE;

    // Fused self-attention QKV [3n, n] → query, key, value; biases of query and value only.
    for stack in ["encoder", "decoder"] {
        for i in 0..LAYERS {
            let (src, dst) = (
                format!("{stack}/layer_{i}/self_attention"),
                format!("{stack}.blocks.{i}.attn"),
            );
            let w = model.var(&format!("{src}/linear_0/weight"));
            let b = model.var(&format!("{src}/linear_0/bias"));
            for (part, name) in ["query", "key", "value"].iter().enumerate() {
                let tensor = t(&format!("{dst}.{name}.weight"));
                assert_eq!(tensor.dims, [n, n]);
                assert_eq!(tensor.ty, 1, "matrices stay f16");
                assert_eq!(
                    tensor.data,
                    rows(w, part * n..(part + 1) * n),
                    "{dst}.{name}.weight"
                );
            }
            assert_eq!(
                t(&format!("{dst}.query.bias")).data,
                f16_to_f32_bytes(&rows(b, 0..n))
            );
            assert_eq!(
                t(&format!("{dst}.value.bias")).data,
                f16_to_f32_bytes(&rows(b, 2 * n..3 * n))
            );
            assert_eq!(t(&format!("{dst}.value.bias")).ty, 0, "vectors are f32");
            assert_eq!(
                t(&format!("{dst}.out.weight")).data,
                model.var(&format!("{src}/linear_1/weight")).data
            );
            assert_eq!(
                t(&format!("{dst}_ln.weight")).data,
                f16_to_f32_bytes(&model.var(&format!("{src}/layer_norm/gamma")).data)
            );
            assert_eq!(
                t(&format!("{dst}_ln.bias")).data,
                f16_to_f32_bytes(&model.var(&format!("{src}/layer_norm/beta")).data)
            );
            let mlp2 = t(&format!("{stack}.blocks.{i}.mlp.2.weight"));
            assert_eq!(mlp2.dims, [4 * n, n], "dims are stored innermost first");
            assert_eq!(
                mlp2.data,
                model
                    .var(&format!("{stack}/layer_{i}/ffn/linear_1/weight"))
                    .data
            );
        }
    }

    // Cross-attention: linear_0 is the query, linear_1 the fused key/value, linear_2 the output.
    for i in 0..LAYERS {
        let (src, dst) = (
            format!("decoder/layer_{i}/attention"),
            format!("decoder.blocks.{i}.cross_attn"),
        );
        let kv = model.var(&format!("{src}/linear_1/weight"));
        let kv_bias = model.var(&format!("{src}/linear_1/bias"));
        assert_eq!(
            t(&format!("{dst}.query.weight")).data,
            model.var(&format!("{src}/linear_0/weight")).data
        );
        assert_eq!(t(&format!("{dst}.key.weight")).data, rows(kv, 0..n));
        assert_eq!(t(&format!("{dst}.value.weight")).data, rows(kv, n..2 * n));
        assert_eq!(
            t(&format!("{dst}.value.bias")).data,
            f16_to_f32_bytes(&rows(kv_bias, n..2 * n))
        );
        assert_eq!(
            t(&format!("{dst}.out.bias")).data,
            f16_to_f32_bytes(&model.var(&format!("{src}/linear_2/bias")).data)
        );
        assert_eq!(
            t(&format!("{dst}_ln.weight")).data,
            f16_to_f32_bytes(&model.var(&format!("{src}/layer_norm/gamma")).data)
        );
    }

    // Convolution biases become f32 columns [n, 1]; positional embeddings are f32 too.
    let conv1_bias = t("encoder.conv1.bias");
    assert_eq!((conv1_bias.dims.clone(), conv1_bias.ty), (vec![1, n], 0));
    assert_eq!(
        conv1_bias.data,
        f16_to_f32_bytes(&model.var("encoder/conv1/bias").data)
    );
    let conv1 = t("encoder.conv1.weight");
    assert_eq!((conv1.dims.clone(), conv1.ty), (vec![3, MELS, n], 1));
    let pos = t("encoder.positional_embedding");
    assert_eq!((pos.dims.clone(), pos.ty), (vec![n, AUDIO_CTX], 0));
    assert_eq!(
        pos.data,
        f16_to_f32_bytes(&model.var("encoder/position_encodings/encodings").data)
    );
    let dpos = t("decoder.positional_embedding");
    assert_eq!((dpos.dims.clone(), dpos.ty), (vec![n, TEXT_CTX], 0));
    let emb = t("decoder.token_embedding.weight");
    assert_eq!((emb.dims.clone(), emb.ty), (vec![n, 51_864], 1));
    assert_eq!(emb.data, model.var("decoder/embeddings/weight").data);
    assert_eq!(
        t("encoder.ln_post.weight").data,
        f16_to_f32_bytes(&model.var("encoder/layer_norm/gamma").data)
    );
    assert_eq!(
        t("decoder.ln.bias").data,
        f16_to_f32_bytes(&model.var("decoder/layer_norm/beta").data)
    );

    // The crate's own checker accepts it and reads the same structure.
    let info = check_ggml(&fx.out).expect("check_ggml");
    assert_eq!(
        (info.n_vocab, info.n_audio_layer, info.n_text_layer),
        (51_864, 2, 2)
    );
    assert!(!info.multilingual);
    assert_eq!(info.n_tensors, g.tensors.len());
    assert_eq!(
        info.model, None,
        "an 8-wide model is none of the known ones"
    );
}

#[test]
fn multilingual_models_write_end_of_text_as_empty_bytes() {
    let model = Ct2Model::whisper(51_865);
    let fx = fixture(&model, &vocabulary(51_865));
    import_ct2(&fx.dir, &fx.out).unwrap();
    let g = parse_ggml(&fs::read(&fx.out).unwrap());
    assert_eq!(g.hparams[0], 51_865);
    assert_eq!(g.tokens.len(), 50_257);
    assert!(g.tokens[50_256].is_empty());
    assert_eq!(g.tokens[32], b" ");
    assert!(check_ggml(&fx.out).unwrap().multilingual);
}

#[test]
fn float32_and_bfloat16_variables_are_converted() {
    let mut model = Ct2Model::whisper(51_864);
    let w = model.var_mut("encoder/layer_0/ffn/linear_0/weight");
    let values: Vec<f32> = (0..w.shape.iter().product::<usize>())
        .map(|j| j as f32 * 0.25 - 3.0)
        .collect();
    w.dtype = 0;
    w.data = values.iter().flat_map(|v| v.to_le_bytes()).collect();
    let g_src = model.var_mut("encoder/layer_0/ffn/layer_norm/gamma");
    g_src.dtype = 5;
    g_src.data = (0..STATE)
        .flat_map(|j| half::bf16::from_f32(j as f32 + 0.5).to_le_bytes())
        .collect();

    let fx = fixture(&model, &vocabulary(51_864));
    import_ct2(&fx.dir, &fx.out).unwrap();
    let g = parse_ggml(&fs::read(&fx.out).unwrap());
    let mlp0 = &g.tensors["encoder.blocks.0.mlp.0.weight"];
    assert_eq!(mlp0.ty, 1);
    let expect: Vec<u8> = values
        .iter()
        .flat_map(|&v| f16::from_f32(v).to_le_bytes())
        .collect();
    assert_eq!(mlp0.data, expect);
    let ln = &g.tensors["encoder.blocks.0.mlp_ln.weight"];
    let expect: Vec<u8> = (0..STATE)
        .flat_map(|j| (j as f32 + 0.5).to_le_bytes())
        .collect();
    assert_eq!(ln.data, expect);
}

#[test]
fn gpt2_byte_alphabet_maps_back_to_bytes() {
    let decoder = vocab::ByteDecoder::default();
    assert_eq!(decoder.decode("Ġhello").unwrap(), b" hello");
    assert_eq!(decoder.decode("ĊĠĠ").unwrap(), b"\n  ");
    assert_eq!(decoder.decode("ġ").unwrap(), [0x7f]);
    assert_eq!(decoder.decode("Ń").unwrap(), [0xad]);
    assert_eq!(decoder.decode("Ā").unwrap(), [0x00]);
    // "你" is three UTF-8 bytes, spelled with three Latin-1 characters.
    assert_eq!(decoder.decode("ä½ł").unwrap(), "你".as_bytes());
    assert_eq!(decoder.decode("a你"), Err('你'));
    let table = vocab::byte_to_char();
    for b in 0..=255u8 {
        assert_eq!(decoder.decode(&table[b as usize].to_string()).unwrap(), [b]);
    }
}

#[test]
fn mel_filterbank_matches_librosa_bit_for_bit() {
    // librosa.filters.mel(sr=16000, n_fft=400, n_mels=80) with librosa 0.11 / numpy 2.4
    // (identical to whisper's assets/mel_filters.npz), as f32 bit patterns.
    let mel = MelFilterbank::whisper(80);
    assert_eq!(
        (mel.n_mels, mel.n_bins, mel.weights.len()),
        (80, 201, 80 * 201)
    );
    let pinned: [(usize, usize, u32); 14] = [
        (0, 0, 0x8000_0000), // -0.0: numpy.maximum(0, -0.0) keeps the sign
        (0, 1, 0x3ccb_aca4),
        (1, 1, 0x3b02_7873),
        (1, 2, 0x3cbb_5d95),
        (10, 10, 0x3ca3_168f),
        (10, 11, 0x3ba2_584f),
        (40, 42, 0x3bb1_4fa3),
        (40, 43, 0x3c71_6d72),
        (40, 44, 0x3bd5_968a),
        (79, 186, 0x39c0_473c),
        (79, 192, 0x3b4f_670e),
        (79, 193, 0x3b4d_de7e),
        (79, 199, 0x39eb_476a),
        (79, 200, 0),
    ];
    for (m, bin, bits) in pinned {
        assert_eq!(
            mel.weight(m, bin).to_bits(),
            bits,
            "filter {m}, bin {bin}: {}",
            mel.weight(m, bin)
        );
    }
    assert_eq!(mel.weights.iter().filter(|w| **w != 0.0).count(), 391);
    let sum: f64 = mel.weights.iter().map(|&w| f64::from(w)).sum();
    assert!((sum - 1.999_024_2).abs() < 1e-6, "sum {sum}");
}

// ---------------------------------------------------------------------------------------------
// Broken inputs: each error names the file and the problem, and leaves no output behind.

fn import_err(model_bytes: &[u8], vocabulary_text: &str) -> (ModelError, Fixture) {
    let fx = fixture(&Ct2Model::whisper(51_864), vocabulary_text);
    fs::write(fx.dir.join("model.bin"), model_bytes).unwrap();
    let err = import_ct2(&fx.dir, &fx.out).expect_err("import should fail");
    assert!(!fx.out.exists(), "no output after a failed import");
    if let Some(models) = fx.out.parent().filter(|p| p.exists()) {
        assert_eq!(
            fs::read_dir(models).unwrap().count(),
            0,
            "no temporary file left behind"
        );
    }
    (err, fx)
}

fn assert_names_model_bin(err: &ModelError, fx: &Fixture) {
    let model_bin = fx.dir.join("model.bin");
    assert!(
        err.to_string().contains(&model_bin.display().to_string()),
        "{err}"
    );
}

#[test]
fn wrong_version_is_not_a_ct2_model() {
    let mut bytes = Ct2Model::whisper(51_864).bytes();
    bytes[..4].copy_from_slice(b"GGUF");
    let (err, fx) = import_err(&bytes, &vocabulary(51_864));
    assert!(matches!(err, ModelError::NotCt2 { .. }), "{err:?}");
    assert!(err.to_string().contains("format version"), "{err}");
    assert_names_model_bin(&err, &fx);
}

#[test]
fn truncated_model_bin_names_the_variable() {
    let model = Ct2Model::whisper(51_864);
    let bytes = model.bytes();
    // Cut inside the token embedding's data, the largest variable.
    let cut = bytes.len() / 2;
    let (err, fx) = import_err(&bytes[..cut], &vocabulary(51_864));
    assert!(matches!(err, ModelError::Truncated { .. }), "{err:?}");
    assert!(
        err.to_string().contains("decoder/embeddings/weight"),
        "{err}"
    );
    assert_names_model_bin(&err, &fx);

    let (err, _) = import_err(&bytes[..3], &vocabulary(51_864));
    assert!(matches!(err, ModelError::Truncated { .. }), "{err:?}");
}

#[test]
fn other_specs_are_refused() {
    let mut model = Ct2Model::whisper(51_864);
    model.spec = "TransformerSpec".into();
    let (err, fx) = import_err(&model.bytes(), &vocabulary(51_864));
    assert!(
        matches!(err, ModelError::UnknownSpec { ref spec, .. } if spec == "TransformerSpec"),
        "{err:?}"
    );
    assert_names_model_bin(&err, &fx);
}

#[test]
fn missing_variable_is_named() {
    let mut model = Ct2Model::whisper(51_864);
    model
        .vars
        .retain(|v| v.name != "decoder/layer_1/attention/linear_2/bias");
    let (err, _) = import_err(&model.bytes(), &vocabulary(51_864));
    assert!(
        matches!(err, ModelError::MissingVariable { ref name, .. } if name == "decoder/layer_1/attention/linear_2/bias"),
        "{err:?}"
    );
}

#[test]
fn quantized_weights_are_refused_with_advice() {
    let mut model = Ct2Model::whisper(51_864);
    let v = model.var_mut("encoder/layer_0/ffn/linear_0/weight");
    v.dtype = 1;
    v.data.truncate(v.data.len() / 2);
    let (err, _) = import_err(&model.bytes(), &vocabulary(51_864));
    assert!(
        matches!(err, ModelError::UnexpectedDtype { found: "int8", .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("--quantization float16"), "{err}");
}

#[test]
fn wrong_shape_is_reported_with_both_shapes() {
    let mut model = Ct2Model::whisper(51_864);
    let name = "encoder/layer_1/self_attention/linear_0/weight";
    *model.var_mut(name) = f16_var(name, &[2 * STATE, STATE], 99);
    let (err, _) = import_err(&model.bytes(), &vocabulary(51_864));
    match err {
        ModelError::UnexpectedShape {
            name: n,
            found,
            expected,
            ..
        } => {
            assert_eq!(n, name);
            assert_eq!(found, [2 * STATE, STATE]);
            assert_eq!(expected, [3 * STATE, STATE]);
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn unknown_weights_are_not_dropped_silently() {
    let mut model = Ct2Model::whisper(51_864);
    model.vars.push(f16_var(
        "decoder/layer_0/ffn/linear_2/weight",
        &[STATE, STATE],
        7,
    ));
    let (err, _) = import_err(&model.bytes(), &vocabulary(51_864));
    assert!(
        matches!(err, ModelError::UnexpectedVariable { ref name, .. } if name == "decoder/layer_0/ffn/linear_2/weight"),
        "{err:?}"
    );
}

#[test]
fn bad_vocabulary_line_is_reported() {
    let model = Ct2Model::whisper(51_864);
    let mut lines: Vec<String> = vocabulary(51_864).lines().map(str::to_owned).collect();
    lines[1234] = "naïve 漢字".into();
    let (err, fx) = import_err(&model.bytes(), &lines.join("\n"));
    let vocab_path = fx.dir.join("vocabulary.txt");
    assert!(
        matches!(err, ModelError::Vocabulary { ref path, line: 1235, .. } if *path == vocab_path),
        "{err:?}"
    );
    assert!(err.to_string().contains("token 1234"), "{err}");

    let (err, _) = import_err(&model.bytes(), "!\n\"\n#\n");
    assert!(matches!(err, ModelError::Vocabulary { .. }), "{err:?}");
    assert!(err.to_string().contains("only 3 tokens"), "{err}");
}

#[test]
fn vocabulary_of_the_other_model_kind_is_refused() {
    let multilingual = Ct2Model::whisper(51_865);
    let fx = fixture(&multilingual, &vocabulary(51_864));
    let err = import_ct2(&fx.dir, &fx.out).unwrap_err();
    assert!(
        matches!(err, ModelError::Vocabulary { line: 50_258, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("multilingual"), "{err}");
}

#[test]
fn missing_model_directory_says_which_file() {
    let tmp = tempfile::tempdir().unwrap();
    let err = import_ct2(&tmp.path().join("nope"), &tmp.path().join("out.bin")).unwrap_err();
    assert!(matches!(err, ModelError::Io { .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains(&Path::new("nope").join("model.bin").display().to_string()),
        "{err}"
    );
}

#[test]
fn check_ggml_finds_a_truncated_or_altered_conversion() {
    let fx = fixture(&Ct2Model::whisper(51_864), &vocabulary(51_864));
    import_ct2(&fx.dir, &fx.out).unwrap();
    let bytes = fs::read(&fx.out).unwrap();

    fs::write(&fx.out, &bytes[..bytes.len() - 10]).unwrap();
    let err = check_ggml(&fx.out).unwrap_err();
    assert!(matches!(err, ModelError::NotGgml { .. }), "{err:?}");
    assert!(err.to_string().contains("truncated"), "{err}");

    // One layer fewer in the header than in the tensors.
    let mut altered = bytes.clone();
    altered[4 * 5..4 * 6].copy_from_slice(&1i32.to_le_bytes());
    fs::write(&fx.out, &altered).unwrap();
    let err = check_ggml(&fx.out).unwrap_err();
    assert!(err.to_string().contains("encoder.blocks.1"), "{err}");
}
