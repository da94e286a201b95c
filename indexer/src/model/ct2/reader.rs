//! Reads the index of a CTranslate2 `model.bin`: the spec, and each variable's name, shape, type
//! and where its data lies. Data is read later, one variable at a time, so a conversion never
//! holds the whole model in memory.
//!
//! Layout (little-endian): u32 version; spec name; u32 spec revision; u32 variable count; per
//! variable: name, u8 rank, rank × u32 dims, u8 dtype, u32 byte count, data; then u32 alias
//! count and (alias, target) name pairs. A name is a u16 length (including a trailing NUL) and
//! its bytes.

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::model::ModelError;

/// Binary versions whose layout is the one above (CTranslate2 3.x and 4.x write 6).
const SUPPORTED_VERSIONS: std::ops::RangeInclusive<u32> = 5..=6;

/// Element types of CTranslate2 variables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ct2Dtype {
    F32,
    I8,
    I16,
    I32,
    F16,
    Bf16,
}

impl Ct2Dtype {
    fn from_id(id: u8) -> Option<Self> {
        Some(match id {
            0 => Ct2Dtype::F32,
            1 => Ct2Dtype::I8,
            2 => Ct2Dtype::I16,
            3 => Ct2Dtype::I32,
            4 => Ct2Dtype::F16,
            5 => Ct2Dtype::Bf16,
            _ => return None,
        })
    }

    pub fn size(self) -> usize {
        match self {
            Ct2Dtype::I8 => 1,
            Ct2Dtype::I16 | Ct2Dtype::F16 | Ct2Dtype::Bf16 => 2,
            Ct2Dtype::F32 | Ct2Dtype::I32 => 4,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Ct2Dtype::F32 => "float32",
            Ct2Dtype::I8 => "int8",
            Ct2Dtype::I16 => "int16",
            Ct2Dtype::I32 => "int32",
            Ct2Dtype::F16 => "float16",
            Ct2Dtype::Bf16 => "bfloat16",
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, Ct2Dtype::F32 | Ct2Dtype::F16 | Ct2Dtype::Bf16)
    }
}

/// One variable: its metadata and where its data starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub shape: Vec<usize>,
    pub dtype: Ct2Dtype,
    pub offset: u64,
    pub len: u64,
    /// The data of scalars, kept because flags such as `encoder/num_heads` are read from it.
    scalar: Option<Vec<u8>>,
}

impl Variable {
    pub fn elements(&self) -> usize {
        self.shape.iter().product()
    }

    /// The value of an integer scalar.
    pub fn as_int(&self) -> Option<i64> {
        let b = self.scalar.as_deref()?;
        Some(match (self.dtype, b.len()) {
            (Ct2Dtype::I8, 1) => i64::from(b[0] as i8),
            (Ct2Dtype::I16, 2) => i64::from(i16::from_le_bytes([b[0], b[1]])),
            (Ct2Dtype::I32, 4) => i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])),
            _ => return None,
        })
    }
}

/// The index of a `model.bin`.
#[derive(Debug, Clone)]
pub struct Ct2Index {
    pub path: PathBuf,
    pub version: u32,
    pub spec: String,
    pub revision: u32,
    pub variables: Vec<Variable>,
    by_name: HashMap<String, usize>,
    aliases: HashMap<String, String>,
}

impl Ct2Index {
    /// Reads the index from `r`, seeking over variable data. `path` names the file in errors.
    pub fn read<R: Read + Seek>(r: &mut R, path: &Path) -> Result<Self, ModelError> {
        let file_len = r
            .seek(SeekFrom::End(0))
            .map_err(ModelError::io("reading", path))?;
        r.seek(SeekFrom::Start(0))
            .map_err(ModelError::io("reading", path))?;
        let mut p = Parser { r, path, pos: 0 };

        let version = p.u32("the format version")?;
        if !SUPPORTED_VERSIONS.contains(&version) {
            return Err(p.not_ct2(format!(
                "format version {version} (0x{version:08x}) is not one this importer reads ({}..={}); \
                 re-export the model with CTranslate2 3.x or 4.x",
                SUPPORTED_VERSIONS.start(),
                SUPPORTED_VERSIONS.end()
            )));
        }
        let spec = p.name("the spec name")?;
        let revision = p.u32("the spec revision")?;
        let count = p.u32("the variable count")?;

        let mut variables = Vec::with_capacity(count.min(4096) as usize);
        let mut by_name = HashMap::new();
        for index in 0..count {
            let what = format!("variable {index} of {count}");
            let name = p.name(&what)?;
            let rank = p.u8(&what)?;
            let shape = (0..rank)
                .map(|_| p.u32(&what).map(|d| d as usize))
                .collect::<Result<Vec<_>, _>>()?;
            let dtype_id = p.u8(&what)?;
            let dtype = Ct2Dtype::from_id(dtype_id).ok_or_else(|| {
                p.not_ct2(format!("variable `{name}` has unknown dtype id {dtype_id}"))
            })?;
            let len = u64::from(p.u32(&what)?);
            let expected = shape.iter().product::<usize>() as u64 * dtype.size() as u64;
            if len != expected {
                return Err(p.not_ct2(format!(
                    "variable `{name}` declares {len} bytes, but {shape:?} {} needs {expected}",
                    dtype.name()
                )));
            }
            let offset = p.pos;
            if offset + len > file_len {
                return Err(ModelError::Truncated {
                    path: path.to_owned(),
                    what: format!("the data of `{name}`"),
                });
            }
            let scalar = if rank == 0 {
                Some(p.bytes(len as usize, &what)?)
            } else {
                p.skip(len)?;
                None
            };
            by_name.insert(name.clone(), variables.len());
            variables.push(Variable {
                name,
                shape,
                dtype,
                offset,
                len,
                scalar,
            });
        }

        let n_aliases = p.u32("the alias count")?;
        let mut aliases = HashMap::new();
        for _ in 0..n_aliases {
            let alias = p.name("an alias")?;
            let target = p.name("an alias target")?;
            aliases.insert(alias, target);
        }
        Ok(Ct2Index {
            path: path.to_owned(),
            version,
            spec,
            revision,
            variables,
            by_name,
            aliases,
        })
    }

    /// The variable called `name`, following an alias if `name` is one.
    pub fn get(&self, name: &str) -> Option<&Variable> {
        let name = self.aliases.get(name).map_or(name, String::as_str);
        self.by_name.get(name).map(|&i| &self.variables[i])
    }

    /// Like [`Ct2Index::get`], but a missing variable is an error.
    pub fn require(&self, name: &str) -> Result<&Variable, ModelError> {
        self.get(name).ok_or_else(|| ModelError::MissingVariable {
            path: self.path.clone(),
            name: name.to_owned(),
        })
    }

    /// Reads `var`'s data into `buf` (replacing its contents).
    pub fn read_data<R: Read + Seek>(
        &self,
        r: &mut R,
        var: &Variable,
        buf: &mut Vec<u8>,
    ) -> Result<(), ModelError> {
        let mut read = || -> io::Result<()> {
            r.seek(SeekFrom::Start(var.offset))?;
            buf.clear();
            buf.resize(var.len as usize, 0);
            r.read_exact(buf)
        };
        read().map_err(|e| truncated_or_io(e, &self.path, &format!("the data of `{}`", var.name)))
    }
}

fn truncated_or_io(e: io::Error, path: &Path, what: &str) -> ModelError {
    if e.kind() == io::ErrorKind::UnexpectedEof {
        ModelError::Truncated {
            path: path.to_owned(),
            what: what.to_owned(),
        }
    } else {
        ModelError::Io {
            action: "reading",
            path: path.to_owned(),
            source: e,
        }
    }
}

struct Parser<'a, R> {
    r: &'a mut R,
    path: &'a Path,
    pos: u64,
}

impl<R: Read + Seek> Parser<'_, R> {
    fn bytes(&mut self, n: usize, what: &str) -> Result<Vec<u8>, ModelError> {
        let mut buf = vec![0u8; n];
        self.r
            .read_exact(&mut buf)
            .map_err(|e| truncated_or_io(e, self.path, what))?;
        self.pos += n as u64;
        Ok(buf)
    }

    fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], ModelError> {
        let mut buf = [0u8; N];
        self.r
            .read_exact(&mut buf)
            .map_err(|e| truncated_or_io(e, self.path, what))?;
        self.pos += N as u64;
        Ok(buf)
    }

    fn u8(&mut self, what: &str) -> Result<u8, ModelError> {
        Ok(self.array::<1>(what)?[0])
    }

    fn u32(&mut self, what: &str) -> Result<u32, ModelError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    fn name(&mut self, what: &str) -> Result<String, ModelError> {
        let len = u16::from_le_bytes(self.array(what)?) as usize;
        let mut bytes = self.bytes(len, what)?;
        if bytes.pop() != Some(0) {
            return Err(self.not_ct2(format!("{what}: a name is not NUL-terminated")));
        }
        String::from_utf8(bytes).map_err(|_| self.not_ct2(format!("{what}: a name is not UTF-8")))
    }

    fn skip(&mut self, n: u64) -> Result<(), ModelError> {
        let n_signed = i64::try_from(n).expect("a u32 byte count fits i64");
        self.r
            .seek(SeekFrom::Current(n_signed))
            .map_err(ModelError::io("reading", self.path))?;
        self.pos += n;
        Ok(())
    }

    fn not_ct2(&self, reason: String) -> ModelError {
        ModelError::NotCt2 {
            path: self.path.to_owned(),
            reason,
        }
    }
}
