//! Printing kernels' printf records on the host, formatted as C's printf (glibc) would.
//!
//! The front end stores each call site's format in the program's table and the kernel
//! appends records (format id, argument words) to its printf buffer; see
//! [`wgcl_kernels::printf`]. After the launch the runtime reads the buffer back and turns
//! the records into text here.
use std::io::Write;

use wgcl_kernels::printf::{parse, Length, Piece, PrintfArg, PrintfFormat, Spec, ValTy};

/// `CL_DEVICE_PRINTF_BUFFER_SIZE`: bytes of each launch's printf buffer (the full-profile
/// minimum, 1 MB), including its counter word.
pub const PRINTF_BUFFER_SIZE: u64 = 1024 * 1024;

/// Formats the records of a printf buffer read back after a launch (`data` holds the whole
/// buffer: the word count, then the records).
pub fn format_buffer(formats: &[PrintfFormat], data: &[u8]) -> Vec<u8> {
    let words: Vec<u32> = data.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
    let Some((&used, rest)) = words.split_first() else { return Vec::new() };
    let rest = &rest[..(used as usize).min(rest.len())];
    let mut out = Vec::new();
    let mut at = 0;
    while at < rest.len() {
        let Some(f) = formats.get(rest[at] as usize) else {
            // Cannot happen with a buffer the kernel wrote; stop rather than print garbage.
            log::error!("printf buffer holds an unknown format id {}", rest[at]);
            break;
        };
        let n = f.record_words() as usize;
        let Some(rec) = rest.get(at + 1..at + n) else { break };
        format_record(f, rec, &mut out);
        at += n;
    }
    out
}

/// Writes the text of a launch's printf calls to the process's standard output.
pub fn print_buffer(formats: &[PrintfFormat], data: &[u8]) {
    let text = format_buffer(formats, data);
    if text.is_empty() {
        return;
    }
    let mut out = std::io::stdout().lock();
    // Nowhere to report a failed write to: printf's output is best effort, as in C.
    let _ = out.write_all(&text);
    let _ = out.flush();
}

/// Formats one record (`words`: the values after the format id).
pub fn format_record(f: &PrintfFormat, words: &[u32], out: &mut Vec<u8>) {
    let pieces = parse(&f.format).unwrap_or_default();
    let mut args = f.args.iter();
    let mut w = 0usize;
    for p in pieces {
        match p {
            Piece::Text(t) => out.extend_from_slice(&t),
            Piece::Spec(s) => match args.next() {
                Some(PrintfArg::Str(b)) => pad(out, &s, b"", &b[..s.precision.map_or(b.len(), |p| p.min(b.len()))], false),
                Some(PrintfArg::Values { ty, n }) => {
                    for k in 0..*n {
                        if k > 0 {
                            out.push(b',');
                        }
                        let v = match ty {
                            ValTy::Int32 | ValTy::F32 => words.get(w).copied().unwrap_or(0) as u64,
                            ValTy::Int64 | ValTy::F64 => {
                                words.get(w).copied().unwrap_or(0) as u64 | (words.get(w + 1).copied().unwrap_or(0) as u64) << 32
                            }
                        };
                        w += ty.words() as usize;
                        format_value(&s, *ty, v, out);
                    }
                }
                None => {}
            },
        }
    }
}

/// Formats one value (`bits` of the stored type) for conversion `s`.
pub fn format_value(s: &Spec, ty: ValTy, bits: u64, out: &mut Vec<u8>) {
    if s.is_float() {
        let x = match ty {
            ValTy::F32 => f32::from_bits(bits as u32) as f64,
            ValTy::F64 => f64::from_bits(bits),
            // The front end only stores floats for float conversions.
            ValTy::Int32 | ValTy::Int64 => bits as i64 as f64,
        };
        format_float(s, x, out);
    } else {
        format_int(s, ty, bits, out);
    }
}

/// Pads `sign`+`body` to the field width (zeros go between them when `zeros`).
fn pad(out: &mut Vec<u8>, s: &Spec, sign: &[u8], body: &[u8], zeros: bool) {
    let len = sign.len() + body.len();
    let fill = s.width.unwrap_or(0).saturating_sub(len);
    if s.flags.minus {
        out.extend_from_slice(sign);
        out.extend_from_slice(body);
        out.resize(out.len() + fill, b' ');
    } else if zeros {
        out.extend_from_slice(sign);
        out.resize(out.len() + fill, b'0');
        out.extend_from_slice(body);
    } else {
        out.resize(out.len() + fill, b' ');
        out.extend_from_slice(sign);
        out.extend_from_slice(body);
    }
}

fn format_int(s: &Spec, ty: ValTy, bits: u64, out: &mut Vec<u8>) {
    // The stored value has its promoted type's width; the length modifier narrows it.
    let bits = if ty == ValTy::Int32 { bits as u32 as i32 as i64 as u64 } else { bits };
    let width = match s.length {
        Length::Hh => 8,
        Length::H => 16,
        Length::L | Length::J => 64,
        Length::None | Length::Hl | Length::Z | Length::T => 32,
    };
    let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
    let u = bits & mask;
    if s.conv == b'c' {
        pad(out, s, b"", &[u as u8], false);
        return;
    }
    let signed = matches!(s.conv, b'd' | b'i');
    let (neg, mag) = if signed {
        let v = ((u << (64 - width)) as i64) >> (64 - width);
        (v < 0, v.unsigned_abs())
    } else {
        (false, u)
    };
    let mut digits = match s.conv {
        b'o' => format!("{mag:o}"),
        b'x' => format!("{mag:x}"),
        b'X' => format!("{mag:X}"),
        _ => mag.to_string(),
    }
    .into_bytes();
    if s.precision == Some(0) && mag == 0 {
        digits.clear();
    }
    if let Some(p) = s.precision {
        if digits.len() < p {
            let mut d = vec![b'0'; p - digits.len()];
            d.extend_from_slice(&digits);
            digits = d;
        }
    }
    let mut sign: Vec<u8> = Vec::new();
    if signed {
        if neg {
            sign.push(b'-');
        } else if s.flags.plus {
            sign.push(b'+');
        } else if s.flags.space {
            sign.push(b' ');
        }
    }
    if s.flags.hash {
        match s.conv {
            b'o' if digits.first() != Some(&b'0') => digits.insert(0, b'0'),
            b'x' if mag != 0 => sign.extend_from_slice(b"0x"),
            b'X' if mag != 0 => sign.extend_from_slice(b"0X"),
            _ => {}
        }
    }
    let zeros = s.flags.zero && !s.flags.minus && s.precision.is_none();
    pad(out, s, &sign, &digits, zeros);
}

fn format_float(s: &Spec, x: f64, out: &mut Vec<u8>) {
    let upper = s.conv.is_ascii_uppercase();
    let mut sign: Vec<u8> = Vec::new();
    if x.is_sign_negative() {
        sign.push(b'-');
    } else if s.flags.plus {
        sign.push(b'+');
    } else if s.flags.space {
        sign.push(b' ');
    }
    if !x.is_finite() {
        let t = match (x.is_nan(), upper) {
            (true, false) => "nan",
            (true, true) => "NAN",
            (false, false) => "inf",
            (false, true) => "INF",
        };
        pad(out, s, &sign, t.as_bytes(), false);
        return;
    }
    let a = x.abs();
    let body = match s.conv.to_ascii_lowercase() {
        b'f' => fixed(a, s.precision.unwrap_or(6), s.flags.hash),
        b'e' => exp(a, s.precision.unwrap_or(6), s.flags.hash),
        b'g' => general(a, s.precision.unwrap_or(6), s.flags.hash),
        _ => {
            let (prefix, body) = hex_float(a, s.precision, s.flags.hash);
            sign.extend_from_slice(prefix.as_bytes());
            body
        }
    };
    let body = if upper { body.to_ascii_uppercase() } else { body };
    let sign = if upper { sign.to_ascii_uppercase() } else { sign };
    pad(out, s, &sign, body.as_bytes(), s.flags.zero && !s.flags.minus);
}

/// `%f` of a non-negative finite value (Rust's formatting is exact and rounds ties to even,
/// as glibc does in the default rounding mode).
fn fixed(a: f64, prec: usize, hash: bool) -> String {
    let mut t = format!("{a:.prec$}");
    if hash && prec == 0 {
        t.push('.');
    }
    t
}

/// `%e` of a non-negative finite value: `d.ddde+XX`.
fn exp(a: f64, prec: usize, hash: bool) -> String {
    let t = format!("{a:.prec$e}");
    let (m, e) = t.split_once('e').expect("LowerExp has an exponent");
    let e: i32 = e.parse().expect("LowerExp exponent");
    let mut m = m.to_string();
    if hash && prec == 0 {
        m.push('.');
    }
    format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs())
}

/// `%g`: `%e` or `%f` by the exponent, trailing zeros removed unless `#`.
fn general(a: f64, prec: usize, hash: bool) -> String {
    let p = if prec == 0 { 1 } else { prec };
    let e = if a == 0.0 {
        0
    } else {
        let t = format!("{a:.*e}", p - 1);
        t.split_once('e').and_then(|(_, e)| e.parse::<i64>().ok()).unwrap_or(0)
    };
    let mut t = if (p as i64) > e && e >= -4 { fixed(a, (p as i64 - 1 - e) as usize, hash) } else { exp(a, p - 1, hash) };
    if !hash {
        let (m, tail) = match t.find('e') {
            Some(i) => (t[..i].to_string(), t[i..].to_string()),
            None => (t.clone(), String::new()),
        };
        let m = if m.contains('.') { m.trim_end_matches('0').trim_end_matches('.').to_string() } else { m };
        t = m + &tail;
    }
    t
}

/// `%a` of a non-negative finite value, as glibc prints doubles: `0x1.8p+1`, subnormals as
/// `0x0.xxxp-1022`, the precision rounding the hex digits to nearest, ties to even. Returns
/// the `0x` prefix (which zero padding follows) and the rest.
fn hex_float(a: f64, precision: Option<usize>, hash: bool) -> (&'static str, String) {
    let bits = a.to_bits();
    let biased = (bits >> 52) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    if a == 0.0 {
        let digits = "0".repeat(precision.unwrap_or(0));
        let dot = if !digits.is_empty() || hash { "." } else { "" };
        return ("0x", format!("0{dot}{digits}p+0"));
    }
    let (mut lead, exp) = if biased == 0 { (0u64, -1022i64) } else { (1u64, biased - 1023) };
    // 13 hex digits of fraction.
    let mut frac = frac;
    let mut ndig = 13usize;
    if let Some(p) = precision {
        if p < 13 {
            let drop = (13 - p) * 4;
            let rem = frac & ((1u64 << drop) - 1);
            let half = 1u64 << (drop - 1);
            frac >>= drop;
            if rem > half || (rem == half && frac & 1 == 1) {
                frac += 1;
                if frac >> (p * 4) != 0 {
                    frac &= (1u64 << (p * 4)) - 1;
                    lead += 1;
                }
            }
            ndig = p;
        }
    } else {
        while ndig > 0 && frac & 0xf == 0 {
            frac >>= 4;
            ndig -= 1;
        }
    }
    let mut digits = if ndig == 0 { String::new() } else { format!("{frac:0ndig$x}") };
    if let Some(p) = precision {
        while digits.len() < p {
            digits.push('0');
        }
    }
    let dot = if !digits.is_empty() || hash { "." } else { "" };
    ("0x", format!("{lead}{dot}{digits}p{}{}", if exp < 0 { '-' } else { '+' }, exp.abs()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fmt1(f: &str, ty: ValTy, bits: u64) -> String {
        let format = PrintfFormat { format: f.as_bytes().to_vec(), args: vec![PrintfArg::Values { ty, n: 1 }] };
        let words = [bits as u32, (bits >> 32) as u32];
        let mut out = Vec::new();
        format_record(&format, &words[..ty.words() as usize], &mut out);
        String::from_utf8(out).unwrap()
    }
    fn i(f: &str, v: i32) -> String {
        fmt1(f, ValTy::Int32, v as u32 as u64)
    }
    fn l(f: &str, v: i64) -> String {
        fmt1(f, ValTy::Int64, v as u64)
    }
    fn d(f: &str, v: f64) -> String {
        fmt1(f, ValTy::F64, v.to_bits())
    }
    fn fl(f: &str, v: f32) -> String {
        fmt1(f, ValTy::F32, v.to_bits() as u64)
    }

    /// Expected strings are what glibc's printf prints for the same format and value.
    #[test]
    fn integers_as_c_prints_them() {
        assert_eq!(i("%d", -42), "-42");
        assert_eq!(i("%5d|", 42), "   42|");
        assert_eq!(i("%-5d|", 42), "42   |");
        assert_eq!(i("%05d", -42), "-0042");
        assert_eq!(i("%+d", 7), "+7");
        assert_eq!(i("% d", 7), " 7");
        assert_eq!(i("%.3d", 7), "007");
        assert_eq!(i("%.0d", 0), "");
        assert_eq!(i("%08.3d", -7), "    -007");
        assert_eq!(i("%u", -1), "4294967295");
        assert_eq!(i("%x", 255), "ff");
        assert_eq!(i("%X", 255), "FF");
        assert_eq!(i("%#x", 255), "0xff");
        assert_eq!(i("%#X", 255), "0XFF");
        assert_eq!(i("%#x", 0), "0");
        assert_eq!(i("%#o", 8), "010");
        assert_eq!(i("%#o", 0), "0");
        assert_eq!(i("%#08x", 255), "0x0000ff");
        assert_eq!(i("%hhd", 300), "44");
        assert_eq!(i("%hd", 70000), "4464");
        assert_eq!(i("%hhu", -1), "255");
        assert_eq!(i("%c", 65), "A");
        assert_eq!(i("%3c|", 65), "  A|");
        assert_eq!(l("%ld", i64::MIN), "-9223372036854775808");
        assert_eq!(l("%lu", -1), "18446744073709551615");
        assert_eq!(l("%lx", 0x1234_5678_9abc), "123456789abc");
    }

    #[test]
    fn floats_as_c_prints_them() {
        assert_eq!(d("%f", 1.5), "1.500000");
        assert_eq!(fl("%f", 0.1), "0.100000");
        assert_eq!(d("%.0f", 2.5), "2");
        assert_eq!(d("%#.0f", 2.0), "2.");
        assert_eq!(d("%8.3f|", -3.14159), "  -3.142|");
        assert_eq!(d("%-8.2f|", 3.14159), "3.14    |");
        assert_eq!(d("%08.2f", -3.14159), "-0003.14");
        assert_eq!(d("%+.1f", 0.0), "+0.0");
        assert_eq!(d("%f", -0.0), "-0.000000");
        assert_eq!(d("%e", 1234.5), "1.234500e+03");
        assert_eq!(d("%.2E", 0.000123), "1.23E-04");
        assert_eq!(d("%e", 0.0), "0.000000e+00");
        assert_eq!(d("%e", 1e100), "1.000000e+100");
        assert_eq!(d("%g", 100000.0), "100000");
        assert_eq!(d("%g", 1000000.0), "1e+06");
        assert_eq!(d("%g", 0.0001), "0.0001");
        assert_eq!(d("%g", 0.00001), "1e-05");
        assert_eq!(d("%g", 3.14159), "3.14159");
        assert_eq!(d("%G", 1.5e-10), "1.5E-10");
        assert_eq!(d("%#g", 1.0), "1.00000");
        assert_eq!(d("%.0g", 25.0), "2e+01");
        assert_eq!(d("%g", 0.0), "0");
        assert_eq!(d("%a", 1.0), "0x1p+0");
        assert_eq!(d("%a", 0.1), "0x1.999999999999ap-4");
        assert_eq!(d("%A", 3.0), "0X1.8P+1");
        assert_eq!(d("%.1a", 1.96875), "0x2.0p+0");
        assert_eq!(d("%.2a", 1.0), "0x1.00p+0");
        assert_eq!(d("%a", 0.0), "0x0p+0");
        assert_eq!(d("%a", 5e-324), "0x0.0000000000001p-1022");
        assert_eq!(d("%010a", 1.0), "0x00001p+0");
        assert_eq!(d("%f", f64::INFINITY), "inf");
        assert_eq!(d("%F", f64::NEG_INFINITY), "-INF");
        assert_eq!(d("%e", f64::NAN), "nan");
        assert_eq!(d("%05f", f64::INFINITY), "  inf");
        // Rust's own formatting agrees on the digits.
        for v in [0.5f64, 1.0 / 3.0, 123456.789, 1e-7, 6.02214076e23] {
            assert_eq!(d("%.10f", v), format!("{v:.10}"));
        }
    }

    #[test]
    fn vectors_and_strings() {
        let f = PrintfFormat {
            format: b"%s=%2.2v4hlf %#v2hx!".to_vec(),
            args: vec![PrintfArg::Str(b"v".to_vec()), PrintfArg::Values { ty: ValTy::F32, n: 4 }, PrintfArg::Values { ty: ValTy::Int32, n: 2 }],
        };
        let words = [1.0f32.to_bits(), 2.0f32.to_bits(), 3.0f32.to_bits(), 4.0f32.to_bits(), 0x1234, 0x8765];
        let mut out = Vec::new();
        format_record(&f, &words, &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "v=1.00,2.00,3.00,4.00 0x1234,0x8765!");
        let s = PrintfFormat { format: b"[%4s][%-4s][%.1s]".to_vec(), args: vec![PrintfArg::Str(b"ab".to_vec()); 3] };
        let mut out = Vec::new();
        format_record(&s, &[], &mut out);
        assert_eq!(String::from_utf8(out).unwrap(), "[  ab][ab  ][a]");
    }

    #[test]
    fn buffer_records_in_order_and_truncated() {
        let fs = vec![
            PrintfFormat { format: b"a%d\n".to_vec(), args: vec![PrintfArg::Values { ty: ValTy::Int32, n: 1 }] },
            PrintfFormat { format: b"b\n".to_vec(), args: vec![] },
        ];
        let words: Vec<u32> = vec![3, 0, 7, 1, 0, 9, 99, 99];
        let bytes: Vec<u8> = words.iter().flat_map(|w| w.to_le_bytes()).collect();
        // Words past the count (3) are not records.
        assert_eq!(String::from_utf8(format_buffer(&fs, &bytes)).unwrap(), "a7\nb\n");
    }
}
