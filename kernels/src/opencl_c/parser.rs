//! Recursive-descent parser for OpenCL C (C99 subset + OpenCL qualifiers and vector types).
//!
//! Typedef and struct names are resolved while parsing, because C's grammar depends on
//! them (`(T)x` is a cast only if `T` names a type). Unsupported OpenCL features (images,
//! samplers, pipes, blocks, the generic address space) are refused here with the position
//! of the construct.
use std::collections::HashMap;

use super::ast::*;
use super::lexer::{Files, Pos, TokKind, Token};
use super::preprocess::{char_value, parse_int};
use super::types::*;
use crate::BuildError;

pub struct Unit {
    pub items: Vec<Item>,
    pub structs: Vec<StructDef>,
}

pub struct Parser<'a> {
    t: Vec<Token>,
    i: usize,
    files: &'a Files,
    typedefs: HashMap<String, (Ty, String)>,
    struct_tags: HashMap<String, usize>,
    enum_consts: HashMap<String, i64>,
    pub structs: Vec<StructDef>,
    end: Pos,
    /// Open nesting levels (parentheses, blocks, statements, unary operators, initializer
    /// braces, right-recursive `=`/`?:`), capped at [`MAX_NESTING`].
    nest: u32,
    /// Depth of the expression tree parsed last, capped at [`MAX_EXPR_DEPTH`].
    ed: u32,
}

/// Nesting limit of the parser (clang's bracket limit is 256 too): every pass after the
/// parser recurses over the tree, so hostile nesting must end here as an error.
pub const MAX_NESTING: u32 = 256;
/// Depth limit of an expression tree. Left-associative chains (`1+1+…+1`) are parsed
/// iteratively but lowered recursively; this bounds that recursion (see
/// `opencl_c::BUILD_STACK_BYTES`).
pub const MAX_EXPR_DEPTH: u32 = 10_000;

/// Everything the declaration specifiers said.
#[derive(Default, Clone)]
struct Specs {
    ty: Option<Ty>,
    /// Spelling for reflection (typedef name or canonical OpenCL name).
    name: String,
    space: Option<Space>,
    quals: TypeQuals,
    is_kernel: bool,
    is_typedef: bool,
    access: Option<String>,
    attrs: Vec<String>,
}

const UNSUPPORTED_TYPES: &[(&str, &str)] = &[
    ("image1d_t", "images are not supported (WebGPU storage textures are not bound by wgcl)"),
    ("image2d_t", "images are not supported (WebGPU storage textures are not bound by wgcl)"),
    ("image3d_t", "images are not supported (WebGPU storage textures are not bound by wgcl)"),
    ("image1d_array_t", "images are not supported (WebGPU storage textures are not bound by wgcl)"),
    ("image2d_array_t", "images are not supported (WebGPU storage textures are not bound by wgcl)"),
    ("image1d_buffer_t", "images are not supported (WebGPU storage textures are not bound by wgcl)"),
    ("sampler_t", "samplers are not supported (images are not supported)"),
    ("pipe", "pipes are not supported"),
    ("clk_event_t", "device-side enqueue is not supported"),
    ("queue_t", "device-side enqueue is not supported"),
    ("ndrange_t", "device-side enqueue is not supported"),
    ("reserve_id_t", "pipes are not supported"),
    ("__generic", "the generic address space is not supported; use __global, __local or __private"),
    ("generic", "the generic address space is not supported; use __global, __local or __private"),
];

impl<'a> Parser<'a> {
    pub fn new(t: Vec<Token>, files: &'a Files) -> Self {
        let end = t.last().map(|t| t.pos).unwrap_or(Pos { file: 0, line: 1, col: 1 });
        let mut typedefs = HashMap::new();
        // `event_t`: async copies complete at once (see `builtins`), so an event is a plain 0.
        for (n, ty) in [("size_t", UINT), ("ptrdiff_t", INT), ("intptr_t", INT), ("uintptr_t", UINT), ("event_t", UINT)] {
            typedefs.insert(n.to_string(), (ty, n.to_string()));
        }
        // OpenCL 2.0 atomic types hold their plain type's value; the atomic built-ins give them
        // their meaning (see `atomics`). `memory_order`/`memory_scope` are enums.
        for (n, s) in [
            ("atomic_int", Sc::Int),
            ("atomic_uint", Sc::UInt),
            ("atomic_float", Sc::Float),
            ("atomic_long", Sc::Long),
            ("atomic_ulong", Sc::ULong),
            ("atomic_double", Sc::Double),
            ("atomic_intptr_t", Sc::Int),
            ("atomic_uintptr_t", Sc::UInt),
            ("atomic_size_t", Sc::UInt),
            ("atomic_ptrdiff_t", Sc::Int),
            ("atomic_flag", Sc::Int),
            ("memory_order", Sc::Int),
            ("memory_scope", Sc::Int),
        ] {
            typedefs.insert(n.to_string(), (Ty::Scalar(s), n.to_string()));
        }
        Parser { t, i: 0, files, typedefs, struct_tags: HashMap::new(), enum_consts: HashMap::new(), structs: Vec::new(), end, nest: 0, ed: 0 }
    }

    fn peek(&self) -> Option<&Token> {
        self.t.get(self.i)
    }
    fn peek_at(&self, k: usize) -> Option<&Token> {
        self.t.get(self.i + k)
    }
    fn pos(&self) -> Pos {
        self.peek().map(|t| t.pos).unwrap_or(self.end)
    }
    fn at(&self, p: &str) -> bool {
        self.peek().is_some_and(|t| t.is(p))
    }
    fn eat(&mut self, p: &str) -> bool {
        if self.at(p) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn err(&self, msg: impl Into<String>) -> BuildError {
        self.files.err(self.pos(), msg)
    }
    fn expect(&mut self, p: &str) -> Result<Pos, BuildError> {
        let pos = self.pos();
        if self.eat(p) {
            Ok(pos)
        } else {
            let found = self.peek().map(|t| format!("`{}`", t.text)).unwrap_or("end of input".into());
            Err(self.err(format!("expected `{p}`, found {found}")))
        }
    }
    fn ident(&mut self) -> Result<(String, Pos), BuildError> {
        match self.peek() {
            Some(t) if t.kind == TokKind::Ident => {
                let r = (t.text.clone(), t.pos);
                self.i += 1;
                Ok(r)
            }
            Some(t) => Err(self.err(format!("expected an identifier, found `{}`", t.text))),
            None => Err(self.err("expected an identifier, found end of input")),
        }
    }

    /// Enters one nesting level (see [`MAX_NESTING`]); the caller leaves with `self.nest -= 1`.
    fn enter(&mut self) -> Result<(), BuildError> {
        self.nest += 1;
        if self.nest > MAX_NESTING {
            return Err(self.err(format!("nesting level exceeded maximum of {MAX_NESTING}")));
        }
        Ok(())
    }
    /// Records the depth of a new expression node over children of depth `d`.
    fn node_depth(&mut self, d: u32, pos: Pos) -> Result<(), BuildError> {
        self.ed = d + 1;
        if self.ed > MAX_EXPR_DEPTH {
            return Err(self.files.err(pos, format!("expression too deeply nested (depth exceeds {MAX_EXPR_DEPTH})")));
        }
        Ok(())
    }

    pub fn parse_unit(mut self) -> Result<Unit, BuildError> {
        let mut items = Vec::new();
        while self.peek().is_some() {
            if self.eat(";") {
                continue;
            }
            self.external(&mut items)?;
        }
        Ok(Unit { items, structs: self.structs })
    }

    /// Is the token at offset `k` the start of a type (for casts and declarations)?
    fn is_type_start(&self, k: usize) -> bool {
        let Some(t) = self.peek_at(k) else { return false };
        if t.kind != TokKind::Ident {
            return false;
        }
        let s = t.text.as_str();
        matches!(
            s,
            "void" | "bool" | "char" | "short" | "int" | "long" | "float" | "double" | "half" | "unsigned" | "signed"
                | "uchar" | "ushort" | "uint" | "ulong" | "struct" | "union" | "enum" | "const" | "volatile"
                | "restrict" | "__global" | "global" | "__local" | "local" | "__constant" | "constant"
                | "__private" | "private" | "__kernel" | "kernel" | "typedef" | "static" | "inline" | "extern"
                | "__inline" | "__attribute__" | "__read_only" | "read_only" | "__write_only" | "write_only"
                | "__read_write" | "read_write" | "_Bool" | "__constant__"
        ) || self.typedefs.contains_key(s)
            || vector_type(s).is_some()
            || UNSUPPORTED_TYPES.iter().any(|(n, _)| *n == s)
    }

    fn attribute(&mut self, specs: &mut Specs) -> Result<(), BuildError> {
        // __attribute__((a, b(1,2)))
        self.expect("(")?;
        self.expect("(")?;
        let mut depth = 0;
        let mut cur = String::new();
        loop {
            let t = self.peek().ok_or_else(|| self.err("unterminated __attribute__"))?.clone();
            self.i += 1;
            if t.is("(") {
                depth += 1;
            } else if t.is(")") {
                if depth == 0 {
                    break;
                }
                depth -= 1;
            }
            if t.is(",") && depth == 0 {
                specs.attrs.push(std::mem::take(&mut cur));
                continue;
            }
            cur.push_str(&t.text);
        }
        if !cur.is_empty() {
            specs.attrs.push(cur);
        }
        self.expect(")")?;
        Ok(())
    }

    fn specs(&mut self) -> Result<Specs, BuildError> {
        let mut s = Specs::default();
        let (mut unsigned, mut signed, mut longs, mut short, mut base): (bool, bool, u32, bool, Option<&str>) =
            (false, false, 0, false, None);
        let start = self.pos();
        loop {
            let Some(t) = self.peek() else { break };
            if t.kind != TokKind::Ident {
                break;
            }
            let w = t.text.clone();
            let pos = t.pos;
            if let Some((_, msg)) = UNSUPPORTED_TYPES.iter().find(|(n, _)| *n == w) {
                return Err(self.files.err(pos, format!("`{w}`: {msg}")));
            }
            match w.as_str() {
                "__global" | "global" => s.space = Some(Space::Global),
                "__local" | "local" => s.space = Some(Space::Local),
                "__constant" | "constant" => s.space = Some(Space::Constant),
                "__private" | "private" => s.space = Some(Space::Private),
                "const" => s.quals.is_const = true,
                "volatile" => s.quals.is_volatile = true,
                "restrict" | "__restrict" => s.quals.is_restrict = true,
                "__kernel" | "kernel" => s.is_kernel = true,
                "typedef" => s.is_typedef = true,
                "static" | "inline" | "__inline" | "extern" => {}
                "__read_only" | "read_only" | "__write_only" | "write_only" | "__read_write" | "read_write" => {
                    s.access = Some(w.trim_start_matches("__").to_string())
                }
                "__attribute__" => {
                    self.i += 1;
                    self.attribute(&mut s)?;
                    continue;
                }
                "unsigned" => unsigned = true,
                "signed" => signed = true,
                "long" => longs += 1,
                "short" => short = true,
                "void" | "bool" | "_Bool" | "char" | "int" | "float" | "double" | "half" | "uchar" | "ushort" | "uint"
                | "ulong" => {
                    if base.is_some() || s.ty.is_some() {
                        return Err(self.files.err(pos, format!("two or more data types in declaration (`{w}`)")));
                    }
                    base = Some(match w.as_str() {
                        "void" => "void",
                        "bool" | "_Bool" => "bool",
                        "char" => "char",
                        "int" => "int",
                        "float" => "float",
                        "double" => "double",
                        "half" => "half",
                        "uchar" => "uchar",
                        "ushort" => "ushort",
                        "uint" => "uint",
                        _ => "ulong",
                    })
                }
                "struct" | "union" => {
                    self.i += 1;
                    let ty = self.struct_spec(w == "union")?;
                    s.name = ty.c_name(&self.structs);
                    s.ty = Some(ty);
                    continue;
                }
                "enum" => {
                    self.i += 1;
                    self.enum_spec()?;
                    s.ty = Some(INT);
                    s.name = "int".into();
                    continue;
                }
                _ => {
                    if s.ty.is_some() || base.is_some() || unsigned || signed || longs > 0 || short {
                        break;
                    }
                    if let Some((ty, name)) = self.typedefs.get(&w).cloned() {
                        s.ty = Some(ty);
                        s.name = name;
                    } else if let Some(ty) = vector_type(&w) {
                        s.ty = Some(ty);
                        s.name = w.clone();
                    } else {
                        break;
                    }
                }
            }
            self.i += 1;
        }
        if s.ty.is_none() {
            let b = base.unwrap_or(if unsigned || signed || longs > 0 || short { "int" } else { "" });
            let name = match (b, unsigned, longs > 0, short) {
                ("", ..) => {
                    return Err(self.files.err(start, match self.peek() {
                        Some(t) => format!("expected a type, found `{}`", t.text),
                        None => "expected a type".into(),
                    }))
                }
                ("char", true, ..) => "uchar",
                ("int", true, true, _) => "ulong",
                ("int", true, _, true) => "ushort",
                ("int", true, ..) => "uint",
                ("int", false, true, _) => "long",
                ("int", false, _, true) => "short",
                (b, ..) => b,
            };
            s.ty = Some(match name {
                "void" => Ty::Void,
                "bool" => Ty::Bool,
                n => Ty::Scalar(Sc::from_name(n).unwrap()),
            });
            s.name = name.to_string();
        }
        Ok(s)
    }

    fn struct_spec(&mut self, is_union: bool) -> Result<Ty, BuildError> {
        let kw = if is_union { "union" } else { "struct" };
        let mut specs = Specs::default();
        while self.at("__attribute__") {
            self.i += 1;
            self.attribute(&mut specs)?;
        }
        let tag = if self.peek().is_some_and(|t| t.kind == TokKind::Ident) { Some(self.ident()?.0) } else { None };
        let idx = match tag.as_ref().and_then(|t| self.struct_tags.get(t)) {
            Some(&i) => i,
            None => {
                self.structs.push(StructDef {
                    name: match &tag {
                        Some(t) => format!("{kw} {t}"),
                        None => format!("{kw} anon{}", self.structs.len()),
                    },
                    fields: Vec::new(),
                    is_union,
                    complete: false,
                    aliases: Vec::new(),
                });
                let i = self.structs.len() - 1;
                if let Some(t) = &tag {
                    self.struct_tags.insert(t.clone(), i);
                }
                i
            }
        };
        if self.eat("{") {
            self.enter()?;
            let mut fields = Vec::new();
            // Union members as field lists (an anonymous struct member is its fields).
            let mut members: Vec<Vec<(String, Ty)>> = Vec::new();
            let mut anon_pos = None;
            while !self.eat("}") {
                let sp = self.specs()?;
                loop {
                    let (name, ty, pos) = self.declarator(sp.ty.clone().unwrap())?;
                    if self.at(":") {
                        return Err(self.err("bit-fields are not supported"));
                    }
                    // A struct inside itself (directly, by an array, or through another
                    // struct) has no size: layout passes would recurse forever.
                    let mut inner = &ty;
                    while let Ty::Array(e, _) = inner {
                        inner = e;
                    }
                    if let Ty::Struct(j) = inner {
                        if !self.structs[*j].complete {
                            let what = name.as_deref().map(|n| format!("field `{n}`")).unwrap_or("anonymous member".into());
                            return Err(self.files.err(pos, format!("{what} has incomplete type `{}`", self.structs[*j].name)));
                        }
                    }
                    match (name, &ty) {
                        (Some(name), _) => {
                            members.push(vec![(name.clone(), ty.clone())]);
                            fields.push((name, ty));
                        }
                        // C11 anonymous struct member: its fields belong to the enclosing type.
                        (None, Ty::Struct(j)) if !self.structs[*j].is_union && self.structs[*j].complete => {
                            let inner = self.structs[*j].fields.clone();
                            anon_pos.get_or_insert(pos);
                            members.push(inner.clone());
                            fields.extend(inner);
                        }
                        (None, _) => return Err(self.files.err(pos, "struct member needs a name")),
                    }
                    if !self.eat(",") {
                        break;
                    }
                }
                self.expect(";")?;
            }
            let mut aliases = Vec::new();
            let mut union_kept = is_union;
            if is_union {
                let same = |a: &Vec<(String, Ty)>| a.len() == members[0].len() && a.iter().zip(&members[0]).all(|(x, y)| x.1 == y.1);
                if !members.is_empty() && members.iter().all(same) {
                    for m in &members[1..] {
                        aliases.extend(m.iter().zip(&members[0]).map(|(a, f)| (a.0.clone(), f.0.clone())));
                    }
                    fields = members[0].clone();
                    union_kept = false;
                } else if let Some(pos) = anon_pos {
                    return Err(self.files.err(pos, "anonymous struct members of a union are supported only when every member has the same layout (then they alias one another); name the members"));
                }
            }
            let mut seen = std::collections::HashSet::new();
            if let Some((n, _)) = fields.iter().find(|(n, _)| !seen.insert(n.clone())) {
                return Err(self.err(format!("duplicate member `{n}`")));
            }
            self.structs[idx].fields = fields;
            self.structs[idx].aliases = aliases;
            self.structs[idx].is_union = union_kept;
            self.structs[idx].complete = true;
            self.nest -= 1;
            if byte_size(&Ty::Struct(idx), &self.structs).is_none_or(|b| b > MAX_OBJECT_BYTES) {
                return Err(self.err("type too large (WebGPU objects are limited to 2 GiB)"));
            }
            while self.at("__attribute__") {
                self.i += 1;
                self.attribute(&mut specs)?;
            }
        }
        Ok(Ty::Struct(idx))
    }

    fn enum_spec(&mut self) -> Result<(), BuildError> {
        if self.peek().is_some_and(|t| t.kind == TokKind::Ident) {
            self.i += 1;
        }
        if self.eat("{") {
            let mut next = 0i64;
            while !self.eat("}") {
                let (name, _) = self.ident()?;
                if self.eat("=") {
                    let e = self.assign_expr()?;
                    next = self.const_eval(&e)?;
                }
                if i32::try_from(next).is_err() {
                    return Err(self.err(format!("value of enumerator `{name}` ({next}) does not fit in `int`")));
                }
                self.enum_consts.insert(name, next);
                next += 1;
                if !self.eat(",") {
                    self.expect("}")?;
                    break;
                }
            }
        }
        Ok(())
    }

    /// Parses `* const p[4]` etc. around a base type. Function declarators are handled by
    /// the caller (only at file scope).
    fn declarator(&mut self, mut ty: Ty) -> Result<(Option<String>, Ty, Pos), BuildError> {
        self.declarator_q(&mut ty, &mut TypeQuals::default(), None)
    }

    fn declarator_q(&mut self, ty: &mut Ty, ptr_quals: &mut TypeQuals, space: Option<Space>) -> Result<(Option<String>, Ty, Pos), BuildError> {
        let mut first = true;
        while self.eat("*") {
            let sp = if first { space.unwrap_or(Space::Private) } else { Space::Private };
            first = false;
            *ty = Ty::Pointer(Box::new(ty.clone()), sp);
            loop {
                if self.eat("const") {
                    ptr_quals.is_const = true;
                } else if self.eat("restrict") || self.eat("__restrict") {
                    ptr_quals.is_restrict = true;
                } else if self.eat("volatile") {
                    ptr_quals.is_volatile = true;
                } else {
                    break;
                }
            }
        }
        if self.at("(") && self.peek_at(1).is_some_and(|t| t.is("*") || t.is("^")) {
            return Err(self.err("function pointers and blocks are not supported"));
        }
        let pos = self.pos();
        let name = if self.peek().is_some_and(|t| t.kind == TokKind::Ident) { Some(self.ident()?.0) } else { None };
        let mut dims = Vec::new();
        while self.eat("[") {
            if self.eat("]") {
                dims.push(0);
                continue;
            }
            let e = self.assign_expr()?;
            let n = self.const_eval(&e)?;
            if n <= 0 {
                return Err(self.files.err(e.pos, "array size must be a positive integer constant"));
            }
            if n > MAX_OBJECT_BYTES as i64 {
                return Err(self.files.err(e.pos, format!("array too large ({n} elements)")));
            }
            dims.push(n as u32);
            self.expect("]")?;
        }
        let mut t = ty.clone();
        for d in dims.into_iter().rev() {
            t = Ty::Array(Box::new(t), d);
        }
        if byte_size(&t, &self.structs).is_none_or(|b| b > MAX_OBJECT_BYTES) {
            return Err(self.files.err(pos, "type too large (WebGPU objects are limited to 2 GiB)"));
        }
        Ok((name, t, pos))
    }

    fn external(&mut self, items: &mut Vec<Item>) -> Result<(), BuildError> {
        let spec_pos = self.pos();
        let mut sp = self.specs()?;
        if self.eat(";") {
            return Ok(());
        }
        loop {
            let mut ty = sp.ty.clone().unwrap();
            let mut pq = TypeQuals::default();
            let (name, dty, pos) = self.declarator_q(&mut ty, &mut pq, sp.space)?;
            let name = name.ok_or_else(|| self.files.err(pos, "expected a declarator name"))?;
            if sp.is_typedef {
                let spelled = if matches!(dty, Ty::Struct(_)) || dty.is_arith() { name.clone() } else { dty.c_name(&self.structs) };
                if let Ty::Struct(i) = dty {
                    if self.structs[i].name.starts_with("struct anon") || self.structs[i].name.starts_with("union anon") {
                        self.structs[i].name = name.clone();
                    }
                }
                let _ = spelled;
                self.typedefs.insert(name.clone(), (dty, name));
            } else if self.at("(") {
                self.i += 1;
                let params = self.params()?;
                while self.at("__attribute__") {
                    self.i += 1;
                    self.attribute(&mut sp)?;
                }
                let body = if self.at(";") || self.at(",") { None } else { Some(self.block_body()?) };
                let mut f = Function {
                    name,
                    ret: dty,
                    params,
                    body,
                    is_kernel: sp.is_kernel,
                    reqd_work_group_size: None,
                    work_group_size_hint: None,
                    attributes: String::new(),
                    pos,
                };
                self.kernel_attrs(&mut f, &sp, spec_pos)?;
                if f.is_kernel && f.ret != Ty::Void {
                    return Err(self.files.err(pos, format!("kernel `{}` must return void", f.name)));
                }
                let has_body = f.body.is_some();
                items.push(Item::Function(f));
                if has_body {
                    return Ok(());
                }
            } else {
                let space = sp.space.unwrap_or(Space::Private);
                if space != Space::Constant {
                    return Err(self.files.err(pos, format!(
                        "program-scope variable `{name}` must be in the __constant address space (OpenCL C 1.2)"
                    )));
                }
                let init = if self.eat("=") { Some(self.initializer()?) } else { None };
                let dty = fix_unsized_array(dty, init.as_ref());
                items.push(Item::Global(VarDecl { name, ty: dty, space, is_const: true, init, pos }));
            }
            if !self.eat(",") {
                break;
            }
        }
        self.expect(";")?;
        Ok(())
    }

    fn kernel_attrs(&mut self, f: &mut Function, sp: &Specs, pos: Pos) -> Result<(), BuildError> {
        let mut attrs = Vec::new();
        for a in &sp.attrs {
            let nums = || -> Option<[u32; 3]> {
                let inner = a.split_once('(')?.1.trim_end_matches(')');
                let v: Vec<u32> = inner.split(',').map(|s| parse_int(s.trim()).map(|v| v as u32)).collect::<Option<_>>()?;
                (v.len() == 3).then(|| [v[0], v[1], v[2]])
            };
            if a.starts_with("reqd_work_group_size") {
                // 16384 per dimension is naga's limit; devices allow far less (checked at enqueue).
                let n = nums().filter(|n| n.iter().all(|&x| x > 0 && x <= 16384)).ok_or_else(|| {
                    self.files.err(pos, "reqd_work_group_size needs three integer constants from 1 to 16384")
                })?;
                f.reqd_work_group_size = Some(n);
                attrs.push(format!("reqd_work_group_size({},{},{})", n[0], n[1], n[2]));
            } else if a.starts_with("work_group_size_hint") {
                let n = nums().ok_or_else(|| self.files.err(pos, "work_group_size_hint needs three integer constants"))?;
                f.work_group_size_hint = Some(n);
                attrs.push(format!("work_group_size_hint({},{},{})", n[0], n[1], n[2]));
            } else if a.starts_with("vec_type_hint") {
                attrs.push(a.clone());
            }
        }
        f.attributes = attrs.join(" ");
        Ok(())
    }

    fn params(&mut self) -> Result<Vec<Param>, BuildError> {
        let mut ps = Vec::new();
        if self.eat(")") {
            return Ok(ps);
        }
        if self.at("void") && self.peek_at(1).is_some_and(|t| t.is(")")) {
            self.i += 2;
            return Ok(ps);
        }
        loop {
            let sp = self.specs()?;
            let mut ty = sp.ty.clone().unwrap();
            let mut pq = TypeQuals::default();
            let (name, mut dty, pos) = self.declarator_q(&mut ty, &mut pq, sp.space)?;
            // `__constant int *c __attribute__((max_constant_size(N)))`, `aligned(N)`: hints
            // that change nothing here.
            while self.at("__attribute__") {
                self.i += 1;
                self.attribute(&mut Specs::default())?;
            }
            // Array parameters are pointers, as in C.
            if let Ty::Array(e, _) = dty {
                dty = Ty::Pointer(e, sp.space.unwrap_or(Space::Private));
            }
            let type_name = match &dty {
                Ty::Pointer(inner, _) => format!("{}*", if inner.is_pointer() { inner.c_name(&self.structs) } else { sp.name.clone() }),
                _ => sp.name.clone(),
            };
            let quals = if dty.is_pointer() {
                TypeQuals { is_const: sp.quals.is_const, is_restrict: pq.is_restrict, is_volatile: sp.quals.is_volatile }
            } else {
                sp.quals.clone()
            };
            ps.push(Param { name: name.unwrap_or_default(), ty: dty, quals, type_name, access: sp.access.clone(), pos });
            if !self.eat(",") {
                break;
            }
        }
        self.expect(")")?;
        Ok(ps)
    }

    fn block_body(&mut self) -> Result<Vec<Stmt>, BuildError> {
        self.expect("{")?;
        let mut v = Vec::new();
        while !self.eat("}") {
            if self.peek().is_none() {
                return Err(self.err("expected `}` before end of input"));
            }
            v.push(self.stmt()?);
        }
        Ok(v)
    }

    fn decl_stmt(&mut self) -> Result<Stmt, BuildError> {
        let sp = self.specs()?;
        if sp.is_typedef {
            loop {
                let (name, ty, pos) = self.declarator(sp.ty.clone().unwrap())?;
                let name = name.ok_or_else(|| self.files.err(pos, "typedef needs a name"))?;
                self.typedefs.insert(name.clone(), (ty, name));
                if !self.eat(",") {
                    break;
                }
            }
            self.expect(";")?;
            return Ok(Stmt::Empty);
        }
        let mut decls = Vec::new();
        if self.eat(";") {
            return Ok(Stmt::Empty);
        }
        loop {
            let mut ty = sp.ty.clone().unwrap();
            let mut pq = TypeQuals::default();
            let (name, dty, pos) = self.declarator_q(&mut ty, &mut pq, sp.space)?;
            let name = name.ok_or_else(|| self.files.err(pos, "expected a variable name"))?;
            let init = if self.eat("=") { Some(self.initializer()?) } else { None };
            let dty = fix_unsized_array(dty, init.as_ref());
            let space = if dty.is_pointer() { Space::Private } else { sp.space.unwrap_or(Space::Private) };
            decls.push(VarDecl { name, ty: dty, space, is_const: sp.quals.is_const, init, pos });
            if !self.eat(",") {
                break;
            }
        }
        self.expect(";")?;
        Ok(Stmt::Decl(decls))
    }

    fn initializer(&mut self) -> Result<Expr, BuildError> {
        if self.at("{") {
            let pos = self.pos();
            self.i += 1;
            self.enter()?;
            let mut v = Vec::new();
            let mut d = 0;
            while !self.eat("}") {
                if self.at(".") || self.at("[") {
                    return Err(self.err("designated initializers are not supported"));
                }
                v.push(self.initializer()?);
                d = d.max(self.ed);
                if !self.eat(",") {
                    self.expect("}")?;
                    break;
                }
            }
            self.nest -= 1;
            self.node_depth(d, pos)?;
            return Ok(Expr { kind: ExprKind::InitList(v), pos });
        }
        self.assign_expr()
    }

    fn stmt(&mut self) -> Result<Stmt, BuildError> {
        self.enter()?;
        let r = self.stmt_inner();
        self.nest -= 1;
        r
    }

    fn stmt_inner(&mut self) -> Result<Stmt, BuildError> {
        let pos = self.pos();
        if self.at("__attribute__") {
            // Loop attributes (`opencl_unroll_hint`, ...) are hints: the loop is kept as is.
            let start = self.i;
            self.i += 1;
            self.attribute(&mut Specs::default())?;
            if self.at("for") || self.at("while") || self.at("do") {
                return self.stmt();
            }
            self.i = start;
        }
        let Some(t) = self.peek() else { return Err(self.err("expected a statement")) };
        // `name:` is a label, except `default:`.
        if t.kind == TokKind::Ident && (t.text == "default" || !self.peek_at(1).is_some_and(|n| n.is(":"))) {
            match t.text.as_str() {
                "if" => {
                    self.i += 1;
                    self.expect("(")?;
                    let c = self.expr()?;
                    self.expect(")")?;
                    let a = self.stmt()?;
                    let b = if self.eat("else") { Some(Box::new(self.stmt()?)) } else { None };
                    return Ok(Stmt::If(c, Box::new(a), b));
                }
                "while" => {
                    self.i += 1;
                    self.expect("(")?;
                    let c = self.expr()?;
                    self.expect(")")?;
                    return Ok(Stmt::While(c, Box::new(self.stmt()?)));
                }
                "do" => {
                    self.i += 1;
                    let b = self.stmt()?;
                    self.expect("while")?;
                    self.expect("(")?;
                    let c = self.expr()?;
                    self.expect(")")?;
                    self.expect(";")?;
                    return Ok(Stmt::DoWhile(Box::new(b), c));
                }
                "for" => {
                    self.i += 1;
                    self.expect("(")?;
                    let init = if self.eat(";") {
                        None
                    } else if self.is_type_start(0) {
                        Some(Box::new(self.decl_stmt()?))
                    } else {
                        let e = self.expr()?;
                        self.expect(";")?;
                        Some(Box::new(Stmt::Expr(e)))
                    };
                    let cond = if self.at(";") { None } else { Some(self.expr()?) };
                    self.expect(";")?;
                    let step = if self.at(")") { None } else { Some(self.expr()?) };
                    self.expect(")")?;
                    return Ok(Stmt::For(init, cond, step, Box::new(self.stmt()?)));
                }
                "switch" => {
                    self.i += 1;
                    self.expect("(")?;
                    let c = self.expr()?;
                    self.expect(")")?;
                    let body = self.block_body()?;
                    return Ok(Stmt::Switch(c, body, pos));
                }
                "case" => {
                    self.i += 1;
                    let e = self.cond_expr()?;
                    self.expect(":")?;
                    return Ok(Stmt::Case(e, pos));
                }
                "default" => {
                    self.i += 1;
                    self.expect(":")?;
                    return Ok(Stmt::Default(pos));
                }
                "break" => {
                    self.i += 1;
                    self.expect(";")?;
                    return Ok(Stmt::Break(pos));
                }
                "continue" => {
                    self.i += 1;
                    self.expect(";")?;
                    return Ok(Stmt::Continue(pos));
                }
                "return" => {
                    self.i += 1;
                    let e = if self.at(";") { None } else { Some(self.expr()?) };
                    self.expect(";")?;
                    return Ok(Stmt::Return(e, pos));
                }
                "goto" => return Err(self.err("`goto` is not supported")),
                _ => {}
            }
        }
        if self.at("{") {
            return Ok(Stmt::Block(self.block_body()?));
        }
        if self.eat(";") {
            return Ok(Stmt::Empty);
        }
        if self.peek().is_some_and(|t| t.kind == TokKind::Ident) && self.peek_at(1).is_some_and(|n| n.is(":")) {
            return Err(self.err("labels (and `goto`) are not supported"));
        }
        if self.is_type_start(0) {
            return self.decl_stmt();
        }
        let e = self.expr()?;
        self.expect(";")?;
        Ok(Stmt::Expr(e))
    }

    pub fn expr(&mut self) -> Result<Expr, BuildError> {
        let mut e = self.assign_expr()?;
        while self.at(",") {
            let pos = self.pos();
            self.i += 1;
            let dl = self.ed;
            let r = self.assign_expr()?;
            self.node_depth(dl.max(self.ed), pos)?;
            e = Expr { kind: ExprKind::Comma(Box::new(e), Box::new(r)), pos };
        }
        Ok(e)
    }

    fn assign_expr(&mut self) -> Result<Expr, BuildError> {
        let l = self.cond_expr()?;
        const OPS: [&str; 11] = ["=", "+=", "-=", "*=", "/=", "%=", "<<=", ">>=", "&=", "^=", "|="];
        if let Some(op) = OPS.iter().find(|o| self.at(o)) {
            let pos = self.pos();
            self.i += 1;
            let dl = self.ed;
            self.enter()?;
            let r = self.assign_expr()?;
            self.nest -= 1;
            self.node_depth(dl.max(self.ed), pos)?;
            let bop: &'static str = match *op {
                "=" => "",
                "+=" => "+",
                "-=" => "-",
                "*=" => "*",
                "/=" => "/",
                "%=" => "%",
                "<<=" => "<<",
                ">>=" => ">>",
                "&=" => "&",
                "^=" => "^",
                _ => "|",
            };
            return Ok(Expr { kind: ExprKind::Assign(bop, Box::new(l), Box::new(r)), pos });
        }
        Ok(l)
    }

    fn cond_expr(&mut self) -> Result<Expr, BuildError> {
        let c = self.binary(0)?;
        if self.at("?") {
            let pos = self.pos();
            self.i += 1;
            let dc = self.ed;
            self.enter()?;
            let a = self.expr()?;
            let da = self.ed;
            self.expect(":")?;
            let b = self.cond_expr()?;
            self.nest -= 1;
            self.node_depth(dc.max(da).max(self.ed), pos)?;
            return Ok(Expr { kind: ExprKind::Cond(Box::new(c), Box::new(a), Box::new(b)), pos });
        }
        Ok(c)
    }

    fn binary(&mut self, min: u8) -> Result<Expr, BuildError> {
        let mut l = self.unary()?;
        loop {
            let Some(t) = self.peek() else { break };
            if t.kind != TokKind::Punct {
                break;
            }
            let (op, p): (&'static str, u8) = match t.text.as_str() {
                "||" => ("||", 1),
                "&&" => ("&&", 2),
                "|" => ("|", 3),
                "^" => ("^", 4),
                "&" => ("&", 5),
                "==" => ("==", 6),
                "!=" => ("!=", 6),
                "<" => ("<", 7),
                ">" => (">", 7),
                "<=" => ("<=", 7),
                ">=" => (">=", 7),
                "<<" => ("<<", 8),
                ">>" => (">>", 8),
                "+" => ("+", 9),
                "-" => ("-", 9),
                "*" => ("*", 10),
                "/" => ("/", 10),
                "%" => ("%", 10),
                _ => break,
            };
            if p < min {
                break;
            }
            let pos = t.pos;
            self.i += 1;
            let dl = self.ed;
            let r = self.binary(p + 1)?;
            self.node_depth(dl.max(self.ed), pos)?;
            l = Expr { kind: ExprKind::Binary(op, Box::new(l), Box::new(r)), pos };
        }
        Ok(l)
    }

    /// A type name in a cast or sizeof: specifiers plus abstract declarator.
    fn type_name(&mut self) -> Result<Ty, BuildError> {
        let sp = self.specs()?;
        let mut ty = sp.ty.clone().unwrap();
        let mut pq = TypeQuals::default();
        let (name, t, pos) = self.declarator_q(&mut ty, &mut pq, sp.space)?;
        if name.is_some() {
            return Err(self.files.err(pos, "unexpected name in type"));
        }
        Ok(t)
    }

    fn unary(&mut self) -> Result<Expr, BuildError> {
        self.enter()?;
        let r = self.unary_inner();
        self.nest -= 1;
        r
    }

    fn unary_inner(&mut self) -> Result<Expr, BuildError> {
        let pos = self.pos();
        let Some(t) = self.peek().cloned() else { return Err(self.err("expected an expression, found end of input")) };
        if t.kind == TokKind::Punct {
            let op: Option<&'static str> = match t.text.as_str() {
                "-" => Some("-"),
                "+" => Some("+"),
                "!" => Some("!"),
                "~" => Some("~"),
                "*" => Some("*"),
                "&" => Some("&"),
                _ => None,
            };
            if let Some(op) = op {
                self.i += 1;
                let e = self.unary()?;
                self.node_depth(self.ed, pos)?;
                return Ok(Expr { kind: ExprKind::Unary(op, Box::new(e)), pos });
            }
            if t.is("++") || t.is("--") {
                self.i += 1;
                let e = self.unary()?;
                self.node_depth(self.ed, pos)?;
                let op = if t.is("++") { "++" } else { "--" };
                return Ok(Expr { kind: ExprKind::IncDec(op, true, Box::new(e)), pos });
            }
            if t.is("(") && self.is_type_start(1) {
                self.i += 1;
                let ty = self.type_name()?;
                self.expect(")")?;
                // `(char2)(char)0` casts a cast; `(char2)(a, b)` is a vector literal.
                if ty.is_vector() && self.at("(") && !self.is_type_start(1) {
                    self.i += 1;
                    let mut args = vec![self.assign_expr()?];
                    let mut d = self.ed;
                    while self.eat(",") {
                        args.push(self.assign_expr()?);
                        d = d.max(self.ed);
                    }
                    self.expect(")")?;
                    self.node_depth(d, pos)?;
                    let e = Expr { kind: ExprKind::VecLit(ty, args), pos };
                    return self.postfix(e);
                }
                if self.at("{") {
                    return Err(self.err("compound literals are not supported"));
                }
                let e = self.unary()?;
                self.node_depth(self.ed, pos)?;
                return Ok(Expr { kind: ExprKind::Cast(ty, Box::new(e)), pos });
            }
        }
        if t.kind == TokKind::Ident && (t.text == "sizeof" || t.text == "vec_step") {
            self.i += 1;
            let is_vs = t.text == "vec_step";
            if self.at("(") && self.is_type_start(1) {
                self.i += 1;
                let ty = self.type_name()?;
                self.expect(")")?;
                self.ed = 1;
                if is_vs {
                    let n = if ty.width() == 3 { 4 } else { ty.width() };
                    return Ok(Expr { kind: ExprKind::Int(n as u64, INT), pos });
                }
                return Ok(Expr { kind: ExprKind::SizeofTy(ty), pos });
            }
            let e = self.unary()?;
            self.node_depth(self.ed, pos)?;
            if is_vs {
                // Typed (not evaluated) in the lowering, which knows the expression's type.
                return Ok(Expr { kind: ExprKind::Call("vec_step".into(), vec![e]), pos });
            }
            return Ok(Expr { kind: ExprKind::SizeofExpr(Box::new(e)), pos });
        }
        let p = self.primary()?;
        self.postfix(p)
    }

    fn postfix(&mut self, mut e: Expr) -> Result<Expr, BuildError> {
        loop {
            let pos = self.pos();
            let d = self.ed;
            if self.eat("[") {
                self.enter()?;
                let i = self.expr()?;
                self.nest -= 1;
                self.node_depth(d.max(self.ed), pos)?;
                self.expect("]")?;
                e = Expr { kind: ExprKind::Index(Box::new(e), Box::new(i)), pos };
            } else if self.eat(".") || self.at("->") {
                let arrow = self.eat("->");
                let name = match self.peek() {
                    Some(t) if t.kind == TokKind::Ident || t.kind == TokKind::Number => t.text.clone(),
                    _ => return Err(self.err("expected a member name")),
                };
                self.i += 1;
                self.node_depth(d, pos)?;
                e = Expr { kind: ExprKind::Member(Box::new(e), name, arrow), pos };
            } else if self.at("++") || self.at("--") {
                let op = if self.at("++") { "++" } else { "--" };
                self.i += 1;
                self.node_depth(d, pos)?;
                e = Expr { kind: ExprKind::IncDec(op, false, Box::new(e)), pos };
            } else if self.at("(") {
                let ExprKind::Ident(name) = &e.kind else {
                    return Err(self.err("only named functions can be called"));
                };
                let name = name.clone();
                self.i += 1;
                let mut args = Vec::new();
                let mut da = d;
                if !self.eat(")") {
                    loop {
                        args.push(self.assign_expr()?);
                        da = da.max(self.ed);
                        if !self.eat(",") {
                            break;
                        }
                    }
                    self.expect(")")?;
                }
                self.node_depth(da, pos)?;
                e = Expr { kind: ExprKind::Call(name, args), pos: e.pos };
            } else {
                return Ok(e);
            }
        }
    }

    fn primary(&mut self) -> Result<Expr, BuildError> {
        let pos = self.pos();
        let t = self.peek().cloned().ok_or_else(|| self.err("expected an expression, found end of input"))?;
        self.i += 1;
        let kind = match t.kind {
            TokKind::Number => number(&t.text).ok_or_else(|| {
                let shown: String = t.text.chars().take(40).collect();
                let more = if shown.len() < t.text.len() { "…" } else { "" };
                self.files.err(pos, format!("invalid number `{shown}{more}`"))
            })?,
            TokKind::CharLit => ExprKind::Int(char_value(&t.text) as u64, INT),
            TokKind::StrLit => {
                // Adjacent literals are one string (C translation phase 6).
                let mut bytes = super::printf::unescape(&t.text).map_err(|m| self.files.err(pos, m))?;
                while let Some(n) = self.peek().filter(|n| n.kind == TokKind::StrLit).cloned() {
                    let npos = self.pos();
                    self.i += 1;
                    bytes.extend(super::printf::unescape(&n.text).map_err(|m| self.files.err(npos, m))?);
                }
                ExprKind::Str(bytes)
            }
            TokKind::Ident => {
                if let Some(v) = self.enum_consts.get(&t.text) {
                    ExprKind::Int(*v as u64, INT)
                } else if t.text == "__wgcl_infinity" {
                    ExprKind::Special("inf")
                } else if t.text == "__wgcl_nan" {
                    ExprKind::Special("nan")
                } else {
                    ExprKind::Ident(t.text.clone())
                }
            }
            TokKind::Punct if t.is("(") => {
                let e = self.expr()?;
                self.expect(")")?;
                return Ok(e);
            }
            _ => return Err(self.files.err(pos, format!("expected an expression, found `{}`", t.text))),
        };
        self.ed = 1;
        Ok(Expr { kind, pos })
    }

    /// Integer constant expressions (array sizes, enum values, case labels).
    pub fn const_eval(&self, e: &Expr) -> Result<i64, BuildError> {
        const_eval(e, &self.structs).ok_or_else(|| self.files.err(e.pos, "expected an integer constant expression"))
    }
}

pub fn const_eval(e: &Expr, structs: &[StructDef]) -> Option<i64> {
    Some(match &e.kind {
        ExprKind::Int(v, _) => *v as i64,
        ExprKind::Unary(op, a) => {
            let a = const_eval(a, structs)?;
            match *op {
                "-" => a.wrapping_neg(),
                "+" => a,
                "!" => (a == 0) as i64,
                "~" => !a,
                _ => return None,
            }
        }
        ExprKind::Binary(op, a, b) => {
            let (a, b) = (const_eval(a, structs)?, const_eval(b, structs)?);
            match *op {
                "+" => a.wrapping_add(b),
                "-" => a.wrapping_sub(b),
                "*" => a.wrapping_mul(b),
                "/" if b != 0 => a.wrapping_div(b),
                "%" if b != 0 => a.wrapping_rem(b),
                "<<" => a << (b & 63),
                ">>" => a >> (b & 63),
                "&" => a & b,
                "|" => a | b,
                "^" => a ^ b,
                "<" => (a < b) as i64,
                ">" => (a > b) as i64,
                "<=" => (a <= b) as i64,
                ">=" => (a >= b) as i64,
                "==" => (a == b) as i64,
                "!=" => (a != b) as i64,
                "&&" => (a != 0 && b != 0) as i64,
                "||" => (a != 0 || b != 0) as i64,
                _ => return None,
            }
        }
        ExprKind::Cond(c, a, b) => {
            if const_eval(c, structs)? != 0 {
                const_eval(a, structs)?
            } else {
                const_eval(b, structs)?
            }
        }
        ExprKind::Cast(t, a) if t.is_int() => const_eval(a, structs)?,
        ExprKind::SizeofTy(t) => t.layout(structs).0 as i64,
        _ => return None,
    })
}

/// Largest object (array or struct) in bytes: WGSL's limit, and layouts compute in `u32`.
pub const MAX_OBJECT_BYTES: u64 = i32::MAX as u64;

/// Size of a type in bytes without overflow (`None` beyond `u64`), for [`MAX_OBJECT_BYTES`].
fn byte_size(t: &Ty, structs: &[StructDef]) -> Option<u64> {
    match t {
        Ty::Array(e, n) => byte_size(e, structs)?.checked_mul(*n as u64),
        Ty::Struct(i) => {
            let mut total = 0u64;
            for (_, f) in &structs[*i].fields {
                total = total.checked_add(byte_size(f, structs)?.next_multiple_of(16))?;
            }
            Some(total)
        }
        t => Some(t.layout(structs).0 as u64),
    }
}

/// `int a[] = {1,2,3}` takes its size from the initializer.
fn fix_unsized_array(ty: Ty, init: Option<&Expr>) -> Ty {
    match (ty, init) {
        (Ty::Array(e, 0), Some(Expr { kind: ExprKind::InitList(v), .. })) => Ty::Array(e, v.len() as u32),
        (t, _) => t,
    }
}

/// `float4`, `uchar16` ... (sizes 2, 3, 4, 8, 16 are OpenCL's).
pub fn vector_type(s: &str) -> Option<Ty> {
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (b, n) = s.split_at(split);
    let n: u8 = n.parse().ok()?;
    if !matches!(n, 2 | 3 | 4 | 8 | 16) {
        return None;
    }
    Some(Ty::Vector(Sc::from_name(b)?, n))
}

fn number(text: &str) -> Option<ExprKind> {
    let lower = text.to_ascii_lowercase();
    let is_hex = lower.starts_with("0x");
    let is_float = (!is_hex && (lower.contains('.') || lower.contains('e'))) || (is_hex && lower.contains('p'));
    if is_float {
        let (body, ty) = if let Some(b) = lower.strip_suffix('f') {
            (b, FLOAT)
        } else if let Some(b) = lower.strip_suffix('h') {
            (b, Ty::Scalar(Sc::Half))
        } else {
            (lower.trim_end_matches('l'), Ty::Scalar(Sc::Double))
        };
        let v = if is_hex { parse_hex_float(body)? } else { body.parse::<f64>().ok()? };
        return Some(ExprKind::Float(v, ty));
    }
    let v = parse_int(&lower)?;
    let suf: String = lower.chars().rev().take_while(|c| *c == 'u' || *c == 'l').collect();
    let (u, l) = (suf.contains('u'), suf.contains('l'));
    let ty = match (u, l) {
        (true, true) => Sc::ULong,
        (false, true) => Sc::Long,
        (true, false) => if v <= u32::MAX as u64 { Sc::UInt } else { Sc::ULong },
        (false, false) => {
            if v <= i32::MAX as u64 {
                Sc::Int
            } else if is_hex && v <= u32::MAX as u64 {
                Sc::UInt
            } else if v <= i64::MAX as u64 {
                Sc::Long
            } else {
                Sc::ULong
            }
        }
    };
    Some(ExprKind::Int(v, Ty::Scalar(ty)))
}

fn parse_hex_float(s: &str) -> Option<f64> {
    let s = s.strip_prefix("0x")?;
    let (mant, exp) = s.split_once('p')?;
    let exp: i32 = exp.parse().ok()?;
    let (ip, fp) = mant.split_once('.').unwrap_or((mant, ""));
    let mut v = 0f64;
    for c in ip.chars() {
        v = v * 16.0 + c.to_digit(16)? as f64;
    }
    let mut scale = 1.0 / 16.0;
    for c in fp.chars() {
        v += c.to_digit(16)? as f64 * scale;
        scale /= 16.0;
    }
    Some(v * 2f64.powi(exp))
}
