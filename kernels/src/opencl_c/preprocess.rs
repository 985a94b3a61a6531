//! A C99 preprocessor over [`Token`]s: `#define` (object- and function-like, variadic,
//! `#`/`##`), `#undef`, conditionals with `defined`, `#include` from the headers given to
//! the build, `#pragma`/`#line`/`#error`.
//!
//! Macro expansion follows Prosser's hide-set algorithm so self-referencing macros stop
//! expanding exactly where a C compiler stops. Expanded tokens keep the position of the
//! invocation, so errors inside macro bodies point at a line the user wrote.
use std::collections::{HashMap, VecDeque};

use super::lexer::{lex, Files, Pos, TokKind, Token};
use crate::BuildError;

#[derive(Clone, Debug)]
struct Macro {
    /// `None` for object-like macros.
    params: Option<Vec<String>>,
    variadic: bool,
    body: Vec<Token>,
}

pub struct Preprocessor<'a> {
    macros: HashMap<String, Macro>,
    headers: &'a [(String, String)],
    include_dirs: Vec<String>,
    /// Headers read from the file system (absolute paths), whose directory is searched first
    /// for their own `#include`s.
    #[cfg_attr(target_arch = "wasm32", allow(dead_code))] // no file system in the browser
    disk_files: std::collections::HashSet<String>,
    pub files: Files,
    depth: usize,
    /// Bytes of headers included so far (see [`MAX_INCLUDED_BYTES`]).
    included_bytes: usize,
    /// Tokens produced by macro expansion so far (see [`MAX_EXPANDED_TOKENS`]).
    expanded: std::cell::Cell<usize>,
    /// Open `expand` calls: macro arguments are expanded recursively.
    expand_depth: std::cell::Cell<u32>,
    /// Text of `#pragma`s seen (e.g. `OPENCL EXTENSION`), for the build log.
    pub pragmas: Vec<String>,
}

/// Macros every OpenCL C 1.2 compiler predefines (limits, math constants, versions).
/// `INFINITY`/`NAN` expand to front-end intrinsics because WGSL has no literal for them.
pub const PREDEFINED: &[(&str, &str)] = &[
    ("__OPENCL_VERSION__", "120"),
    ("__OPENCL_C_VERSION__", "120"),
    ("CL_VERSION_1_0", "100"),
    ("CL_VERSION_1_1", "110"),
    ("CL_VERSION_1_2", "120"),
    ("CL_VERSION_2_0", "200"),
    ("__ENDIAN_LITTLE__", "1"),
    ("__kernel_exec(X, typen)", "__kernel __attribute__((work_group_size_hint(X, 1, 1))) __attribute__((vec_type_hint(typen)))"),
    ("kernel_exec(X, typen)", "__kernel __attribute__((work_group_size_hint(X, 1, 1))) __attribute__((vec_type_hint(typen)))"),
    ("CHAR_BIT", "8"),
    ("SCHAR_MAX", "127"),
    ("SCHAR_MIN", "(-127-1)"),
    ("CHAR_MAX", "127"),
    ("CHAR_MIN", "(-127-1)"),
    ("UCHAR_MAX", "255"),
    ("SHRT_MAX", "32767"),
    ("SHRT_MIN", "(-32767-1)"),
    ("USHRT_MAX", "65535"),
    ("INT_MAX", "2147483647"),
    ("INT_MIN", "(-2147483647-1)"),
    ("UINT_MAX", "0xffffffffU"),
    ("LONG_MAX", "0x7fffffffffffffffL"),
    ("LONG_MIN", "(-0x7fffffffffffffffL-1)"),
    ("ULONG_MAX", "0xffffffffffffffffUL"),
    ("FLT_DIG", "6"),
    ("FLT_MANT_DIG", "24"),
    ("FLT_MAX_10_EXP", "38"),
    ("FLT_MAX_EXP", "128"),
    ("FLT_MIN_10_EXP", "(-37)"),
    ("FLT_MIN_EXP", "(-125)"),
    ("FLT_RADIX", "2"),
    ("FLT_MAX", "3.40282346638528859812e+38f"),
    ("FLT_MIN", "1.175494350822287507969e-38f"),
    ("FLT_EPSILON", "1.1920928955078125e-7f"),
    ("DBL_DIG", "15"),
    ("DBL_MANT_DIG", "53"),
    ("DBL_MAX_10_EXP", "308"),
    ("DBL_MAX_EXP", "1024"),
    ("DBL_MIN_10_EXP", "(-307)"),
    ("DBL_MIN_EXP", "(-1021)"),
    ("HALF_DIG", "3"),
    ("HALF_MANT_DIG", "11"),
    ("HALF_MAX_10_EXP", "4"),
    ("HALF_MAX_EXP", "16"),
    ("HALF_MIN_10_EXP", "(-4)"),
    ("HALF_MIN_EXP", "(-13)"),
    ("HALF_RADIX", "2"),
    ("HALF_MAX", "((half)65504.0f)"),
    ("HALF_MIN", "((half)6.103515625e-05f)"),
    ("HALF_EPSILON", "((half)9.765625e-04f)"),
    ("DBL_MAX", "1.7976931348623157e+308"),
    ("DBL_MIN", "2.2250738585072014e-308"),
    ("DBL_EPSILON", "2.220446049250313e-16"),
    ("MAXFLOAT", "3.40282346638528859812e+38f"),
    ("HUGE_VALF", "__wgcl_infinity"),
    ("INFINITY", "__wgcl_infinity"),
    ("NAN", "__wgcl_nan"),
    ("M_E_F", "2.71828182845904523536f"),
    ("M_LOG2E_F", "1.44269504088896340736f"),
    ("M_LOG10E_F", "0.434294481903251827651f"),
    ("M_LN2_F", "0.693147180559945309417f"),
    ("M_LN10_F", "2.30258509299404568402f"),
    ("M_PI_F", "3.14159265358979323846f"),
    ("M_PI_2_F", "1.57079632679489661923f"),
    ("M_PI_4_F", "0.785398163397448309616f"),
    ("M_1_PI_F", "0.318309886183790671538f"),
    ("M_2_PI_F", "0.636619772367581343076f"),
    ("M_2_SQRTPI_F", "1.12837916709551257390f"),
    ("M_SQRT2_F", "1.41421356237309504880f"),
    ("M_SQRT1_2_F", "0.707106781186547524401f"),
    ("M_E", "2.71828182845904523536"),
    ("M_PI", "3.14159265358979323846"),
    ("M_SQRT2", "1.41421356237309504880"),
    ("CLK_LOCAL_MEM_FENCE", "1"),
    ("CLK_GLOBAL_MEM_FENCE", "2"),
    ("CLK_IMAGE_MEM_FENCE", "4"),
    // OpenCL 2.0 atomics (values as clang's opencl-c-base.h; wgcl treats all as relaxed).
    ("memory_order_relaxed", "0"),
    ("memory_order_acquire", "2"),
    ("memory_order_release", "3"),
    ("memory_order_acq_rel", "4"),
    ("memory_order_seq_cst", "5"),
    ("memory_scope_work_item", "0"),
    ("memory_scope_work_group", "1"),
    ("memory_scope_device", "2"),
    ("memory_scope_all_svm_devices", "3"),
    ("memory_scope_all_devices", "3"),
    ("memory_scope_sub_group", "4"),
    ("ATOMIC_VAR_INIT(x)", "(x)"),
    ("ATOMIC_FLAG_INIT", "0"),
    ("NULL", "((void*)0)"),
    ("true", "1"),
    ("false", "0"),
];

/// Largest header read from disk: a file that big is not C source (`/dev/zero` would never end).
pub const MAX_HEADER_BYTES: u64 = 16 << 20;
/// All headers of one build together (a header that includes itself twice doubles per level).
pub const MAX_INCLUDED_BYTES: usize = 64 << 20;
/// `#include` nesting (a self-include without a guard ends here).
pub const MAX_INCLUDE_DEPTH: usize = 200;
/// Tokens that macro expansion may produce in one build: `#define A B B`, `#define B C C`…
/// grows exponentially, and each token costs memory.
pub const MAX_EXPANDED_TOKENS: usize = 1_000_000;
/// Nesting of macro invocations inside macro arguments (`F(F(F(…)))`), expanded recursively.
pub const MAX_EXPANSION_NESTING: u32 = 256;
/// Nesting of parentheses and unary operators in `#if` expressions.
const MAX_IF_NESTING: u32 = 256;

/// Reads a header from disk if it is a regular file inside one of `roots` (canonical -I
/// directories): hostile `#include "/dev/zero"` or `"/proc/self/environ"` must neither hang
/// the build nor have their contents echoed in error messages. Returns the canonical path.
#[cfg(not(target_arch = "wasm32"))]
fn read_header(path: &std::path::Path, roots: &[std::path::PathBuf]) -> Option<Result<(String, String), String>> {
    use std::io::Read;
    let full = std::fs::canonicalize(path).ok()?;
    let meta = std::fs::metadata(&full).ok()?;
    let outside = !roots.iter().any(|r| full.starts_with(r));
    let special = ["/proc", "/sys", "/dev"].iter().any(|d| full.starts_with(d));
    if !meta.is_file() || outside || special {
        return Some(Err("only regular files inside the -I directories can be included".into()));
    }
    let mut bytes = Vec::new();
    let f = std::fs::File::open(&full).ok()?;
    f.take(MAX_HEADER_BYTES + 1).read_to_end(&mut bytes).ok()?;
    if bytes.len() as u64 > MAX_HEADER_BYTES {
        return Some(Err(format!("header larger than {} MiB", MAX_HEADER_BYTES >> 20)));
    }
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(_) => return Some(Err("header is not UTF-8 text".into())),
    };
    Some(Ok((full.to_string_lossy().into_owned(), text)))
}

impl<'a> Preprocessor<'a> {
    pub fn new(headers: &'a [(String, String)]) -> Self {
        let mut p = Preprocessor {
            macros: HashMap::new(),
            headers,
            include_dirs: Vec::new(),
            disk_files: Default::default(),
            files: Files(vec!["program.cl".into()]),
            depth: 0,
            included_bytes: 0,
            expanded: Default::default(),
            expand_depth: Default::default(),
            pragmas: Vec::new(),
        };
        for (k, v) in PREDEFINED {
            p.define_str(k, v).expect("predefined macros are well formed");
        }
        p
    }

    pub fn add_include_dir(&mut self, d: &str) {
        self.include_dirs.push(d.trim_end_matches('/').to_string());
    }

    /// Defines a macro from `-D`-style text: `NAME`, `NAME=value` or `F(x)=value`.
    pub fn define_str(&mut self, name: &str, value: &str) -> Result<(), BuildError> {
        let file = self.files.0.len() as u32;
        self.files.0.push("<command line>".into());
        let toks = lex(&format!("{name} {value}"), file, &self.files)?;
        self.define(&toks, Pos { file, line: 1, col: 1 })
    }

    pub fn undef(&mut self, name: &str) {
        self.macros.remove(name);
    }

    pub fn is_defined(&self, name: &str) -> bool {
        self.macros.contains_key(name)
    }

    /// Preprocesses the main source (`program.cl`).
    pub fn run(&mut self, src: &str) -> Result<Vec<Token>, BuildError> {
        let toks = lex(src, 0, &self.files)?;
        let mut out = Vec::new();
        self.process(toks, &mut out)?;
        Ok(out)
    }

    fn process(&mut self, mut toks: Vec<Token>, out: &mut Vec<Token>) -> Result<(), BuildError> {
        // Conditional stack: (this group is active, some group of this #if was taken, seen #else).
        let mut conds: Vec<(bool, bool, bool, Pos)> = Vec::new();
        let mut text: Vec<Token> = Vec::new();
        // `#line`: lines to add to every later token, and the file name to give them.
        let mut remap: Option<(i64, Option<u32>)> = None;
        let fix = |t: &mut Token, remap: &Option<(i64, Option<u32>)>| {
            if let Some((d, f)) = remap {
                t.pos.line = (t.pos.line as i64 + d).clamp(1, u32::MAX as i64) as u32;
                if let Some(f) = f {
                    t.pos.file = *f;
                }
            }
        };
        let mut i = 0;
        while i < toks.len() {
            fix(&mut toks[i], &remap);
            let t = &toks[i];
            let active = conds.iter().all(|c| c.0);
            if t.bol && t.is("#") {
                let hash_pos = t.pos;
                let mut j = i + 1;
                while j < toks.len() && !toks[j].bol {
                    fix(&mut toks[j], &remap);
                    j += 1;
                }
                let line = &toks[i + 1..j];
                i = j;
                let Some(d) = line.first() else { continue };
                let rest = &line[1..];
                match d.text.as_str() {
                    "if" | "ifdef" | "ifndef" => {
                        let v = if !active {
                            false
                        } else if d.text == "if" {
                            self.eval_if(rest, d.pos)?
                        } else {
                            let n = rest
                                .first()
                                .filter(|t| t.kind == TokKind::Ident)
                                .ok_or_else(|| self.files.err(d.pos, format!("#{} needs a macro name", d.text)))?;
                            self.macros.contains_key(&n.text) == (d.text == "ifdef")
                        };
                        conds.push((v, v, false, d.pos));
                    }
                    "elif" => {
                        let outer = conds.len() < 2 || conds[..conds.len() - 1].iter().all(|c| c.0);
                        let Some(c) = conds.last().copied() else {
                            return Err(self.files.err(d.pos, "#elif without #if"));
                        };
                        if c.2 {
                            return Err(self.files.err(d.pos, "#elif after #else"));
                        }
                        let v = outer && !c.1 && self.eval_if(rest, d.pos)?;
                        *conds.last_mut().unwrap() = (v, c.1 || v, false, c.3);
                    }
                    "else" => {
                        let Some(c) = conds.last_mut() else {
                            return Err(self.files.err(d.pos, "#else without #if"));
                        };
                        if c.2 {
                            return Err(self.files.err(d.pos, "#else after #else"));
                        }
                        *c = (!c.1, true, true, c.3);
                    }
                    "endif" => {
                        if conds.pop().is_none() {
                            return Err(self.files.err(d.pos, "#endif without #if"));
                        }
                    }
                    _ if !active => {}
                    "line" => {
                        let rest = self.expand(rest.to_vec().into())?;
                        let n = rest
                            .first()
                            .filter(|t| t.kind == TokKind::Number)
                            .and_then(|t| parse_int(&t.text))
                            .filter(|&n| n > 0 && n <= u32::MAX as u64)
                            .ok_or_else(|| self.files.err(d.pos, "#line needs a positive line number"))?;
                        let file = match rest.get(1) {
                            Some(f) if f.kind == TokKind::StrLit => {
                                self.files.0.push(f.text[1..f.text.len() - 1].to_string());
                                Some(self.files.0.len() as u32 - 1)
                            }
                            Some(f) => return Err(self.files.err(f.pos, "#line expects a line number and an optional \"file name\"")),
                            None => remap.and_then(|r| r.1),
                        };
                        // The next physical line (by its original number) becomes line `n`.
                        let old = remap.map_or(0, |r| r.0);
                        let original = d.pos.line as i64 - old;
                        remap = Some((n as i64 - (original + 1), file));
                    }
                    _ => {
                        // Text before a directive is expanded with the macros defined so far.
                        let chunk = std::mem::take(&mut text);
                        out.extend(self.expand(chunk.into())?);
                        self.directive(d, rest, hash_pos, out)?;
                    }
                }
                continue;
            }
            if active {
                text.push(t.clone());
            }
            i += 1;
        }
        if let Some(c) = conds.last() {
            return Err(self.files.err(c.3, "unterminated conditional directive (missing #endif)"));
        }
        out.extend(self.expand(text.into())?);
        Ok(())
    }

    fn directive(&mut self, d: &Token, rest: &[Token], _hash: Pos, out: &mut Vec<Token>) -> Result<(), BuildError> {
        match d.text.as_str() {
            "define" => self.define(rest, d.pos),
            "undef" => {
                let n = rest.first().ok_or_else(|| self.files.err(d.pos, "#undef needs a macro name"))?;
                self.macros.remove(&n.text);
                Ok(())
            }
            "include" => self.include(rest, d.pos, out),
            "pragma" => {
                self.pragmas.push(rest.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" "));
                Ok(())
            }
            "error" => Err(self.files.err(
                d.pos,
                format!("#error {}", rest.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" ")),
            )),
            "warning" | "line" | "ident" => Ok(()),
            other => Err(self.files.err(d.pos, format!("unknown preprocessor directive `#{other}`"))),
        }
    }

    fn include(&mut self, rest: &[Token], pos: Pos, out: &mut Vec<Token>) -> Result<(), BuildError> {
        let expanded;
        let rest = if rest.first().is_some_and(|t| t.kind == TokKind::Ident) {
            expanded = self.expand(rest.to_vec().into())?;
            &expanded[..]
        } else {
            rest
        };
        let name = match rest.first() {
            Some(t) if t.kind == TokKind::StrLit => t.text[1..t.text.len() - 1].to_string(),
            Some(t) if t.is("<") => {
                let end = rest.iter().position(|t| t.is(">")).ok_or_else(|| self.files.err(pos, "#include <...> is missing `>`"))?;
                rest[1..end].iter().map(|t| t.text.as_str()).collect()
            }
            _ => return Err(self.files.err(pos, "#include expects \"file\" or <file>")),
        };
        let candidates: Vec<String> = std::iter::once(name.clone()).chain(self.include_dirs.iter().map(|d| format!("{d}/{name}"))).collect();
        let mut found = None;
        for c in &candidates {
            let c = c.trim_start_matches("./").to_string();
            if let Some((n, s)) = self.headers.iter().find(|(n, _)| n.trim_start_matches("./") == c) {
                found = Some((n.clone(), s.clone()));
                break;
            }
        }
        // Then the file system (not in the browser): the including file's own directory
        // (when it was itself read from disk), then the -I directories, as a C compiler does.
        // Clients such as pyopencl ship their headers as files and pass `-I <dir>`.
        #[cfg(not(target_arch = "wasm32"))]
        if found.is_none() {
            let including = self.files.0.get(pos.file as usize).cloned().unwrap_or_default();
            let own_dir = std::path::Path::new(&including).parent().filter(|d| d.is_absolute() && self.disk_files.contains(&including));
            let disk: Vec<std::path::PathBuf> = own_dir
                .map(|d| d.join(&name))
                .into_iter()
                .chain(self.include_dirs.iter().map(|d| std::path::Path::new(d).join(&name)))
                .collect();
            let roots: Vec<std::path::PathBuf> = self.include_dirs.iter().filter_map(|d| std::fs::canonicalize(d).ok()).collect();
            for path in disk {
                match read_header(&path, &roots) {
                    Some(Ok((full, src))) => {
                        self.disk_files.insert(full.clone());
                        found = Some((full, src));
                        break;
                    }
                    Some(Err(why)) => return Err(self.files.err(pos, format!("cannot include `{name}`: {why}"))),
                    None => {}
                }
            }
        }
        let Some((hname, hsrc)) = found else {
            return Err(self.files.err(pos, format!("header `{name}` not found (headers come from clCompileProgram's input_headers and -I)")));
        };
        if self.depth >= MAX_INCLUDE_DEPTH {
            return Err(self.files.err(pos, format!("#include nested more than {MAX_INCLUDE_DEPTH} deep (recursive include?)")));
        }
        // Each include counts at least 4 KiB, which also bounds how many there can be.
        self.included_bytes += hsrc.len().max(4096);
        if self.included_bytes > MAX_INCLUDED_BYTES {
            return Err(self.files.err(pos, format!("headers total more than {} MiB (repeated includes?)", MAX_INCLUDED_BYTES >> 20)));
        }
        let file = self.files.0.len() as u32;
        self.files.0.push(hname);
        let toks = lex(&hsrc, file, &self.files)?;
        self.depth += 1;
        let r = self.process(toks, out);
        self.depth -= 1;
        r
    }

    fn define(&mut self, rest: &[Token], pos: Pos) -> Result<(), BuildError> {
        let name = rest
            .first()
            .filter(|t| t.kind == TokKind::Ident)
            .ok_or_else(|| self.files.err(pos, "macro name must be an identifier"))?;
        let mut i = 1;
        let mut params = None;
        let mut variadic = false;
        if rest.get(1).is_some_and(|t| t.is("(") && !t.space) {
            let mut ps = Vec::new();
            i = 2;
            loop {
                let t = rest.get(i).ok_or_else(|| self.files.err(name.pos, "unterminated macro parameter list"))?;
                if t.is(")") {
                    i += 1;
                    break;
                }
                if t.is("...") {
                    variadic = true;
                    ps.push("__VA_ARGS__".to_string());
                } else if t.kind == TokKind::Ident {
                    ps.push(t.text.clone());
                } else if !t.is(",") {
                    return Err(self.files.err(t.pos, format!("unexpected `{}` in macro parameter list", t.text)));
                }
                i += 1;
            }
            params = Some(ps);
        }
        let mut body: Vec<Token> = rest[i..].to_vec();
        if let Some(f) = body.first_mut() {
            f.space = false;
        }
        for (k, t) in body.iter().enumerate() {
            if t.is("#") && params.is_some() {
                let ok = body.get(k + 1).is_some_and(|n| params.as_ref().unwrap().contains(&n.text));
                if !ok {
                    return Err(self.files.err(t.pos, "`#` is not followed by a macro parameter"));
                }
            }
        }
        if body.first().is_some_and(|t| t.is("##")) || body.last().is_some_and(|t| t.is("##")) {
            return Err(self.files.err(name.pos, "`##` cannot appear at either end of a macro body"));
        }
        self.macros.insert(name.text.clone(), Macro { params, variadic, body });
        Ok(())
    }

    /// Expands every macro in `input` (Prosser's algorithm).
    pub fn expand(&self, input: VecDeque<Token>) -> Result<Vec<Token>, BuildError> {
        let pos = input.front().map(|t| t.pos);
        let d = self.expand_depth.get() + 1;
        if d > MAX_EXPANSION_NESTING {
            let p = pos.unwrap_or_default();
            return Err(self.files.err(p, format!("macro invocations nested more than {MAX_EXPANSION_NESTING} deep in macro arguments")));
        }
        self.expand_depth.set(d);
        let r = self.expand_here(input);
        self.expand_depth.set(d - 1);
        r
    }

    fn expand_here(&self, mut input: VecDeque<Token>) -> Result<Vec<Token>, BuildError> {
        let mut out = Vec::new();
        while let Some(t) = input.pop_front() {
            if t.kind != TokKind::Ident || t.hide.contains(&t.text) {
                out.push(t);
                continue;
            }
            let Some(m) = self.macros.get(&t.text) else {
                // `__LINE__`/`__FILE__` depend on where they are used (the invocation's
                // position inside macro bodies, as tokens from expansions carry it).
                match t.text.as_str() {
                    "__LINE__" => out.push(Token { kind: TokKind::Number, text: t.pos.line.to_string(), ..t }),
                    "__FILE__" => {
                        let name = self.files.0.get(t.pos.file as usize).cloned().unwrap_or_default();
                        let text = format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""));
                        out.push(Token { kind: TokKind::StrLit, text, ..t })
                    }
                    _ => out.push(t),
                }
                continue;
            };
            let mut hide = t.hide.clone();
            hide.push(t.text.clone());
            let body = match &m.params {
                None => self.subst(m, &[], &hide, &t)?,
                Some(params) => {
                    if !input.front().is_some_and(|n| n.is("(")) {
                        out.push(t);
                        continue;
                    }
                    input.pop_front();
                    let mut args: Vec<Vec<Token>> = vec![Vec::new()];
                    let mut depth = 0;
                    loop {
                        let a = input
                            .pop_front()
                            .ok_or_else(|| self.files.err(t.pos, format!("unterminated invocation of macro `{}`", t.text)))?;
                        if a.is(")") && depth == 0 {
                            break;
                        }
                        if a.is("(") {
                            depth += 1;
                            // Deeper arguments would be copied once per level of nested
                            // invocations (quadratic); the parser refuses such nesting anyway.
                            if depth > MAX_EXPANSION_NESTING {
                                return Err(self.files.err(a.pos, format!(
                                    "macro argument nested more than {MAX_EXPANSION_NESTING} parentheses deep"
                                )));
                            }
                        }
                        if a.is(")") {
                            depth -= 1;
                        }
                        if a.is(",") && depth == 0 && !(m.variadic && args.len() == params.len()) {
                            args.push(Vec::new());
                            continue;
                        }
                        args.last_mut().unwrap().push(a);
                    }
                    if params.is_empty() && args.len() == 1 && args[0].is_empty() {
                        args.clear();
                    }
                    if m.variadic && args.len() + 1 == params.len() {
                        args.push(Vec::new());
                    }
                    if args.len() != params.len() {
                        return Err(self.files.err(
                            t.pos,
                            format!("macro `{}` takes {} argument(s) but {} were given", t.text, params.len(), args.len()),
                        ));
                    }
                    self.subst(m, &args, &hide, &t)?
                }
            };
            let n = self.expanded.get() + body.len();
            if n > MAX_EXPANDED_TOKENS {
                return Err(self.files.err(t.pos, format!(
                    "macro expansion of `{}` exceeds {MAX_EXPANDED_TOKENS} tokens in this program", t.text
                )));
            }
            self.expanded.set(n);
            for b in body.into_iter().rev() {
                input.push_front(b);
            }
        }
        Ok(out)
    }

    fn subst(&self, m: &Macro, args: &[Vec<Token>], hide: &[String], inv: &Token) -> Result<Vec<Token>, BuildError> {
        let params: &[String] = m.params.as_deref().unwrap_or(&[]);
        let arg_of = |t: &Token| -> Option<usize> {
            if t.kind == TokKind::Ident {
                params.iter().position(|p| *p == t.text)
            } else {
                None
            }
        };
        let mut out: Vec<Token> = Vec::new();
        let body = &m.body;
        let mut k = 0;
        // Set when the next token must be pasted onto the last output token.
        let mut paste = false;
        while k < body.len() {
            let t = &body[k];
            let mut pieces: Vec<Token>;
            if t.is("#") && m.params.is_some() {
                let a = arg_of(&body[k + 1]).unwrap();
                let mut s = String::from("\"");
                for (n, at) in args[a].iter().enumerate() {
                    if n > 0 && at.space {
                        s.push(' ');
                    }
                    s.push_str(&at.text.replace('\\', "\\\\").replace('"', "\\\""));
                }
                s.push('"');
                pieces = vec![Token { kind: TokKind::StrLit, text: s, ..t.clone() }];
                k += 2;
            } else if t.is("##") {
                paste = true;
                k += 1;
                continue;
            } else if let Some(a) = arg_of(t) {
                let next_paste = body.get(k + 1).is_some_and(|n| n.is("##"));
                pieces = if paste || next_paste { args[a].clone() } else { self.expand(args[a].clone().into())? };
                if let Some(f) = pieces.first_mut() {
                    f.space = t.space;
                }
                k += 1;
            } else {
                pieces = vec![t.clone()];
                k += 1;
            }
            if paste && !pieces.is_empty() {
                if let Some(last) = out.pop() {
                    let first = pieces.remove(0);
                    let text = format!("{}{}", last.text, first.text);
                    let toks = lex(&text, inv.pos.file, &self.files)?;
                    if toks.len() != 1 {
                        return Err(self.files.err(inv.pos, format!("pasting `{}` and `{}` does not give a valid token", last.text, first.text)));
                    }
                    let mut nt = toks.into_iter().next().unwrap();
                    nt.space = last.space;
                    out.push(nt);
                }
            }
            paste = false;
            out.extend(pieces);
        }
        for o in out.iter_mut() {
            o.pos = inv.pos;
            o.bol = false;
            for h in hide {
                if !o.hide.contains(h) {
                    o.hide.push(h.clone());
                }
            }
        }
        if let Some(f) = out.first_mut() {
            f.space = inv.space;
        }
        Ok(out)
    }

    fn eval_if(&self, rest: &[Token], pos: Pos) -> Result<bool, BuildError> {
        // `defined` is resolved before expansion, as C requires.
        let mut toks = VecDeque::new();
        let mut i = 0;
        while i < rest.len() {
            let t = &rest[i];
            if t.kind == TokKind::Ident && t.text == "defined" {
                let (name, skip) = if rest.get(i + 1).is_some_and(|t| t.is("(")) {
                    (rest.get(i + 2), 4)
                } else {
                    (rest.get(i + 1), 2)
                };
                let name = name.ok_or_else(|| self.files.err(t.pos, "`defined` needs a macro name"))?;
                let v = self.macros.contains_key(&name.text);
                toks.push_back(Token { kind: TokKind::Number, text: if v { "1" } else { "0" }.into(), ..t.clone() });
                i += skip;
                continue;
            }
            toks.push_back(t.clone());
            i += 1;
        }
        let toks = self.expand(toks)?;
        if toks.is_empty() {
            return Err(self.files.err(pos, "#if with no expression"));
        }
        let mut e = IfEval { t: &toks, i: 0, files: &self.files, pos, depth: 0 };
        let v = e.expr(0)?;
        if e.i < toks.len() {
            return Err(self.files.err(toks[e.i].pos, format!("unexpected `{}` in #if expression", toks[e.i].text)));
        }
        Ok(v != 0)
    }
}

/// Evaluates `#if` expressions in `i64` (C uses intmax_t); unknown identifiers are 0.
struct IfEval<'t> {
    t: &'t [Token],
    i: usize,
    files: &'t Files,
    pos: Pos,
    /// Open parentheses, unary operators and `?:` (see [`MAX_IF_NESTING`]).
    depth: u32,
}

impl IfEval<'_> {
    fn err(&self, msg: &str) -> BuildError {
        let p = self.t.get(self.i).map(|t| t.pos).unwrap_or(self.pos);
        self.files.err(p, msg)
    }

    fn primary(&mut self) -> Result<i64, BuildError> {
        self.depth += 1;
        if self.depth > MAX_IF_NESTING {
            return Err(self.err("#if expression nested too deeply"));
        }
        let r = self.primary_here();
        self.depth -= 1;
        r
    }

    fn primary_here(&mut self) -> Result<i64, BuildError> {
        let t = self.t.get(self.i).ok_or_else(|| self.err("#if expression ends too early"))?.clone();
        self.i += 1;
        match t.kind {
            TokKind::Number => parse_int(&t.text).map(|v| v as i64).ok_or_else(|| self.files.err(t.pos, format!("invalid integer `{}` in #if", t.text))),
            TokKind::CharLit => Ok(char_value(&t.text) as i64),
            TokKind::Ident => Ok(0),
            _ if t.is("(") => {
                let v = self.expr(0)?;
                if !self.t.get(self.i).is_some_and(|t| t.is(")")) {
                    return Err(self.err("expected `)` in #if expression"));
                }
                self.i += 1;
                Ok(v)
            }
            _ if t.is("!") => Ok((self.primary()? == 0) as i64),
            _ if t.is("-") => Ok(self.primary()?.wrapping_neg()),
            _ if t.is("+") => self.primary(),
            _ if t.is("~") => Ok(!self.primary()?),
            _ => Err(self.files.err(t.pos, format!("unexpected `{}` in #if expression", t.text))),
        }
    }

    fn expr(&mut self, min: u8) -> Result<i64, BuildError> {
        let mut l = self.primary()?;
        loop {
            let Some(op) = self.t.get(self.i).map(|t| t.text.clone()) else { break };
            if op == "?" && min <= 1 {
                self.i += 1;
                self.depth += 1;
                if self.depth > MAX_IF_NESTING {
                    return Err(self.err("#if expression nested too deeply"));
                }
                let a = self.expr(0)?;
                if !self.t.get(self.i).is_some_and(|t| t.is(":")) {
                    return Err(self.err("expected `:` in #if expression"));
                }
                self.i += 1;
                let b = self.expr(1)?;
                self.depth -= 1;
                l = if l != 0 { a } else { b };
                continue;
            }
            let p = match op.as_str() {
                "||" => 2,
                "&&" => 3,
                "|" => 4,
                "^" => 5,
                "&" => 6,
                "==" | "!=" => 7,
                "<" | ">" | "<=" | ">=" => 8,
                "<<" | ">>" => 9,
                "+" | "-" => 10,
                "*" | "/" | "%" => 11,
                _ => break,
            };
            if p < min.max(2) {
                break;
            }
            self.i += 1;
            let r = self.expr(p + 1)?;
            l = match op.as_str() {
                "||" => (l != 0 || r != 0) as i64,
                "&&" => (l != 0 && r != 0) as i64,
                "|" => l | r,
                "^" => l ^ r,
                "&" => l & r,
                "==" => (l == r) as i64,
                "!=" => (l != r) as i64,
                "<" => (l < r) as i64,
                ">" => (l > r) as i64,
                "<=" => (l <= r) as i64,
                ">=" => (l >= r) as i64,
                "<<" => l.wrapping_shl(r as u32),
                ">>" => l.wrapping_shr(r as u32),
                "+" => l.wrapping_add(r),
                "-" => l.wrapping_sub(r),
                "*" => l.wrapping_mul(r),
                "/" | "%" if r == 0 => return Err(self.err("division by zero in #if expression")),
                "/" => l.wrapping_div(r),
                _ => l.wrapping_rem(r),
            };
        }
        Ok(l)
    }
}

/// Parses a C integer literal (decimal, octal, hex, binary; any `u`/`l` suffix).
pub fn parse_int(s: &str) -> Option<u64> {
    let t = s.trim_end_matches(['u', 'U', 'l', 'L']);
    if let Some(h) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        u64::from_str_radix(h, 16).ok()
    } else if let Some(b) = t.strip_prefix("0b").or_else(|| t.strip_prefix("0B")) {
        u64::from_str_radix(b, 2).ok()
    } else if t.len() > 1 && t.starts_with('0') {
        u64::from_str_radix(&t[1..], 8).ok()
    } else {
        t.parse().ok()
    }
}

/// The value of a character literal like `'a'` or `'\n'`.
pub fn char_value(s: &str) -> u32 {
    let inner = &s[1..s.len().saturating_sub(1)];
    let mut c = inner.chars();
    match (c.next(), c.next()) {
        (Some('\\'), Some(e)) => match e {
            'n' => 10,
            't' => 9,
            'r' => 13,
            '0'..='7' => u32::from_str_radix(&inner[1..], 8).unwrap_or(0),
            'x' => u32::from_str_radix(&inner[2..], 16).unwrap_or(0),
            'a' => 7,
            'b' => 8,
            'f' => 12,
            'v' => 11,
            other => other as u32,
        },
        (Some(ch), _) => ch as u32,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pp(src: &str) -> String {
        pp_with(src, &[]).unwrap()
    }

    fn pp_with(src: &str, headers: &[(String, String)]) -> Result<String, BuildError> {
        let mut p = Preprocessor::new(headers);
        let toks = p.run(src)?;
        Ok(toks.iter().map(|t| t.text.as_str()).collect::<Vec<_>>().join(" "))
    }

    #[test]
    fn object_and_function_macros() {
        assert_eq!(pp("#define N 4\n#define SQ(x) ((x)*(x))\nint a = SQ(N+1);"), "int a = ( ( 4 + 1 ) * ( 4 + 1 ) ) ;");
    }

    #[test]
    fn stringify_and_paste() {
        assert_eq!(pp("#define S(x) #x\n#define CAT(a,b) a##b\nS(hi there) CAT(foo,1) CAT(x, _y)"), "\"hi there\" foo1 x_y");
    }

    #[test]
    fn self_reference_stops() {
        assert_eq!(pp("#define foo foo + 1\n#define f(x) f(x) * 2\nfoo f(3)"), "foo + 1 f ( 3 ) * 2");
    }

    #[test]
    fn nested_macro_args_expand_before_substitution() {
        assert_eq!(pp("#define A 2\n#define ADD(x,y) (x+y)\n#define TWICE(x) ADD(x,x)\nTWICE(A)"), "( 2 + 2 )");
    }

    #[test]
    fn variadic_macros() {
        assert_eq!(pp("#define F(a, ...) g(a, __VA_ARGS__)\nF(1, 2, 3)"), "g ( 1 , 2 , 3 )");
    }

    #[test]
    fn conditionals_and_defined() {
        let src = "#define X 3\n#if defined(X) && X > 2\na\n#elif 1\nb\n#else\nc\n#endif\n#ifdef Y\nd\n#elif !defined Y\ne\n#endif\n#ifndef X\nf\n#endif\n#if 0\n#error no\n#endif";
        assert_eq!(pp(src), "a e");
    }

    #[test]
    fn undef_and_predefined() {
        assert_eq!(pp("#define A 1\n#undef A\nA __OPENCL_VERSION__ CL_VERSION_1_2 __ENDIAN_LITTLE__"), "A 120 120 1");
    }

    #[test]
    fn include_from_headers() {
        let h = vec![("inc/util.h".to_string(), "#define TWO 2\nint two(void);".to_string())];
        let mut p = Preprocessor::new(&h);
        p.add_include_dir("inc");
        let t = p.run("#include \"util.h\"\nTWO").unwrap();
        let s: Vec<_> = t.iter().map(|t| t.text.as_str()).collect();
        assert_eq!(s, ["int", "two", "(", "void", ")", ";", "2"]);
        assert_eq!(p.files.0[t[0].pos.file as usize], "inc/util.h");
        let e = pp_with("\n  #include <missing.h>", &[]).unwrap_err();
        assert!(e.log().starts_with("program.cl:2:4: error: header `missing.h` not found"), "{}", e.log());
    }

    #[test]
    fn errors_have_positions() {
        let e = pp_with("#if 1\nx\n", &[]).unwrap_err();
        assert_eq!(e.log(), "program.cl:1:2: error: unterminated conditional directive (missing #endif)");
        let e = pp_with("#define F(a,b) a\nF(1)", &[]).unwrap_err();
        assert_eq!(e.log(), "program.cl:2:1: error: macro `F` takes 2 argument(s) but 1 were given");
        let e = pp_with("\n#error stop here", &[]).unwrap_err();
        assert_eq!(e.log(), "program.cl:2:2: error: #error stop here");
        let e = pp_with("#foo", &[]).unwrap_err();
        assert_eq!(e.log(), "program.cl:1:2: error: unknown preprocessor directive `#foo`");
    }

    #[test]
    fn pragma_is_ignored_and_line_splices_join() {
        assert_eq!(pp("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n#define L(a) a \\\n + 1\nL(2)"), "2 + 1");
    }

    #[test]
    fn if_arithmetic() {
        assert_eq!(pp("#if (1 << 4) == 16 && (7 % 4 == 3) && -1 < 0 && (2 ? 0 : 1) == 0\nok\n#endif"), "ok");
    }
}
