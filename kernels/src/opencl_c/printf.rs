//! `printf` in kernels: type-checks a call against its (literal) format and lowers it to
//! appending one record to the kernel's printf buffer (layout in [`crate::printf`]).
use super::ast::{Expr, ExprKind};
use super::lexer::Pos;
use super::lower::{comp, Lower, Val, R};
use super::types::*;
use crate::printf::{parse, Length, Piece, PrintfArg, PrintfFormat, Spec, ValTy};

/// The bytes of a string literal token (with its quotes), escape sequences resolved.
pub fn unescape(tok: &str) -> Result<Vec<u8>, String> {
    let inner = tok
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .ok_or_else(|| format!("unsupported string literal {tok}"))?;
    let b = inner.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let Some(&e) = b.get(i) else { return Err("a string literal ends in a lone backslash".into()) };
        i += 1;
        out.push(match e {
            b'n' => b'\n',
            b't' => b'\t',
            b'r' => b'\r',
            b'a' => 7,
            b'b' => 8,
            b'f' => 12,
            b'v' => 11,
            b'\\' | b'\'' | b'"' | b'?' => e,
            b'0'..=b'7' => {
                let mut v = (e - b'0') as u32;
                for _ in 0..2 {
                    match b.get(i) {
                        Some(d @ b'0'..=b'7') => {
                            v = v * 8 + (d - b'0') as u32;
                            i += 1;
                        }
                        _ => break,
                    }
                }
                if v > 255 {
                    return Err(format!("octal escape \\{:o} is out of range for a char", v));
                }
                v as u8
            }
            b'x' => {
                let s = i;
                while b.get(i).is_some_and(|d| d.is_ascii_hexdigit()) {
                    i += 1;
                }
                let v = u32::from_str_radix(&inner[s..i], 16).map_err(|_| "\\x needs hexadecimal digits".to_string())?;
                if v > 255 {
                    return Err(format!("hex escape \\x{} is out of range for a char", &inner[s..i]));
                }
                v as u8
            }
            other => return Err(format!("unknown escape sequence \\{}", other as char)),
        });
    }
    Ok(out)
}

/// A C string: up to its first NUL.
fn c_str(b: &[u8]) -> Vec<u8> {
    b.iter().take_while(|c| **c != 0).copied().collect()
}

impl Lower<'_> {
    /// `printf(format, ...)`: 0 when the record was written, -1 when the buffer was full.
    pub fn printf(&mut self, args: &[Expr], pos: Pos) -> R<Val> {
        let Some(first) = args.first() else {
            return Err(self.err(pos, "printf needs a format string"));
        };
        let ExprKind::Str(fmt) = &first.kind else {
            return Err(self.err(first.pos, "printf's format must be a string literal (wgcl checks and stores formats when the program is built)"));
        };
        let fmt = c_str(fmt);
        let pieces = parse(&fmt).map_err(|m| self.err(first.pos, format!("printf format: {m}")))?;
        let specs: Vec<Spec> = pieces.iter().filter_map(|p| if let Piece::Spec(s) = p { Some(*s) } else { None }).collect();
        if args.len() - 1 < specs.len() {
            return Err(self.err(pos, format!(
                "printf: the format has {} conversion(s) but {} argument(s) follow it",
                specs.len(),
                args.len() - 1
            )));
        }
        let mut layout = Vec::new();
        let mut words = Vec::new();
        for (i, a) in args[1..].iter().enumerate() {
            match (specs.get(i), &a.kind) {
                (Some(s), ExprKind::Str(b)) if s.conv == b's' => layout.push(PrintfArg::Str(c_str(b))),
                (Some(s), _) if s.conv == b's' => {
                    return Err(self.err(a.pos, "printf: a %s argument must be a string literal (kernels have no strings in memory)"));
                }
                (Some(s), _) if s.conv == b'p' => {
                    return Err(self.err(a.pos, "printf: %p is not supported (wgcl pointers are buffer offsets, not addresses)"));
                }
                // Arguments past the format are evaluated, as C says, then ignored.
                (None, ExprKind::Str(_)) => {}
                (None, _) => {
                    let v = self.expr(a)?;
                    if v.ty != Ty::Void && !v.code.is_empty() {
                        self.to_let(v);
                    }
                }
                (Some(s), _) => {
                    let v = self.expr(a)?;
                    let (ty, n) = self.printf_value(s, v, &mut words, a.pos)?;
                    layout.push(PrintfArg::Values { ty, n });
                }
            }
        }
        let format = PrintfFormat { format: fmt, args: layout };
        let size = format.record_words();
        let id = match self.printf.iter().position(|f| *f == format) {
            Some(i) => i,
            None => {
                self.printf.push(format);
                self.printf.len() - 1
            }
        };
        self.kout.printf = true;
        let buf = format!("wgcl_printf_{}", self.printf_binding());
        let (r, o) = (self.fresh("pf"), self.fresh("po"));
        let cap = format!("(arrayLength(&{buf}) - 1u)");
        self.emit(format!("var {r} = -1i;"));
        // Checking first keeps the counter from growing without bound once the buffer is full.
        self.emit(format!("if (wgcl_active && atomicLoad(&{buf}[0]) < {cap}) {{"));
        self.emit(format!("    let {o} = atomicAdd(&{buf}[0], {size}u);"));
        self.emit(format!("    if ({o} + {size}u <= {cap}) {{"));
        self.emit(format!("        atomicStore(&{buf}[{o} + 1u], {id}u);"));
        for (k, w) in words.iter().enumerate() {
            self.emit(format!("        atomicStore(&{buf}[{o} + {}u], {w});", k + 2));
        }
        self.emit(format!("        {r} = 0i;"));
        self.emit("    }");
        self.emit("}");
        Ok(Val::new(r, INT))
    }

    /// The printf buffer's binding: after the kernel's arguments and its dispatch block.
    pub fn printf_binding(&self) -> usize {
        let name = &self.kc().name;
        let nargs = self
            .unit
            .items
            .iter()
            .find_map(|i| match i {
                super::ast::Item::Function(f) if f.is_kernel && &f.name == name && f.body.is_some() => Some(f.params.len()),
                _ => None,
            })
            .expect("the kernel being lowered");
        nargs + 1
    }

    /// Checks `v` against conversion `s` and appends the words that store it (WGSL `u32`
    /// expressions); returns how the record holds it.
    fn printf_value(&mut self, s: &Spec, v: Val, words: &mut Vec<String>, pos: Pos) -> R<(ValTy, u8)> {
        let tname = v.ty.c_name(self.structs());
        let spec = spec_text(s);
        let (sc, n) = match &v.ty {
            Ty::Bool => (Sc::Int, 0),
            Ty::Scalar(sc) => (*sc, 0),
            Ty::Vector(sc, n) => (*sc, *n),
            _ => return Err(self.err(pos, format!("printf: `{spec}` cannot print a `{tname}`"))),
        };
        if n != s.vector {
            let want = if s.vector == 0 { "a scalar".to_string() } else { format!("a {}-component vector", s.vector) };
            return Err(self.err(pos, format!("printf: `{spec}` takes {want}, this argument is `{tname}`")));
        }
        let (target, ty) = if s.is_int() {
            if sc.is_float() {
                return Err(self.err(pos, format!("printf: `{spec}` takes an integer, this argument is `{tname}`")));
            }
            if n > 0 {
                let size = match s.length {
                    Length::Hh => 1,
                    Length::H => 2,
                    Length::Hl => 4,
                    _ => 8,
                };
                if sc.size() != size {
                    return Err(self.err(pos, format!("printf: `{spec}` takes a vector of {}-bit integers, this argument is `{tname}`", size * 8)));
                }
            }
            let wide = matches!(s.length, Length::L | Length::J);
            if !wide && sc.size() == 8 {
                return Err(self.err(pos, format!("printf: `{spec}` takes a 32-bit integer, this argument is `{tname}` (use the l length modifier)")));
            }
            if wide && !self.caps.i64 {
                return Err(self.err(pos, "printf: 64-bit integers need a device with 64-bit integer support"));
            }
            match (wide, sc.is_signed()) {
                (false, true) => (Sc::Int, ValTy::Int32),
                (false, false) => (Sc::UInt, ValTy::Int32),
                (true, true) => (Sc::Long, ValTy::Int64),
                (true, false) => (Sc::ULong, ValTy::Int64),
            }
        } else {
            if !sc.is_float() {
                return Err(self.err(pos, format!("printf: `{spec}` takes a floating-point value, this argument is `{tname}`")));
            }
            if n > 0 {
                let want = match s.length {
                    Length::H => Some(Sc::Half),
                    Length::Hl => Some(Sc::Float),
                    Length::L => Some(Sc::Double),
                    _ => None,
                };
                if want.is_some_and(|w| w != sc) {
                    return Err(self.err(pos, format!("printf: `{spec}` takes a `{}` vector, this argument is `{tname}`", want.unwrap().c_name())));
                }
            }
            match sc {
                Sc::Double => (Sc::Double, ValTy::F64),
                _ => (Sc::Float, ValTy::F32),
            }
        };
        let tt = if n > 0 { Ty::Vector(target, n) } else { Ty::Scalar(target) };
        let code = self.conv(&v, &tt, pos)?;
        let val = self.to_let(Val::new(code, tt));
        for k in 0..n.max(1) {
            let c = if n > 0 { comp(&val.code, n, k) } else { val.code.clone() };
            match ty {
                ValTy::Int32 | ValTy::F32 => words.push(format!("bitcast<u32>({c})")),
                ValTy::Int64 | ValTy::F64 => {
                    let b = self.fresh("pw");
                    self.emit(format!("let {b} = bitcast<u64>({c});"));
                    words.push(format!("u32({b} & 0xfffffffflu)"));
                    words.push(format!("u32({b} >> 32u)"));
                }
            }
        }
        Ok((ty, n.max(1)))
    }
}

/// A conversion as written (for messages).
fn spec_text(s: &Spec) -> String {
    let mut t = String::from("%");
    if s.vector > 0 {
        t.push_str(&format!("v{}", s.vector));
    }
    t.push_str(match s.length {
        Length::None => "",
        Length::Hh => "hh",
        Length::H => "h",
        Length::Hl => "hl",
        Length::L => "l",
        Length::Z => "z",
        Length::T => "t",
        Length::J => "j",
    });
    t.push(s.conv as char);
    t
}

#[cfg(test)]
mod tests {
    #[test]
    fn unescapes() {
        assert_eq!(super::unescape(r#""a\n\t\"\\\101\x41\0b""#).unwrap(), b"a\n\t\"\\AA\0b");
        assert!(super::unescape(r#""\q""#).is_err());
    }
}
