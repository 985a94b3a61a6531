//! C objects held as 32-bit words: reading a value of any C layout out of `u32` words and
//! writing one into them, byte-exact.
//!
//! Two things need C's byte layout where WGSL has none: by-value kernel arguments (a uniform
//! struct of words, [`Src::Fields`]) and unions whose members have different layouts (a
//! union is `struct { w: array<u32, N> }` and each member is read or written by
//! (de)composing words with `bitcast`, so type punning behaves as in C, [`Src::Array`]).
//! 64-bit values take two words (low word first, as on every OpenCL device); `char`/`short`/
//! `half` values are bit ranges of a word.
use super::lexer::Pos;
use super::lower::{comp, Lower, R};
use super::types::*;
use crate::BuildError;

/// Where the words are.
#[derive(Clone, Debug)]
pub enum Src {
    /// Fields `w0`, `w1`, ... of a struct (uniform buffers cannot hold `array<u32>`).
    Fields(String),
    /// An indexable `array<u32, N>` reference, e.g. `c_u.w`.
    Array(String),
}

/// A byte offset into the words: a constant plus an optional dynamic `u32` WGSL expression
/// (from indexing an array member at run time).
#[derive(Clone, Debug, Default)]
pub struct Off {
    pub stat: u32,
    pub dyn_bytes: Option<String>,
}

impl Off {
    pub fn at(stat: u32) -> Off {
        Off { stat, dyn_bytes: None }
    }
    pub fn plus(&self, k: u32) -> Off {
        Off { stat: self.stat + k, dyn_bytes: self.dyn_bytes.clone() }
    }
    /// This offset plus `idx * stride` bytes.
    pub fn indexed(&self, idx: &str, stride: u32) -> Off {
        let term = format!("(u32({idx}) * {stride}u)");
        let dyn_bytes = Some(match &self.dyn_bytes {
            Some(d) => format!("({d} + {term})"),
            None => term,
        });
        Off { stat: self.stat, dyn_bytes }
    }
    /// Is the offset a multiple of 4 whatever the dynamic part is? (The dynamic part is always
    /// a multiple of its element stride; callers check strides.)
    fn aligned(&self) -> bool {
        self.stat.is_multiple_of(4)
    }
}

impl Src {
    /// The word holding byte `off` (plus `k` words).
    pub fn word(&self, off: &Off, k: u32) -> String {
        match (self, &off.dyn_bytes) {
            (Src::Fields(u), _) => format!("{u}.w{}", off.stat / 4 + k),
            (Src::Array(a), None) => format!("{a}[{}]", off.stat / 4 + k),
            (Src::Array(a), Some(d)) => {
                let extra = if k == 0 { String::new() } else { format!(" + {k}u") };
                format!("{a}[({d} + {}u) / 4u{extra}]", off.stat)
            }
        }
    }
    /// The bit position of byte `off` in its word.
    fn shift(&self, off: &Off) -> String {
        match &off.dyn_bytes {
            None => format!("{}u", (off.stat % 4) * 8),
            Some(d) => format!("((({d} + {}u) % 4u) * 8u)", off.stat),
        }
    }
}

/// Values that have no word representation (`bool`, pointers, `void`).
fn refuse(lw: &Lower, t: &Ty, pos: Pos) -> BuildError {
    lw.err(pos, format!("a `{}` cannot be stored as 32-bit words (in a union or a by-value argument)", t.c_name(lw.structs())))
}

/// The value of C type `t` stored at `off` of `src`.
pub fn decode(lw: &Lower, src: &Src, t: &Ty, off: &Off, pos: Pos) -> R<String> {
    Ok(match t {
        Ty::Scalar(s) => {
            let w = src.word(off, 0);
            match s {
                Sc::Int => format!("bitcast<i32>({w})"),
                Sc::UInt => w,
                Sc::Float => format!("bitcast<f32>({w})"),
                Sc::Char | Sc::Short => format!("extractBits(bitcast<i32>({w}), {}, {}u)", src.shift(off), s.size() * 8),
                Sc::UChar | Sc::UShort => format!("extractBits({w}, {}, {}u)", src.shift(off), s.size() * 8),
                Sc::Half => format!("f16(unpack2x16float({w} >> {})[0])", src.shift(off)),
                Sc::ULong | Sc::Long | Sc::Double => {
                    let v = format!("(u64({w}) | (u64({}) << 32u))", src.word(off, 1));
                    match s {
                        Sc::ULong => v,
                        Sc::Long => format!("bitcast<i64>({v})"),
                        _ => format!("bitcast<f64>({v})"),
                    }
                }
            }
        }
        Ty::Vector(s, n) => {
            let parts: R<Vec<_>> = (0..*n as u32).map(|k| decode(lw, src, &Ty::Scalar(*s), &off.plus(k * s.size()), pos)).collect();
            lw.vec_code(t, &parts?)
        }
        Ty::Array(e, n) => {
            let stride = e.layout(lw.structs()).0;
            let parts: R<Vec<_>> = (0..*n).map(|k| decode(lw, src, e, &off.plus(k * stride), pos)).collect();
            format!("{}({})", lw.wt(t), parts?.join(", "))
        }
        Ty::Struct(i) if lw.structs()[*i].is_union => {
            if !off.aligned() {
                return Err(lw.err(pos, format!("`{}` at an offset that is not a multiple of 4 bytes is not supported", lw.structs()[*i].name)));
            }
            let n = union_words(lw, *i);
            let ws: Vec<String> = (0..n).map(|k| src.word(off, k)).collect();
            format!("{}(array<u32, {n}>({}))", lw.wt(t), ws.join(", "))
        }
        Ty::Struct(i) => {
            let offs = Ty::field_offsets(*i, lw.structs());
            let mut parts = Vec::new();
            for ((_, ft), o) in lw.structs()[*i].fields.iter().zip(offs) {
                parts.push(decode(lw, src, ft, &off.plus(o), pos)?);
            }
            format!("{}({})", lw.wt(t), parts.join(", "))
        }
        t => return Err(refuse(lw, t, pos)),
    })
}

/// Statements storing `code` (a WGSL name or field path: it is evaluated once per scalar) of
/// C type `t` at `off` of `src`; bytes outside the value are kept.
pub fn encode(lw: &mut Lower, src: &Src, t: &Ty, code: &str, off: &Off, pos: Pos) -> R<()> {
    match t {
        Ty::Scalar(s) => {
            let w = src.word(off, 0);
            let bits = match s {
                Sc::UInt | Sc::UChar | Sc::UShort => code.to_string(),
                Sc::Int | Sc::Float | Sc::Char | Sc::Short => format!("bitcast<u32>({code})"),
                Sc::Half => format!("pack2x16float(vec2<f32>(f32({code}), 0.0f))"),
                Sc::ULong => code.to_string(),
                Sc::Long | Sc::Double => format!("bitcast<u64>({code})"),
            };
            match s.size() {
                4 => lw.emit(format!("{w} = {bits};")),
                8 => {
                    let b = lw.fresh("b");
                    lw.emit(format!("let {b} = {bits};"));
                    lw.emit(format!("{w} = u32({b} & 0xfffffffflu);"));
                    lw.emit(format!("{} = u32({b} >> 32u);", src.word(off, 1)));
                }
                n => lw.emit(format!("{w} = insertBits({w}, {bits}, {}, {}u);", src.shift(off), n * 8)),
            }
        }
        Ty::Vector(s, n) => {
            for k in 0..*n as u32 {
                encode(lw, src, &Ty::Scalar(*s), &comp(code, *n, k as u8), &off.plus(k * s.size()), pos)?;
            }
        }
        Ty::Array(e, n) => {
            let stride = e.layout(lw.structs()).0;
            for k in 0..*n {
                encode(lw, src, e, &format!("{code}[{k}]"), &off.plus(k * stride), pos)?;
            }
        }
        Ty::Struct(i) if lw.structs()[*i].is_union => {
            if !off.aligned() {
                return Err(lw.err(pos, format!("`{}` at an offset that is not a multiple of 4 bytes is not supported", lw.structs()[*i].name)));
            }
            for k in 0..union_words(lw, *i) {
                lw.emit(format!("{} = {code}.w[{k}];", src.word(off, k)));
            }
        }
        Ty::Struct(i) => {
            let offs = Ty::field_offsets(*i, lw.structs());
            for ((n, ft), o) in lw.structs()[*i].fields.iter().zip(offs) {
                encode(lw, src, ft, &format!("{code}.f_{n}"), &off.plus(o), pos)?;
            }
        }
        t => return Err(refuse(lw, t, pos)),
    }
    Ok(())
}

/// How many 32-bit words hold union `i` (its C size rounded up).
pub fn union_words(lw: &Lower, i: usize) -> u32 {
    Ty::Struct(i).layout(lw.structs()).0.div_ceil(4).max(1)
}

/// Can every member of union `i` live in words (no `bool`, pointers are refused elsewhere)?
pub fn check_union(lw: &Lower, i: usize, pos: Pos) -> R<()> {
    fn ok(lw: &Lower, t: &Ty) -> bool {
        match t {
            Ty::Scalar(_) | Ty::Vector(..) => true,
            Ty::Array(e, _) => ok(lw, e),
            Ty::Struct(j) => lw.structs()[*j].fields.iter().all(|(_, f)| ok(lw, f)),
            _ => false,
        }
    }
    let d = &lw.structs()[i];
    match d.fields.iter().find(|(_, f)| !ok(lw, f)) {
        Some((n, f)) => Err(lw.err(pos, format!(
            "member `{n}` of `{}` has type `{}`, which a union cannot hold (it is stored as 32-bit words)",
            d.name,
            f.c_name(lw.structs())
        ))),
        None => Ok(()),
    }
}
