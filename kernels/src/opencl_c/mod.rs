//! The OpenCL C front end: preprocess → lex/parse → type-check and lower to WGSL → naga.
//!
//! Pipeline, one concept per module:
//! * [`lexer`]: tokens with `file:line:col`;
//! * [`preprocess`]: `#define`/`#if`/`#include`/`-D`/`-I`, predefined macros;
//! * [`parser`] / [`ast`]: recursive descent to a typed syntax tree;
//! * [`types`]: C types, layouts, conversion rules;
//! * [`words`]: values of any C layout as 32-bit words (unions, by-value arguments);
//! * [`lower`] / [`builtins`] / [`atomics`]: type checking and lowering to WGSL text (see
//!   `lower` for how pointers, sub-word buffers, atomics and non-uniform NDRanges are
//!   represented);
//! * this module: kernels' entry points, argument bindings (the contract in the crate docs)
//!   and reflection.
//!
//! WGSL text is the intermediate form: naga's front end parses it into the
//! [`naga::Module`], so [`crate::ProgramModule::to_wgsl`] gives equivalent WGSL.
pub mod ast;
pub mod atomics;
pub mod builtins;
pub mod lexer;
pub mod lower;
pub mod parser;
pub mod preprocess;
pub mod printf;
pub mod types;
pub mod words;

use std::collections::BTreeSet;

use ast::*;
use lower::*;
use types::*;

use crate::{
    AccessQualifier, AddressQualifier, ArgKind, BuildError, BuildOptions, DispatchInfo, KernelArgInfo, KernelInfo,
    ProgramModule, SourceLanguage, TypeQualifiers, WorkgroupSize,
};

/// Names of the overrides that choose the workgroup size per enqueue (same as WGSL programs).
pub use crate::wgsl::LOCAL_SIZE_OVERRIDES;

/// Stack of the thread that runs a build. The front end and naga's parser recurse over the
/// program; nesting limits (see [`parser`]) bound that depth, and this stack holds the deepest
/// program they admit whatever thread the application calls from (a small stack must not
/// turn hostile source into a crash). Reserved virtual memory: untouched pages cost nothing.
pub const BUILD_STACK_BYTES: usize = 256 << 20;

/// Builds an OpenCL C program (on a thread with [`BUILD_STACK_BYTES`] of stack).
pub fn build(source: &str, options: &BuildOptions) -> Result<ProgramModule, BuildError> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        let r = std::thread::scope(|s| {
            std::thread::Builder::new()
                .name("wgcl-build".into())
                .stack_size(BUILD_STACK_BYTES)
                .spawn_scoped(s, || std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build_here(source, options))))
                .map(|h| h.join())
        });
        match r {
            Ok(Ok(Ok(r))) => r,
            Ok(_) => Err(BuildError::new("internal error: the compiler failed on this program; please report it")),
            // No thread to spare (resource limits): build on the caller's stack.
            Err(_) => build_here(source, options),
        }
    }
    // No threads in the browser: the caller's stack (the limits still bound the depth).
    #[cfg(target_arch = "wasm32")]
    {
        build_here(source, options)
    }
}

fn build_here(source: &str, options: &BuildOptions) -> Result<ProgramModule, BuildError> {
    let (wgsl, kernels, log, printf_formats) = translate(source, options)?;
    let module = naga::front::wgsl::parse_str(&wgsl).map_err(|e| {
        let msg = e.message();
        if msg.contains("recursion limit") || msg.contains("brace") {
            // WGSL's limits (127 nested blocks; naga parses 200 levels deep) are below C's.
            return BuildError::new(format!(
                "the program nests statements or expressions too deeply for WebGPU ({msg}); WGSL allows about 60 nested loops or blocks"
            ));
        }
        BuildError::new(format!(
            "internal error: the WGSL generated for this program does not parse ({}); please report it. Generated WGSL:\n{wgsl}",
            e.emit_to_string(&wgsl)
        ))
    })?;
    let module_info = crate::validate(&module).map_err(|e| {
        BuildError::new(format!("internal error: {}; generated WGSL:\n{wgsl}", e.message))
    })?;
    Ok(ProgramModule {
        language: SourceLanguage::OpenClC,
        module,
        module_info,
        kernels,
        log,
        wgsl_text: Some(wgsl),
        printf_formats: std::sync::Arc::new(printf_formats),
    })
}

/// Translates OpenCL C to WGSL text plus kernel reflection (no naga involved).
pub fn to_wgsl(source: &str, options: &BuildOptions) -> Result<(String, Vec<KernelInfo>, String), BuildError> {
    translate(source, options).map(|(w, k, l, _)| (w, k, l))
}

/// [`to_wgsl`] plus the program's printf format table.
#[allow(clippy::type_complexity)]
fn translate(source: &str, options: &BuildOptions) -> Result<(String, Vec<KernelInfo>, String, Vec<crate::printf::PrintfFormat>), BuildError> {
    let mut pp = preprocess::Preprocessor::new(&options.headers);
    let mut log = String::new();
    apply_options(&mut pp, options, &mut log)?;
    if options.caps.f64 {
        pp.define_str("cl_khr_fp64", "1")?;
    }
    if options.caps.f16 {
        pp.define_str("cl_khr_fp16", "1")?;
    }
    pp.define_str("cl_khr_byte_addressable_store", "1")?;
    pp.define_str("cl_khr_global_int32_base_atomics", "1")?;
    pp.define_str("cl_khr_local_int32_base_atomics", "1")?;
    pp.define_str("cl_khr_global_int32_extended_atomics", "1")?;
    pp.define_str("cl_khr_local_int32_extended_atomics", "1")?;
    if options.caps.i64_atomics {
        pp.define_str("cl_khr_int64_base_atomics", "1")?;
        pp.define_str("cl_khr_int64_extended_atomics", "1")?;
    }
    let toks = pp.run(source)?;
    let files = pp.files.clone();
    let unit = parser::Parser::new(toks, &files).parse_unit()?;
    let mut lw = Lower::new(&unit, &files, options.caps.clone());
    lw.fx.push(FnState { body: String::new(), indent: 0, scopes: vec![Default::default()], names: Default::default(), ret: Ty::Void, is_kernel: false });
    let mut constant_bytes = 0u64;
    for item in &unit.items {
        if let Item::Global(d) = item {
            lw.check_ty(&d.ty, d.pos)?;
            // Program-scope `__constant` data becomes a private array of every invocation,
            // initialized in the shader: past a few tens of KB drivers fail the pipeline (and
            // lavapipe loses the device with it, for every context of the process).
            constant_bytes += d.ty.layout(lw.structs()).0 as u64;
            if constant_bytes > MAX_PROGRAM_CONSTANT_BYTES {
                return Err(lw.err(d.pos, format!(
                    "program-scope __constant data of {constant_bytes} bytes exceeds CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE ({MAX_PROGRAM_CONSTANT_BYTES} bytes): pass a large table as a __constant buffer argument"
                )));
            }
            let name = format!("g_{}", d.name);
            let init = match &d.init {
                Some(i) => lw.init_value(i, &d.ty)?,
                None => format!("{}()", lw.wt(&d.ty)),
            };
            if !lw.fx[0].body.is_empty() {
                return Err(lw.err(d.pos, "the initializer of a program-scope `__constant` must be a constant expression"));
            }
            lw.const_decls.push(format!("var<private> {name}: {} = {init};", lw.wt(&d.ty)));
            let (elem, scalar) = match &d.ty {
                Ty::Array(e, _) => ((**e).clone(), false),
                t => (t.clone(), true),
            };
            let root = Base { access: name.clone(), kind: BK::ConstGlobal, elem, space: Space::Constant, scalar, bytes: false };
            lw.consts.insert(d.name.clone(), Sym::Var { code: name, ty: d.ty.clone(), root: Some(root), guard: false });
        }
    }
    lw.fx.clear();
    let mut entries = Vec::new();
    let mut kdecls = Vec::new();
    let mut kfuncs = Vec::new();
    let mut infos = Vec::new();
    let mut arg_lens = BTreeSet::new();
    let mut word_structs = BTreeSet::new();
    let mut dispatch_bindings = BTreeSet::new();
    let mut printf_bindings = BTreeSet::new();
    let mut any_overridable = false;
    let kernels: Vec<&Function> = unit
        .items
        .iter()
        .filter_map(|i| match i {
            Item::Function(f) if f.is_kernel && f.body.is_some() => Some(f),
            _ => None,
        })
        .collect();
    if kernels.is_empty() {
        return Err(BuildError::new("the program defines no __kernel function"));
    }
    let mut seen = BTreeSet::new();
    for (ki, f) in kernels.iter().enumerate() {
        if !seen.insert(f.name.clone()) {
            return Err(lw.err(f.pos, format!("redefinition of kernel `{}`", f.name)));
        }
        let mut attempts = 0;
        let (entry, info) = loop {
            lw.retry = None;
            match gen_kernel(&mut lw, f, ki, &mut arg_lens, &mut word_structs) {
                Ok(r) => break r,
                Err(e) => {
                    lw.fx.clear();
                    lw.stack.clear();
                    let changed = match lw.retry.take() {
                        Some(Need::Atomic(name)) => lw.atomic.insert(name),
                        Some(Need::Words(name)) => lw.words.insert(name),
                        None => false,
                    };
                    if !changed || attempts >= 64 {
                        return Err(e);
                    }
                    attempts += 1;
                }
            }
        };
        if matches!(info.workgroup_size, WorkgroupSize::Overridable(_)) {
            any_overridable = true;
        }
        dispatch_bindings.insert(info.dispatch_binding.unwrap());
        printf_bindings.extend(info.printf_binding);
        kdecls.append(&mut lw.kout.decls);
        kfuncs.append(&mut lw.kout.funcs);
        entries.push(entry);
        infos.push(info);
    }
    let mut w = String::new();
    if lw.uses_f16 {
        w.push_str("enable f16;\n\n");
    }
    w.push_str(DispatchInfo::WGSL);
    w.push('\n');
    if any_overridable {
        for o in LOCAL_SIZE_OVERRIDES {
            w.push_str(&format!("override {o}: u32 = 1u;\n"));
        }
    }
    for i in &arg_lens {
        w.push_str(&format!("override wgcl_arg{i}_len: u32 = 1u;\n"));
    }
    for n in &word_structs {
        let fields: Vec<String> = (0..*n).map(|k| format!("w{k}: u32")).collect();
        w.push_str(&format!("struct WgclWords{n} {{ {} }}\n", fields.join(", ")));
    }
    w.push_str(&lw.struct_decls());
    for h in &lw.helpers {
        w.push_str(builtins::helper_source(h));
    }
    w.push_str("var<private> wgcl_lid: vec3<u32>;\nvar<private> wgcl_grp: vec3<u32>;\nvar<private> wgcl_active: bool;\n");
    for c in &lw.const_decls {
        w.push_str(c);
        w.push('\n');
    }
    for b in &dispatch_bindings {
        w.push_str(&format!("@group(0) @binding({b}) var<uniform> wgcl_dispatch_{b}: {};\n", DispatchInfo::STRUCT_NAME));
    }
    for b in &printf_bindings {
        w.push_str(&format!("@group(0) @binding({b}) var<storage, read_write> wgcl_printf_{b}: array<atomic<u32>>;\n"));
    }
    for d in &kdecls {
        w.push_str(d);
        w.push('\n');
    }
    w.push('\n');
    for f in &kfuncs {
        w.push_str(f);
        w.push('\n');
    }
    for e in &entries {
        w.push_str(e);
        w.push('\n');
    }
    if !pp.pragmas.is_empty() {
        for p in &pp.pragmas {
            if !p.starts_with("OPENCL EXTENSION") && !p.starts_with("unroll") && !p.starts_with("OPENCL FP_CONTRACT") {
                log.push_str(&format!("warning: ignored #pragma {p}\n"));
            }
        }
    }
    Ok((w, infos, log, std::mem::take(&mut lw.printf)))
}

/// The most bytes of program-scope `__constant` data a program may declare (the OpenCL
/// minimum for `CL_DEVICE_MAX_CONSTANT_BUFFER_SIZE`, which the runtime reports).
pub const MAX_PROGRAM_CONSTANT_BYTES: u64 = 64 * 1024;

/// Longest `-D` option: a macro that size is not configuration (and each use copies it).
pub const MAX_DEFINE_BYTES: usize = 64 << 10;

fn apply_options(pp: &mut preprocess::Preprocessor, options: &BuildOptions, log: &mut String) -> Result<(), BuildError> {
    let mut it = options.options.split_whitespace().peekable();
    while let Some(o) = it.next() {
        let take = |it: &mut std::iter::Peekable<std::str::SplitWhitespace>, rest: &str, opt: &str| -> Result<String, BuildError> {
            if !rest.is_empty() {
                Ok(rest.to_string())
            } else {
                it.next().map(str::to_string).ok_or_else(|| BuildError::new(format!("build option `{opt}` needs a value")))
            }
        };
        if let Some(rest) = o.strip_prefix("-D") {
            let d = take(&mut it, rest, "-D")?;
            if d.len() > MAX_DEFINE_BYTES {
                let name = d.split(['=', '(']).next().unwrap_or("").chars().take(64).collect::<String>();
                return Err(BuildError::new(format!("-D option `{name}` is longer than {} KiB", MAX_DEFINE_BYTES >> 10)));
            }
            let (n, v) = d.split_once('=').unwrap_or((&d, "1"));
            pp.define_str(n, v).map_err(|e| BuildError::new(format!("invalid -D option `{d}`: {}", e.message)))?;
        } else if let Some(rest) = o.strip_prefix("-U") {
            let n = take(&mut it, rest, "-U")?;
            pp.undef(&n);
        } else if let Some(rest) = o.strip_prefix("-I") {
            let d = take(&mut it, rest, "-I")?;
            pp.add_include_dir(&d);
        } else if let Some(v) = o.strip_prefix("-cl-std=") {
            let ver = match v {
                "CL1.0" => "100",
                "CL1.1" => "110",
                "CL1.2" => "120",
                "CL2.0" => "200",
                "CL3.0" => "300",
                _ => return Err(BuildError::new(format!("unsupported -cl-std value `{v}`"))),
            };
            pp.define_str("__OPENCL_C_VERSION__", ver)?;
        } else if o == "-cl-fast-relaxed-math" || o == "-cl-finite-math-only" {
            pp.define_str("__FAST_RELAXED_MATH__", "1")?;
        } else if o.starts_with("-cl-") || o == "-w" || o == "-Werror" || o == "-x=wgsl" || o == "-wgsl" || o.starts_with("-g") || o == "-create-library" || o == "-enable-link-options" {
        } else {
            log.push_str(&format!("warning: ignored unknown build option `{o}`\n"));
        }
    }
    Ok(())
}

/// Does `f` (or anything it calls) use a work-group barrier?
fn uses_barrier(unit: &parser::Unit, f: &Function, visiting: &mut Vec<String>) -> bool {
    if visiting.contains(&f.name) {
        return false;
    }
    visiting.push(f.name.clone());
    let mut calls = Vec::new();
    if let Some(b) = &f.body {
        for s in b {
            walk_stmt(s, &mut |e| {
                if let ExprKind::Call(n, _) = &e.kind {
                    calls.push(n.clone());
                }
            });
        }
    }
    let r = calls.iter().any(|n| {
        n == "barrier"
            || n == "work_group_barrier"
            || n == "wait_group_events"
            || unit.items.iter().any(|i| matches!(i, Item::Function(g) if &g.name == n && g.body.is_some() && uses_barrier(unit, g, visiting)))
    });
    visiting.pop();
    r
}

fn walk_stmt(s: &Stmt, f: &mut dyn FnMut(&Expr)) {
    match s {
        Stmt::Expr(e) | Stmt::Case(e, _) => walk_expr(e, f),
        Stmt::Decl(ds) => ds.iter().filter_map(|d| d.init.as_ref()).for_each(|e| walk_expr(e, f)),
        Stmt::Block(b) | Stmt::Switch(_, b, _) => {
            if let Stmt::Switch(e, _, _) = s {
                walk_expr(e, f);
            }
            b.iter().for_each(|s| walk_stmt(s, f));
        }
        Stmt::If(c, a, b) => {
            walk_expr(c, f);
            walk_stmt(a, f);
            if let Some(b) = b {
                walk_stmt(b, f);
            }
        }
        Stmt::While(c, b) | Stmt::DoWhile(b, c) => {
            walk_expr(c, f);
            walk_stmt(b, f);
        }
        Stmt::For(i, c, st, b) => {
            if let Some(i) = i {
                walk_stmt(i, f);
            }
            if let Some(c) = c {
                walk_expr(c, f);
            }
            if let Some(st) = st {
                walk_expr(st, f);
            }
            walk_stmt(b, f);
        }
        Stmt::Return(Some(e), _) => walk_expr(e, f),
        _ => {}
    }
}

fn walk_expr(e: &Expr, f: &mut dyn FnMut(&Expr)) {
    f(e);
    match &e.kind {
        ExprKind::Unary(_, a) | ExprKind::IncDec(_, _, a) | ExprKind::Member(a, _, _) | ExprKind::Cast(_, a) | ExprKind::SizeofExpr(a) => walk_expr(a, f),
        ExprKind::Binary(_, a, b) | ExprKind::Assign(_, a, b) | ExprKind::Index(a, b) | ExprKind::Comma(a, b) => {
            walk_expr(a, f);
            walk_expr(b, f);
        }
        ExprKind::Cond(a, b, c) => {
            walk_expr(a, f);
            walk_expr(b, f);
            walk_expr(c, f);
        }
        ExprKind::Call(_, v) | ExprKind::VecLit(_, v) | ExprKind::InitList(v) => v.iter().for_each(|x| walk_expr(x, f)),
        _ => {}
    }
}

fn gen_kernel(
    lw: &mut Lower,
    f: &Function,
    ki: usize,
    arg_lens: &mut BTreeSet<usize>,
    word_structs: &mut BTreeSet<u32>,
) -> Result<(String, KernelInfo), BuildError> {
    lw.kout = KOut::default();
    let nargs = f.params.len();
    let dispatch = format!("wgcl_dispatch_{nargs}");
    let local_size = match f.reqd_work_group_size {
        Some(s) => s.map(|v| format!("{v}u")),
        None => LOCAL_SIZE_OVERRIDES.map(String::from),
    };
    let guard_stores = uses_barrier(lw.unit, f, &mut Vec::new());
    lw.k = Some(KernelCtx { index: ki, name: f.name.clone(), dispatch: dispatch.clone(), local_size: local_size.clone(), guard_stores });
    lw.fx.push(FnState { body: String::new(), indent: 1, scopes: vec![Default::default()], names: Default::default(), ret: Ty::Void, is_kernel: true });
    lw.stack.push(f.name.clone());
    // The work-item and work-group ids are set by the entry point (below) for each
    // work-group it runs; the kernel body becomes a function of its own.
    let prologue = format!(
        "        wgcl_grp = vec3<u32>(wgcl_vg, wgcl_wg_in.y, wgcl_wg_in.z) + {dispatch}.group_offset;\n        \
         wgcl_active = all(((wgcl_grp * vec3<u32>({}, {}, {}) + wgcl_lid) < {dispatch}.global_size) | (vec3<u32>(0u, 1u, 2u) >= vec3<u32>({dispatch}.work_dim)));\n",
        local_size[0], local_size[1], local_size[2]
    );
    let mut args = Vec::new();
    // By-value arguments: packed word-aligned into one uniform struct, bound at the first
    // one's binding.
    let args_name = format!("wgcl_k{ki}_args");
    let mut scalar_binding = None;
    let mut scalar_words = 0u32;
    for (i, p) in f.params.iter().enumerate() {
        lw.check_ty(&p.ty, p.pos)?;
        if p.name.is_empty() {
            return Err(lw.err(p.pos, "kernel arguments must be named"));
        }
        if p.access.is_some() {
            return Err(lw.err(p.pos, "access qualifiers apply to images, which are not supported"));
        }
        let gname = format!("wgcl_k{ki}_{}", p.name);
        let local = format!("c_{}", p.name);
        lw.fx.last_mut().unwrap().names.insert(local.clone());
        // Qualifiers describe a pointer's pointee: a by-value `const int` is TYPE_NONE, a
        // __constant pointer is CONST (clGetKernelArgInfo).
        let is_ptr = matches!(p.ty, Ty::Pointer(..));
        let tq = TypeQualifiers {
            is_const: is_ptr && (p.quals.is_const || matches!(p.ty, Ty::Pointer(_, Space::Constant))),
            is_restrict: is_ptr && p.quals.is_restrict,
            is_volatile: is_ptr && p.quals.is_volatile,
        };
        match &p.ty {
            Ty::Pointer(elem, space @ (Space::Global | Space::Constant)) => {
                let elem = (**elem).clone();
                let writable = *space == Space::Global && !p.quals.is_const;
                // Sub-word elements and word views are stored as `u32` words.
                let words = lw.words.contains(&gname);
                let (packed, bad) = match &elem {
                    Ty::Scalar(s) | Ty::Vector(s, _) => (s.size() < 4 || words, false),
                    Ty::Struct(_) | Ty::Array(..) => (false, !lw.host_compatible(&elem)),
                    Ty::Void => (false, true),
                    _ => (false, true),
                };
                if bad {
                    return Err(lw.err(p.pos, format!(
                        "buffer argument `{}` of type `{}` is not supported (its memory layout cannot be expressed in WGSL)",
                        p.name, p.type_name
                    )));
                }
                let atomic = lw.atomic.contains(&gname);
                let wel = match (&elem, packed, atomic) {
                    (_, true, true) => "atomic<u32>".to_string(),
                    (_, true, false) => "u32".to_string(),
                    (t, false, true) => format!("atomic<{}>", lw.wt(t)),
                    (t, false, false) => lw.wt(t),
                };
                let access = if writable || atomic { "read_write" } else { "read" };
                lw.kout.decls.push(format!("@group(0) @binding({i}) var<storage, {access}> {gname}: array<{wel}>;"));
                lw.emit(format!("_ = arrayLength(&{gname});"));
                let base = Base { access: gname, kind: BK::Storage { packed, atomic, writable }, elem, space: *space, scalar: false, bytes: false };
                lw.emit(format!("var {local}: i32 = 0i;"));
                lw.fx.last_mut().unwrap().scopes[0].insert(p.name.clone(), Sym::Ptr { var: local, base: Some(base), ty: p.ty.clone() });
                let read_only = !writable;
                args.push(KernelArgInfo {
                    name: p.name.clone(),
                    type_name: p.type_name.clone(),
                    address_qualifier: if *space == Space::Constant { AddressQualifier::Constant } else { AddressQualifier::Global },
                    access_qualifier: AccessQualifier::None,
                    type_qualifiers: tq,
                    kind: ArgKind::Buffer { binding: i as u32, read_only },
                });
            }
            Ty::Pointer(elem, Space::Local) => {
                let elem = (**elem).clone();
                if elem == Ty::Void || elem.is_pointer() {
                    return Err(lw.err(p.pos, format!("__local argument `{}` needs a concrete element type", p.name)));
                }
                let atomic = lw.atomic.contains(&gname);
                // Without cl_khr_fp16 there is no `f16`: halves are packed two per word, and
                // the runtime sizes the array in words.
                // Word views are `u32` words too.
                let packed = (elem == Ty::Scalar(Sc::Half) && !lw.caps.f16) || lw.words.contains(&gname);
                let wel = match (packed, atomic) {
                    (true, true) => "atomic<u32>".to_string(),
                    (true, false) => "u32".to_string(),
                    (false, true) => format!("atomic<{}>", lw.wt(&elem)),
                    (false, false) => lw.wt(&elem),
                };
                arg_lens.insert(i);
                lw.kout.decls.push(format!("var<workgroup> {gname}: array<{wel}, wgcl_arg{i}_len>;"));
                if atomic {
                    lw.emit(format!("_ = atomicLoad(&{gname}[0]);"));
                } else {
                    lw.emit(format!("_ = {gname}[0];"));
                }
                let base = Base { access: gname, kind: BK::Work { atomic, packed }, elem: elem.clone(), space: Space::Local, scalar: false, bytes: false };
                lw.emit(format!("var {local}: i32 = 0i;"));
                lw.fx.last_mut().unwrap().scopes[0].insert(p.name.clone(), Sym::Ptr { var: local, base: Some(base), ty: p.ty.clone() });
                args.push(KernelArgInfo {
                    name: p.name.clone(),
                    type_name: p.type_name.clone(),
                    address_qualifier: AddressQualifier::Local,
                    access_qualifier: AccessQualifier::None,
                    type_qualifiers: tq,
                    kind: ArgKind::Local { len_override: format!("wgcl_arg{i}_len"), elem_size: if packed { 4 } else { elem.layout(lw.structs()).0 } },
                });
            }
            Ty::Pointer(..) => {
                return Err(lw.err(p.pos, format!("kernel pointer argument `{}` must be __global, __constant or __local", p.name)));
            }
            t => {
                if *t == Ty::Bool {
                    return Err(lw.err(p.pos, "kernel arguments cannot be `bool` (OpenCL C forbids it)"));
                }
                let size = t.layout(lw.structs()).0;
                let binding = *scalar_binding.get_or_insert(i as u32);
                let offset = scalar_words * 4;
                scalar_words += size.div_ceil(4).max(1);
                let code = words::decode(lw, &words::Src::Fields(args_name.clone()), t, &words::Off::at(offset), p.pos)?;
                let w = lw.wt(t);
                lw.emit(format!("var {local}: {w} = {code};"));
                lw.fx.last_mut().unwrap().scopes[0].insert(p.name.clone(), Sym::Var { code: local, ty: t.clone(), root: None, guard: false });
                args.push(KernelArgInfo {
                    name: p.name.clone(),
                    type_name: p.type_name.clone(),
                    address_qualifier: AddressQualifier::Private,
                    access_qualifier: AccessQualifier::None,
                    type_qualifiers: tq,
                    kind: ArgKind::Scalar { binding, offset, size },
                });
            }
        }
    }
    if let Some(b) = scalar_binding {
        word_structs.insert(scalar_words);
        lw.kout.decls.push(format!("@group(0) @binding({b}) var<uniform> {args_name}: WgclWords{scalar_words};"));
    }
    let body = f.body.as_ref().unwrap();
    if guard_stores {
        lw.block(body)?;
    } else {
        lw.emit("if (wgcl_active) {");
        lw.fx.last_mut().unwrap().indent += 1;
        lw.block(body)?;
        lw.fx.last_mut().unwrap().indent -= 1;
        lw.emit("}");
    }
    let fs = lw.fx.pop().unwrap();
    lw.stack.pop();
    let entry_point = entry_name(&f.name);
    // Virtual work-groups: each dispatched work-group runs the body for x group ids
    // wg.x, wg.x + num_workgroups.x, ... below `groups_x`, so the runtime may dispatch fewer
    // work-groups than the NDRange has (OpenCL lets work-groups run in any order, one after
    // another). GPUs start a work-group at a cost; a few thousand that loop move more data
    // than millions that don't. Not for kernels with `__local` memory: those already do
    // much work per group, and on the H200 the loop made N-body 1.4x slower (0.808 against
    // 0.570 ms, benches/results/h200-2026-11-21-s3-virtual-groups.txt).
    let uses_local = lw.kout.static_local > 0 || args.iter().any(|a| a.address_qualifier == AddressQualifier::Local);
    let header = format!(
        "@compute @workgroup_size({}, {}, {})\n\
         fn {entry_point}(@builtin(local_invocation_id) wgcl_lid_in: vec3<u32>, @builtin(workgroup_id) wgcl_wg_in: vec3<u32>, @builtin(num_workgroups) wgcl_nwg_in: vec3<u32>) {{\n    \
         wgcl_lid = wgcl_lid_in;\n",
        local_size[0], local_size[1], local_size[2]
    );
    let text = if uses_local {
        format!("{header}    let wgcl_vg = wgcl_wg_in.x;\n{prologue}{body}}}\n", body = fs.body)
    } else {
        format!(
            "fn {entry_point}_body() {{\n{body}}}\n\n{header}    \
             for (var wgcl_vg = wgcl_wg_in.x; wgcl_vg < {dispatch}.groups_x; wgcl_vg += wgcl_nwg_in.x) {{\n\
             {prologue}        {entry_point}_body();\n    }}\n}}\n",
            body = fs.body
        )
    };
    let info = KernelInfo {
        name: f.name.clone(),
        entry_point,
        args,
        workgroup_size: match f.reqd_work_group_size {
            Some(s) => WorkgroupSize::Fixed(s),
            None => WorkgroupSize::Overridable(LOCAL_SIZE_OVERRIDES.map(String::from)),
        },
        reqd_work_group_size: f.reqd_work_group_size,
        work_group_size_hint: f.work_group_size_hint,
        attributes: f.attributes.clone(),
        dispatch_binding: Some(nargs as u32),
        printf_binding: lw.kout.printf.then_some(nargs as u32 + 1),
        static_local_mem_size: lw.kout.static_local,
        virtual_groups: !uses_local,
    };
    Ok((text, info))
}
