//! `printf` format strings (OpenCL C 3.0 §6.15.14), shared by the front end and the runtime.
//!
//! A kernel's printf call appends a record to a device buffer: the call site's format id
//! (an index into the program's [`PrintfFormat`] table) and its argument values as 32-bit
//! words. The front end parses the format at build time to type-check the call and lay out
//! the record; the runtime parses it again (with the same [`parse`]) to print the records.
//!
//! Buffer layout ([`KernelInfo::printf_binding`](crate::KernelInfo::printf_binding)): word 0
//! counts the words used after it (it may run past the capacity: a record that does not fit
//! is dropped and its printf returns -1); records follow from word 1.

/// One printf call site: its format and what each conversion reads from the record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PrintfFormat {
    /// The format string's bytes (escape sequences already resolved).
    pub format: Vec<u8>,
    /// One entry per conversion that takes an argument, in order.
    pub args: Vec<PrintfArg>,
}

/// What a conversion prints.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PrintfArg {
    /// `n` values (1 for a scalar, the width of a vector) of type `ty`, from the record.
    Values { ty: ValTy, n: u8 },
    /// A `%s` argument: a string literal, known at build time (nothing in the record).
    Str(Vec<u8>),
}

/// How a value is stored in a record. Integers keep the bits of their promoted C type
/// (`int` or `long`); the length modifier and conversion decide how they print. `half`
/// values are stored as `float` (exactly).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValTy {
    Int32,
    Int64,
    F32,
    F64,
}

impl ValTy {
    pub fn words(self) -> u32 {
        match self {
            ValTy::Int32 | ValTy::F32 => 1,
            ValTy::Int64 | ValTy::F64 => 2,
        }
    }
}

impl PrintfArg {
    pub fn words(&self) -> u32 {
        match self {
            PrintfArg::Values { ty, n } => ty.words() * *n as u32,
            PrintfArg::Str(_) => 0,
        }
    }
}

impl PrintfFormat {
    /// Words of one record: the format id, then the values.
    pub fn record_words(&self) -> u32 {
        1 + self.args.iter().map(PrintfArg::words).sum::<u32>()
    }
}

/// Flags of a conversion specification.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Flags {
    pub minus: bool,
    pub plus: bool,
    pub space: bool,
    pub hash: bool,
    pub zero: bool,
}

/// Length modifiers. `hl` is OpenCL's (32-bit elements of a vector); `z`/`t` follow the
/// front end's `size_t`/`ptrdiff_t` (32 bits), `j` is 64 bits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Length {
    None,
    Hh,
    H,
    Hl,
    L,
    Z,
    T,
    J,
}

/// One conversion specification, e.g. `%-08.3v4hlf`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Spec {
    pub flags: Flags,
    pub width: Option<usize>,
    pub precision: Option<usize>,
    /// Vector width (`vN`), 0 for a scalar.
    pub vector: u8,
    pub length: Length,
    /// The conversion character: one of `diouxXfFeEgGaAcsp`.
    pub conv: u8,
}

impl Spec {
    pub fn is_int(&self) -> bool {
        b"diouxXc".contains(&self.conv)
    }
    pub fn is_float(&self) -> bool {
        b"fFeEgGaA".contains(&self.conv)
    }
}

/// A piece of a format: literal text (`%%` already made `%`) or a conversion.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Piece {
    Text(Vec<u8>),
    Spec(Spec),
}

/// Parses a format string; the error says what is wrong (the caller adds the position).
pub fn parse(fmt: &[u8]) -> Result<Vec<Piece>, String> {
    let mut out = Vec::new();
    let mut text = Vec::new();
    let mut i = 0;
    while i < fmt.len() {
        let c = fmt[i];
        i += 1;
        if c != b'%' {
            text.push(c);
            continue;
        }
        if fmt.get(i) == Some(&b'%') {
            text.push(b'%');
            i += 1;
            continue;
        }
        let start = i - 1;
        let mut flags = Flags::default();
        while let Some(&f) = fmt.get(i) {
            match f {
                b'-' => flags.minus = true,
                b'+' => flags.plus = true,
                b' ' => flags.space = true,
                b'#' => flags.hash = true,
                b'0' => flags.zero = true,
                _ => break,
            }
            i += 1;
        }
        let digits = |i: &mut usize| -> Option<usize> {
            let s = *i;
            let mut v: usize = 0;
            while let Some(d) = fmt.get(*i).filter(|d| d.is_ascii_digit()) {
                v = v.saturating_mul(10).saturating_add((d - b'0') as usize);
                *i += 1;
            }
            (*i > s).then_some(v)
        };
        let spec_text = |end: usize| String::from_utf8_lossy(&fmt[start..end.min(fmt.len())]).into_owned();
        if fmt.get(i) == Some(&b'*') {
            return Err(format!("`{}`: OpenCL C printf has no `*` field width or precision", spec_text(i + 1)));
        }
        let width = digits(&mut i);
        let mut precision = None;
        if fmt.get(i) == Some(&b'.') {
            i += 1;
            if fmt.get(i) == Some(&b'*') {
                return Err(format!("`{}`: OpenCL C printf has no `*` field width or precision", spec_text(i + 1)));
            }
            precision = Some(digits(&mut i).unwrap_or(0));
        }
        let mut vector = 0;
        if fmt.get(i) == Some(&b'v') {
            i += 1;
            let n = digits(&mut i);
            match n {
                Some(n @ (2 | 3 | 4 | 8 | 16)) => vector = n as u8,
                _ => return Err(format!("`{}`: the vector specifier must be v2, v3, v4, v8 or v16", spec_text(i))),
            }
        }
        let length = match (fmt.get(i), fmt.get(i + 1)) {
            (Some(b'h'), Some(b'h')) => {
                i += 2;
                Length::Hh
            }
            (Some(b'h'), Some(b'l')) => {
                i += 2;
                Length::Hl
            }
            (Some(b'h'), _) => {
                i += 1;
                Length::H
            }
            (Some(b'l'), Some(b'l')) => return Err(format!("`{}`: OpenCL C has no `ll` length modifier (use `l` for 64-bit values)", spec_text(i + 3))),
            (Some(b'l'), _) => {
                i += 1;
                Length::L
            }
            (Some(b'z'), _) => {
                i += 1;
                Length::Z
            }
            (Some(b't'), _) => {
                i += 1;
                Length::T
            }
            (Some(b'j'), _) => {
                i += 1;
                Length::J
            }
            _ => Length::None,
        };
        let Some(&conv) = fmt.get(i) else {
            return Err(format!("`{}`: incomplete conversion specification at the end of the format", spec_text(i)));
        };
        i += 1;
        if !b"diouxXfFeEgGaAcsp".contains(&conv) {
            return Err(format!("`{}`: unknown conversion specifier `{}`", spec_text(i), conv as char));
        }
        let spec = Spec { flags, width, precision, vector, length, conv };
        let bad = if vector > 0 {
            if b"csp".contains(&conv) {
                Some("a vector specifier cannot be used with %c, %s or %p")
            } else if spec.is_int() && matches!(length, Length::None | Length::Z | Length::T | Length::J) {
                Some("a vector of integers needs a length modifier: hh (char), h (short), hl (int) or l (long)")
            } else if spec.is_float() && length == Length::Hh {
                Some("floating-point vectors take h (half), hl (float) or l (double)")
            } else {
                None
            }
        } else if length == Length::Hl {
            Some("the hl length modifier is only for vectors")
        } else if spec.is_float() && matches!(length, Length::Hh | Length::H | Length::Z | Length::T | Length::J) {
            Some("this length modifier does not apply to floating-point conversions")
        } else if b"sp".contains(&conv) && length != Length::None {
            Some("%s and %p take no length modifier")
        } else if conv == b'c' && length != Length::None {
            Some("%lc (wide characters) is not supported")
        } else {
            None
        };
        if let Some(b) = bad {
            return Err(format!("`{}`: {b}", spec_text(i)));
        }
        if !text.is_empty() {
            out.push(Piece::Text(std::mem::take(&mut text)));
        }
        out.push(Piece::Spec(spec));
    }
    if !text.is_empty() {
        out.push(Piece::Text(text));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_specs() {
        let p = parse(b"a%%b %-08.3v4hlf %lu %hhx %s").unwrap();
        assert_eq!(p[0], Piece::Text(b"a%b ".to_vec()));
        let Piece::Spec(s) = p[1] else { panic!() };
        assert_eq!((s.flags.minus, s.flags.zero, s.width, s.precision, s.vector, s.length, s.conv), (true, true, Some(8), Some(3), 4, Length::Hl, b'f'));
        assert!(matches!(p[3], Piece::Spec(Spec { length: Length::L, conv: b'u', .. })));
        assert!(matches!(p[5], Piece::Spec(Spec { length: Length::Hh, conv: b'x', .. })));
        assert!(matches!(p[7], Piece::Spec(Spec { conv: b's', .. })));
    }

    #[test]
    fn refuses_bad_specs() {
        for f in ["%*d", "%.*f", "%v5hld", "%v4d", "%hlf", "%lld", "%q", "%", "%v2s", "%hf"] {
            assert!(parse(f.as_bytes()).is_err(), "{f}");
        }
    }
}
