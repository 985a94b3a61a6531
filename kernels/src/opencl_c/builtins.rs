//! Calls: OpenCL C built-in functions (work-item, synchronisation, math, integer, common,
//! geometric, relational, conversions, vector load/store, atomics) and user helper functions,
//! which are specialised per kernel and per pointer-argument base (see `lower`).
//!
//! Longer helpers are WGSL files next to this one (erf, gamma, sinpi/cospi/tanpi, half
//! conversions, mad_sat, the exact remainder step), added to a module only when used. `half`
//! buffers need no cl_khr_fp16: they are packed `u32` words that vload_half/vstore_half
//! convert exactly.
use super::ast::*;
use super::lexer::Pos;
use super::lower::*;
use super::parser::const_eval;
use super::types::*;
use super::words::{self, Off, Src};

/// WGSL built-ins with the same meaning as the OpenCL function (float, component-wise).
const FLOAT1: &[(&str, &str)] = &[
    ("acos", "acos"), ("acosh", "acosh"), ("asin", "asin"), ("asinh", "asinh"), ("atan", "atan"),
    ("atanh", "atanh"), ("ceil", "ceil"), ("cos", "cos"), ("cosh", "cosh"), ("exp", "exp"), ("exp2", "exp2"),
    ("floor", "floor"), ("log", "log"), ("log2", "log2"), ("sin", "sin"), ("sinh", "sinh"), ("sqrt", "sqrt"),
    ("tan", "tan"), ("tanh", "tanh"), ("trunc", "trunc"), ("fabs", "abs"), ("rint", "round"),
    ("rsqrt", "inverseSqrt"), ("sign", "sign"),
];

/// Functions whose WGSL form reaches a GLSL.std.450 instruction that Vulkan defines only for
/// 16- and 32-bit floats (Exp, Log, Sin, Pow, Atan2...): on `double` they return garbage
/// (lavapipe's exp gives ~1e-315), so a `double` call is refused unless a software version
/// exists below.
const F32_ONLY: &[&str] = &[
    "acos", "acosh", "asin", "asinh", "atan", "atanh", "cos", "cosh", "exp", "exp2", "log", "log2", "sin", "sinh",
    "tan", "tanh", "exp10", "log10", "expm1", "log1p", "cbrt", "acospi", "asinpi", "atanpi", "atan2pi", "pow", "powr",
    "atan2", "pown", "rootn", "sincos",
];

/// Float functions written as WGSL expressions of `{0}`, `{1}`, `{2}`; `{T}` is the type.
const FLOAT_EXPR: &[(&str, usize, &str)] = &[
    ("exp10", 1, "exp2({0} * {T}(3.321928094887362))"),
    ("log10", 1, "(log2({0}) * {T}(0.3010299956639812))"),
    ("expm1", 1, "(exp({0}) - {T}(1))"),
    ("log1p", 1, "log({T}(1) + {0})"),
    ("cbrt", 1, "(sign({0}) * pow(abs({0}), {T}(0.3333333333333333)))"),
    ("acospi", 1, "(acos({0}) * {T}(0.3183098861837907))"),
    ("asinpi", 1, "(asin({0}) * {T}(0.3183098861837907))"),
    ("atanpi", 1, "(atan({0}) * {T}(0.3183098861837907))"),
    ("atan2pi", 2, "(atan2({0}, {1}) * {T}(0.3183098861837907))"),
    ("round", 1, "select(ceil({0} - {T}(0.5)), floor({0} + {T}(0.5)), {0} >= {T}(0))"),
    ("recip", 1, "({T}(1) / {0})"),
    ("fract", 1, "fract({0})"),
    // GLSL.std.450 Degrees/Radians are 32-bit only; a product is the same for every width.
    ("degrees", 1, "({0} * {T}(57.29577951308232))"),
    ("radians", 1, "({0} * {T}(0.017453292519943295))"),
    ("pow", 2, "pow({0}, {1})"),
    ("powr", 2, "pow({0}, {1})"),
    ("atan2", 2, "atan2({0}, {1})"),
    ("fmin", 2, "min({0}, {1})"),
    ("fmax", 2, "max({0}, {1})"),
    ("fmod", 2, "({0} % {1})"),
    ("hypot", 2, "sqrt({0} * {0} + {1} * {1})"),
    ("fdim", 2, "max({0} - {1}, {T}(0))"),
    ("copysign", 2, "select(abs({0}), -abs({0}), {1} < {T}(0))"),
    ("step", 2, "step({0}, {1})"),
    ("divide", 2, "({0} / {1})"),
    ("fma", 3, "fma({0}, {1}, {2})"),
    ("mad", 3, "({0} * {1} + {2})"),
    ("smoothstep", 3, "smoothstep({0}, {1}, {2})"),
];

const WORK_ITEM: &[&str] = &[
    "get_global_id", "get_local_id", "get_group_id", "get_local_size", "get_enqueued_local_size", "get_num_groups",
    "get_global_size", "get_global_offset",
];

impl Lower<'_> {
    pub fn call(&mut self, name: &str, args: &[Expr], pos: Pos) -> R<Val> {
        if let Some(f) = self.unit.items.iter().rev().find_map(|i| match i {
            Item::Function(f) if f.name == name && f.body.is_some() => Some(f),
            _ => None,
        }) {
            return self.user_call(f, args, pos);
        }
        if self.unit.items.iter().any(|i| matches!(i, Item::Function(f) if f.name == name)) {
            return Err(self.err(pos, format!("function `{name}` is declared but never defined")));
        }
        if WORK_ITEM.contains(&name) {
            return self.work_item(name, args, pos);
        }
        if name == "printf" {
            return self.printf(args, pos);
        }
        if name == "vec_step" && args.len() == 1 {
            // C does not evaluate the operand: its statements are dropped.
            let (v, _) = self.capture(|s| s.expr(&args[0]))?;
            if !v.ty.is_arith() {
                return Err(self.err(pos, format!("vec_step of a `{}`", v.ty.c_name(self.structs()))));
            }
            let n = if v.ty.width() == 3 { 4 } else { v.ty.width() };
            return Ok(Val::new(format!("{n}i"), INT));
        }
        if name == "get_global_linear_id" || name == "get_local_linear_id" {
            if !args.is_empty() {
                return Err(self.err(pos, format!("`{name}` takes no arguments")));
            }
            // OpenCL's formulas, from the per-dimension ids and sizes (unused dimensions
            // have id 0, so their sizes do not matter).
            let (id, size, off) = if name == "get_global_linear_id" { ("get_global_id", "get_global_size", true) } else { ("get_local_id", "get_local_size", false) };
            let mut parts = Vec::new();
            for d in 0..3u64 {
                let arg = [Expr { kind: ExprKind::Int(d, INT), pos }];
                let i = self.work_item(id, &arg, pos)?.code;
                let i = if off { format!("({i} - {})", self.work_item("get_global_offset", &arg, pos)?.code) } else { i };
                parts.push((i, self.work_item(size, &arg, pos)?.code));
            }
            let code = format!("(({} * {} + {}) * {} + {})", parts[2].0, parts[1].1, parts[1].0, parts[0].1, parts[0].0);
            return Ok(Val::new(code, UINT));
        }
        let mut vals = Vec::new();
        for a in args {
            vals.push(self.expr(a)?);
        }
        self.builtin(name, vals, args, pos)
    }

    fn arity(&self, name: &str, vals: &[Val], n: usize, pos: Pos) -> R<()> {
        if vals.len() != n {
            return Err(self.err(pos, format!("`{name}` takes {n} argument(s), {} given", vals.len())));
        }
        Ok(())
    }

    fn work_item(&mut self, name: &str, args: &[Expr], pos: Pos) -> R<Val> {
        if args.len() != 1 {
            return Err(self.err(pos, format!("`{name}` takes 1 argument")));
        }
        let k = self.kc().clone();
        let d = &k.dispatch;
        let ls = format!("vec3<u32>({}, {}, {})", k.local_size[0], k.local_size[1], k.local_size[2]);
        let (vec, outside) = match name {
            "get_global_id" => (format!("(wgcl_grp * {ls} + wgcl_lid + {d}.global_offset)"), "0u"),
            "get_local_id" => ("wgcl_lid".to_string(), "0u"),
            "get_group_id" => ("wgcl_grp".to_string(), "0u"),
            // The runtime dispatches the remainder work-groups of a non-uniform NDRange apart,
            // each dispatch block holding its real local size (computing
            // min(ls, global_size - group_id * ls) here crashes lavapipe on nbody.cl).
            "get_local_size" => (format!("{d}.local_size"), "1u"),
            "get_enqueued_local_size" => (ls.clone(), "1u"),
            "get_num_groups" => (format!("{d}.num_groups"), "1u"),
            "get_global_size" => (format!("{d}.global_size"), "1u"),
            _ => (format!("{d}.global_offset"), "0u"),
        };
        let code = match const_eval(&args[0], self.structs()) {
            Some(i @ 0..=2) => {
                let c = ['x', 'y', 'z'][i as usize];
                match name {
                    "get_global_id" => format!("(wgcl_grp.{c} * {} + wgcl_lid.{c} + {d}.global_offset.{c})", k.local_size[i as usize]),
                    "get_enqueued_local_size" => k.local_size[i as usize].clone(),
                    _ => format!("{vec}.{c}"),
                }
            }
            Some(_) => outside.to_string(),
            None => {
                let v = self.expr(&args[0])?;
                let dc = self.conv(&v, &UINT, pos)?;
                let dv = self.to_let(Val::new(dc, UINT));
                format!("select({outside}, {vec}[min({}, 2u)], {} < 3u)", dv.code, dv.code)
            }
        };
        Ok(Val::new(code, UINT))
    }

    /// Common float type of `vals` (ints become float), each converted to it.
    fn float_args(&mut self, vals: &[Val], pos: Pos) -> R<(Ty, Vec<String>)> {
        let mut t = FLOAT;
        for v in vals {
            if let Some(s) = v.ty.scalar().filter(|s| s.is_float()) {
                if t == FLOAT || (t.is_vector() == v.ty.is_vector()) {
                    t = v.ty.with_scalar(s);
                }
            }
            if v.ty.is_vector() && !t.is_vector() {
                t = Ty::Vector(t.scalar().unwrap(), v.ty.width());
            }
        }
        if t.is_vector() && vals.iter().all(|v| !v.ty.is_vector()) {
            t = Ty::Scalar(t.scalar().unwrap());
        }
        let mut out = Vec::new();
        for v in vals {
            if !v.ty.is_arith() {
                return Err(self.err(pos, format!("invalid argument of type `{}`", v.ty.c_name(self.structs()))));
            }
            out.push(self.conv(v, &t, pos)?);
        }
        Ok((t, out))
    }

    /// Common (integer or float) type for min/max/clamp: the vector or widest argument.
    fn gen_args(&mut self, vals: &[Val], pos: Pos) -> R<(Ty, Vec<String>)> {
        let mut t = vals[0].ty.clone();
        for v in &vals[1..] {
            t = common_type(&t, &v.ty).ok_or_else(|| self.err(pos, "incompatible argument types"))?;
        }
        if !vals[0].ty.is_vector() && t.is_vector() {
            t = vals.iter().find(|v| v.ty.is_vector()).unwrap().ty.clone();
        }
        let t = if t.is_vector() { t } else { promote(&t) };
        let t = if !vals[0].ty.is_vector() && !t.is_vector() && vals[0].ty.is_arith() {
            let s0 = vals[0].ty.scalar().unwrap();
            if vals.iter().all(|v| v.ty.scalar() == Some(s0)) { vals[0].ty.clone() } else { t }
        } else {
            t
        };
        let mut out = Vec::new();
        for v in vals {
            out.push(self.conv(v, &t, pos)?);
        }
        Ok((t, out))
    }

    fn fill(&mut self, tmpl: &str, t: &Ty, codes: Vec<String>) -> String {
        let multi = tmpl.matches("{0}").count() > 1 || tmpl.matches("{1}").count() > 1;
        let mut s = tmpl.replace("{T}", &self.wt(t));
        for (i, c) in codes.into_iter().enumerate() {
            let c = if multi { self.to_let(Val::new(c, t.clone())).code } else { c };
            s = s.replace(&format!("{{{i}}}"), &c);
        }
        s
    }

    fn rel(&self, t: &Ty, code: String) -> Val {
        let rt = if t.is_vector() { t.with_scalar(t.scalar().unwrap().to_signed_int()) } else { INT };
        Val { code, ty: rt, is_b: true, base: None }
    }

    pub fn builtin(&mut self, name: &str, vals: Vec<Val>, args: &[Expr], pos: Pos) -> R<Val> {
        if name == "shuffle" || name == "shuffle2" {
            return self.shuffle(name, vals, args, pos);
        }
        if vals.iter().any(|v| v.ty.is_wide()) && !name.starts_with("vload") && !name.starts_with("vstore") {
            return self.wide_builtin(name, vals, args, pos);
        }
        let base_name = name.strip_prefix("native_").or_else(|| name.strip_prefix("half_")).unwrap_or(name);
        let base_name = if name == "native_recip" || name == "half_recip" { "recip" } else { base_name };
        if let Some((_, w)) = FLOAT1.iter().find(|(n, _)| *n == base_name) {
            self.arity(name, &vals, 1, pos)?;
            let (t, c) = self.float_args(&vals, pos)?;
            if name == base_name || t.scalar() == Some(Sc::Double) {
                if let Some(code) = self.soft_call(base_name, &t, &[(c[0].clone(), t.clone())]) {
                    return Ok(Val::new(code, t));
                }
            }
            self.refuse_f64(base_name, &t, pos)?;
            return Ok(Val::new(format!("{w}({})", c[0]), t));
        }
        if let Some((_, n, tmpl)) = FLOAT_EXPR.iter().find(|(n, _, _)| *n == base_name && !(base_name == "fract" && vals.len() == 2)) {
            self.arity(name, &vals, *n, pos)?;
            let (t, c) = self.float_args(&vals, pos)?;
            if name == base_name || t.scalar() == Some(Sc::Double) {
                let typed: Vec<(String, Ty)> = c.iter().map(|x| (x.clone(), t.clone())).collect();
                if let Some(code) = self.soft_call(base_name, &t, &typed) {
                    return Ok(Val::new(code, t));
                }
            }
            self.refuse_f64(base_name, &t, pos)?;
            let c = if base_name == "smoothstep" || base_name == "step" {
                // Edges may be scalars with a vector x.
                c
            } else {
                c
            };
            let code = self.fill(tmpl, &t, c);
            return Ok(Val::new(code, t));
        }
        match name {
            "barrier" | "work_group_barrier" | "mem_fence" | "read_mem_fence" | "write_mem_fence" | "atomic_work_item_fence" => {
                if vals.is_empty() {
                    return Err(self.err(pos, format!("`{name}` needs a CLK_*_MEM_FENCE flags argument")));
                }
                let flags = const_eval(&args[0], self.structs()).unwrap_or(3);
                if name.contains("fence") {
                    // WGSL has no fence without a barrier; within a work-item, order is kept.
                    return Ok(Val::new("", Ty::Void));
                }
                if flags & 2 != 0 {
                    self.emit("storageBarrier();");
                }
                if flags & 1 != 0 || flags & 3 == 0 {
                    self.emit("workgroupBarrier();");
                }
                return Ok(Val::new("", Ty::Void));
            }
            // A cache hint: nothing to do.
            "prefetch" => {
                self.arity(name, &vals, 2, pos)?;
                return Ok(Val::new("", Ty::Void));
            }
            "async_work_group_copy" | "async_work_group_strided_copy" => return self.async_copy(name, &vals, pos),
            "wait_group_events" => {
                self.arity(name, &vals, 2, pos)?;
                self.emit("storageBarrier();");
                self.emit("workgroupBarrier();");
                return Ok(Val::new("", Ty::Void));
            }
            "get_work_dim" => {
                let d = self.kc().dispatch.clone();
                return Ok(Val::new(format!("{d}.work_dim"), UINT));
            }
            "min" | "max" | "clamp" => {
                self.arity(name, &vals, if name == "clamp" { 3 } else { 2 }, pos)?;
                let (t, c) = self.gen_args(&vals, pos)?;
                return Ok(Val::new(format!("{name}({})", c.join(", ")), t));
            }
            "mix" => {
                self.arity(name, &vals, 3, pos)?;
                let (t, c) = self.float_args(&vals[..2], pos)?;
                let tt = if vals[2].ty.is_vector() { t.clone() } else { Ty::Scalar(t.scalar().unwrap()) };
                let a = self.conv(&vals[2], &tt, pos)?;
                return Ok(Val::new(format!("mix({}, {}, {a})", c[0], c[1]), t));
            }
            "abs" => {
                self.arity(name, &vals, 1, pos)?;
                let t = promote(&vals[0].ty);
                let t = if vals[0].ty.is_vector() { vals[0].ty.clone() } else { t };
                let c = self.conv(&vals[0], &t, pos)?;
                if t.is_float() {
                    return Ok(Val::new(format!("abs({c})"), t));
                }
                let ut = t.with_scalar(vals[0].ty.scalar().unwrap().to_unsigned());
                if !t.scalar().unwrap().is_signed() {
                    return Ok(Val::new(c, t));
                }
                return Ok(Val::new(format!("{}(abs({c}))", self.wt(&ut)), ut));
            }
            "abs_diff" => {
                self.arity(name, &vals, 2, pos)?;
                let (t, c) = self.gen_args(&vals, pos)?;
                let ut = t.with_scalar(t.scalar().unwrap().to_unsigned());
                let code = self.fill("{T}(max({0}, {1}) - min({0}, {1}))", &t, c).replace(&self.wt(&t), &self.wt(&ut));
                return Ok(Val::new(code, ut));
            }
            "mul24" | "mad24" | "mad_hi" | "mul_hi" | "hadd" | "rhadd" | "rotate" | "add_sat" | "sub_sat" => {
                let n = if name.starts_with("mad") { 3 } else { 2 };
                self.arity(name, &vals, n, pos)?;
                let (t, c) = self.gen_args(&vals, pos)?;
                if !t.is_int() {
                    return Err(self.err(pos, format!("`{name}` needs integer arguments")));
                }
                let s = t.scalar().unwrap();
                let code = match name {
                    "mul24" => format!("({} * {})", c[0], c[1]),
                    "mad24" => format!("({} * {} + {})", c[0], c[1], c[2]),
                    "mul_hi" | "mad_hi" => {
                        let f = match (s.is_signed(), s.size() == 8) {
                            (true, false) => "wgcl_mul_hi_i32",
                            (false, false) => "wgcl_mul_hi_u32",
                            (true, true) => "wgcl_mul_hi_i64",
                            (false, true) => "wgcl_mul_hi_u64",
                        };
                        self.helpers.insert(if s.size() == 8 { "mul_hi64" } else { "mul_hi" });
                        let hi = if s.size() < 4 {
                            // char/short: the full product fits in 32 bits.
                            let it = t.with_scalar(if s.is_signed() { Sc::Int } else { Sc::UInt });
                            let iw = self.wt(&it);
                            let uw = self.wt(&t.with_scalar(Sc::UInt));
                            self.narrow(format!("(({iw}({}) * {iw}({})) >> {uw}({}u))", c[0], c[1], s.size() * 8), &t, Sc::Int)
                        } else if t.is_vector() {
                            // Component by component.
                            let a = self.to_let(Val::new(c[0].clone(), t.clone())).code;
                            let b = self.to_let(Val::new(c[1].clone(), t.clone())).code;
                            let parts: Vec<String> = (0..t.width()).map(|i| format!("{f}({a}[{i}], {b}[{i}])")).collect();
                            format!("{}({})", self.wt(&t), parts.join(", "))
                        } else {
                            format!("{f}({}, {})", c[0], c[1])
                        };
                        if name == "mad_hi" {
                            self.narrow(format!("({hi} + {})", c[2]), &t, Sc::Int)
                        } else {
                            hi
                        }
                    }
                    // WGSL shifts by unsigned amounts.
                    "hadd" | "rhadd" => {
                        let tmpl = if name == "hadd" { "(({0} >> {U}(1u)) + ({1} >> {U}(1u)) + ({0} & {1} & {T}(1)))" } else { "(({0} >> {U}(1u)) + ({1} >> {U}(1u)) + (({0} | {1}) & {T}(1)))" };
                        let tmpl = tmpl.replace("{U}", &self.wt(&t.with_scalar(Sc::UInt)));
                        self.fill(&tmpl, &t, c)
                    }
                    "add_sat" | "sub_sat" => {
                        if s.size() < 4 {
                            let (lo, hi) = int_range(s);
                            let (lo, hi) = (lo as i64, hi as i64);
                            let op = if name == "add_sat" { "+" } else { "-" };
                            let tt = t.with_scalar(Sc::Int);
                            let ci: Vec<String> = c.iter().map(|x| format!("{}({x})", self.wt(&tt))).collect();
                            format!("{}(clamp({} {op} {}, {}, {}))", self.wt(&t), ci[0], ci[1], self.lit(&tt, lo), self.lit(&tt, hi))
                        } else {
                            // 32- and 64-bit: the wrapped result, replaced on overflow by the
                            // type's limit (its own width's: long's are not int's).
                            let (lo, hi) = int_range(s);
                            let (lo, hi) = (self.lit(&t, lo as i64), self.lit(&t, hi as i64));
                            let tmpl = if !s.is_signed() {
                                if name == "add_sat" { "select({0} + {1}, {HI}, {0} + {1} < {0})" } else { "select({0} - {1}, {LO}, {1} > {0})" }
                            } else if name == "add_sat" {
                                "select({0} + {1}, select({HI}, {LO}, {0} < {T}(0)), (({0} ^ ({0} + {1})) & ({1} ^ ({0} + {1}))) < {T}(0))"
                            } else {
                                "select({0} - {1}, select({HI}, {LO}, {0} < {T}(0)), (({0} ^ {1}) & ({0} ^ ({0} - {1}))) < {T}(0))"
                            };
                            self.fill(&tmpl.replace("{HI}", &hi).replace("{LO}", &lo), &t, c)
                        }
                    }
                    _ if s.size() == 8 => {
                        // rotate of 64-bit values, in u64 with u32 shift amounts.
                        let ut = t.with_scalar(Sc::ULong);
                        let (uw, sw) = (self.wt(&ut), self.wt(&t.with_scalar(Sc::UInt)));
                        let xv = self.to_let(Val::new(format!("{uw}({})", c[0]), ut.clone())).code;
                        let nv = self.to_let(Val::new(format!("{sw}({uw}({}) & {uw}(63lu))", c[1]), t.with_scalar(Sc::UInt))).code;
                        format!("{}(({xv} << {nv}) | ({xv} >> (({sw}(64u) - {nv}) & {sw}(63u))))", self.wt(&t))
                    }
                    _ => {
                        // rotate
                        let bits = s.size() * 8;
                        let ut = t.with_scalar(Sc::UInt);
                        let uw = self.wt(&ut);
                        let x = format!("({uw}({}) & {uw}({}u))", c[0], if bits == 32 { u32::MAX } else { (1u32 << bits) - 1 });
                        let n = format!("({uw}({}) & {uw}({}u))", c[1], bits - 1);
                        let xv = self.to_let(Val::new(x, ut.clone())).code;
                        let nv = self.to_let(Val::new(n, ut.clone())).code;
                        let r = format!("(({xv} << {nv}) | ({xv} >> (({uw}({bits}u) - {nv}) & {uw}(31u))))");
                        let r = if bits == 32 { r } else { format!("({r} & {uw}({}u))", (1u32 << bits) - 1) };
                        self.narrow(format!("{}({r})", self.wt(&t)), &t, Sc::UInt)
                    }
                };
                return Ok(Val::new(code, t));
            }
            "popcount" | "clz" | "ctz" => {
                self.arity(name, &vals, 1, pos)?;
                let t = vals[0].ty.clone();
                if !t.is_int() {
                    return Err(self.err(pos, format!("`{name}` needs an integer argument")));
                }
                let s = t.scalar().unwrap();
                let bits = s.size() * 8;
                let ut = t.with_scalar(Sc::UInt);
                let uw = self.wt(&ut);
                if bits == 64 {
                    // WGSL's bit counts are 32-bit: count each half.
                    let u64w = self.wt(&t.with_scalar(Sc::ULong));
                    let x = self.to_let(Val::new(format!("{u64w}({})", vals[0].code), t.with_scalar(Sc::ULong))).code;
                    let lo = self.to_let(Val::new(format!("{uw}({x})"), ut.clone())).code;
                    let hi = self.to_let(Val::new(format!("{uw}({x} >> {uw}(32u))"), ut.clone())).code;
                    let zero = self.lit(&ut, 0);
                    let k32 = self.lit(&ut, 32);
                    let r = match name {
                        "popcount" => format!("(countOneBits({lo}) + countOneBits({hi}))"),
                        "clz" => format!("select(countLeadingZeros({hi}), {k32} + countLeadingZeros({lo}), {hi} == {zero})"),
                        _ => format!("select(countTrailingZeros({lo}), {k32} + countTrailingZeros({hi}), {lo} == {zero})"),
                    };
                    let r = self.conv(&Val::new(r, ut), &t, pos)?;
                    return Ok(Val::new(r, t));
                }
                let x = if bits < 32 { format!("({uw}({}) & {uw}({}u))", vals[0].code, (1u32 << bits) - 1) } else { format!("{uw}({})", vals[0].code) };
                let r = match name {
                    "popcount" => format!("countOneBits({x})"),
                    "clz" => format!("(countLeadingZeros({x}) - {uw}({}u))", 32 - bits),
                    _ => format!("min(countTrailingZeros({x}), {uw}({bits}u))"),
                };
                return Ok(Val::new(format!("{}({r})", self.wt(&t)), t));
            }
            "dot" | "distance" | "length" | "normalize" | "fast_length" | "fast_distance" | "fast_normalize" | "cross" => {
                let n = if matches!(name, "length" | "normalize" | "fast_length" | "fast_normalize") { 1 } else { 2 };
                self.arity(name, &vals, n, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                let f = name.trim_start_matches("fast_");
                let st = Ty::Scalar(t.scalar().unwrap());
                if !t.is_vector() {
                    let code = match f {
                        "dot" => format!("({} * {})", c[0], c[1]),
                        "length" => format!("abs({})", c[0]),
                        "distance" => format!("abs({} - {})", c[0], c[1]),
                        "normalize" => format!("sign({})", c[0]),
                        _ => return Err(self.err(pos, "cross needs 3- or 4-component vectors")),
                    };
                    return Ok(Val::new(code, st));
                }
                return Ok(match f {
                    "normalize" => Val::new(format!("normalize({})", c[0]), t),
                    "cross" if t.width() == 3 => Val::new(format!("cross({}, {})", c[0], c[1]), t),
                    "cross" if t.width() == 4 => {
                        let w = self.wt(&t);
                        Val::new(format!("{w}(cross(({}).xyz, ({}).xyz), 0)", c[0], c[1]), t)
                    }
                    "cross" => return Err(self.err(pos, "cross needs 3- or 4-component vectors")),
                    _ => Val::new(format!("{f}({})", c.join(", ")), st),
                });
            }
            "isnan" | "isinf" | "isfinite" | "isnormal" | "signbit" => {
                // Bit tests on the magnitude's bits: comparisons of NaN may be compiled as
                // ordered (or folded away) and `abs` of a NaN need not be one.
                self.arity(name, &vals, 1, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                let x = self.to_let(Val::new(c[0].clone(), t.clone())).code;
                let (bits, ab, [_, inf, minnorm, top]) = self.float_class_bits(&t, &x);
                let code = match name {
                    "isnan" => format!("({ab} > {inf})"),
                    "isinf" => format!("({ab} == {inf})"),
                    "isfinite" => format!("({ab} < {inf})"),
                    "isnormal" => format!("(({ab} >= {minnorm}) & ({ab} < {inf}))"),
                    _ => format!("({bits} >= {top})"),
                };
                return Ok(self.rel(&t, code));
            }
            "isequal" | "isnotequal" | "isgreater" | "isgreaterequal" | "isless" | "islessequal" | "islessgreater" | "isordered" | "isunordered" => {
                self.arity(name, &vals, 2, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                let a = self.to_let(Val::new(c[0].clone(), t.clone())).code;
                let b = self.to_let(Val::new(c[1].clone(), t.clone())).code;
                let ordered = format!("(!{} & !{})", self.nan_test(&t, &a), self.nan_test(&t, &b));
                let code = match name {
                    "isequal" => format!("(({a} == {b}) & {ordered})"),
                    "isnotequal" => format!("!(({a} == {b}) & {ordered})"),
                    "isgreater" => format!("(({a} > {b}) & {ordered})"),
                    "isgreaterequal" => format!("(({a} >= {b}) & {ordered})"),
                    "isless" => format!("(({a} < {b}) & {ordered})"),
                    "islessequal" => format!("(({a} <= {b}) & {ordered})"),
                    "islessgreater" => format!("((({a} < {b}) | ({a} > {b})) & {ordered})"),
                    "isordered" => ordered,
                    _ => format!("!{ordered}"),
                };
                return Ok(self.rel(&t, code));
            }
            "any" | "all" => {
                self.arity(name, &vals, 1, pos)?;
                let v = &vals[0];
                if !v.ty.is_int() {
                    return Err(self.err(pos, format!("`{name}` needs an integer argument")));
                }
                let code = if v.is_b {
                    if v.ty.is_vector() { format!("{name}({})", v.code) } else { v.code.clone() }
                } else {
                    let t = v.ty.with_scalar(v.ty.scalar().unwrap().to_signed_int());
                    let c = format!("{}({})", self.wt(&t), v.code);
                    let z = self.lit(&t, 0);
                    if v.ty.is_vector() { format!("{name}({c} < {z})") } else { format!("({c} < {z})") }
                };
                return Ok(Val::boolean(code, INT));
            }
            "select" => {
                self.arity(name, &vals, 3, pos)?;
                let (t, c) = self.gen_args(&vals[..2], pos)?;
                let cv = &vals[2];
                let cond = if cv.is_b {
                    cv.code.clone()
                } else if cv.ty.is_vector() {
                    // The top bit of each component at its C width (a `uchar` 0x80 is held as
                    // 128 in a u32, so a sign test of the 32-bit value would miss it).
                    let cs = cv.ty.scalar().unwrap();
                    let ut = cv.ty.with_scalar(if cs.size() == 8 { Sc::ULong } else { Sc::UInt });
                    let top = self.lit(&ut, (1u64 << (cs.size() * 8 - 1)) as i64);
                    format!("(({}({}) & {top}) != {})", self.wt(&ut), cv.code, self.lit(&ut, 0))
                } else {
                    self.cond(cv, pos)?
                };
                return Ok(Val::new(format!("select({}, {}, {cond})", c[0], c[1]), t));
            }
            "bitselect" => {
                self.arity(name, &vals, 3, pos)?;
                let (t, c) = self.gen_args(&vals, pos)?;
                if t.is_float() {
                    let u = self.wt(&t.with_scalar(Sc::UInt));
                    let w = self.wt(&t);
                    let code = format!("bitcast<{w}>((bitcast<{u}>({0}) & ~bitcast<{u}>({2})) | (bitcast<{u}>({1}) & bitcast<{u}>({2})))", c[0], c[1], c[2]);
                    return Ok(Val::new(code, t));
                }
                return Ok(Val::new(format!("(({0} & ~{2}) | ({1} & {2}))", c[0], c[1], c[2]), t));
            }
            "maxmag" | "minmag" => {
                self.arity(name, &vals, 2, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                let tmpl = if name == "maxmag" {
                    "select(select(max({0}, {1}), {1}, abs({1}) > abs({0})), {0}, abs({0}) > abs({1}))"
                } else {
                    "select(select(min({0}, {1}), {1}, abs({1}) < abs({0})), {0}, abs({0}) < abs({1}))"
                };
                let code = self.fill(tmpl, &t, c);
                return Ok(Val::new(code, t));
            }
            "nan" => {
                self.arity(name, &vals, 1, pos)?;
                let t = vals[0].ty.clone();
                if !t.is_int() || t.scalar().is_some_and(|s| s.size() != 4) {
                    return Err(self.err(pos, "`nan` is supported for uint/uintn (float NaNs) only"));
                }
                let ut = t.with_scalar(Sc::UInt);
                let c = self.conv(&vals[0], &ut, pos)?;
                let (u, ft) = (self.wt(&ut), t.with_scalar(Sc::Float));
                return Ok(Val::new(format!("bitcast<{}>({u}(0x7fc00000u) | ({c} & {u}(0x3fffffu)))", self.wt(&ft)), ft));
            }
            "ilogb" | "logb" => {
                self.arity(name, &vals, 1, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                if t.scalar() != Some(Sc::Float) {
                    return Err(self.err(pos, format!("`{name}` is supported for float types")));
                }
                let x = self.to_let(Val::new(c[0].clone(), t.clone())).code;
                let (w, it) = (self.wt(&t), t.with_scalar(Sc::Int));
                let iw = self.wt(&it);
                let u = self.wt(&t.with_scalar(Sc::UInt));
                // frexp's exponent is one more than the binary exponent (mantissa in [0.5, 1)).
                let (arg, fix) = self.frexp_arg(&t, &x);
                let e = format!("(frexp({arg}).exp - {fix} - {iw}(1))");
                let special = format!("((bitcast<{u}>({x}) & {u}(0x7f800000u)) == {u}(0x7f800000u))");
                return Ok(if name == "ilogb" {
                    // FP_ILOGB0 = INT_MIN, FP_ILOGBNAN = INT_MAX (as clang's opencl-c-base.h).
                    Val::new(format!("select(select({e}, {iw}(2147483647i), {special}), {iw}(-2147483647i - 1i), {x} == {w}(0))"), it)
                } else {
                    self.helpers.insert("inf");
                    Val::new(format!("select(select({w}({e}), abs({x}), {special}), {w}(-bitcast<f32>(wgcl_inf_bits)), {x} == {w}(0))"), t)
                });
            }
            "remainder" => {
                self.arity(name, &vals, 2, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                let typed: Vec<(String, Ty)> = c.iter().map(|x| (x.clone(), t.clone())).collect();
                if let Some(code) = self.soft_call(name, &t, &typed) {
                    return Ok(Val::new(code, t));
                }
                // x - n*y with n = x/y rounded to nearest even; exact whenever n is (|x/y| <
                // 2^24, not within an ulp of a half-integer).
                let code = self.rem_step(&t, &c[0], &c[1]).0;
                return Ok(Val::new(code, t));
            }
            "nextafter" => {
                self.arity(name, &vals, 2, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                if t.scalar() != Some(Sc::Float) {
                    return Err(self.err(pos, "`nextafter` is supported for float types"));
                }
                let (w, iw) = (self.wt(&t), self.wt(&t.with_scalar(Sc::Int)));
                let x = self.to_let(Val::new(c[0].clone(), t.clone())).code;
                let y = self.to_let(Val::new(c[1].clone(), t.clone())).code;
                let step = format!("bitcast<{w}>(bitcast<{iw}>({x}) + select({iw}(-1i), {iw}(1i), ({x} < {y}) == ({x} > {w}(0))))");
                let tiny = format!("bitcast<{w}>(select({iw}(1i), {iw}(-2147483647i), {y} < {w}(0)))");
                let code = format!("select(select(select({step}, {tiny}, {x} == {w}(0)), {y}, {x} == {y}), {x} + {y}, {} | {})", self.nan_test(&t, &x), self.nan_test(&t, &y));
                return Ok(Val::new(code, t));
            }
            "sinpi" | "cospi" | "tanpi" => {
                self.arity(name, &vals, 1, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                return Ok(Val::new(self.trig_pi(name, &t, &c[0]), t));
            }
            "erf" | "erfc" | "lgamma" | "tgamma" => {
                self.arity(name, &vals, 1, pos)?;
                let (t, c) = self.float_args(&vals, pos)?;
                self.special_fn(name, &t, pos)?;
                return Ok(Val::new(self.per_comp(&format!("wgcl_{name}"), &t, &c), t));
            }
            "mad_sat" => {
                self.arity(name, &vals, 3, pos)?;
                let (t, c) = self.gen_args(&vals, pos)?;
                let s = t.scalar().unwrap();
                if !t.is_int() || s.size() == 8 {
                    return Err(self.err(pos, format!("`mad_sat` is supported for 8-, 16- and 32-bit integers, not `{}`", t.c_name(self.structs()))));
                }
                if s.size() == 4 {
                    self.helpers.insert("mul_hi");
                    self.helpers.insert("mad_sat");
                    let f = if s.is_signed() { "wgcl_mad_sat_i32" } else { "wgcl_mad_sat_u32" };
                    return Ok(Val::new(self.per_comp(f, &t, &c), t));
                }
                // char/short: the exact result fits a 32-bit integer.
                let (lo, hi) = int_range(s);
                let (lo, hi) = (lo as i64, hi as i64);
                let code = if s.is_signed() {
                    format!("clamp({} * {} + {}, {}, {})", c[0], c[1], c[2], self.lit(&t, lo), self.lit(&t, hi))
                } else {
                    format!("min({} * {} + {}, {})", c[0], c[1], c[2], self.lit(&t, hi))
                };
                return Ok(Val::new(code, t));
            }
            "frexp" | "modf" | "sincos" | "fract" | "lgamma_r" | "remquo" => {
                // Built-ins with an output pointer (`fract` with one argument is handled above).
                let nin = if name == "remquo" { 2 } else { 1 };
                self.arity(name, &vals, nin + 1, pos)?;
                let (t, c) = self.float_args(&vals[..nin], pos)?;
                if name != "sincos" {
                    self.refuse_f64(name, &t, pos)?;
                }
                let x = self.to_let(Val::new(c[0].clone(), t.clone())).code;
                let out_ty = if matches!(name, "frexp" | "lgamma_r" | "remquo") { t.with_scalar(Sc::Int) } else { t.clone() };
                let pv = &vals[nin];
                if pv.base.as_ref().is_none_or(|b| b.elem != out_ty) {
                    return Err(self.err(args[nin].pos, format!(
                        "the second argument of `{name}` must be a pointer to `{}`",
                        out_ty.c_name(self.structs())
                    )));
                }
                let w = self.wt(&t);
                let (ret, out) = match name {
                    "frexp" => {
                        let (arg, fix) = self.frexp_arg(&t, &x);
                        let r = self.to_let(Val::new(format!("frexp({arg})"), t.clone())).code;
                        // (naga types an f64 frexp's exponent i64.)
                        let iw = self.wt(&t.with_scalar(Sc::Int));
                        (format!("{r}.fract"), format!("({iw}({r}.exp) - {fix})"))
                    }
                    "modf" => {
                        let r = self.to_let(Val::new(format!("modf({x})"), t.clone())).code;
                        (format!("{r}.fract"), format!("{r}.whole"))
                    }
                    "sincos" => {
                        let xs = [(x.clone(), t.clone())];
                        (self.soft_call("sin", &t, &xs).unwrap(), self.soft_call("cos", &t, &xs).unwrap())
                    }
                    "lgamma_r" => {
                        self.special_fn("lgamma", &t, pos)?;
                        let xs = [x.clone()];
                        (self.per_comp("wgcl_lgamma", &t, &xs), self.per_comp("wgcl_gamma_sign", &t, &xs))
                    }
                    "remquo" => {
                        // n = x/y rounded to even, as `remainder`; the quotient's sign and its
                        // low 7 bits (OpenCL asks for at least 3), taken exactly in float.
                        let (r, n) = self.rem_step(&t, &x, &c[1]);
                        let iw = self.wt(&out_ty);
                        let low = format!("{iw}(abs({n}) - {w}(128) * floor(abs({n}) / {w}(128)))");
                        (r, format!("select({low}, -{low}, {n} < {w}(0))"))
                    }
                    // The largest float below 1 bounds the fraction, as OpenCL requires.
                    _ => (format!("min({x} - floor({x}), {w}(0.99999994f))"), format!("floor({x})")),
                };
                let place = self.ptr_elem(pv, None, args[nin].pos)?;
                let out = self.to_let(Val::new(out, out_ty)).code;
                self.write(&place, &out, args[nin].pos)?;
                return Ok(Val::new(ret, t));
            }
            "upsample" => {
                self.arity(name, &vals, 2, pos)?;
                let (hi, lo) = (&vals[0], &vals[1]);
                let (hs, ls) = (hi.ty.scalar(), lo.ty.scalar());
                let ok = hi.ty.is_int() && lo.ty.is_int() && hi.ty.width() == lo.ty.width() && hs.map(|s| s.size()) == ls.map(|s| s.size()) && ls.is_some_and(|s| !s.is_signed());
                let (Some(hs), true) = (hs, ok) else {
                    return Err(self.err(pos, "`upsample` takes (hi, lo) integers of one size, lo unsigned"));
                };
                let wide = match hs {
                    Sc::Char => Sc::Short,
                    Sc::UChar => Sc::UShort,
                    Sc::Short => Sc::Int,
                    Sc::UShort => Sc::UInt,
                    Sc::Int => Sc::Long,
                    Sc::UInt => Sc::ULong,
                    _ => return Err(self.err(pos, "`upsample` of 64-bit integers has no wider type")),
                };
                let rt = hi.ty.with_scalar(wide);
                self.check_ty(&rt, pos)?;
                let bits = hs.size() * 8;
                let (h, l) = (self.conv(hi, &rt, pos)?, self.conv(lo, &rt.with_scalar(wide.to_unsigned()), pos)?);
                let (w, uw) = (self.wt(&rt), self.wt(&rt.with_scalar(Sc::UInt)));
                let code = format!("(({h} << {uw}({bits}u)) | {w}({l}))");
                return Ok(Val::new(code, rt));
            }
            "ldexp" | "pown" | "rootn" => {
                self.arity(name, &vals, 2, pos)?;
                let (t, c) = self.float_args(&vals[..1], pos)?;
                let it = t.with_scalar(Sc::Int);
                let n = self.conv(&vals[1], &it, pos)?;
                if let Some(code) = self.soft_call(name, &t, &[(c[0].clone(), t.clone()), (n.clone(), it.clone())]) {
                    return Ok(Val::new(code, t));
                }
                self.refuse_f64(name, &t, pos)?;
                let w = self.wt(&t);
                let code = match name {
                    "ldexp" => format!("ldexp({}, {n})", c[0]),
                    "pown" => {
                        let x = self.to_let(Val::new(c[0].clone(), t.clone())).code;
                        let nv = self.to_let(Val::new(n, it.clone())).code;
                        let iw = self.wt(&it);
                        format!("(select({w}(1), {w}(-1), ({x} < {w}(0)) & (({nv} & {iw}(1)) == {iw}(1))) * pow(abs({x}), {w}({nv})))")
                    }
                    _ => {
                        let x = self.to_let(Val::new(c[0].clone(), t.clone())).code;
                        format!("(sign({x}) * pow(abs({x}), {w}(1) / {w}({n})))")
                    }
                };
                return Ok(Val::new(code, t));
            }
            _ => {}
        }
        if let Some(rest) = name.strip_prefix("convert_") {
            self.arity(name, &vals, 1, pos)?;
            return self.convert(rest, &vals[0], pos);
        }
        if let Some(rest) = name.strip_prefix("as_") {
            self.arity(name, &vals, 1, pos)?;
            return self.as_type(rest, &vals[0], pos);
        }
        if let Some((rest, aligned)) = name.strip_prefix("vload_half").map(|r| (r, false)).or_else(|| name.strip_prefix("vloada_half").map(|r| (r, true))) {
            self.arity(name, &vals, 2, pos)?;
            let n = half_width(rest).ok_or_else(|| self.err(pos, format!("unknown built-in `{name}`")))?;
            return self.vload_half(n, aligned, &vals, pos);
        }
        if let Some((rest, aligned)) = name.strip_prefix("vstore_half").map(|r| (r, false)).or_else(|| name.strip_prefix("vstorea_half").map(|r| (r, true))) {
            self.arity(name, &vals, 3, pos)?;
            let (width, mode) = rest.split_once('_').map_or((rest, ""), |(a, b)| (a, b));
            let mode = match mode {
                "" | "rte" => 0,
                "rtz" => 1,
                "rtp" => 2,
                "rtn" => 3,
                _ => return Err(self.err(pos, format!("unknown built-in `{name}`"))),
            };
            let n = half_width(width).ok_or_else(|| self.err(pos, format!("unknown built-in `{name}`")))?;
            return self.vstore_half(n, aligned, mode, &vals, pos);
        }
        if let Some(n) = name.strip_prefix("vload").and_then(|n| n.parse::<u8>().ok()) {
            self.arity(name, &vals, 2, pos)?;
            return self.vload(n, &vals, pos);
        }
        if let Some(n) = name.strip_prefix("vstore").and_then(|n| n.parse::<u8>().ok()) {
            self.arity(name, &vals, 3, pos)?;
            return self.vstore(n, &vals, pos);
        }
        if name.starts_with("atomic_") || name.starts_with("atom_") {
            return self.atomic_builtin(name, &vals, pos);
        }
        let msg = match name {
            "printf" => "printf is not supported".to_string(),
            n if n.starts_with("read_image") || n.starts_with("write_image") || n.starts_with("get_image") => {
                "images are not supported".to_string()
            }
            n if n.starts_with("enqueue_") || n.starts_with("read_pipe") || n.starts_with("write_pipe") => {
                "device-side enqueue and pipes are not supported".to_string()
            }
            n if n.starts_with("sub_group_") || n.starts_with("work_group_") => format!("`{n}` (work-group/sub-group collectives) is not supported"),
            n => format!("call to undeclared function `{n}`"),
        };
        Err(self.err(pos, msg))
    }

    /// `x - n*y` with `n = x/y` rounded to nearest even, exactly for `float` (rem_step.wgsl),
    /// by a fused multiply-add otherwise; also returns `n`.
    fn rem_step(&mut self, t: &Ty, x: &str, y: &str) -> (String, String) {
        let x = self.to_let(Val::new(x, t.clone())).code;
        let y = self.to_let(Val::new(y, t.clone())).code;
        let n = self.to_let(Val::new(format!("round({x} / {y})"), t.clone())).code;
        if t.scalar() == Some(Sc::Float) {
            self.helpers.insert("rem_step");
            return (self.per_comp("wgcl_rem_step", t, &[x, n.clone(), y]), n);
        }
        (format!("fma(-{n}, {y}, {x})"), n)
    }

    /// frexp's argument for `x` (a `let`) and the exponent correction: lavapipe's frexp gives
    /// subnormals the minimum exponent and a wrong mantissa, so they are scaled into the normal
    /// range first (by 2^24, 2^54 or 2^11 for float, double, half).
    fn frexp_arg(&mut self, t: &Ty, x: &str) -> (String, String) {
        let (min, k) = match t.scalar() {
            Some(Sc::Double) => ("2.2250738585072014e-308", 54),
            Some(Sc::Half) => ("6.103515625e-05", 11),
            _ => ("1.1754943508222875e-38", 24),
        };
        let w = self.wt(t);
        let iw = self.wt(&t.with_scalar(Sc::Int));
        let sub = self.to_let(Val::new(format!("((abs({x}) < {w}({min})) & ({x} != {w}(0)))"), t.with_scalar(Sc::Int))).code;
        (format!("select({x}, {x} * {w}({}.0), {sub})", 1u64 << k), format!("select({iw}(0), {iw}({k}), {sub})"))
    }

    /// Refuses a `double` call of a function in [`F32_ONLY`] (a wrong answer is worse than
    /// none).
    fn refuse_f64(&self, name: &str, t: &Ty, pos: Pos) -> R<()> {
        if t.scalar() == Some(Sc::Double) && F32_ONLY.contains(&name) {
            return Err(self.err(pos, format!("`{name}` is not supported for `double` (the device's instruction is 32-bit only and no exact software version exists yet)")));
        }
        Ok(())
    }

    /// `name` computed in software (math_f64.wgsl, trig_f64.wgsl, math_f32.wgsl) on arguments
    /// `args` of the float type `t` (the first; a second may be `int`), or None where there is
    /// no software version. `half` goes through the f32 version and rounds once. The `native_`
    /// forms keep the device's instruction (their accuracy is implementation-defined).
    fn soft_call(&mut self, name: &str, t: &Ty, args: &[(String, Ty)]) -> Option<String> {
        const SOFT: &[&str] = &[
            "exp", "exp2", "exp10", "expm1", "log", "log2", "log10", "log1p", "pow", "pown", "sin", "cos", "tan", "atan", "atan2", "asin",
            "acos", "sinh", "cosh", "tanh", "asinh", "acosh", "atanh", "cbrt", "hypot", "fmod", "remainder",
        ];
        if !SOFT.contains(&name) {
            return None;
        }
        // Each family's file only where used (they are long: compile time).
        let family = match name {
            "sin" | "cos" | "tan" => Some("trig"),
            "exp" | "exp2" | "exp10" | "expm1" | "log" | "log2" | "log10" | "log1p" | "pow" | "pown" => None,
            _ => Some("inv"),
        };
        let f = match t.scalar() {
            Some(Sc::Double) => {
                self.helpers.extend(["math_f64", "inf", "nan"]);
                if let Some(fam) = family {
                    self.helpers.insert(if fam == "trig" { "trig_f64" } else { "inv_f64" });
                }
                return Some(self.per_comp_typed(&format!("wgcl_{name}_f64"), t, args));
            }
            Some(Sc::Float | Sc::Half) => format!("wgcl_{name}_f32"),
            _ => return None,
        };
        self.helpers.extend(["math_f32", "inf", "nan"]);
        if let Some(fam) = family {
            self.helpers.insert(if fam == "trig" { "trig_f32" } else { "inv_f32" });
        }
        if t.scalar() == Some(Sc::Float) {
            return Some(self.per_comp_typed(&f, t, args));
        }
        let tf = t.with_scalar(Sc::Float);
        let wf = self.wt(&tf);
        let fargs: Vec<(String, Ty)> = args.iter().map(|(c, ty)| if ty == t { (format!("{wf}({c})"), tf.clone()) } else { (c.clone(), ty.clone()) }).collect();
        let code = self.per_comp_typed(&f, &tf, &fargs);
        Some(format!("{}({code})", self.wt(t)))
    }

    /// Registers the WGSL helpers of `erf`/`erfc`/`lgamma`/`tgamma`, which exist for `float`.
    fn special_fn(&mut self, name: &str, t: &Ty, pos: Pos) -> R<()> {
        if t.scalar() != Some(Sc::Float) {
            return Err(self.err(pos, format!("`{name}` is supported for `float` arguments, not `{}`", t.c_name(self.structs()))));
        }
        if name.starts_with("erf") {
            self.helpers.insert("erf");
        } else {
            self.helpers.extend(["gamma", "trigpi", "inf", "nan"]);
        }
        Ok(())
    }

    /// `sinpi`/`cospi`/`tanpi` of `x` (type `t`) by the exact reductions of trigpi.wgsl and
    /// trigpi_f64.wgsl; `half` is computed in f32 and rounded once (f32's few ulp vanish in it).
    fn trig_pi(&mut self, name: &str, t: &Ty, x: &str) -> String {
        match t.scalar() {
            Some(Sc::Double) => {
                self.helpers.extend(["trigpi_f64", "inf"]);
                self.per_comp(&format!("wgcl_{name}_f64"), t, &[x.to_string()])
            }
            Some(Sc::Half) => {
                self.helpers.insert("trigpi");
                let tf = t.with_scalar(Sc::Float);
                let xf = format!("{}({x})", self.wt(&tf));
                format!("{}({})", self.wt(t), self.per_comp(&format!("wgcl_{name}"), &tf, &[xf]))
            }
            _ => {
                self.helpers.insert("trigpi");
                self.per_comp(&format!("wgcl_{name}"), t, &[x.to_string()])
            }
        }
    }

    /// `f` (a WGSL function of scalars) applied to each component of the arguments `c` of
    /// vector type `t` (or to the scalars).
    fn per_comp(&mut self, f: &str, t: &Ty, c: &[String]) -> String {
        if !t.is_vector() {
            return format!("{f}({})", c.join(", "));
        }
        let lets: Vec<String> = c.iter().map(|x| self.to_let(Val::new(x.clone(), t.clone())).code).collect();
        let comps: Vec<String> = (0..t.width()).map(|k| format!("{f}({})", lets.iter().map(|l| comp(l, t.width(), k)).collect::<Vec<_>>().join(", "))).collect();
        self.vec_code(t, &comps)
    }

    /// [`per_comp`](Self::per_comp) for arguments of different vector types (same width).
    fn per_comp_typed(&mut self, f: &str, t: &Ty, c: &[(String, Ty)]) -> String {
        if !t.is_vector() {
            let a: Vec<&str> = c.iter().map(|(x, _)| x.as_str()).collect();
            return format!("{f}({})", a.join(", "));
        }
        let lets: Vec<String> = c.iter().map(|(x, ty)| self.to_let(Val::new(x.clone(), ty.clone())).code).collect();
        let comps: Vec<String> = (0..t.width()).map(|k| format!("{f}({})", lets.iter().map(|l| comp(l, t.width(), k)).collect::<Vec<_>>().join(", "))).collect();
        self.vec_code(t, &comps)
    }

    /// The `half` array a `vload_half`/`vstore_half` pointer points into, and whether it is
    /// packed `u32` words (buffers; `__local` arguments without cl_khr_fp16) rather than `f16`
    /// elements (private and `__local` arrays with cl_khr_fp16).
    fn half_base(&self, p: &Val, name: &str, pos: Pos) -> R<(Base, bool)> {
        match &p.base {
            Some(b) if b.elem == Ty::Scalar(Sc::Half) && !b.bytes => {
                Ok((b.clone(), matches!(b.kind, BK::Storage { packed: true, .. } | BK::Work { packed: true, .. })))
            }
            _ => Err(self.err(pos, format!("`{name}` needs a pointer to `half` data, not a `{}`", p.ty.c_name(self.structs())))),
        }
    }

    /// `vload_half[n]`/`vloada_half[n]`: halves converted exactly to float.
    fn vload_half(&mut self, n: u8, aligned: bool, vals: &[Val], pos: Pos) -> R<Val> {
        let (b, _) = self.half_base(&vals[1], "vload_half", pos)?;
        self.helpers.insert("half");
        let stride = if aligned && n == 3 { 4 } else { n };
        let off = self.conv(&vals[0], &INT, pos)?;
        let start = self.to_let(Val::new(format!("({} + {off} * {stride}i)", vals[1].code), INT)).code;
        let mut comps = Vec::new();
        for i in 0..n {
            let pl = self.elem_place(&b, &format!("({start} + {i}i)"));
            comps.push(match pl.kind {
                PK::Packed { arr, idx, atomic } => {
                    let word = format!("{arr}[u32({idx}) / 2u]");
                    let word = if atomic { format!("atomicLoad(&{word})") } else { word };
                    format!("wgcl_half_to_float(({word} >> ((u32({idx}) % 2u) * 16u)) & 0xffffu)")
                }
                _ => format!("f32({})", self.read(&pl, pos)?.code),
            });
        }
        let t = Ty::vec(Sc::Float, n);
        Ok(Val::new(if n == 1 { comps.remove(0) } else { self.vec_code(&t, &comps) }, t))
    }

    /// `vstore_half[n][_rte|_rtz|_rtp|_rtn]` (and `vstorea_`): float to half with the given
    /// rounding `mode` (see half.wgsl). Packed words are stored with word-level atomics since
    /// neighbouring work-items may share a word.
    fn vstore_half(&mut self, n: u8, aligned: bool, mode: u32, vals: &[Val], pos: Pos) -> R<Val> {
        let (b, packed) = self.half_base(&vals[2], "vstore_half", pos)?;
        self.helpers.insert("half");
        let t = Ty::vec(Sc::Float, n);
        if vals[0].ty.width() != n {
            return Err(self.err(pos, format!("`vstore_half{}` stores a `{}`, not a `{}`", if n == 1 { String::new() } else { n.to_string() }, t.c_name(self.structs()), vals[0].ty.c_name(self.structs()))));
        }
        let data = self.conv(&vals[0], &t, pos)?;
        let d = self.to_let(Val::new(data, t.clone())).code;
        let stride = if aligned && n == 3 { 4 } else { n };
        let off = self.conv(&vals[1], &INT, pos)?;
        let start = self.to_let(Val::new(format!("({} + {off} * {stride}i)", vals[2].code), INT)).code;
        for i in 0..n {
            let pl = self.elem_place(&b, &format!("({start} + {i}i)"));
            let x = if n == 1 { d.clone() } else { comp(&d, n, i) };
            let bits = format!("wgcl_float_to_half({x}, {mode}u)");
            if packed {
                // The half's bits, stored as a `ushort` of the packed words.
                self.write(&Place { ty: Ty::Scalar(Sc::UShort), ..pl }, &bits, pos)?;
            } else {
                // The rounded half is exact in f32, so converting it to f16 keeps it.
                self.write(&pl, &format!("f16(unpack2x16float({bits}).x)"), pos)?;
            }
        }
        Ok(Val::new("", Ty::Void))
    }

    /// A built-in with an 8/16-wide vector argument: component-wise ones run on each 4-wide
    /// part ([`Lower::split_wide`]), `any`/`all` combine the parts' answers.
    fn wide_builtin(&mut self, name: &str, vals: Vec<Val>, args: &[Expr], pos: Pos) -> R<Val> {
        let n = vals.iter().map(|v| v.ty.width()).max().unwrap_or(1);
        // `convert_float16_sat` on a part is `convert_float4_sat`; `as_T16` likewise when the
        // component size is kept.
        let per_part = |prefix: &str| -> Option<String> {
            let rest = name.strip_prefix(prefix)?;
            let (tname, suffix) = rest.split_once('_').map_or((rest, ""), |(a, b)| (a, b));
            let t = super::parser::vector_type(tname)?;
            let base = tname.trim_end_matches(|c: char| c.is_ascii_digit());
            let sep = if suffix.is_empty() { "" } else { "_" };
            (t.width() == n).then(|| format!("{prefix}{base}4{sep}{suffix}"))
        };
        let part_name = match name {
            "any" | "all" => {
                self.arity(name, &vals, 1, pos)?;
                let v = self.to_let(vals[0].clone());
                let join = if name == "any" { " || " } else { " && " };
                let mut parts = Vec::new();
                for k in 0..n / 4 {
                    let pv = Val::new(format!("{}[{k}]", v.code), Ty::Vector(v.ty.scalar().unwrap(), 4));
                    parts.push(self.builtin(name, vec![pv], args, pos)?.code);
                }
                return Ok(Val::boolean(format!("({})", parts.join(join)), INT));
            }
            n if n.starts_with("convert_") => per_part("convert_").ok_or_else(|| self.err(pos, format!("`{n}`: the number of components must match")))?,
            n if n.starts_with("as_") => {
                self.arity(name, &vals, 1, pos)?;
                match per_part("as_") {
                    Some(p) if vals[0].ty.scalar().map(|s| s.size()) == super::parser::vector_type(&n[3..]).and_then(|t| t.scalar()).map(|s| s.size()) => p,
                    _ => return self.as_type(&n[3..], &vals[0], pos),
                }
            }
            "dot" | "distance" | "length" | "normalize" | "fast_length" | "fast_distance" | "fast_normalize" | "cross" => {
                return Err(self.err(pos, format!("`{name}` takes vectors of 2, 3 or 4 components")));
            }
            n if vals.iter().any(|v| v.ty.is_pointer()) => {
                return Err(self.err(pos, format!("`{n}` with an output pointer is not supported for 8/16-component vectors")));
            }
            n => n.to_string(),
        };
        self.split_wide(vals, pos, |s, pv| s.builtin(&part_name, pv, args, pos))
    }

    fn convert(&mut self, rest: &str, v: &Val, pos: Pos) -> R<Val> {
        let mut parts = rest.split('_');
        let tname = parts.next().unwrap_or_default();
        let mut sat = false;
        let mut mode = "rtz";
        let mut explicit_mode = false;
        for p in parts {
            match p {
                "sat" => sat = true,
                "rte" | "rtz" | "rtp" | "rtn" => {
                    explicit_mode = true;
                    mode = if p == "rte" { "rte" } else if p == "rtp" { "rtp" } else if p == "rtn" { "rtn" } else { "rtz" }
                }
                _ => return Err(self.err(pos, format!("unknown conversion `convert_{rest}`"))),
            }
        }
        let t = super::parser::vector_type(tname)
            .or_else(|| Sc::from_name(tname).map(Ty::Scalar))
            .ok_or_else(|| self.err(pos, format!("unknown conversion target type `{tname}`")))?;
        self.check_ty(&t, pos)?;
        if t.width() != v.ty.width() || !v.ty.is_arith() {
            return Err(self.err(pos, format!("convert_{tname} of a `{}`: the number of components must match", v.ty.c_name(self.structs()))));
        }
        let ts = t.scalar().unwrap();
        let mut code = if v.is_b { self.conv(v, &v.ty.clone(), pos)? } else { v.code.clone() };
        let fs = v.ty.scalar().unwrap();
        if ts.is_float() && explicit_mode && mode != "rte" && !exact_in(fs, ts) {
            // WGSL converts to the nearest value; other directions need their own code.
            if fs.is_float() || ts == Sc::Half {
                return Err(self.err(pos, format!("`convert_{rest}` of a `{}` (a rounding mode other than _rte) is not supported", v.ty.c_name(self.structs()))));
            }
            let x = self.to_let(Val::new(code, v.ty.clone())).code;
            return Ok(Val::new(self.int_to_float_directed(&x, &v.ty, &t, mode), t));
        }
        if fs.is_float() && !ts.is_float() {
            code = match mode {
                // lavapipe rounds `double` halves toward zero in `round`: ties to even by hand
                // (x - floor(x) is exact).
                "rte" if fs == Sc::Double => {
                    let x = self.to_let(Val::new(code, v.ty.clone())).code;
                    let f = self.to_let(Val::new(format!("floor({x})"), v.ty.clone())).code;
                    let (half, one) = (self.splat_float(&v.ty, 0.5, fs), self.splat_float(&v.ty, 1.0, fs));
                    format!("select({f}, {f} + {one}, ({x} - {f} > {half}) | (({x} - {f} == {half}) & (floor({f} * {half}) != {f} * {half})))")
                }
                "rte" => format!("round({code})"),
                "rtp" => format!("ceil({code})"),
                "rtn" => format!("floor({code})"),
                _ => code,
            };
        }
        // Saturation: clamp in the source type to the part of the target's range that type
        // can hold, convert (now in range), and pick the target's limits for the rest.
        let mut limits: Vec<(String, String)> = Vec::new();
        if sat && !ts.is_float() {
            let (lo, hi) = int_range(ts);
            let st = v.ty.clone();
            let x = self.to_let(Val::new(code, st.clone())).code;
            if fs.is_float() {
                let (flo, fhi) = (float_at_least(lo, fs), float_at_most(hi, fs));
                let (l, h) = (self.splat_float(&st, flo, fs), self.splat_float(&st, fhi, fs));
                code = format!("clamp({x}, {l}, {h})");
                limits.push((format!("({x} > {h})"), self.lit(&t, hi as i64)));
                limits.push((format!("({x} < {l})"), self.lit(&t, lo as i64)));
                // NaN converts to 0; a bit test, as comparisons of NaN may be taken as ordered.
                let nan = self.nan_test(&st, &x);
                limits.push((nan, self.lit(&t, 0)));
            } else {
                let (slo, shi) = int_range(fs);
                let (lo2, hi2) = (lo.max(slo), hi.min(shi));
                code = x.clone();
                if hi2 < shi {
                    code = format!("min({code}, {})", self.lit(&st, hi2 as i64));
                }
                if lo2 > slo {
                    code = format!("max({code}, {})", self.lit(&st, lo2 as i64));
                }
            }
        }
        let tmp = Val::new(code, v.ty.clone());
        let mut code = self.conv(&tmp, &t, pos)?;
        for (c, lim) in limits {
            code = format!("select({code}, {lim}, {c})");
        }
        Ok(Val::new(code, t))
    }

    /// The integer `x` (a `let` of C type `from`) converted to the float type `to` rounding
    /// toward zero, +inf or -inf (`mode` rtz/rtp/rtn): the nearest value is converted back
    /// (exactly: it is an integer) and compared with the magnitude, and moved one step.
    fn int_to_float_directed(&mut self, x: &str, from: &Ty, to: &Ty, mode: &str) -> String {
        let fs = from.scalar().unwrap();
        let ts = to.scalar().unwrap();
        let wide = fs.size() == 8;
        let ut = self.wt(&from.with_scalar(if wide { Sc::ULong } else { Sc::UInt }));
        let bt = self.wt(&to.with_scalar(if ts == Sc::Double { Sc::ULong } else { Sc::UInt }));
        let ft = self.wt(to);
        let one_b = if ts == Sc::Double { "1lu" } else { "1u" };
        let one_b = if to.is_vector() { format!("{bt}({one_b})") } else { one_b.to_string() };
        let zero = self.lit(from, 0);
        let neg = if fs.is_signed() { format!("({x} < {zero})") } else if from.is_vector() { format!("vec{}<bool>(false)", from.width()) } else { "false".into() };
        let m = if fs.is_signed() { format!("select({ut}({x}), {ut}(-{x}), {neg})") } else { format!("{ut}({x})") };
        let m = self.to_let(Val::new(m, from.with_scalar(if wide { Sc::ULong } else { Sc::UInt }))).code;
        let g = self.to_let(Val::new(format!("{ft}({m})"), to.clone())).code;
        let lim = self.splat_float(to, if wide { 18446744073709551616.0 } else { 4294967296.0 }, ts);
        let over = format!("(({g} >= {lim}) | ({ut}({g}) > {m}))");
        // (naga's float-to-integer conversion saturates below the limit: test it first.)
        let under = format!("(({g} < {lim}) & ({ut}({g}) < {m}))");
        let up = match mode {
            "rtp" => format!("!{neg}"),
            "rtn" => neg.clone(),
            _ => if to.is_vector() { format!("vec{}<bool>(false)", to.width()) } else { "false".into() },
        };
        let up = self.to_let(Val::new(up, Ty::Bool)).code;
        let step = |d: &str| format!("bitcast<{ft}>(bitcast<{bt}>({g}) {d} {one_b})");
        let mag = format!("select(select({g}, {}, {over} & !{up}), {}, {under} & {up})", step("-"), step("+"));
        format!("select({mag}, -{mag}, {neg})")
    }

    /// For a float `x` of type `t`: its bits as an unsigned integer, the magnitude's bits,
    /// and the constants [mask, infinity, smallest normal, sign bit] in that integer type.
    /// `half` is classified through its exact `float` value, with half's smallest normal.
    fn float_class_bits(&self, t: &Ty, x: &str) -> (String, String, [String; 4]) {
        let s = t.scalar().unwrap();
        let ut = t.with_scalar(if s == Sc::Double { Sc::ULong } else { Sc::UInt });
        let u = self.wt(&ut);
        let (src, consts): (String, [u64; 4]) = match s {
            Sc::Double => (x.to_string(), [0x7fff_ffff_ffff_ffff, 0x7ff0_0000_0000_0000, 0x0010_0000_0000_0000, 1 << 63]),
            Sc::Half => (format!("{}({x})", self.wt(&t.with_scalar(Sc::Float))), [0x7fff_ffff, 0x7f80_0000, 0x3880_0000, 1 << 31]),
            _ => (x.to_string(), [0x7fff_ffff, 0x7f80_0000, 0x0080_0000, 1 << 31]),
        };
        let consts = consts.map(|k| self.lit(&ut, k as i64));
        let bits = format!("bitcast<{u}>({src})");
        let ab = format!("({bits} & {})", consts[0]);
        (bits, ab, consts)
    }

    fn as_type(&mut self, tname: &str, v: &Val, pos: Pos) -> R<Val> {
        let t = super::parser::vector_type(tname)
            .or_else(|| Sc::from_name(tname).map(Ty::Scalar))
            .ok_or_else(|| self.err(pos, format!("unknown type in `as_{tname}`")))?;
        self.check_ty(&t, pos)?;
        let structs = self.structs();
        let size = |t: &Ty| t.layout(structs).0;
        if size(&t) != size(&v.ty) || !v.ty.is_arith() {
            return Err(self.err(pos, format!("as_{tname}: `{}` and `{tname}` differ in size", v.ty.c_name(self.structs()))));
        }
        let (fs, ts) = (v.ty.scalar().unwrap(), t.scalar().unwrap());
        let code = if v.is_b { self.conv(v, &v.ty.clone(), pos)? } else { v.code.clone() };
        let narrow = !v.ty.is_wide() && !t.is_wide();
        let code = match (fs.size(), ts.size()) {
            (4, 4) | (8, 8) if narrow && v.ty.width() == t.width() => format!("bitcast<{}>({code})", self.wt(&t)),
            (1, 4) if v.ty.width() == 4 => format!("bitcast<{}>(pack4xU8(bitcast<vec4<u32>>({code})))", self.wt(&t)),
            (4, 1) if t.width() == 4 => {
                let f = if ts.is_signed() { "unpack4xI8" } else { "unpack4xU8" };
                format!("{f}(bitcast<u32>({code}))")
            }
            _ => {
                // Any other same-size pair: through the C bytes, as 32-bit words.
                let v = self.to_let(Val::new(code, v.ty.clone()));
                let w = self.fresh("w");
                self.emit(format!("var {w}: array<u32, {}>;", size(&t).div_ceil(4)));
                words::encode(self, &Src::Array(w.clone()), &v.ty, &v.code, &Off::at(0), pos)?;
                words::decode(self, &Src::Array(w), &t, &Off::at(0), pos)?
            }
        };
        Ok(Val::new(code, t))
    }

    /// `async_work_group_copy`/`async_work_group_strided_copy`, done at once by the whole
    /// work-group (work-item `l` copies elements `l`, `l + local size`, ...);
    /// `wait_group_events` is then the barrier that makes the copies visible. The event is 0.
    fn async_copy(&mut self, name: &str, vals: &[Val], pos: Pos) -> R<Val> {
        let strided = name == "async_work_group_strided_copy";
        self.arity(name, vals, if strided { 5 } else { 4 }, pos)?;
        let (dst, src) = (&vals[0], &vals[1]);
        let (Some(db), Some(sb)) = (dst.base.clone(), src.base.clone()) else {
            return Err(self.err(pos, format!("`{name}` copies between pointers into buffers or `__local` arrays")));
        };
        if db.elem != sb.elem || db.bytes || sb.bytes {
            return Err(self.err(pos, format!(
                "`{name}` copies between pointers to one type, not `{}` and `{}`",
                dst.ty.c_name(self.structs()),
                src.ty.c_name(self.structs())
            )));
        }
        let to_local = db.space == Space::Local;
        if to_local == (sb.space == Space::Local) || matches!(db.kind, BK::Private { .. }) || matches!(sb.kind, BK::Private { .. }) {
            return Err(self.err(pos, format!("`{name}` copies between `__local` and `__global` (or `__constant`) memory")));
        }
        let num = self.conv(&vals[2], &UINT, pos)?;
        let num = self.to_let(Val::new(num, UINT)).code;
        let stride = if strided {
            let s = self.conv(&vals[3], &UINT, pos)?;
            self.to_let(Val::new(s, UINT)).code
        } else {
            "1u".to_string()
        };
        let d = self.kc().dispatch.clone();
        let lin = format!("(wgcl_lid.x + {d}.local_size.x * (wgcl_lid.y + {d}.local_size.y * wgcl_lid.z))");
        let count = format!("({d}.local_size.x * {d}.local_size.y * {d}.local_size.z)");
        let j = self.fresh("j");
        self.emit(format!("for (var {j} = select({num}, {lin}, wgcl_active); {j} < {num}; {j} += {count}) {{"));
        self.f().indent += 1;
        let (doff, soff) = if to_local { (j.clone(), format!("{j} * {stride}")) } else { (format!("{j} * {stride}"), j.clone()) };
        let dp = self.elem_place(&db, &format!("({} + i32({doff}))", dst.code));
        let sp = self.elem_place(&sb, &format!("({} + i32({soff}))", src.code));
        let v = self.read(&sp, pos)?;
        let v = self.to_let(v);
        self.write(&dp, &v.code, pos)?;
        self.f().indent -= 1;
        self.emit("}");
        Ok(Val::new("0u", UINT))
    }

    /// `shuffle(x, mask)` / `shuffle2(x, y, mask)`: component `k` of the result is component
    /// `mask[k] % n` of `x` (of `x` then `y` for `shuffle2`). A constant mask is a swizzle; a
    /// run-time one indexes the components dynamically.
    fn shuffle(&mut self, name: &str, vals: Vec<Val>, args: &[Expr], pos: Pos) -> R<Val> {
        let two = name == "shuffle2";
        self.arity(name, &vals, if two { 3 } else { 2 }, pos)?;
        let (s, n) = match &vals[0].ty {
            Ty::Vector(s, n) if matches!(n, 2 | 4 | 8 | 16) => (*s, *n),
            t => return Err(self.err(pos, format!("`{name}` shuffles a vector of 2, 4, 8 or 16 components, not a `{}`", t.c_name(self.structs())))),
        };
        if two && vals[1].ty != vals[0].ty {
            return Err(self.err(pos, format!(
                "`shuffle2` needs two vectors of one type, not `{}` and `{}`",
                vals[0].ty.c_name(self.structs()),
                vals[1].ty.c_name(self.structs())
            )));
        }
        let mask = vals.last().unwrap();
        let m = match &mask.ty {
            Ty::Vector(ms, m) if !ms.is_float() && !ms.is_signed() && ms.size() == s.size() && matches!(m, 2 | 4 | 8 | 16) && !mask.is_b => *m,
            t => {
                return Err(self.err(pos, format!(
                    "the mask of `{name}` must be a `{}` vector of 2, 4, 8 or 16 components, not a `{}`",
                    s.to_unsigned_int().c_name(),
                    t.c_name(self.structs())
                )))
            }
        };
        let total = if two { 2 * n as u32 } else { n as u32 };
        let mut srcs = Vec::new();
        for v in &vals[..vals.len() - 1] {
            let c = if v.is_b { self.conv(v, &v.ty.clone(), pos)? } else { v.code.clone() };
            srcs.push(self.to_let(Val::new(c, v.ty.clone())).code);
        }
        let t = Ty::Vector(s, m);
        let comps: Vec<String> = match const_components(&args[args.len() - 1], m, self.structs()) {
            Some(cs) => cs
                .iter()
                .map(|c| {
                    let c = (*c as u64 % total as u64) as u8;
                    comp(&srcs[(c / n) as usize], n, c % n)
                })
                .collect(),
            None => {
                let mk = self.to_let(mask.clone()).code;
                let mut out = Vec::new();
                for k in 0..m {
                    let i = self.to_let(Val::new(format!("u32({} % {})", comp(&mk, m, k), self.lit(&Ty::Scalar(s.to_unsigned_int()), total as i64)), UINT)).code;
                    let at = |src: &str| if n > 4 { format!("{src}[({i} % {n}u) / 4u][{i} % 4u]") } else { format!("{src}[{i} % {n}u]") };
                    out.push(if two { format!("select({}, {}, {i} >= {n}u)", at(&srcs[0]), at(&srcs[1])) } else { at(&srcs[0]) });
                }
                out
            }
        };
        Ok(Val::new(self.vec_code(&t, &comps), t))
    }

    fn vload(&mut self, n: u8, vals: &[Val], pos: Pos) -> R<Val> {
        if !matches!(n, 2..=4 | 8 | 16) {
            return Err(self.err(pos, format!("vload{n}: OpenCL vectors have 2, 3, 4, 8 or 16 components")));
        }
        let p = &vals[1];
        let b = p.base.clone().ok_or_else(|| self.err(pos, "vload needs a pointer"))?;
        let off = self.conv(&vals[0], &INT, pos)?;
        let start = self.to_let(Val::new(format!("({} + {off} * {n}i)", p.code), INT)).code;
        let mut parts = Vec::new();
        for i in 0..n {
            let pl = self.elem_place(&b, &format!("({start} + {i}i)"));
            parts.push(self.read(&pl, pos)?.code);
        }
        let s = b.elem.scalar().ok_or_else(|| self.err(pos, "vload needs a pointer to scalars"))?;
        let t = Ty::Vector(s, n);
        Ok(Val::new(self.vec_code(&t, &parts), t))
    }

    fn vstore(&mut self, n: u8, vals: &[Val], pos: Pos) -> R<Val> {
        if !matches!(n, 2..=4 | 8 | 16) {
            return Err(self.err(pos, format!("vstore{n}: OpenCL vectors have 2, 3, 4, 8 or 16 components")));
        }
        let p = &vals[2];
        let b = p.base.clone().ok_or_else(|| self.err(pos, "vstore needs a pointer"))?;
        let s = b.elem.scalar().ok_or_else(|| self.err(pos, "vstore needs a pointer to scalars"))?;
        let data = self.conv(&vals[0], &Ty::Vector(s, n), pos)?;
        let d = self.to_let(Val::new(data, Ty::Vector(s, n))).code;
        let off = self.conv(&vals[1], &INT, pos)?;
        let start = self.to_let(Val::new(format!("({} + {off} * {n}i)", p.code), INT)).code;
        for i in 0..n {
            let pl = self.elem_place(&b, &format!("({start} + {i}i)"));
            self.write(&pl, &comp(&d, n, i), pos)?;
        }
        Ok(Val::new("", Ty::Void))
    }

    fn user_call(&mut self, f: &Function, args: &[Expr], pos: Pos) -> R<Val> {
        if f.is_kernel {
            return Err(self.err(pos, format!("calling kernel `{}` from another kernel is not supported", f.name)));
        }
        if args.len() != f.params.len() {
            return Err(self.err(pos, format!("`{}` takes {} argument(s), {} given", f.name, f.params.len(), args.len())));
        }
        if self.stack.len() > MAX_CALL_DEPTH {
            return Err(self.err(pos, format!("call chain deeper than {MAX_CALL_DEPTH} functions (calling `{}`)", f.name)));
        }
        if self.stack.contains(&f.name) {
            return Err(self.err(pos, format!(
                "recursion is not supported: `{}` calls itself (call chain: {} -> {})",
                f.name, self.stack.join(" -> "), f.name
            )));
        }
        let mut vals = Vec::new();
        for (a, p) in args.iter().zip(&f.params) {
            let v = self.expr(a)?;
            if p.ty.is_pointer() {
                if v.base.is_none() {
                    return Err(self.err(a.pos, format!("argument `{}` of `{}` must be a pointer into a buffer or array", p.name, f.name)));
                }
                self.keepable(&v, a.pos)?;
                vals.push(v);
            } else {
                let c = self.conv(&v, &p.ty, a.pos)?;
                vals.push(Val::new(c, p.ty.clone()));
            }
        }
        let key = format!(
            "{}|{}",
            f.name,
            vals.iter().map(|v| v.base.as_ref().map(|b| b.key()).unwrap_or_default()).collect::<Vec<_>>().join("|")
        );
        let fname = match self.kout.specs.get(&key) {
            Some(n) => n.clone(),
            None => {
                let n = self.kout.specs.keys().filter(|k| k.starts_with(&format!("{}|", f.name))).count();
                let fname = if n == 0 { format!("fn_{}", f.name) } else { format!("fn_{}_{}", f.name, n + 1) };
                self.gen_helper(f, &vals, &fname)?;
                self.kout.specs.insert(key, fname.clone());
                fname
            }
        };
        let mut cargs = Vec::new();
        for v in &vals {
            if let Some(b) = &v.base {
                if let BK::Private { ptr, .. } = &b.kind {
                    cargs.push(ptr.clone());
                }
            }
            cargs.push(v.code.clone());
        }
        let call = format!("{fname}({})", cargs.join(", "));
        if f.ret == Ty::Void {
            self.emit(format!("{call};"));
            return Ok(Val::new("", Ty::Void));
        }
        let t = self.fresh("r");
        self.emit(format!("let {t} = {call};"));
        Ok(Val::new(t, f.ret.clone()))
    }

    fn gen_helper(&mut self, f: &Function, vals: &[Val], fname: &str) -> R<()> {
        self.check_ty(&f.ret, f.pos)?;
        if f.ret.is_pointer() {
            return Err(self.err(f.pos, format!("`{}`: functions returning pointers are not supported", f.name)));
        }
        self.fx.push(FnState {
            body: String::new(),
            indent: 1,
            scopes: vec![Default::default()],
            names: Default::default(),
            ret: f.ret.clone(),
            is_kernel: false,
        });
        self.stack.push(f.name.clone());
        let r = (|| -> R<String> {
            let mut params = Vec::new();
            for (i, (p, v)) in f.params.iter().zip(vals).enumerate() {
                self.check_ty(&p.ty, p.pos)?;
                let local = self.local_name(if p.name.is_empty() { "unnamed" } else { &p.name });
                if let Some(b) = &v.base {
                    params.push(format!("wgcl_a{i}: i32"));
                    let nb = match &b.kind {
                        BK::Private { wgsl_ty, .. } => {
                            params.insert(params.len() - 1, format!("wgcl_a{i}p: ptr<function, {wgsl_ty}>"));
                            Base { access: format!("(*wgcl_a{i}p)"), kind: BK::Private { ptr: format!("wgcl_a{i}p"), wgsl_ty: wgsl_ty.clone() }, ..b.clone() }
                        }
                        _ => b.clone(),
                    };
                    self.emit(format!("var {local}: i32 = wgcl_a{i};"));
                    self.bind(&p.name, Sym::Ptr { var: local, base: Some(nb), ty: p.ty.clone() });
                } else {
                    let w = self.wt(&p.ty);
                    params.push(format!("wgcl_a{i}: {w}"));
                    self.emit(format!("var {local}: {w} = wgcl_a{i};"));
                    self.bind(&p.name, Sym::Var { code: local, ty: p.ty.clone(), root: None, guard: false });
                }
            }
            self.block(f.body.as_ref().unwrap())?;
            let body = self.f().body.trim_end();
            let ends_in_return = body.ends_with(';') && body.rsplit('\n').next().unwrap_or("").trim_start().starts_with("return");
            if f.ret != Ty::Void && !ends_in_return {
                let z = format!("{}()", self.wt(&f.ret));
                self.emit(format!("return {z};"));
            }
            let ret = if f.ret == Ty::Void { String::new() } else { format!(" -> {}", self.wt(&f.ret)) };
            Ok(format!("fn {fname}({}){ret} {{\n{}}}\n", params.join(", "), self.f().body))
        })();
        self.stack.pop();
        self.fx.pop();
        let text = r?;
        self.kout.funcs.push(text);
        Ok(())
    }
}

pub fn int_range(s: Sc) -> (i128, i128) {
    match s {
        Sc::Char => (-128, 127),
        Sc::UChar => (0, 255),
        Sc::Short => (-32768, 32767),
        Sc::UShort => (0, 65535),
        Sc::Int => (i32::MIN as i128, i32::MAX as i128),
        Sc::UInt => (0, u32::MAX as i128),
        Sc::Long => (i64::MIN as i128, i64::MAX as i128),
        _ => (0, u64::MAX as i128),
    }
}

/// The components of a constant vector literal of width `m` (`(uint4)(3, 2, 1, 0)`, or one
/// value for all), if every component is an integer constant expression.
fn const_components(e: &Expr, m: u8, structs: &[StructDef]) -> Option<Vec<i64>> {
    let ExprKind::VecLit(_, parts) = &e.kind else { return None };
    let cs: Option<Vec<i64>> = parts.iter().map(|p| const_eval(p, structs)).collect();
    match cs? {
        c if c.len() == m as usize => Some(c),
        c if c.len() == 1 => Some(vec![c[0]; m as usize]),
        _ => None,
    }
}

/// The width in a `vload_half`/`vstore_half` name: none is 1.
fn half_width(s: &str) -> Option<u8> {
    match s {
        "" => Some(1),
        _ => s.parse().ok().filter(|n| matches!(n, 2 | 3 | 4 | 8 | 16)),
    }
}

/// WGSL source of helper functions the lowering may call.
pub fn helper_source(name: &str) -> &'static str {
    match name {
        "erf" => include_str!("erf.wgsl"),
        "gamma" => include_str!("gamma.wgsl"),
        "half" => include_str!("half.wgsl"),
        "mad_sat" => include_str!("mad_sat.wgsl"),
        "rem_step" => include_str!("rem_step.wgsl"),
        "trigpi" => include_str!("trigpi.wgsl"),
        "trigpi_f64" => include_str!("trigpi_f64.wgsl"),
        "mul_hi64" => "fn wgcl_mul_hi_u64(a: u64, b: u64) -> u64 {\n    let m = 0xfffffffflu;\n    let al = a & m; let ah = a >> 32u; let bl = b & m; let bh = b >> 32u;\n    let lo = al * bl; let m1 = ah * bl; let m2 = al * bh;\n    let mid = (lo >> 32u) + (m1 & m) + (m2 & m);\n    return ah * bh + (m1 >> 32u) + (m2 >> 32u) + (mid >> 32u);\n}\nfn wgcl_mul_hi_i64(a: i64, b: i64) -> i64 {\n    var r = wgcl_mul_hi_u64(bitcast<u64>(a), bitcast<u64>(b));\n    if (a < 0li) { r = r - bitcast<u64>(b); }\n    if (b < 0li) { r = r - bitcast<u64>(a); }\n    return bitcast<i64>(r);\n}\n",
        "math_f64" => include_str!("math_f64.wgsl"),
        "trig_f64" => include_str!("trig_f64.wgsl"),
        "math_f32" => include_str!("math_f32.wgsl"),
        "inv_f64" => include_str!("inv_f64.wgsl"),
        "trig_f32" => include_str!("trig_f32.wgsl"),
        "inv_f32" => include_str!("inv_f32.wgsl"),
        "mul_hi" => "fn wgcl_mul_hi_u32(a: u32, b: u32) -> u32 {\n    let al = a & 0xffffu; let ah = a >> 16u; let bl = b & 0xffffu; let bh = b >> 16u;\n    let lo = al * bl; let m1 = ah * bl; let m2 = al * bh;\n    let mid = (lo >> 16u) + (m1 & 0xffffu) + (m2 & 0xffffu);\n    return ah * bh + (m1 >> 16u) + (m2 >> 16u) + (mid >> 16u);\n}\nfn wgcl_mul_hi_i32(a: i32, b: i32) -> i32 {\n    var r = wgcl_mul_hi_u32(bitcast<u32>(a), bitcast<u32>(b));\n    if (a < 0) { r = r - bitcast<u32>(b); }\n    if (b < 0) { r = r - bitcast<u32>(a); }\n    return bitcast<i32>(r);\n}\n",
        "inf" => "var<private> wgcl_inf_bits: u32 = 0x7f800000u;\n",
        "nan" => "var<private> wgcl_nan_bits: u32 = 0x7fc00000u;\n",
        _ => "",
    }
}

/// The number of significand bits and the largest finite value of a float type.
fn float_format(s: Sc) -> (u32, f64) {
    match s {
        Sc::Half => (11, 65504.0),
        Sc::Float => (24, f32::MAX as f64),
        _ => (53, f64::MAX),
    }
}

/// The largest value of float type `s` that is at most the integer `v` (v >= 0).
pub fn float_at_most(v: i128, s: Sc) -> f64 {
    let (mant, max) = float_format(s);
    let bits = 128 - v.leading_zeros();
    let r = if bits <= mant { v } else { (v >> (bits - mant)) << (bits - mant) };
    (r as f64).min(max)
}

/// The smallest value of float type `s` that is at least the integer `v` (v <= 0).
pub fn float_at_least(v: i128, s: Sc) -> f64 {
    -float_at_most(-v, s)
}

/// Is every value of `from` exactly a value of the float type `to`?
fn exact_in(from: Sc, to: Sc) -> bool {
    let bits = if from.is_float() { return from.size() <= to.size() } else { from.size() * 8 - from.is_signed() as u32 };
    bits <= float_format(to).0
}
