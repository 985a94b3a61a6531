//! Type checking and lowering of the syntax tree to WGSL text, which naga then parses.
//!
//! WGSL text (not naga IR built by hand) is the target because naga's WGSL front end does
//! the type-level bookkeeping (expression handles, emit ranges, constant evaluation), and the
//! same text is what a browser consumes.
//!
//! Key representation choices:
//! * **Pointers are (base, offset)**: WGSL cannot pass storage/workgroup pointers to
//!   functions or store them, so a C pointer is a statically known *base* (a buffer, a
//!   workgroup array, a private array) plus a dynamic `i32` element offset. A pointer variable
//!   keeps its base fixed; helper functions are specialised per call site on the bases of
//!   their pointer arguments (private bases travel as `ptr<function, T>`).
//! * **Sub-word buffers** (`char`/`short`/`half` scalars and vectors in `__global`) are packed
//!   in `u32` words in C layout. Elements of 4 bytes or more own whole words and are stored
//!   plainly; smaller ones (`char`, `short`, `char2`) share a word with their neighbours, so
//!   stores use `atomicAnd`/`atomicOr` and adjacent work-items don't race.
//! * **8- and 16-wide vectors** are `array<vec4<T>, n/4>`; operators and component-wise
//!   built-ins run on each 4-wide part ([`Lower::split_wide`]).
//! * **Unions** whose members have different layouts are `array<u32, N>` words; members are
//!   read and written by (de)composing words ([`super::words`]), so type punning is C's.
//! * **Atomics**: a buffer or `__local` array used with an atomic built-in becomes
//!   `array<atomic<T>>`; lowering restarts once per such discovery ([`Lower::retry`]).
//! * **Word views**: a buffer or `__local` array of `int`/`uint`/`float` (scalars or vectors)
//!   that a pointer cast reinterprets (`(volatile __global uint *)floats`, the classic float
//!   atomic-add loop) or that a `float` atomic touches becomes `u32` words, read and written
//!   through bitcasts like sub-word buffers ([`Need::Words`]); with atomics too, every plain
//!   access is an `atomicLoad`/`atomicStore` of its words. Decided per argument (or array)
//!   by the same restarts, so other buffers keep their plain types.
//! * **Non-uniform NDRange guard**: work-items past the real global size execute nothing
//!   (kernel body wrapped in `if wgcl_active`), or, when the kernel uses barriers (which must
//!   stay in uniform control flow), every global-memory store/atomic is guarded instead.
//! * **Virtual work-groups**: a kernel without `__local` memory becomes a function that the
//!   entry point calls once per x group id it covers (`gen_kernel` in `mod.rs`), so the
//!   runtime can dispatch a few thousand work-groups that loop instead of millions.
use std::collections::{BTreeSet, HashMap, HashSet};

use super::ast::*;
use super::lexer::{Files, Pos};
use super::parser::{const_eval, Unit};
use super::types::*;
use super::words::{self, Off, Src};
use crate::{BuildError, DeviceCaps};

pub type R<T> = Result<T, BuildError>;

/// What a pointer points into; see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub struct Base {
    /// WGSL reference to the array (or the scalar when `scalar`), e.g. `wgcl_k0_a` or `(*wgcl_p1)`.
    pub access: String,
    pub kind: BK,
    /// The pointee (element) type.
    pub elem: Ty,
    pub space: Space,
    /// Points at a single object, not an array (offset must stay 0).
    pub scalar: bool,
    /// A `char*` view of a base whose elements are `elem`: the offset counts bytes. Made by
    /// casting `T*` to `char*`/`uchar*` (clients such as pyopencl apply byte offsets as
    /// `(T*)((char*)base + offset)`); it can be offset, compared and cast back to `T*`
    /// (the byte offset must then be a multiple of `sizeof(T)`), but not dereferenced.
    pub bytes: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub enum BK {
    /// `__global`/`__constant` buffer argument.
    Storage { packed: bool, atomic: bool, writable: bool },
    /// `__local` array (argument or kernel-scope declaration); `packed`: `half` elements two
    /// per `u32` word (a `__local half*` argument without cl_khr_fp16, which has no `f16`).
    Work { atomic: bool, packed: bool },
    /// Program-scope `__constant` table.
    ConstGlobal,
    /// Function-local variable; `ptr` is how to pass it as `ptr<function, _>`.
    Private { ptr: String, wgsl_ty: String },
}

impl Base {
    pub fn key(&self) -> String {
        match &self.kind {
            BK::Private { wgsl_ty, .. } => format!("priv<{wgsl_ty}>{}", self.scalar),
            _ if self.bytes => format!("{}#bytes", self.access),
            _ if self.is_words() => format!("{}#{:?}", self.access, self.elem),
            _ => self.access.clone(),
        }
    }
    /// Elements of 32-bit components stored as `u32` words (a word view's base).
    pub fn is_words(&self) -> bool {
        is_word_elem(&self.elem) && matches!(self.kind, BK::Storage { packed: true, .. } | BK::Work { packed: true, .. })
    }
    fn is_global_name(&self) -> bool {
        !matches!(self.kind, BK::Private { .. })
    }
    /// The WGSL name of the array: `access` without the row index of a pointer into a row of a
    /// multi-dimensional `__local` array (`h[i]`).
    pub fn array_name(&self) -> &str {
        self.access.split('[').next().unwrap_or(&self.access)
    }
    /// Points into a row of a multi-dimensional `__local` array whose index is not a constant
    /// (see [`Base::array_name`]): the row is an expression of the caller's variables, so such
    /// a pointer is used where it is made, never stored or passed on ([`Lower::keepable`]).
    pub fn is_varying_row(&self) -> bool {
        matches!(self.kind, BK::Work { .. })
            && self.access.split_once('[').is_some_and(|(_, rows)| !rows.chars().all(|c| c.is_ascii_digit() || "iu[]".contains(c)))
    }
}

/// What a restarted lowering must change about an array (by its WGSL name), discovered while
/// lowering a use of it.
#[derive(Clone, Debug, PartialEq)]
pub enum Need {
    /// Its elements become `atomic<T>` (an atomic built-in or a sub-word store uses it).
    Atomic(String),
    /// It becomes `u32` words (a word view or a `float` atomic uses it).
    Words(String),
}

/// Can a buffer of `t` be stored as (and viewed through) whole `u32` words?
pub fn is_word_elem(t: &Ty) -> bool {
    matches!(t, Ty::Scalar(Sc::Int | Sc::UInt | Sc::Float) | Ty::Vector(Sc::Int | Sc::UInt | Sc::Float, _))
}

/// A typed WGSL expression.
#[derive(Clone, Debug)]
pub struct Val {
    pub code: String,
    pub ty: Ty,
    /// `code` is a WGSL `bool`/`vecN<bool>` standing for C's 0/1 (scalar) or 0/-1 (vector).
    pub is_b: bool,
    /// For pointers: what `code` (the element offset) is relative to.
    pub base: Option<Base>,
}

impl Val {
    pub fn new(code: impl Into<String>, ty: Ty) -> Self {
        Val { code: code.into(), ty, is_b: false, base: None }
    }
    pub fn boolean(code: impl Into<String>, ty: Ty) -> Self {
        Val { code: code.into(), ty, is_b: true, base: None }
    }
}

#[derive(Clone, Debug)]
pub enum PK {
    Ref(String),
    /// Components of the vector `code` (of the given width).
    Swz(String, Vec<u8>, u8),
    Atomic(String),
    /// A `char`/`short` element of a packed buffer: array, element index, atomic words.
    Packed { arr: String, idx: String, atomic: bool },
    /// A pointer variable (its offset variable) and its base.
    PtrVar(String, Option<Base>),
    /// Components `comps` of a vector element (of width `n`) of a packed buffer: read and
    /// written through the whole element.
    PackedPart { whole: Box<Place>, comps: Vec<u8>, n: u8 },
    /// A member (or part of one) of a union: bytes at `off` of the word array `arr`.
    Words { arr: String, off: Off },
}

/// An lvalue.
#[derive(Clone, Debug)]
pub struct Place {
    pub kind: PK,
    pub ty: Ty,
    /// Stores must be skipped by inactive (padding) work-items.
    pub guard: bool,
    /// For array-typed places: what a decayed pointer's base is.
    pub root: Option<Base>,
}

#[derive(Clone, Debug)]
pub enum Sym {
    Var { code: String, ty: Ty, root: Option<Base>, guard: bool },
    Ptr { var: String, base: Option<Base>, ty: Ty },
}

/// State of one function being lowered.
pub struct FnState {
    pub body: String,
    pub indent: usize,
    pub scopes: Vec<HashMap<String, Sym>>,
    pub names: HashSet<String>,
    pub ret: Ty,
    pub is_kernel: bool,
}

/// Per-kernel facts that built-ins and helpers need.
#[derive(Clone)]
pub struct KernelCtx {
    pub index: usize,
    pub name: String,
    pub dispatch: String,
    pub local_size: [String; 3],
    pub guard_stores: bool,
}

/// Output of one kernel, merged into the module only when the kernel lowers completely.
#[derive(Default)]
pub struct KOut {
    pub decls: Vec<String>,
    pub funcs: Vec<String>,
    pub specs: HashMap<String, String>,
    pub static_local: u64,
    /// The kernel (or a function it calls) uses printf.
    pub printf: bool,
}

pub struct Lower<'u> {
    pub unit: &'u Unit,
    pub files: &'u Files,
    pub caps: DeviceCaps,
    pub structs_used: BTreeSet<usize>,
    pub helpers: BTreeSet<&'static str>,
    pub uses_f16: bool,
    pub consts: HashMap<String, Sym>,
    pub const_decls: Vec<String>,
    pub atomic: HashSet<String>,
    /// Buffers and `__local` arrays stored as `u32` words (see the module docs).
    pub words: HashSet<String>,
    pub retry: Option<Need>,
    pub fx: Vec<FnState>,
    pub k: Option<KernelCtx>,
    pub kout: KOut,
    pub stack: Vec<String>,
    pub counter: u32,
    /// Open `expr`/`stmt` recursion levels, capped at [`MAX_LOWER_DEPTH`].
    pub depth: u32,
    /// The program's printf formats (ids are indices), see [`super::printf`].
    pub printf: Vec<crate::printf::PrintfFormat>,
}

/// Recursion limit of lowering: the parser bounds one expression's depth and nesting, but
/// calls to helpers nest those (see `opencl_c::BUILD_STACK_BYTES`).
pub const MAX_LOWER_DEPTH: u32 = super::parser::MAX_EXPR_DEPTH + 2_000;
/// Helper functions calling helpers: deeper chains are refused (each level is inlined
/// into its own specialised WGSL function, lowered recursively).
pub const MAX_CALL_DEPTH: usize = 256;
/// Nesting of WGSL blocks a function body may reach (WGSL's limit is 127, and naga's parser
/// stops at 200 levels of statements and expressions together).
const MAX_WGSL_BLOCK_DEPTH: usize = 110;
/// Parenthesis depth of generated code beyond which a value goes into a `let`: naga's WGSL
/// parser refuses programs nested 200 deep (expressions and blocks together).
const MAX_CODE_NESTING: usize = 24;

pub const WGSL_RESERVED: &[&str] = &[
    "alias", "break", "case", "const", "const_assert", "continue", "continuing", "default", "diagnostic", "discard",
    "else", "enable", "false", "fn", "for", "if", "let", "loop", "override", "requires", "return", "struct", "switch",
    "true", "var", "while", "array", "atomic", "bool", "f16", "f32", "i32", "u32", "ptr", "sampler", "vec2", "vec3",
    "vec4", "mat2x2", "mat3x3", "mat4x4", "NULL", "Self", "abstract", "active", "alignas", "alignof", "as", "asm",
    "asm_fragment", "async", "attribute", "auto", "await", "become", "cast", "catch", "class", "co_await",
    "co_return", "co_yield", "coherent", "column_major", "common", "compile", "compile_fragment", "concept",
    "const_cast", "consteval", "constexpr", "constinit", "crate", "debugger", "decltype", "delete", "demote",
    "demote_to_helper", "do", "dynamic_cast", "enum", "explicit", "export", "extends", "extern", "external",
    "fallthrough", "filter", "final", "finally", "friend", "from", "fxgroup", "get", "goto", "groupshared",
    "highp", "impl", "implements", "import", "inline", "instanceof", "interface", "layout", "lowp", "macro",
    "macro_rules", "match", "mediump", "meta", "mod", "module", "move", "mut", "mutable", "namespace", "new", "nil",
    "noexcept", "noinline", "nointerpolation", "non_coherent", "noncoherent", "noperspective", "null", "nullptr",
    "of", "operator", "package", "packoffset", "partition", "pass", "patch", "pixelfragment", "precise",
    "precision", "premerge", "priv", "protected", "pub", "public", "readonly", "ref", "regardless", "register",
    "reinterpret_cast", "require", "resource", "restrict", "self", "set", "shared", "sizeof", "smooth", "snorm",
    "static", "static_assert", "static_cast", "std", "subroutine", "super", "target", "template", "this",
    "thread_local", "throw", "trait", "try", "type", "typedef", "typeid", "typename", "typeof", "union", "unless",
    "unorm", "unsafe", "unsized", "use", "using", "varying", "virtual", "volatile", "wgsl", "where", "with",
    "writeonly", "yield", "main",
];

/// The entry-point name for a kernel: its own name unless WGSL reserves it or it could
/// collide with a generated name.
pub fn entry_name(n: &str) -> String {
    let generated = ["c_", "f_", "fn_", "wgcl_", "k_", "S", "_"];
    if WGSL_RESERVED.contains(&n) || generated.iter().any(|g| n.starts_with(g)) {
        format!("k_{n}")
    } else {
        n.to_string()
    }
}

fn swz_letter(i: u8) -> char {
    ['x', 'y', 'z', 'w'][i as usize]
}

/// Component `k` of the vector `code` of width `n` (wide vectors are arrays of 4-vectors).
pub fn comp(code: &str, n: u8, k: u8) -> String {
    if n > 4 {
        format!("{code}[{}].{}", k / 4, swz_letter(k % 4))
    } else {
        format!("{code}.{}", swz_letter(k))
    }
}

impl<'u> Lower<'u> {
    pub fn new(unit: &'u Unit, files: &'u Files, caps: DeviceCaps) -> Self {
        Lower {
            unit,
            files,
            caps,
            structs_used: BTreeSet::new(),
            helpers: BTreeSet::new(),
            uses_f16: false,
            consts: HashMap::new(),
            const_decls: Vec::new(),
            atomic: HashSet::new(),
            words: HashSet::new(),
            retry: None,
            fx: Vec::new(),
            k: None,
            kout: KOut::default(),
            stack: Vec::new(),
            counter: 0,
            depth: 0,
            printf: Vec::new(),
        }
    }

    pub fn err(&self, p: Pos, m: impl Into<String>) -> BuildError {
        self.files.err(p, m)
    }
    pub fn structs(&self) -> &'u [StructDef] {
        &self.unit.structs
    }
    pub fn f(&mut self) -> &mut FnState {
        self.fx.last_mut().expect("inside a function")
    }
    pub fn kc(&self) -> &KernelCtx {
        self.k.as_ref().expect("inside a kernel")
    }

    pub fn emit(&mut self, s: impl AsRef<str>) {
        let f = self.f();
        for _ in 0..f.indent {
            f.body.push_str("    ");
        }
        f.body.push_str(s.as_ref());
        f.body.push('\n');
    }

    /// Runs `g` with a fresh statement buffer; returns its result and the statements.
    pub fn capture<T>(&mut self, g: impl FnOnce(&mut Self) -> R<T>) -> R<(T, String)> {
        let saved = std::mem::take(&mut self.f().body);
        let r = g(self);
        let inner = std::mem::replace(&mut self.f().body, saved);
        Ok((r?, inner))
    }

    pub fn fresh(&mut self, hint: &str) -> String {
        self.counter += 1;
        format!("wgcl_{hint}{}", self.counter)
    }

    pub fn local_name(&mut self, c: &str) -> String {
        let mut n = format!("c_{c}");
        let mut k = 1;
        while self.f().names.contains(&n) {
            k += 1;
            n = format!("c_{c}_{k}");
        }
        self.f().names.insert(n.clone());
        n
    }

    pub fn bind(&mut self, name: &str, s: Sym) {
        self.f().scopes.last_mut().unwrap().insert(name.to_string(), s);
    }

    fn lookup(&self, name: &str) -> Option<Sym> {
        if let Some(f) = self.fx.last() {
            for s in f.scopes.iter().rev() {
                if let Some(v) = s.get(name) {
                    return Some(v.clone());
                }
            }
        }
        self.consts.get(name).cloned()
    }

    // ---------------------------------------------------------------- types

    /// Refuses types the device or WGSL cannot hold, at `p`.
    pub fn check_ty(&mut self, t: &Ty, p: Pos) -> R<()> {
        match t {
            Ty::Scalar(s) | Ty::Vector(s, _) => {
                match s {
                    Sc::Long | Sc::ULong if !self.caps.i64 => Err(self.err(p, format!("`{}` needs 64-bit integer support, which this device lacks", s.c_name()))),
                    Sc::Double if !self.caps.f64 => Err(self.err(p, "`double` needs cl_khr_fp64, which this device lacks")),
                    Sc::Half if !self.caps.f16 => Err(self.err(p, "`half` needs cl_khr_fp16, which this device lacks")),
                    Sc::Half => {
                        self.uses_f16 = true;
                        Ok(())
                    }
                    _ => Ok(()),
                }
            }
            Ty::Array(e, _) => self.check_ty(e, p),
            Ty::Pointer(e, _) => {
                // `half` is a storage format without cl_khr_fp16 (vload_half/vstore_half).
                if **e == Ty::Void || (**e == Ty::Scalar(Sc::Half) && !self.caps.f16) {
                    return Ok(());
                }
                self.check_ty(e, p)
            }
            Ty::Struct(i) => {
                if !self.structs()[*i].complete {
                    return Err(self.err(p, format!("`{}` is an incomplete type", self.structs()[*i].name)));
                }
                if self.structs_used.insert(*i) {
                    if self.structs()[*i].is_union {
                        words::check_union(self, *i, p)?;
                    }
                    for (_, f) in self.structs()[*i].fields.clone() {
                        if f.is_pointer() {
                            return Err(self.err(p, format!("pointer members (in `{}`) are not supported", self.structs()[*i].name)));
                        }
                        self.check_ty(&f, p)?;
                    }
                }
                Ok(())
            }
            _ => Ok(()),
        }
    }

    pub fn wt(&self, t: &Ty) -> String {
        t.wgsl(self.structs())
    }

    /// The WGSL type of a `__local` variable or (multi-dimensional) array that atomics reach:
    /// `atomic<T>` elements, or `None` when they are not integers WGSL has atomics for.
    fn atomic_wt(&self, t: &Ty) -> Option<String> {
        match t {
            Ty::Array(e, n) => Some(format!("array<{}, {n}>", self.atomic_wt(e)?)),
            Ty::Scalar(Sc::Int | Sc::UInt) => Some(format!("atomic<{}>", self.wt(t))),
            Ty::Scalar(Sc::Long | Sc::ULong) if self.caps.i64_atomics => Some(format!("atomic<{}>", self.wt(t))),
            _ => None,
        }
    }

    /// Does the C layout of `t` equal its WGSL storage layout (with explicit @align/@size)?
    pub fn host_compatible(&self, t: &Ty) -> bool {
        match t {
            Ty::Scalar(s) | Ty::Vector(s, _) => s.size() >= 4,
            Ty::Array(e, _) => self.host_compatible(e),
            Ty::Struct(i) if self.structs()[*i].is_union => t.layout(self.structs()).0.is_multiple_of(4),
            Ty::Struct(i) => self.structs()[*i].fields.iter().all(|(_, f)| self.host_compatible(f)),
            _ => false,
        }
    }

    /// WGSL declarations of the structs in use, with C offsets forced by `@align`/`@size`.
    pub fn struct_decls(&self) -> String {
        let mut s = String::new();
        for &i in &self.structs_used {
            let d = &self.structs()[i];
            if d.is_union {
                let n = words::union_words(self, i);
                s.push_str(&format!("struct {} {{\n    w: array<u32, {n}>,\n}}\n", struct_wgsl_name(i, self.structs())));
                continue;
            }
            let compat = self.host_compatible(&Ty::Struct(i));
            s.push_str(&format!("struct {} {{\n", struct_wgsl_name(i, self.structs())));
            for (n, f) in &d.fields {
                let (sz, al) = f.layout(self.structs());
                if compat {
                    s.push_str(&format!("    @align({al}) @size({sz}) f_{n}: {},\n", self.wt(f)));
                } else {
                    s.push_str(&format!("    f_{n}: {},\n", self.wt(f)));
                }
            }
            s.push_str("}\n");
        }
        s
    }

    /// A WGSL literal of C type `t` with integer value `v`.
    pub fn lit(&self, t: &Ty, v: i64) -> String {
        let s = match t.scalar().unwrap_or(Sc::Int) {
            // The most negative values have no WGSL literal (the literal is the magnitude).
            Sc::Char | Sc::Short | Sc::Int if v == i32::MIN as i64 => "(-2147483647i - 1i)".into(),
            Sc::Char | Sc::Short | Sc::Int => format!("{v}i"),
            Sc::UChar | Sc::UShort | Sc::UInt => format!("{}u", v as u32),
            Sc::Long if v == i64::MIN => "(-9223372036854775807li - 1li)".into(),
            Sc::Long => format!("{v}li"),
            Sc::ULong => format!("{}lu", v as u64),
            Sc::Half => format!("{v}.0h"),
            Sc::Float => format!("{v}.0f"),
            Sc::Double => format!("{v}.0lf"),
        };
        let s = if v < 0 { format!("({s})") } else { s };
        if t.is_wide() {
            return self.splat(t, &s);
        }
        if let Ty::Vector(..) = t {
            format!("{}({})", self.wt(t), s)
        } else {
            s
        }
    }

    /// The vector `t` with every component `scalar` (a WGSL expression of its scalar type).
    pub fn splat(&self, t: &Ty, scalar: &str) -> String {
        match t {
            Ty::Vector(s, n) if *n > 4 => {
                let part = format!("vec4<{}>({scalar})", s.wgsl());
                format!("{}({})", self.wt(t), vec![part; *n as usize / 4].join(", "))
            }
            _ => format!("{}({scalar})", self.wt(t)),
        }
    }

    /// The vector `t` made of the scalar expressions `comps`.
    pub fn vec_code(&self, t: &Ty, comps: &[String]) -> String {
        match t {
            Ty::Vector(s, n) if *n > 4 => {
                let parts: Vec<String> = comps.chunks(4).map(|c| format!("vec4<{}>({})", s.wgsl(), c.join(", "))).collect();
                format!("{}({})", self.wt(t), parts.join(", "))
            }
            _ => format!("{}({})", self.wt(t), comps.join(", ")),
        }
    }

    /// Applies `f` to each 4-wide part of the 8/16-wide operands (narrower ones are passed
    /// whole) and joins the results: WGSL has no operators or built-ins on arrays.
    pub fn split_wide(&mut self, vals: Vec<Val>, pos: Pos, f: impl Fn(&mut Self, Vec<Val>) -> R<Val>) -> R<Val> {
        let n = vals.iter().map(|v| v.ty.width()).max().unwrap_or(1);
        if let Some(v) = vals.iter().find(|v| v.ty.is_vector() && v.ty.width() != n) {
            return Err(self.err(pos, format!("a `{}` and a {n}-component vector cannot be combined", v.ty.c_name(self.structs()))));
        }
        let vals: Vec<Val> = vals.into_iter().map(|v| self.to_let(v)).collect();
        let mut parts = Vec::new();
        let mut part_ty = None;
        for k in 0..n / 4 {
            let pv = vals
                .iter()
                .map(|v| match &v.ty {
                    Ty::Vector(s, w) if *w > 4 => Val::new(format!("{}[{k}]", v.code), Ty::Vector(*s, 4)),
                    _ => v.clone(),
                })
                .collect();
            let r = f(self, pv)?;
            let r = if r.is_b { Val::new(self.conv(&r, &r.ty.clone(), pos)?, r.ty) } else { r };
            match &r.ty {
                Ty::Vector(_, 4) => {}
                t => return Err(self.err(pos, format!("this operation gives a `{}` per 4 components, which an 8/16-component vector cannot be made of", t.c_name(self.structs())))),
            }
            part_ty = r.ty.scalar();
            parts.push(r.code);
        }
        let t = Ty::Vector(part_ty.unwrap_or(Sc::Int), n);
        Ok(Val::new(format!("{}({})", self.wt(&t), parts.join(", ")), t))
    }

    pub fn float_lit(&self, v: f64, s: Sc) -> String {
        match s {
            Sc::Double => {
                let t = format!("{v:?}");
                format!("{t}lf")
            }
            Sc::Half => format!("{:?}h", v as f32),
            _ => {
                let f = v as f32;
                if f.is_infinite() {
                    return "3.4028235e38f".into();
                }
                format!("{f:?}f")
            }
        }
    }

    // ---------------------------------------------------------------- conversions

    /// `v` converted to C type `to` (implicitly or by a cast), as WGSL code.
    pub fn conv(&mut self, v: &Val, to: &Ty, p: Pos) -> R<String> {
        if v.ty.is_pointer() || to.is_pointer() {
            return Err(self.err(p, format!("cannot convert `{}` to `{}`", v.ty.c_name(self.structs()), to.c_name(self.structs()))));
        }
        if let Ty::Bool = to {
            return self.cond(v, p);
        }
        if v.ty == Ty::Bool && !v.is_b {
            // A `bool` object is a WGSL `bool`; as an arithmetic value it is C's 0 or 1.
            return self.conv(&Val::boolean(v.code.clone(), INT), to, p);
        }
        if v.is_b {
            let ts = to.scalar().ok_or_else(|| self.err(p, "cannot convert a comparison result to this type"))?;
            let (one, zero) = if v.ty.is_vector() && !ts.is_float() { (-1, 0) } else { (1, 0) };
            let target = if v.ty.is_vector() { to.clone() } else { Ty::Scalar(ts) };
            let code = format!("select({}, {}, {})", self.lit(&target, zero), self.lit(&target, one), v.code);
            if let (Ty::Vector(..), false) = (to, v.ty.is_vector()) {
                return Ok(format!("{}({code})", self.wt(to)));
            }
            return Ok(code);
        }
        if &v.ty == to {
            return Ok(v.code.clone());
        }
        match (&v.ty, to) {
            (Ty::Struct(a), Ty::Struct(b)) if a == b => Ok(v.code.clone()),
            (Ty::Array(..), _) | (_, Ty::Array(..)) | (Ty::Struct(_), _) | (_, Ty::Struct(_)) | (Ty::Void, _) => {
                Err(self.err(p, format!("cannot convert `{}` to `{}`", v.ty.c_name(self.structs()), to.c_name(self.structs()))))
            }
            (_, Ty::Void) => Ok(v.code.clone()),
            (from, _) => {
                let fs = from.scalar().unwrap();
                let ts = to.scalar().unwrap();
                if from.is_vector() && to.is_vector() && from.width() != to.width() {
                    return Err(self.err(p, format!("cannot convert `{}` to `{}`: different sizes", from.c_name(self.structs()), to.c_name(self.structs()))));
                }
                if to.is_wide() && !from.is_vector() {
                    let c = self.conv(v, &Ty::Scalar(ts), p)?;
                    let c = self.to_let(Val::new(c, Ty::Scalar(ts)));
                    return Ok(self.splat(to, &c.code));
                }
                if from.is_wide() {
                    if !to.is_vector() {
                        return Err(self.err(p, format!("cannot convert `{}` to `{}`", from.c_name(self.structs()), to.c_name(self.structs()))));
                    }
                    let t4 = Ty::Vector(ts, 4);
                    let r = self.split_wide(vec![v.clone()], p, |s, pv| Ok(Val::new(s.conv(&pv[0], &t4, p)?, t4.clone())))?;
                    return Ok(r.code);
                }
                let mut code = v.code.clone();
                if let Some(folded) = self.fold_wide_literal(&code, fs, ts) {
                    code = folded;
                }
                if !fs.is_float() && !ts.is_float() && (fs.size() == 8) != (ts.size() == 8) {
                    // Change the width first, keeping the source's signedness, so a 32-bit
                    // value sign- or zero-extends by its own type (naga extends by the
                    // target's: `i64(0xFFFFFFFFu)` would be -1).
                    let mid = match fs.wgsl() {
                        "i32" => "i64",
                        "u32" => "u64",
                        "i64" => "i32",
                        _ => "u32",
                    };
                    code = if from.is_vector() { format!("vec{}<{mid}>({code})", from.width()) } else { format!("{mid}({code})") };
                }
                if fs.wgsl() != ts.wgsl() || (from.is_vector() != to.is_vector()) {
                    code = if from.is_vector() || !to.is_vector() {
                        format!("{}({code})", self.wt(to))
                    } else {
                        format!("{}({}({code}))", self.wt(to), ts.wgsl())
                    };
                }
                Ok(self.narrow(code, to, fs))
            }
        }
    }

    /// The float value `v` as a constant of `t`'s shape (scalar or vector) and float type `s`.
    pub fn splat_float(&self, t: &Ty, v: f64, s: Sc) -> String {
        let l = self.float_lit(v, s);
        let l = if v < 0.0 { format!("({l})") } else { l };
        if t.is_vector() { self.splat(&t.with_scalar(s), &l) } else { l }
    }

    /// A WGSL `bool` (vector for vectors) that is true where the float `x` (of C type `t`) is
    /// a NaN, tested on its bits: comparisons of a NaN with itself may be compiled as ordered
    /// (or folded) and then never see it.
    pub fn nan_test(&self, t: &Ty, x: &str) -> String {
        let s = t.scalar().unwrap();
        let n = t.width();
        let v = |e: &str| if t.is_vector() { format!("vec{n}<{e}>") } else { e.to_string() };
        let (bits, mask, inf) = match s {
            Sc::Double => (format!("bitcast<{}>({x})", v("u64")), "0x7ffffffffffffffflu", "0x7ff0000000000000lu"),
            Sc::Half => (format!("bitcast<{}>({}({x}))", v("u32"), v("f32")), "0x7fffffffu", "0x7f800000u"),
            _ => (format!("bitcast<{}>({x})", v("u32")), "0x7fffffffu", "0x7f800000u"),
        };
        let (mask, inf) = if t.is_vector() { (format!("{}({mask})", v(if s == Sc::Double { "u64" } else { "u32" })), format!("{}({inf})", v(if s == Sc::Double { "u64" } else { "u32" }))) } else { (mask.into(), inf.into()) };
        format!("(({bits} & {mask}) > {inf})")
    }

    /// A 64-bit literal converted to `f32` (or an integer one to `f64`) in Rust: naga's
    /// constant evaluator refuses those conversions (`(float)1e-10` with doubles enabled).
    fn fold_wide_literal(&self, code: &str, from: Sc, to: Sc) -> Option<String> {
        let wide = matches!((from, to), (Sc::Double | Sc::Long | Sc::ULong, Sc::Float) | (Sc::Long | Sc::ULong, Sc::Double));
        if !wide {
            return None;
        }
        let t = code.strip_prefix('(').and_then(|c| c.strip_suffix(')')).unwrap_or(code);
        let v: f64 = match from {
            Sc::Double => t.strip_suffix("lf")?.parse().ok()?,
            Sc::Long => t.strip_suffix("li")?.parse::<i64>().ok()? as f64,
            _ => t.strip_suffix("lu")?.parse::<u64>().ok()? as f64,
        };
        Some(self.float_lit(v, to))
    }

    /// Wraps a 32-bit value to a `char`/`short` type's range (C's modular conversion).
    pub fn narrow(&self, code: String, to: &Ty, from: Sc) -> String {
        let ts = to.scalar().unwrap();
        if ts.size() >= 4 || ts.is_float() || (from == ts) {
            return code;
        }
        let bits = ts.size() * 8;
        // A literal is wrapped here: naga's constant evaluator rejects `300i << 24u`.
        let lit = code.trim_start_matches('(').trim_end_matches(')');
        if let Some(v) = lit.strip_suffix('i').or_else(|| lit.strip_suffix('u')).and_then(|d| d.parse::<i64>().ok()) {
            if !to.is_vector() {
                let m = v & ((1i64 << bits) - 1);
                let w = if ts.is_signed() && m >= 1i64 << (bits - 1) { m - (1i64 << bits) } else { m };
                return self.lit(to, w);
            }
        }
        if ts.is_signed() {
            // extractBits sign-extends a signed value; `(x << 16u) >> 16u` overflowed in
            // WGSL's constant evaluation for a literal such as `(short)0xfedc`.
            format!("extractBits({code}, 0u, {bits}u)")
        } else {
            let m = (1u32 << bits) - 1;
            let mv = if to.is_vector() { format!("vec{}<u32>({m}u)", to.width()) } else { format!("{m}u") };
            format!("({code} & {mv})")
        }
    }

    /// A WGSL `bool` for C truth of `v`.
    pub fn cond(&mut self, v: &Val, p: Pos) -> R<String> {
        if v.is_b && !v.ty.is_vector() {
            return Ok(v.code.clone());
        }
        if v.ty.is_pointer() {
            // A null pointer constant is false; any other pointer points into its buffer.
            return Ok(if v.base.is_none() && v.code == "0i" { "false" } else { "true" }.into());
        }
        match &v.ty {
            Ty::Scalar(_) | Ty::Bool => {
                if v.ty == Ty::Bool {
                    return Ok(v.code.clone());
                }
                // A NaN is true: `!(x == 0)`, as `!=` of floats reaches the device ordered.
                Ok(format!("!({} == {})", v.code, self.lit(&v.ty, 0)))
            }
            _ => Err(self.err(p, format!("a `{}` cannot be used as a condition", v.ty.c_name(self.structs())))),
        }
    }

    /// Materialises a value into a `let` (keeps evaluation order; avoids re-evaluation).
    pub fn to_let(&mut self, v: Val) -> Val {
        if v.code.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.') {
            return v;
        }
        let n = self.fresh("t");
        let kw = Self::binding_kw(&v.ty);
        self.emit(format!("{kw} {n} = {};", v.code));
        Val { code: n, ..v }
    }

    /// Vectors and aggregates (wide vectors are arrays) are bound with `var`: after wgpu's
    /// override pass, naga rejects indexing a `let` aggregate whose value is a constant
    /// expression (ExpressionAlreadyInScope) and its SPIR-V writer panics on a component of
    /// such a `let` vector ("Expression is not cached"): `dst[i] = (ushort)257;` to a ushort4.
    fn binding_kw(t: &Ty) -> &'static str {
        if matches!(t, Ty::Vector(..) | Ty::Array(..) | Ty::Struct(_)) { "var" } else { "let" }
    }

    /// `v`'s value now, in a fresh `let`, even when `v` is a plain variable name that a
    /// later store would change.
    pub fn snapshot(&mut self, v: Val) -> Val {
        let n = self.fresh("t");
        let kw = Self::binding_kw(&v.ty);
        self.emit(format!("{kw} {n} = {};", v.code));
        Val { code: n, ..v }
    }

    // ---------------------------------------------------------------- places

    pub fn elem_place(&mut self, b: &Base, off: &str) -> Place {
        let guard = matches!(b.kind, BK::Storage { .. }) && self.k.as_ref().is_some_and(|k| k.guard_stores);
        let kind = match b.kind {
            BK::Storage { packed: true, atomic, .. } | BK::Work { packed: true, atomic } => PK::Packed { arr: b.access.clone(), idx: off.to_string(), atomic },
            BK::Work { atomic: true, .. } if b.scalar => PK::Atomic(b.access.clone()),
            _ if b.scalar => PK::Ref(b.access.clone()),
            BK::Storage { atomic: true, .. } | BK::Work { atomic: true, .. } => PK::Atomic(format!("{}[{}]", b.access, off)),
            _ => PK::Ref(format!("{}[{}]", b.access, off)),
        };
        let root = if let Ty::Array(..) = b.elem {
            Some(Base { access: format!("{}[{}]", b.access, off), ..b.clone() })
        } else {
            None
        };
        Place { kind, ty: b.elem.clone(), guard, root }
    }

    pub fn place(&mut self, e: &Expr) -> R<Place> {
        match &e.kind {
            ExprKind::Ident(n) => match self.lookup(n) {
                Some(Sym::Var { code, ty, root, guard }) => {
                    if let Some(r) = root.as_ref().filter(|r| r.scalar && r.is_words()) {
                        return Ok(self.elem_place(r, "0i"));
                    }
                    let atomic_scalar = root.as_ref().is_some_and(|r| r.scalar && matches!(r.kind, BK::Work { atomic: true, .. }));
                    let kind = if atomic_scalar { PK::Atomic(code) } else { PK::Ref(code) };
                    Ok(Place { kind, ty, guard, root })
                }
                Some(Sym::Ptr { var, base, ty }) => Ok(Place { kind: PK::PtrVar(var, base), ty, guard: false, root: None }),
                None => Err(self.err(e.pos, format!("use of undeclared identifier `{n}`"))),
            },
            ExprKind::Index(a, i) => {
                let idx = self.expr(i)?;
                if !idx.ty.is_int() || idx.ty.is_vector() {
                    return Err(self.err(i.pos, "array subscript is not an integer"));
                }
                let lvalue = matches!(a.kind, ExprKind::Ident(_) | ExprKind::Index(..) | ExprKind::Member(..));
                if lvalue {
                    let p = self.place(a)?;
                    if let PK::Words { arr, off } = &p.kind {
                        let el = match &p.ty {
                            Ty::Array(el, _) => (**el).clone(),
                            Ty::Vector(s, _) => Ty::Scalar(*s),
                            t => return Err(self.err(e.pos, format!("subscripted value of type `{}` is not an array or vector", t.c_name(self.structs())))),
                        };
                        let ic = self.conv(&idx, &INT, i.pos)?;
                        let stride = el.layout(self.structs()).0;
                        let off = match const_eval(i, self.structs()) {
                            Some(k) if k >= 0 => off.plus(k as u32 * stride),
                            _ => off.indexed(&ic, stride),
                        };
                        return Ok(Place { kind: PK::Words { arr: arr.clone(), off }, ty: el, guard: p.guard, root: None });
                    }
                    match (&p.ty, &p.kind) {
                        (Ty::Array(el, _), PK::Ref(code)) => {
                            let ic = self.conv(&idx, &INT, i.pos)?;
                            if let Some(r) = p.root.as_ref().filter(|r| r.is_words() && r.access == *code) {
                                return Ok(self.elem_place(r, &ic));
                            }
                            let code = format!("{code}[{ic}]");
                            let root = p.root.as_ref().filter(|_| matches!(**el, Ty::Array(..))).map(|r| Base {
                                access: code.clone(),
                                elem: match &**el { Ty::Array(e2, _) => (**e2).clone(), t => t.clone() },
                                ..r.clone()
                            });
                            let (kind, guard) = match p.root.as_ref().map(|r| &r.kind) {
                                Some(BK::Work { atomic: true, .. }) if !matches!(**el, Ty::Array(..)) => (PK::Atomic(code), false),
                                _ => (PK::Ref(code), p.guard),
                            };
                            return Ok(Place { kind, ty: (**el).clone(), guard, root });
                        }
                        (Ty::Vector(s, n), PK::Ref(code)) => {
                            let ic = self.conv(&idx, &UINT, i.pos)?;
                            let code = if *n > 4 {
                                let iv = self.to_let(Val::new(ic, UINT)).code;
                                format!("{code}[{iv} / 4u][{iv} % 4u]")
                            } else {
                                format!("{code}[{ic}]")
                            };
                            return Ok(Place { kind: PK::Ref(code), ty: Ty::Scalar(*s), guard: p.guard, root: None });
                        }
                        (Ty::Pointer(..), _) => {
                            let pv = self.read(&p, a.pos)?;
                            return self.ptr_elem(&pv, Some(&idx), e.pos);
                        }
                        _ => {}
                    }
                    return Err(self.err(e.pos, format!("subscripted value of type `{}` is not an array, pointer or vector", p.ty.c_name(self.structs()))));
                }
                let pv = self.expr(a)?;
                self.ptr_elem(&pv, Some(&idx), e.pos)
            }
            ExprKind::Unary("*", a) => {
                let pv = self.expr(a)?;
                self.ptr_elem(&pv, None, e.pos)
            }
            ExprKind::Member(a, name, arrow) => {
                let p = if *arrow {
                    let pv = self.expr(a)?;
                    self.ptr_elem(&pv, None, e.pos)?
                } else {
                    self.place(a)?
                };
                self.member_place(p, name, e.pos)
            }
            ExprKind::Cast(_, inner) if false => self.place(inner),
            _ => Err(self.err(e.pos, "expression is not assignable (not an lvalue)")),
        }
    }

    pub fn ptr_elem(&mut self, pv: &Val, idx: Option<&Val>, p: Pos) -> R<Place> {
        let Some(b) = pv.base.clone() else {
            return Err(self.err(p, format!("cannot dereference a value of type `{}`", pv.ty.c_name(self.structs()))));
        };
        if b.elem == Ty::Void {
            return Err(self.err(p, "cannot dereference a `void*`"));
        }
        if b.elem == Ty::Scalar(Sc::Half) && !self.caps.f16 {
            return Err(self.err(p, "`half` data needs cl_khr_fp16, which this device lacks, to be read or written directly; use vload_half/vstore_half"));
        }
        if b.bytes {
            return Err(self.err(p, format!(
                "dereferencing a `char*` view of `{}` memory is not supported (only offsetting it and casting it back)",
                b.elem.c_name(self.structs())
            )));
        }
        let off = match idx {
            Some(i) => {
                let ic = self.conv(i, &INT, p)?;
                if pv.code == "0i" { ic } else { format!("({} + {ic})", pv.code) }
            }
            None => pv.code.clone(),
        };
        Ok(self.elem_place(&b, &off))
    }

    fn member_place(&mut self, p: Place, name: &str, pos: Pos) -> R<Place> {
        match &p.ty {
            Ty::Struct(i) => {
                let d = &self.structs()[*i];
                let Some((name, fty)) = d.field(name).map(|(n, t)| (n.to_string(), t.clone())) else {
                    return Err(self.err(pos, format!("`{}` has no member named `{name}`", d.name)));
                };
                let fty = &fty;
                let field_off = if d.is_union { 0 } else { Ty::field_offsets(*i, self.structs())[d.fields.iter().position(|(n, _)| *n == name).unwrap()] };
                match &p.kind {
                    PK::Words { arr, off } => return Ok(Place { kind: PK::Words { arr: arr.clone(), off: off.plus(field_off) }, ty: fty.clone(), guard: p.guard, root: None }),
                    PK::Ref(code) if d.is_union => {
                        return Ok(Place { kind: PK::Words { arr: format!("{code}.w"), off: Off::at(0) }, ty: fty.clone(), guard: p.guard, root: None })
                    }
                    _ if d.is_union => return Err(self.err(pos, "member access on this union is not supported")),
                    _ => {}
                }
                let PK::Ref(code) = &p.kind else {
                    return Err(self.err(pos, "member access on this value is not supported"));
                };
                let code = format!("{code}.f_{name}");
                let root = p.root.clone().map(|r| Base { access: code.clone(), ..r });
                Ok(Place { kind: PK::Ref(code), ty: fty.clone(), guard: p.guard, root })
            }
            Ty::Vector(s, n) => {
                let comps = self.swizzle(name, *n, pos)?;
                if let PK::Words { arr, off } = &p.kind {
                    if comps.len() != 1 {
                        return Err(self.err(pos, "multi-component swizzles of a union member are not supported as lvalues; copy the vector first"));
                    }
                    let kind = PK::Words { arr: arr.clone(), off: off.plus(comps[0] as u32 * s.size()) };
                    return Ok(Place { kind, ty: Ty::Scalar(*s), guard: p.guard, root: None });
                }
                match &p.kind {
                    // A component of a word view's element is a word of its own: read and
                    // written alone, so other work-items' atomics on the element's other
                    // words are not overwritten.
                    PK::Packed { arr, idx, atomic } if s.size() == 4 && comps.len() == 1 => {
                        let k = p.ty.layout(self.structs()).0 / 4;
                        let kind = PK::Packed { arr: arr.clone(), idx: format!("(i32({idx}) * {k}i + {}i)", comps[0]), atomic: *atomic };
                        return Ok(Place { kind, ty: Ty::Scalar(*s), guard: p.guard, root: None });
                    }
                    PK::Packed { .. } | PK::PackedPart { .. } => {
                        let ty = Ty::vec(*s, comps.len() as u8);
                        let (whole, comps, n) = match p.kind {
                            PK::PackedPart { whole, comps: first, n } => (whole, comps.iter().map(|&c| first[c as usize]).collect(), n),
                            _ => (Box::new(p.clone()), comps, *n),
                        };
                        return Ok(Place { kind: PK::PackedPart { whole, comps, n }, ty, guard: p.guard, root: None });
                    }
                    _ => {}
                }
                // A swizzle of a swizzle picks from the first one's components.
                let (code, comps, n) = match &p.kind {
                    PK::Ref(code) => (code, comps, *n),
                    PK::Swz(code, first, n0) => (code, comps.iter().map(|&c| first[c as usize]).collect(), *n0),
                    _ => return Err(self.err(pos, "swizzle of this value is not supported")),
                };
                let ty = Ty::vec(*s, comps.len() as u8);
                if comps.len() == 1 {
                    return Ok(Place { kind: PK::Ref(comp(code, n, comps[0])), ty, guard: p.guard, root: None });
                }
                Ok(Place { kind: PK::Swz(code.clone(), comps, n), ty, guard: p.guard, root: None })
            }
            Ty::Pointer(..) => Err(self.err(pos, format!("member reference type is a pointer; use `->` to access `{name}`"))),
            t => Err(self.err(pos, format!("member `{name}` of a non-struct type `{}`", t.c_name(self.structs())))),
        }
    }

    /// Component indices of a swizzle (`xyzw`, `rgba`, `s0123`, `lo`/`hi`/`even`/`odd`).
    pub fn swizzle(&self, name: &str, n: u8, pos: Pos) -> R<Vec<u8>> {
        let half = |v: Vec<u8>| v;
        let comps: Option<Vec<u8>> = match name {
            "lo" => Some(half((0..n.div_ceil(2).max(1)).collect::<Vec<_>>())).map(|v| if n == 3 { vec![0, 1] } else { v }),
            "hi" => Some(if n == 3 { vec![2, 2] } else { (n / 2..n).collect() }),
            "even" => Some((0..n).step_by(2).collect::<Vec<_>>()).map(|v| if n == 3 { vec![0, 2] } else { v }),
            "odd" => Some(if n == 3 { vec![1, 1] } else { (1..n).step_by(2).collect() }),
            _ if name.starts_with('s') || name.starts_with('S') => name[1..]
                .chars()
                .map(|c| c.to_digit(16).map(|d| d as u8))
                .collect(),
            _ => name
                .chars()
                .map(|c| match c {
                    'x' | 'r' => Some(0),
                    'y' | 'g' => Some(1),
                    'z' | 'b' => Some(2),
                    'w' | 'a' => Some(3),
                    _ => None,
                })
                .collect(),
        };
        match comps {
            Some(c) if matches!(c.len(), 1..=4 | 8 | 16) && c.iter().all(|&i| i < n) => Ok(c),
            _ => Err(self.err(pos, format!("invalid vector component or swizzle `.{name}` for a {n}-component vector"))),
        }
    }

    /// Components `comps` of the vector `code` (width `n`) as a value of type `t`.
    fn swizzled(&self, code: &str, n: u8, comps: &[u8], t: &Ty) -> String {
        if n <= 4 && comps.len() <= 4 {
            return format!("{code}.{}", comps.iter().map(|&c| swz_letter(c)).collect::<String>());
        }
        let cs: Vec<String> = comps.iter().map(|&c| comp(code, n, c)).collect();
        if comps.len() == 1 {
            return cs[0].clone();
        }
        self.vec_code(t, &cs)
    }

    pub fn read(&mut self, p: &Place, pos: Pos) -> R<Val> {
        Ok(match &p.kind {
            PK::Ref(code) => {
                if let Ty::Array(el, _) = &p.ty {
                    // Array-to-pointer decay.
                    let Some(root) = &p.root else {
                        return Err(self.err(pos, "this array cannot be used as a pointer"));
                    };
                    let base = Base { access: code.clone(), elem: (**el).clone(), scalar: false, ..root.clone() };
                    let base = match &root.kind {
                        BK::Private { wgsl_ty: _, .. } => Base { kind: BK::Private { ptr: format!("&{code}"), wgsl_ty: self.wt(&p.ty) }, ..base },
                        _ => base,
                    };
                    return Ok(Val { code: "0i".into(), ty: Ty::Pointer(el.clone(), root.space), is_b: false, base: Some(base) });
                }
                Val::new(code.clone(), p.ty.clone())
            }
            PK::Swz(code, comps, n) => Val::new(self.swizzled(code, *n, comps, &p.ty), p.ty.clone()),
            PK::Atomic(code) => Val::new(format!("atomicLoad(&{code})"), p.ty.clone()),
            PK::PackedPart { whole, comps, n } => {
                let v = self.read(whole, pos)?;
                let v = self.to_let(v);
                Val::new(self.swizzled(&v.code, *n, comps, &p.ty), p.ty.clone())
            }
            PK::Words { arr, off } => Val::new(words::decode(self, &Src::Array(arr.clone()), &p.ty, off, pos)?, p.ty.clone()),
            PK::PtrVar(var, base) => {
                let Some(b) = base else {
                    return Err(self.err(pos, "pointer is used before it is assigned"));
                };
                Val { code: var.clone(), ty: p.ty.clone(), is_b: false, base: Some(b.clone()) }
            }
            PK::Packed { arr, idx, atomic } => {
                let load = |w: String| if *atomic { format!("atomicLoad(&{w})") } else { w };
                if let Ty::Vector(s @ (Sc::Char | Sc::UChar), 4) = p.ty {
                    let f = if s.is_signed() { "unpack4xI8" } else { "unpack4xU8" };
                    return Ok(Val::new(format!("{f}({})", load(format!("{arr}[{idx}]"))), p.ty.clone()));
                }
                // The element's words (a sub-word element shifted to bit 0), then its value.
                let size = p.ty.layout(self.structs()).0;
                let ws: Vec<String> = if size < 4 {
                    let per = 4 / size;
                    vec![format!("({} >> ((u32({idx}) % {per}u) * {}u))", load(format!("{arr}[u32({idx}) / {per}u]")), size * 8)]
                } else {
                    let k = size / 4;
                    (0..k).map(|j| load(if k == 1 { format!("{arr}[{idx}]") } else { format!("{arr}[u32({idx}) * {k}u + {j}u]") })).collect()
                };
                let w = self.fresh("w");
                self.emit(format!("let {w} = array<u32, {}>({});", ws.len(), ws.join(", ")));
                Val::new(words::decode(self, &Src::Array(w), &p.ty, &Off::at(0), pos)?, p.ty.clone())
            }
        })
    }

    /// Stores `v` (already of the place's type) into `p`.
    pub fn write(&mut self, p: &Place, code: &str, pos: Pos) -> R<()> {
        if p.guard {
            self.emit("if (wgcl_active) {");
            self.f().indent += 1;
        }
        match &p.kind {
            PK::Ref(r) => {
                if let Ty::Array(..) = p.ty {
                    return Err(self.err(pos, "arrays cannot be assigned"));
                }
                self.emit(format!("{r} = {code};"));
            }
            PK::Swz(r, comps, n) => {
                let t = self.fresh("s");
                self.emit(format!("let {t} = {code};"));
                for (k, c) in comps.iter().enumerate() {
                    self.emit(format!("{} = {};", comp(r, *n, *c), comp(&t, comps.len() as u8, k as u8)));
                }
            }
            PK::Atomic(r) => self.emit(format!("atomicStore(&{r}, {code});")),
            PK::PackedPart { whole, comps, n } => {
                let cur = self.read(whole, pos)?;
                let e = self.fresh("e");
                self.emit(format!("var {e} = {};", cur.code));
                let t = self.fresh("s");
                self.emit(format!("let {t} = {code};"));
                for (k, c) in comps.iter().enumerate() {
                    let src = if comps.len() == 1 { t.clone() } else { comp(&t, comps.len() as u8, k as u8) };
                    self.emit(format!("{} = {src};", comp(&e, *n, *c)));
                }
                self.write(whole, &e, pos)?;
            }
            PK::Words { arr, off } => {
                let v = self.to_let(Val::new(code, p.ty.clone()));
                words::encode(self, &Src::Array(arr.clone()), &p.ty, &v.code, off, pos)?;
            }
            PK::PtrVar(..) => unreachable!("pointer stores are handled by assign"),
            PK::Packed { arr, idx, atomic } => {
                let size = p.ty.layout(self.structs()).0;
                let w = self.fresh("w");
                self.emit(format!("var {w}: array<u32, {}>;", size.div_ceil(4)));
                let v = self.to_let(Val::new(code, p.ty.clone()));
                words::encode(self, &Src::Array(w.clone()), &p.ty, &v.code, &Off::at(0), pos)?;
                if size >= 4 {
                    // Whole words: no other work-item's element shares them.
                    let k = size / 4;
                    for j in 0..k {
                        let dst = if k == 1 { format!("{arr}[{idx}]") } else { format!("{arr}[u32({idx}) * {k}u + {j}u]") };
                        self.emit(if *atomic { format!("atomicStore(&{dst}, {w}[{j}]);") } else { format!("{dst} = {w}[{j}];") });
                    }
                } else {
                    // Neighbouring work-items may write the other bytes of the word.
                    if !atomic {
                        self.retry = Some(Need::Atomic(arr.clone()));
                        return Err(self.err(pos, "retry"));
                    }
                    let (per, bits) = (4 / size, size * 8);
                    let sh = self.fresh("sh");
                    self.emit(format!("let {sh} = (u32({idx}) % {per}u) * {bits}u;"));
                    let dst = format!("{arr}[u32({idx}) / {per}u]");
                    let m = (1u32 << bits) - 1;
                    self.emit(format!("atomicAnd(&{dst}, ~({m}u << {sh}));"));
                    self.emit(format!("atomicOr(&{dst}, {w}[0] << {sh});"));
                }
            }
        }
        if p.guard {
            self.f().indent -= 1;
            self.emit("}");
        }
        Ok(())
    }

    // ---------------------------------------------------------------- expressions

    /// Lowers an expression (recursion-limited; deeply nested code goes into a `let`).
    pub fn expr(&mut self, e: &Expr) -> R<Val> {
        self.enter(e.pos)?;
        let r = self.expr_node(e);
        self.depth -= 1;
        let v = r?;
        if v.ty.is_arith() && v.base.is_none() && code_nesting(&v.code) > MAX_CODE_NESTING {
            return Ok(self.to_let(v));
        }
        Ok(v)
    }

    /// Enters one recursion level of lowering (see [`MAX_LOWER_DEPTH`]).
    fn enter(&mut self, pos: Pos) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_LOWER_DEPTH {
            self.depth -= 1;
            return Err(self.err(pos, format!("program too deeply nested (more than {MAX_LOWER_DEPTH} levels of expressions, statements and calls)")));
        }
        Ok(())
    }

    fn expr_node(&mut self, e: &Expr) -> R<Val> {
        let pos = e.pos;
        match &e.kind {
            ExprKind::Int(v, t) => {
                let mut t = t.clone();
                if matches!(t, Ty::Scalar(Sc::Long | Sc::ULong)) && !self.caps.i64 {
                    if *v <= u32::MAX as u64 {
                        t = UINT;
                    } else {
                        return Err(self.err(pos, "this integer constant needs 64-bit integers, which this device lacks"));
                    }
                }
                Ok(Val::new(self.lit(&t, *v as i64), t))
            }
            ExprKind::Float(v, t) => {
                let s = match t.scalar().unwrap() {
                    Sc::Double if !self.caps.f64 => Sc::Float,
                    Sc::Half => {
                        self.check_ty(t, pos)?;
                        Sc::Half
                    }
                    s => s,
                };
                Ok(Val::new(self.float_lit(*v, s), Ty::Scalar(s)))
            }
            ExprKind::Special(w) => {
                let bits = if *w == "inf" { "0x7f800000u" } else { "0x7fc00000u" };
                self.helpers.insert(if *w == "inf" { "inf" } else { "nan" });
                let _ = bits;
                Ok(Val::new(format!("bitcast<f32>(wgcl_{w}_bits)"), FLOAT))
            }
            ExprKind::Ident(_) | ExprKind::Index(..) | ExprKind::Member(..) | ExprKind::Unary("*", _) => {
                if let ExprKind::Member(a, name, false) = &e.kind {
                    // Swizzles of rvalues (`(a + b).xy`, `f().x`).
                    let lv = matches!(a.kind, ExprKind::Ident(_) | ExprKind::Index(..) | ExprKind::Member(..) | ExprKind::Unary("*", _));
                    if !lv {
                        let v = self.expr(a)?;
                        return self.member_value(v, name, pos);
                    }
                }
                let p = self.place(e)?;
                self.read(&p, pos)
            }
            ExprKind::Unary(op, a) => self.unary(op, a, pos),
            ExprKind::Binary(op, a, b) => self.binary(op, a, b, pos),
            ExprKind::Assign(op, a, b) => self.assign(op, a, b, pos),
            ExprKind::IncDec(op, prefix, a) => {
                let p = self.place(a)?;
                let old = self.read(&p, pos)?;
                // Always a fresh `let`: `to_let` keeps plain names (`i`, `v.x`) as they are,
                // and those would read the updated variable, so `i++` would yield `i + 1`.
                let old = self.snapshot(old);
                let new = if let PK::PtrVar(var, _) = &p.kind {
                    let n = format!("({} {} 1i)", old.code, if *op == "++" { "+" } else { "-" });
                    self.emit(format!("{var} = {n};"));
                    return Ok(if *prefix { Val { code: var.clone(), ..old } } else { old });
                } else {
                    if !p.ty.is_arith() {
                        return Err(self.err(pos, format!("cannot increment a `{}`", p.ty.c_name(self.structs()))));
                    }
                    let one = Val::new(self.lit(&p.ty, 1), p.ty.clone());
                    let new = self.binop(if *op == "++" { "+" } else { "-" }, old.clone(), one, pos)?;
                    let code = self.conv(&new, &p.ty, pos)?;
                    let t = self.snapshot(Val::new(code, p.ty.clone()));
                    self.write(&p, &t.code, pos)?;
                    t
                };
                Ok(if *prefix { new } else { old })
            }
            ExprKind::Cond(c, a, b) => self.ternary(c, a, b, pos),
            ExprKind::Call(name, args) => self.call(name, args, pos),
            ExprKind::Cast(t, a) => {
                self.check_ty(t, pos)?;
                let v = self.expr(a)?;
                if *t == Ty::Void {
                    return Ok(Val::new("", Ty::Void));
                }
                if let Ty::Pointer(el, sp) = t {
                    if v.ty.is_int() && v.code == "0i" {
                        return Ok(Val { code: "0i".into(), ty: t.clone(), is_b: false, base: None });
                    }
                    let Some(b) = v.base.clone() else {
                        return Err(self.err(pos, "casting an integer to a pointer is not supported"));
                    };
                    let is_byte = |t: &Ty| matches!(t, Ty::Scalar(Sc::Char | Sc::UChar));
                    if b.bytes {
                        // Back from a byte view: to its element type, or to another byte type.
                        if **el == b.elem && !b.scalar {
                            let size = b.elem.layout(self.structs()).0.max(1);
                            let base = Base { bytes: false, ..b };
                            return Ok(Val { code: format!("({} / {size}i)", v.code), ty: Ty::Pointer(el.clone(), *sp), is_b: false, base: Some(base) });
                        }
                        if is_byte(el) || **el == Ty::Void {
                            return Ok(Val { ty: Ty::Pointer(el.clone(), *sp), ..v });
                        }
                    } else if **el == b.elem || **el == Ty::Void || b.elem == Ty::Void {
                        return Ok(Val { ty: Ty::Pointer(el.clone(), *sp), ..v });
                    } else if is_byte(el) && !b.scalar && !matches!(b.kind, BK::Private { .. }) {
                        let size = b.elem.layout(self.structs()).0.max(1);
                        let code = if v.code == "0i" { "0i".to_string() } else { format!("({} * {size}i)", v.code) };
                        let base = Base { bytes: true, ..b };
                        return Ok(Val { code, ty: Ty::Pointer(el.clone(), *sp), is_b: false, base: Some(base) });
                    } else if let Some(view) = self.word_view(&v, el, *sp, pos)? {
                        return Ok(view);
                    }
                    return Err(self.err(pos, format!(
                        "pointer casts that reinterpret memory (`{}` to `{}`) are not supported; use vload/vstore or as_type",
                        v.ty.c_name(self.structs()), t.c_name(self.structs())
                    )));
                }
                if v.ty.is_vector() && t.is_vector() {
                    return Err(self.err(pos, "explicit casts between vector types are not allowed in OpenCL C; use convert_T()"));
                }
                let c = self.conv(&v, t, pos)?;
                Ok(Val::new(c, t.clone()))
            }
            ExprKind::VecLit(t, parts) => {
                self.check_ty(t, pos)?;
                let s = t.scalar().unwrap();
                let mut codes = Vec::new();
                let mut comps = Vec::new();
                let mut n = 0u8;
                for part in parts {
                    let v = self.expr(part)?;
                    let w = v.ty.width();
                    n = n.saturating_add(w);
                    let target = Ty::vec(s, w);
                    let c = self.conv(&v, &target, part.pos)?;
                    if !t.is_wide() {
                        codes.push(c);
                    } else if w == 1 {
                        comps.push(c);
                    } else {
                        let c = self.to_let(Val::new(c, target)).code;
                        comps.extend((0..w).map(|k| comp(&c, w, k)));
                    }
                }
                if !(n == t.width() || (parts.len() == 1 && n == 1)) {
                    return Err(self.err(pos, format!("vector literal for `{}` has {n} components", t.c_name(self.structs()))));
                }
                if t.is_wide() {
                    if n == 1 {
                        let c = self.to_let(Val::new(comps[0].clone(), Ty::Scalar(s))).code;
                        return Ok(Val::new(self.splat(t, &c), t.clone()));
                    }
                    return Ok(Val::new(self.vec_code(t, &comps), t.clone()));
                }
                Ok(Val::new(format!("{}({})", self.wt(t), codes.join(", ")), t.clone()))
            }
            ExprKind::SizeofTy(t) => Ok(Val::new(format!("{}u", t.layout(self.structs()).0), UINT)),
            ExprKind::SizeofExpr(a) => {
                let (v, _) = self.capture(|s| s.expr(a))?;
                Ok(Val::new(format!("{}u", v.ty.layout(self.structs()).0), UINT))
            }
            ExprKind::Comma(a, b) => {
                self.expr_stmt(a)?;
                self.expr(b)
            }
            ExprKind::InitList(_) => Err(self.err(pos, "an initializer list is only allowed in a declaration")),
            ExprKind::Str(_) => Err(self.err(pos, "string literals are only supported as printf's format and `%s` arguments")),
        }
    }

    fn member_value(&mut self, v: Val, name: &str, pos: Pos) -> R<Val> {
        match v.ty.clone() {
            Ty::Vector(s, n) => {
                let comps = self.swizzle(name, n, pos)?;
                let v = if v.is_b { Val::new(self.conv(&v, &v.ty.clone(), pos)?, v.ty.clone()) } else { v };
                let t = Ty::vec(s, comps.len() as u8);
                if n > 4 || comps.len() > 4 {
                    let v = self.to_let(v);
                    return Ok(Val::new(self.swizzled(&v.code, n, &comps, &t), t));
                }
                Ok(Val::new(format!("({}).{}", v.code, comps.iter().map(|&c| swz_letter(c)).collect::<String>()), t))
            }
            Ty::Struct(i) => {
                let d = &self.structs()[i];
                let Some((name, fty)) = d.field(name).map(|(n, t)| (n.to_string(), t.clone())) else {
                    return Err(self.err(pos, format!("`{}` has no member named `{name}`", d.name)));
                };
                if d.is_union {
                    let v = self.to_let(v);
                    return Ok(Val::new(words::decode(self, &Src::Array(format!("{}.w", v.code)), &fty, &Off::at(0), pos)?, fty));
                }
                Ok(Val::new(format!("({}).f_{name}", v.code), fty))
            }
            t => Err(self.err(pos, format!("member `{name}` of a non-struct type `{}`", t.c_name(self.structs())))),
        }
    }

    fn unary(&mut self, op: &'static str, a: &Expr, pos: Pos) -> R<Val> {
        if op == "&" {
            return self.addr_of(a, pos);
        }
        let v = self.expr(a)?;
        self.unary_val(op, v, pos)
    }

    fn unary_val(&mut self, op: &'static str, v: Val, pos: Pos) -> R<Val> {
        if v.ty.is_wide() {
            return self.split_wide(vec![v], pos, |s, pv| s.unary_val(op, pv[0].clone(), pos));
        }
        match op {
            "!" => {
                if v.ty.is_vector() {
                    let z = self.lit(&v.ty, 0);
                    let c = self.conv(&v, &v.ty.clone(), pos)?;
                    return Ok(Val::boolean(format!("({c} == {z})"), v.ty.with_scalar(v.ty.scalar().unwrap().to_signed_int())));
                }
                let c = self.cond(&v, pos)?;
                Ok(Val::boolean(format!("!{c}"), INT))
            }
            "-" | "+" | "~" => {
                if !v.ty.is_arith() {
                    return Err(self.err(pos, format!("invalid operand type `{}` to unary `{op}`", v.ty.c_name(self.structs()))));
                }
                let t = promote(&v.ty);
                let c = self.conv(&v, &t, pos)?;
                let s = t.scalar().unwrap();
                if op == "~" && s.is_float() {
                    return Err(self.err(pos, "invalid operand to `~`: floating-point type"));
                }
                let code = match op {
                    "+" => c,
                    "-" if !s.is_signed() => format!("({} - {c})", self.lit(&t, 0)),
                    "-" => format!("(-{c})"),
                    _ => format!("(~{c})"),
                };
                Ok(Val::new(self.narrow(code, &t, Sc::Int), t))
            }
            _ => unreachable!(),
        }
    }

    fn addr_of(&mut self, a: &Expr, pos: Pos) -> R<Val> {
        // `&p[i]` and `&*p` are pointer arithmetic on p.
        if let ExprKind::Unary("*", inner) = &a.kind {
            return self.expr(inner);
        }
        let p = self.place(a)?;
        let ty = Ty::Pointer(Box::new(p.ty.clone()), Space::Private);
        match &p.kind {
            PK::Ref(code) | PK::Atomic(code) => {
                // `code` is `array[off]` for elements of global bases, or a private object.
                if let Some((arr, off)) = split_index(code) {
                    if let Some(r) = self.root_of(&p, &arr).or_else(|| self.local_row_root(&p, &arr)) {
                        let space = r.space;
                        return Ok(Val { code: off, ty: Ty::Pointer(Box::new(p.ty.clone()), space), is_b: false, base: Some(Base { access: arr, elem: p.ty.clone(), scalar: false, ..r }) });
                    }
                }
                if let Some(r) = self.root_of(&p, code) {
                    if r.is_global_name() {
                        return Ok(Val { code: "0i".into(), ty: Ty::Pointer(Box::new(p.ty.clone()), r.space), is_b: false, base: Some(Base { access: code.clone(), elem: p.ty.clone(), scalar: true, ..r }) });
                    }
                }
                let wt = self.wt(&p.ty);
                Ok(Val { code: "0i".into(), ty, is_b: false, base: Some(Base { access: code.clone(), kind: BK::Private { ptr: format!("&{code}"), wgsl_ty: wt }, elem: p.ty.clone(), space: Space::Private, scalar: true, bytes: false }) })
            }
            PK::Packed { arr, idx, .. } => {
                let r = self.root_of(&p, arr).ok_or_else(|| self.err(pos, "cannot take this address"))?;
                // The place's type, which a word view may have changed from the root's.
                let r = Base { elem: p.ty.clone(), ..r };
                Ok(Val { code: idx.clone(), ty: Ty::Pointer(Box::new(p.ty.clone()), r.space), is_b: false, base: Some(r) })
            }
            PK::Words { .. } => Err(self.err(pos, "cannot take the address of a union member (unions are stored as 32-bit words)")),
            _ => Err(self.err(pos, "cannot take the address of this expression")),
        }
    }

    /// `(T *)p` where `p` points into a buffer or `__local` array of other 32-bit-component
    /// elements: a view of the same memory as `u32` words (the float atomic-add idiom casts a
    /// `float*` to `uint*` for `atomic_cmpxchg`). The first such cast restarts the lowering
    /// with the memory stored as words ([`Need::Words`]). `None`: not a cast this can express.
    fn word_view(&mut self, v: &Val, el: &Ty, sp: Space, pos: Pos) -> R<Option<Val>> {
        let Some(b) = v.base.clone() else { return Ok(None) };
        let memory = matches!(b.kind, BK::Storage { .. } | BK::Work { .. }) && !b.access.contains('[');
        if !memory || b.bytes || !is_word_elem(&b.elem) || !is_word_elem(el) {
            return Ok(None);
        }
        if !b.is_words() {
            self.retry = Some(Need::Words(b.access.clone()));
            return Err(self.err(pos, "retry"));
        }
        let (from, to) = (b.elem.layout(self.structs()).0, el.layout(self.structs()).0);
        let code = if from == to {
            v.code.clone()
        } else if b.scalar {
            return Ok(None);
        } else if from % to == 0 {
            format!("({} * {}i)", v.code, from / to)
        } else if to % from == 0 {
            // Like a byte view cast back: the offset must be a multiple of the ratio.
            format!("({} / {}i)", v.code, to / from)
        } else {
            return Ok(None);
        };
        Ok(Some(Val { code, ty: Ty::Pointer(Box::new(el.clone()), sp), is_b: false, base: Some(Base { elem: el.clone(), ..b }) }))
    }

    /// The base of the multi-dimensional `__local` array that `row` (the WGSL reference of
    /// `h[i]`, `h[i][j]`, ...) is a row of: `&h[i][j]` points into the row `h[i]`, which atomics
    /// and pointer arithmetic within the row use.
    fn local_row_root(&self, p: &Place, row: &str) -> Option<Base> {
        let (mut arr, _) = split_index(row)?;
        loop {
            if let Some(r) = self.root_of(p, &arr).filter(|r| matches!(r.kind, BK::Work { packed: false, .. }) && !r.scalar) {
                return Some(r);
            }
            arr = split_index(&arr)?.0;
        }
    }

    /// The base of a global array by its WGSL name (buffers, `__local` arrays, tables).
    fn root_of(&self, _p: &Place, arr: &str) -> Option<Base> {
        let f = self.fx.last()?;
        for s in f.scopes.iter().rev() {
            for sym in s.values() {
                match sym {
                    Sym::Ptr { base: Some(b), .. } if b.access == arr && b.is_global_name() => return Some(b.clone()),
                    Sym::Var { code, root: Some(r), .. } if code == arr => return Some(r.clone()),
                    _ => {}
                }
            }
        }
        for sym in self.consts.values() {
            if let Sym::Var { code, root: Some(r), .. } = sym {
                if code == arr {
                    return Some(r.clone());
                }
            }
        }
        None
    }

    fn binary(&mut self, op: &'static str, a: &Expr, b: &Expr, pos: Pos) -> R<Val> {
        if op == "&&" || op == "||" {
            let l = self.expr(a)?;
            if l.ty.is_vector() {
                let r = self.expr(b)?;
                return self.vector_logic(op, l, r, pos);
            }
            let lc = self.cond(&l, a.pos)?;
            let (r, stmts) = self.capture(|s| s.expr(b))?;
            if r.ty.is_vector() {
                // Vectors: both sides evaluated, component-wise, -1/0 per component.
                self.f().body.push_str(&indent_block(&stmts, 0));
                return self.vector_logic(op, l, r, pos);
            }
            let rc = self.cond(&r, b.pos)?;
            if stmts.is_empty() {
                return Ok(Val::boolean(format!("({lc} {op} {rc})"), INT));
            }
            let t = self.fresh("sc");
            self.emit(format!("var {t} = {lc};"));
            self.emit(format!("if ({}{t}) {{", if op == "&&" { "" } else { "!" }));
            self.f().body.push_str(&indent_block(&stmts, 1));
            self.emit(format!("    {t} = {rc};"));
            self.emit("}");
            return Ok(Val::boolean(t, INT));
        }
        let l = self.expr(a)?;
        let r = self.expr(b)?;
        self.binop(op, l, r, pos)
    }

    /// `l && r` / `l || r` with a vector operand: a WGSL `vecN<bool>` of each component's
    /// truth (a scalar operand applies to every component).
    fn vector_logic(&mut self, op: &str, l: Val, r: Val, pos: Pos) -> R<Val> {
        let v = if l.ty.is_vector() { &l.ty } else { &r.ty };
        let (n, el) = (v.width(), v.scalar().unwrap());
        if v.is_wide() || (l.ty.is_vector() && r.ty.is_vector() && (l.ty.width() != r.ty.width() || l.ty.scalar().map(Sc::size) != r.ty.scalar().map(Sc::size))) || !l.ty.is_arith() || !r.ty.is_arith() {
            return Err(self.err(pos, format!("`{op}` of `{}` and `{}` is not supported", l.ty.c_name(self.structs()), r.ty.c_name(self.structs()))));
        }
        let truth = |s: &mut Self, x: &Val| -> R<String> {
            if x.is_b && x.ty.is_vector() {
                return Ok(x.code.clone());
            }
            if !x.ty.is_vector() {
                let c = s.cond(x, pos)?;
                return Ok(format!("vec{n}<bool>({c})"));
            }
            Ok(format!("!({} == {})", x.code, s.lit(&x.ty, 0)))
        };
        let (lc, rc) = (truth(self, &l)?, truth(self, &r)?);
        let w = if op == "&&" { "&" } else { "|" };
        Ok(Val::boolean(format!("({lc} {w} {rc})"), Ty::Vector(el.to_signed_int(), n)))
    }

    pub fn binop(&mut self, op: &str, l: Val, r: Val, pos: Pos) -> R<Val> {
        // Pointer arithmetic and comparison.
        if l.ty.is_pointer() || r.ty.is_pointer() {
            return self.ptr_binop(op, l, r, pos);
        }
        let bad = |s: &Self| s.err(pos, format!(
            "invalid operands to binary `{op}` (`{}` and `{}`)",
            l.ty.c_name(s.structs()), r.ty.c_name(s.structs())
        ));
        if !l.ty.is_arith() || !r.ty.is_arith() {
            return Err(bad(self));
        }
        if l.ty.is_wide() || r.ty.is_wide() {
            return self.split_wide(vec![l, r], pos, |s, pv| s.binop(op, pv[0].clone(), pv[1].clone(), pos));
        }
        if op == "<<" || op == ">>" {
            if !l.ty.is_int() || !r.ty.is_int() {
                return Err(bad(self));
            }
            let t = if l.ty.is_vector() { l.ty.clone() } else { promote(&l.ty) };
            let lc = self.conv(&l, &t, pos)?;
            let s = t.scalar().unwrap();
            let bits = s.size().max(1) * 8;
            let ut = t.with_scalar(Sc::UInt);
            let rc = self.conv(&r, &if r.ty.is_vector() { ut.clone() } else { UINT }, pos)?;
            let rc = if t.is_vector() && !r.ty.is_vector() { format!("{}({rc})", self.wt(&ut)) } else { rc };
            let mask = self.lit(&ut, (bits - 1) as i64);
            let code = format!("({lc} {op} ({rc} & {mask}))");
            return Ok(Val::new(self.narrow(code, &t, Sc::Int), t));
        }
        let Some(t) = common_type(&l.ty, &r.ty) else { return Err(bad(self)) };
        let lc = self.conv(&l, &t, pos)?;
        let rc = self.conv(&r, &t, pos)?;
        match op {
            "==" | "!=" | "<" | ">" | "<=" | ">=" => {
                let rt = if t.is_vector() { t.with_scalar(t.scalar().unwrap().to_signed_int()) } else { INT };
                if op == "!=" && t.is_float() {
                    // C's `!=` is unordered (true for NaN); WGSL's `!=` reaches the device as an
                    // ordered compare, so negate the (ordered) `==`.
                    return Ok(Val::boolean(format!("!({lc} == {rc})"), rt));
                }
                Ok(Val::boolean(format!("({lc} {op} {rc})"), rt))
            }
            "&" | "|" | "^" | "%" if !t.is_int() && op != "%" => Err(bad(self)),
            _ => {
                let code = format!("({lc} {op} {rc})");
                Ok(Val::new(self.narrow(code, &t, Sc::Int), t))
            }
        }
    }

    fn ptr_binop(&mut self, op: &str, l: Val, r: Val, pos: Pos) -> R<Val> {
        match (l.ty.is_pointer(), r.ty.is_pointer(), op) {
            (true, false, "+" | "-") | (false, true, "+") => {
                let (p, i) = if l.ty.is_pointer() { (l, r) } else { (r, l) };
                if !i.ty.is_int() {
                    return Err(self.err(pos, "pointer arithmetic needs an integer"));
                }
                if p.base.as_ref().is_some_and(|b| b.scalar) {
                    return Err(self.err(pos, "arithmetic on a pointer to a single variable is not supported"));
                }
                let ic = self.conv(&i, &INT, pos)?;
                Ok(Val { code: format!("({} {op} {ic})", p.code), ..p })
            }
            (true, true, "-") => Ok(Val::new(format!("({} - {})", l.code, r.code), INT)),
            (true, true, "==" | "!=" | "<" | ">" | "<=" | ">=") => {
                // A pointer is an offset into a statically known buffer, and a null pointer
                // is offset 0 too, so `p == NULL` cannot be told from `p == &buf[0]`.
                if [&l, &r].iter().any(|v| v.base.is_none() && v.code == "0i") {
                    return Err(self.err(pos, "comparing a pointer with a null pointer is not supported (wgcl represents pointers as offsets into a known buffer, with no null value)"));
                }
                let same = match (&l.base, &r.base) {
                    (Some(a), Some(b)) => a.access == b.access,
                    _ => true,
                };
                if !same {
                    return Ok(Val::boolean(if op == "!=" { "true" } else { "false" }, INT));
                }
                Ok(Val::boolean(format!("({} {op} {})", l.code, r.code), INT))
            }
            _ => Err(self.err(pos, format!("invalid operands to binary `{op}` with a pointer"))),
        }
    }

    fn assign(&mut self, op: &'static str, a: &Expr, b: &Expr, pos: Pos) -> R<Val> {
        let p = self.place(a)?;
        if let PK::PtrVar(var, base) = &p.kind {
            let r = self.expr(b)?;
            let nv = if op.is_empty() {
                r
            } else {
                let cur = self.read(&p, pos)?;
                self.ptr_binop(op, cur, r, pos)?
            };
            if nv.base.is_none() && nv.code == "0i" {
                self.emit(format!("{var} = 0i;"));
                return Ok(nv);
            }
            let nb = nv.base.clone().ok_or_else(|| self.err(pos, "assigning a non-pointer to a pointer"))?;
            self.keepable(&nv, pos)?;
            match base {
                Some(old) if old.access != nb.access => {
                    return Err(self.err(pos, "a pointer variable must always point into the same buffer or array (wgcl tracks pointers statically)"));
                }
                None => self.rebind_ptr(a, nb.clone()),
                _ => {}
            }
            self.emit(format!("{var} = {};", nv.code));
            return Ok(nv);
        }
        let r = self.expr(b)?;
        let val = if op.is_empty() {
            r
        } else {
            let cur = self.read(&p, pos)?;
            self.binop(op, cur, r, pos)?
        };
        let code = self.conv(&val, &p.ty, pos)?;
        // `snapshot` puts wide vectors in a `var` (see `to_let`: wgpu's override pass).
        let t = self.snapshot(Val::new(code, p.ty.clone()));
        self.write(&p, &t.code, pos)?;
        Ok(t)
    }

    /// Refuses to keep (in a pointer variable or a function argument) a pointer whose base
    /// is a row picked by a variable ([`Base::is_varying_row`]).
    pub fn keepable(&self, v: &Val, pos: Pos) -> R<()> {
        if v.base.as_ref().is_some_and(|b| b.is_varying_row()) {
            return Err(self.err(pos, "a pointer into a multi-dimensional __local array whose row index is not a constant (`&h[i][j]`) can only be used where it is taken, not stored or passed to a function"));
        }
        Ok(())
    }

    fn rebind_ptr(&mut self, a: &Expr, b: Base) {
        if let ExprKind::Ident(n) = &a.kind {
            let f = self.f();
            for s in f.scopes.iter_mut().rev() {
                if let Some(Sym::Ptr { base, .. }) = s.get_mut(n) {
                    *base = Some(b);
                    return;
                }
            }
        }
    }

    fn ternary(&mut self, c: &Expr, a: &Expr, b: &Expr, pos: Pos) -> R<Val> {
        let cv = self.expr(c)?;
        if cv.ty.is_vector() {
            // A vector condition selects per component (`select(b, a, c)`); both arms are
            // evaluated.
            let av = self.expr(a)?;
            let bv = self.expr(b)?;
            return self.builtin("select", vec![bv, av, cv], &[], pos);
        }
        let cc = self.cond(&cv, c.pos)?;
        let (av, sa) = self.capture(|s| s.expr(a))?;
        let (bv, sb) = self.capture(|s| s.expr(b))?;
        if av.ty.is_pointer() || bv.ty.is_pointer() {
            let base = av.base.clone().or(bv.base.clone());
            if av.base.is_some() && bv.base.is_some() && av.base.as_ref().unwrap().access != bv.base.as_ref().unwrap().access {
                return Err(self.err(pos, "both arms of `?:` must point into the same buffer or array"));
            }
            if !sa.is_empty() || !sb.is_empty() {
                return Err(self.err(pos, "side effects in pointer-valued `?:` are not supported"));
            }
            return Ok(Val { code: format!("select({}, {}, {cc})", bv.code, av.code), ty: av.ty.clone(), is_b: false, base });
        }
        let t = if av.ty == bv.ty && !av.is_b && !bv.is_b {
            av.ty.clone()
        } else {
            common_type(&av.ty, &bv.ty).ok_or_else(|| self.err(pos, format!(
                "incompatible operand types in `?:` (`{}` and `{}`)", av.ty.c_name(self.structs()), bv.ty.c_name(self.structs())
            )))?
        };
        if t == Ty::Void {
            self.emit(format!("if ({cc}) {{"));
            self.f().body.push_str(&indent_block(&sa, 1));
            self.emit("} else {");
            self.f().body.push_str(&indent_block(&sb, 1));
            self.emit("}");
            return Ok(Val::new("", Ty::Void));
        }
        let ac = self.conv(&av, &t, pos)?;
        let bc = self.conv(&bv, &t, pos)?;
        if sa.is_empty() && sb.is_empty() && t.is_arith() && !t.is_wide() {
            return Ok(Val::new(format!("select({bc}, {ac}, {cc})"), t));
        }
        let v = self.fresh("c");
        self.emit(format!("var {v}: {};", self.wt(&t)));
        self.emit(format!("if ({cc}) {{"));
        self.f().body.push_str(&indent_block(&sa, 1));
        self.emit(format!("    {v} = {ac};"));
        self.emit("} else {");
        self.f().body.push_str(&indent_block(&sb, 1));
        self.emit(format!("    {v} = {bc};"));
        self.emit("}");
        Ok(Val::new(v, t))
    }

    /// An expression evaluated for its side effects only.
    pub fn expr_stmt(&mut self, e: &Expr) -> R<()> {
        let v = self.expr(e)?;
        if v.ty == Ty::Void && !v.code.is_empty() {
            self.emit(format!("{};", v.code));
        }
        Ok(())
    }

    // ---------------------------------------------------------------- statements

    pub fn block(&mut self, stmts: &[Stmt]) -> R<()> {
        self.f().scopes.push(HashMap::new());
        let r = stmts.iter().try_for_each(|s| self.stmt(s));
        self.f().scopes.pop();
        r
    }

    fn sub_block(&mut self, s: &Stmt) -> R<()> {
        self.f().indent += 1;
        let r = match s {
            Stmt::Block(b) => self.block(b),
            other => self.block(std::slice::from_ref(other)),
        };
        self.f().indent -= 1;
        r
    }

    pub fn stmt(&mut self, s: &Stmt) -> R<()> {
        let pos = stmt_pos(s);
        if self.fx.last().is_some_and(|f| f.indent > MAX_WGSL_BLOCK_DEPTH) && pos.line > 0 {
            return Err(self.err(pos, format!("statements nested too deeply for WebGPU (WGSL allows {MAX_WGSL_BLOCK_DEPTH} nested blocks; each loop, `if` or `{{}}` block is one)")));
        }
        self.enter(pos)?;
        let r = self.stmt_node(s);
        self.depth -= 1;
        r
    }

    fn stmt_node(&mut self, s: &Stmt) -> R<()> {
        match s {
            Stmt::Empty => Ok(()),
            Stmt::Expr(e) => self.expr_stmt(e),
            Stmt::Decl(ds) => ds.iter().try_for_each(|d| self.decl(d)),
            Stmt::Block(b) => {
                self.emit("{");
                self.f().indent += 1;
                self.block(b)?;
                self.f().indent -= 1;
                self.emit("}");
                Ok(())
            }
            Stmt::If(c, a, b) => {
                let cv = self.expr(c)?;
                let cc = self.cond(&cv, c.pos)?;
                self.emit(format!("if ({cc}) {{"));
                self.sub_block(a)?;
                if let Some(b) = b {
                    self.emit("} else {");
                    self.sub_block(b)?;
                }
                self.emit("}");
                Ok(())
            }
            Stmt::While(c, body) => {
                self.emit("loop {");
                self.f().indent += 1;
                let cv = self.expr(c)?;
                let cc = self.cond(&cv, c.pos)?;
                self.emit(format!("if !({cc}) {{ break; }}"));
                self.f().indent -= 1;
                self.sub_block(body)?;
                self.emit("}");
                Ok(())
            }
            Stmt::DoWhile(body, c) => {
                self.emit("loop {");
                self.sub_block(body)?;
                self.f().indent += 1;
                self.emit("continuing {");
                self.f().indent += 1;
                let cv = self.expr(c)?;
                let cc = self.cond(&cv, c.pos)?;
                self.emit(format!("break if !({cc});"));
                self.f().indent -= 1;
                self.emit("}");
                self.f().indent -= 1;
                self.emit("}");
                Ok(())
            }
            Stmt::For(init, c, step, body) => {
                // No WGSL block around the loop for the init's scope: local names are unique
                // per function, and WGSL allows only 127 nested blocks (C loops nest deeper).
                self.f().scopes.push(HashMap::new());
                let r = (|| -> R<()> {
                    if let Some(i) = init {
                        self.stmt(i)?;
                    }
                    self.emit("loop {");
                    self.f().indent += 1;
                    if let Some(c) = c {
                        let cv = self.expr(c)?;
                        let cc = self.cond(&cv, c.pos)?;
                        self.emit(format!("if !({cc}) {{ break; }}"));
                    }
                    self.f().indent -= 1;
                    self.sub_block(body)?;
                    if let Some(st) = step {
                        self.f().indent += 1;
                        self.emit("continuing {");
                        self.f().indent += 1;
                        self.expr_stmt(st)?;
                        self.f().indent -= 1;
                        self.emit("}");
                        self.f().indent -= 1;
                    }
                    self.emit("}");
                    Ok(())
                })();
                self.f().scopes.pop();
                r
            }
            Stmt::Switch(sel, body, pos) => self.switch(sel, body, *pos),
            Stmt::Case(_, p) | Stmt::Default(p) => Err(self.err(*p, "`case` label outside a switch")),
            Stmt::Break(_) => {
                self.emit("break;");
                Ok(())
            }
            Stmt::Continue(_) => {
                self.emit("continue;");
                Ok(())
            }
            Stmt::Return(e, p) => {
                let ret = self.f().ret.clone();
                match (e, &ret) {
                    (None, Ty::Void) => self.emit("return;"),
                    (Some(e), Ty::Void) => {
                        self.expr_stmt(e)?;
                        self.emit("return;");
                    }
                    (None, _) => return Err(self.err(*p, "non-void function must return a value")),
                    (Some(e), t) => {
                        let v = self.expr(e)?;
                        let c = self.conv(&v, t, e.pos)?;
                        self.emit(format!("return {c};"));
                    }
                }
                Ok(())
            }
        }
    }

    fn switch(&mut self, sel: &Expr, body: &[Stmt], pos: Pos) -> R<()> {
        let v = self.expr(sel)?;
        if !v.ty.is_int() || v.ty.is_vector() {
            return Err(self.err(sel.pos, "switch selector must be an integer"));
        }
        let t = promote(&v.ty);
        let t = if matches!(t, Ty::Scalar(Sc::Int | Sc::UInt)) { t } else { INT };
        let sc = self.conv(&v, &t, sel.pos)?;
        // Groups of (labels, statements); a label with no statements falls into the next.
        let mut groups: Vec<(Vec<Option<i64>>, Vec<Stmt>, Pos)> = Vec::new();
        let mut pending: Vec<Option<i64>> = Vec::new();
        for s in body {
            match s {
                Stmt::Case(e, _) => {
                    let c = const_eval(e, self.structs()).ok_or_else(|| self.err(e.pos, "case label must be an integer constant"))?;
                    pending.push(Some(c));
                }
                Stmt::Default(_) => {
                    pending.push(None);
                }
                other => {
                    if !pending.is_empty() {
                        groups.push((std::mem::take(&mut pending), Vec::new(), pos));
                    }
                    match groups.last_mut() {
                        Some(g) => g.1.push(other.clone()),
                        None => return Err(self.err(pos, "statement before the first case label in a switch")),
                    }
                }
            }
        }
        if !pending.is_empty() {
            groups.push((pending, Vec::new(), pos));
        }
        // WGSL cases do not fall through: a case that does not end in a jump gets the
        // statements of the cases it falls into appended (up to the one that jumps).
        for i in (0..groups.len().saturating_sub(1)).rev() {
            if !ends_flow(&groups[i].1) {
                let next = groups[i + 1].1.clone();
                groups[i].1.extend(next);
            }
        }
        self.emit(format!("switch ({sc}) {{"));
        self.f().indent += 1;
        let mut has_default = false;
        for (labels, stmts, _) in &groups {
            let ls: Vec<String> = labels
                .iter()
                .map(|l| match l {
                    Some(c) => self.lit(&t, *c),
                    None => {
                        has_default = true;
                        "default".into()
                    }
                })
                .collect();
            self.emit(format!("case {}: {{", ls.join(", ")));
            let trimmed: &[Stmt] = match stmts.last() {
                Some(Stmt::Break(_)) => &stmts[..stmts.len() - 1],
                _ => stmts,
            };
            self.f().indent += 1;
            self.block(trimmed)?;
            self.f().indent -= 1;
            self.emit("}");
        }
        if !has_default {
            self.emit("default: {}");
        }
        self.f().indent -= 1;
        self.emit("}");
        Ok(())
    }

    pub fn decl(&mut self, d: &VarDecl) -> R<()> {
        self.check_ty(&d.ty, d.pos)?;
        if d.space == Space::Local {
            if !self.f().is_kernel {
                return Err(self.err(d.pos, format!("`__local` variable `{}` must be declared in kernel scope", d.name)));
            }
            if d.init.is_some() {
                return Err(self.err(d.pos, "`__local` variables cannot have an initializer"));
            }
            let k = self.kc().index;
            let name = format!("wgcl_k{k}_{}", d.name);
            let mut name2 = name.clone();
            let mut n = 1;
            while self.kout.decls.iter().any(|x| x.contains(&format!(" {name2}:"))) {
                n += 1;
                name2 = format!("{name}_{n}");
            }
            let (el, scalar) = match &d.ty {
                Ty::Array(e, _) => ((**e).clone(), false),
                t => (t.clone(), true),
            };
            let atomic = self.atomic.contains(&name2);
            let words = self.words.contains(&name2);
            let wty = if words {
                // A variable or 1-D array of 32-bit components ([`Lower::word_view`]).
                let n = d.ty.layout(self.structs()).0 / 4;
                format!("array<{}, {n}>", if atomic { "atomic<u32>" } else { "u32" })
            } else if atomic {
                self.atomic_wt(&d.ty).ok_or_else(|| self.err(d.pos, "atomics need `int`, `uint`, `long` or `ulong` elements"))?
            } else {
                self.wt(&d.ty)
            };
            self.kout.decls.push(format!("var<workgroup> {name2}: {wty};"));
            self.kout.static_local += d.ty.layout(self.structs()).0 as u64;
            let root = Base { access: name2.clone(), kind: BK::Work { atomic, packed: words }, elem: el, space: Space::Local, scalar, bytes: false };
            self.bind(&d.name, Sym::Var { code: name2, ty: d.ty.clone(), root: Some(root), guard: false });
            return Ok(());
        }
        if d.space == Space::Constant {
            return Err(self.err(d.pos, "`__constant` variables must be declared at program scope"));
        }
        if let Ty::Pointer(..) = &d.ty {
            let name = self.local_name(&d.name);
            let mut base = None;
            let mut off = "0i".to_string();
            if let Some(init) = &d.init {
                let v = self.expr(init)?;
                if v.base.is_none() && v.code != "0i" {
                    return Err(self.err(init.pos, "initializing a pointer with a non-pointer"));
                }
                self.keepable(&v, init.pos)?;
                base = v.base.clone();
                off = v.code;
            }
            self.emit(format!("var {name}: i32 = {off};"));
            self.bind(&d.name, Sym::Ptr { var: name, base, ty: d.ty.clone() });
            return Ok(());
        }
        let name = self.local_name(&d.name);
        let wty = self.wt(&d.ty);
        match &d.init {
            None => self.emit(format!("var {name}: {wty};")),
            Some(init) => {
                let c = self.init_value(init, &d.ty)?;
                self.emit(format!("var {name}: {wty} = {c};"));
            }
        }
        let root = match &d.ty {
            Ty::Array(e, _) => Some(Base { access: name.clone(), kind: BK::Private { ptr: format!("&{name}"), wgsl_ty: wty.clone() }, elem: (**e).clone(), space: Space::Private, scalar: false, bytes: false }),
            _ => None,
        };
        self.bind(&d.name, Sym::Var { code: name, ty: d.ty.clone(), root, guard: false });
        Ok(())
    }

    /// The WGSL value of an initializer (possibly a brace list) for type `t`.
    pub fn init_value(&mut self, init: &Expr, t: &Ty) -> R<String> {
        match (&init.kind, t) {
            (ExprKind::InitList(items), Ty::Array(el, n)) => {
                if items.len() > *n as usize {
                    return Err(self.err(init.pos, "too many initializers for the array"));
                }
                let mut parts = Vec::new();
                for it in items {
                    parts.push(self.init_value(it, el)?);
                }
                while parts.len() < *n as usize {
                    parts.push(format!("{}()", self.wt(el)));
                }
                Ok(format!("{}({})", self.wt(t), parts.join(", ")))
            }
            (ExprKind::InitList(items), Ty::Struct(i)) if self.structs()[*i].is_union => {
                // C initializes a union's first member.
                let (_, ft) = self.structs()[*i].fields[0].clone();
                if items.len() > 1 {
                    return Err(self.err(init.pos, "too many initializers for the union (only its first member is initialized)"));
                }
                let u = self.fresh("u");
                self.emit(format!("var {u}: {};", self.wt(t)));
                if let Some(it) = items.first() {
                    let c = self.init_value(it, &ft)?;
                    let v = self.to_let(Val::new(c, ft.clone()));
                    words::encode(self, &Src::Array(format!("{u}.w")), &ft, &v.code, &Off::at(0), init.pos)?;
                }
                Ok(u)
            }
            (ExprKind::InitList(items), Ty::Struct(i)) => {
                let fields = self.structs()[*i].fields.clone();
                if items.len() > fields.len() {
                    return Err(self.err(init.pos, "too many initializers for the struct"));
                }
                let mut parts = Vec::new();
                for (k, (_, ft)) in fields.iter().enumerate() {
                    parts.push(match items.get(k) {
                        Some(it) => self.init_value(it, ft)?,
                        None => format!("{}()", self.wt(ft)),
                    });
                }
                Ok(format!("{}({})", self.wt(t), parts.join(", ")))
            }
            (ExprKind::InitList(items), Ty::Vector(s, n)) => {
                let mut parts = Vec::new();
                for it in items {
                    parts.push(self.init_value(it, &Ty::Scalar(*s))?);
                }
                while parts.len() < *n as usize {
                    parts.push(format!("{}()", s.wgsl()));
                }
                Ok(format!("{}({})", self.wt(t), parts.join(", ")))
            }
            (ExprKind::InitList(items), _) if items.len() == 1 => self.init_value(&items[0], t),
            (ExprKind::InitList(_), _) => Err(self.err(init.pos, "brace initializer for a scalar")),
            _ => {
                let v = self.expr(init)?;
                self.conv(&v, t, init.pos)
            }
        }
    }
}

/// Does this statement list end in a jump (so a following case label is not fallen into)?
/// Deepest parenthesis nesting of generated code.
fn code_nesting(code: &str) -> usize {
    let (mut d, mut max) = (0usize, 0usize);
    for b in code.bytes() {
        match b {
            b'(' => {
                d += 1;
                max = max.max(d);
            }
            b')' => d = d.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// A position for a statement's errors (the first expression or declaration in it).
fn stmt_pos(s: &Stmt) -> Pos {
    match s {
        Stmt::Expr(e) | Stmt::If(e, ..) | Stmt::While(e, _) | Stmt::DoWhile(_, e) | Stmt::Switch(e, ..) | Stmt::Case(e, _) => e.pos,
        Stmt::Return(_, p) | Stmt::Break(p) | Stmt::Continue(p) | Stmt::Default(p) => *p,
        Stmt::Decl(d) if !d.is_empty() => d[0].pos,
        _ => Pos { file: 0, line: 0, col: 0 },
    }
}

fn ends_flow(s: &[Stmt]) -> bool {
    match s.last() {
        Some(Stmt::Break(_) | Stmt::Return(..) | Stmt::Continue(_)) => true,
        Some(Stmt::Block(b)) => ends_flow(b),
        _ => false,
    }
}

/// Splits `arr[off]` into (`arr`, `off`) when the brackets are the outermost suffix.
fn split_index(code: &str) -> Option<(String, String)> {
    if !code.ends_with(']') {
        return None;
    }
    let mut depth = 0;
    for (i, c) in code.char_indices().rev() {
        match c {
            ']' => depth += 1,
            '[' => {
                depth -= 1;
                if depth == 0 {
                    return Some((code[..i].to_string(), code[i + 1..code.len() - 1].to_string()));
                }
            }
            _ => {}
        }
    }
    None
}

pub fn indent_block(s: &str, n: usize) -> String {
    let pad = "    ".repeat(n);
    s.lines().map(|l| format!("{pad}{l}\n")).collect()
}
