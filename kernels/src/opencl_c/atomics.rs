//! Atomic built-ins: OpenCL 1.x `atomic_*`/`atom_*` (cl_khr_*_int32_*_atomics) and the
//! OpenCL 2.0 `atomic_*` functions on `atomic_int`/`atomic_uint`/`atomic_float`/`atomic_flag`
//! (with their `_explicit` forms).
//!
//! WGSL atomics are `atomic<i32>`/`atomic<u32>`, and `atomic<i64>`/`atomic<u64>` where the
//! device has wgpu's `SHADER_INT64_ATOMIC_ALL_OPS`, all with relaxed ordering. So:
//! * `int`/`uint` memory is `array<atomic<T>>`, or `u32` words when a word view or a `float`
//!   atomic also reaches it (see `lower`); operands and results are then bitcast.
//! * `float` operations are compare-and-swap loops on the words (`atomic_xchg` is a plain
//!   exchange of the bits), as are signed `min`/`max` on `u32` words.
//! * **Memory orders and scopes** (`memory_order_*`, `memory_scope_*` of the `_explicit`
//!   forms) are accepted and ignored: every operation is *relaxed*, which is all WGSL offers.
//!   Atomicity holds at any scope, but acquire/release/seq_cst orderings are not honoured beyond
//!   relaxed: ordering other memory needs `barrier`/`work_group_barrier` (work-group scope).
//! * `long`/`ulong` memory (cl_khr_int64_base_atomics and _extended_atomics: `atom_*`; OpenCL
//!   2.0 `atomic_long`/`atomic_ulong`) is `atomic<i64>`/`atomic<u64>`, where every operation is
//!   a native one ([`DeviceCaps::i64_atomics`](crate::DeviceCaps)); without that capability
//!   they are refused, as are `double` atomics.
use super::lower::*;
use super::lexer::Pos;
use super::types::*;

/// What an atomic built-in does.
#[derive(Clone, Copy, PartialEq)]
enum Op {
    /// Read-modify-write returning the old value: `add`, `sub`, `min`, `max`, `and`, `or`,
    /// `xor`, `xchg`; `inc`/`dec` are `add`/`sub` of 1.
    Rmw(&'static str),
    /// OpenCL 1.x `atomic_cmpxchg(p, cmp, val)`: returns the old value.
    Cmpxchg,
    /// OpenCL 2.0 `atomic_compare_exchange_*(obj, expected*, desired)`: returns whether it
    /// exchanged, and otherwise stores the value found into `*expected`.
    CompareExchange,
    Load,
    /// `atomic_store`, `atomic_init`.
    Store,
    /// `atomic_flag_test_and_set`: sets the flag, returns whether it was set.
    TestAndSet,
    /// `atomic_flag_clear`.
    Clear,
}

/// The OpenCL name (without `atomic_`/`atom_` and `_explicit`) to what it does and how many
/// arguments it takes before any memory order and scope.
fn op_of(name: &str, opencl2: bool) -> Option<(Op, usize)> {
    Some(match (name, opencl2) {
        ("add" | "sub" | "min" | "max" | "and" | "or" | "xor" | "xchg", false) => (Op::Rmw(rmw_name(name)), 2),
        ("inc", false) => (Op::Rmw("add"), 1),
        ("dec", false) => (Op::Rmw("sub"), 1),
        ("cmpxchg", false) => (Op::Cmpxchg, 3),
        ("fetch_add" | "fetch_sub" | "fetch_min" | "fetch_max" | "fetch_and" | "fetch_or" | "fetch_xor", true) => (Op::Rmw(rmw_name(&name[6..])), 2),
        ("exchange", true) => (Op::Rmw("xchg"), 2),
        ("compare_exchange_strong" | "compare_exchange_weak", true) => (Op::CompareExchange, 3),
        ("load", true) => (Op::Load, 1),
        ("store" | "init", true) => (Op::Store, 2),
        ("flag_test_and_set", true) => (Op::TestAndSet, 1),
        ("flag_clear", true) => (Op::Clear, 1),
        _ => return None,
    })
}

fn rmw_name(n: &str) -> &'static str {
    ["add", "sub", "min", "max", "and", "or", "xor", "xchg"].into_iter().find(|k| *k == n).unwrap_or("xchg")
}

/// An atomic location: the WGSL reference, the type of its words, and the C element type.
struct Slot {
    r: String,
    word: &'static str,
    elem: Sc,
}

impl Slot {
    /// The word holding the C value `v`.
    fn word_of(&self, v: &str) -> String {
        if self.elem.wgsl() == self.word { v.to_string() } else { format!("bitcast<{}>({v})", self.word) }
    }
    /// The C value held by the word `w`.
    fn value_of(&self, w: &str) -> String {
        if self.elem.wgsl() == self.word { w.to_string() } else { format!("bitcast<{}>({w})", self.elem.wgsl()) }
    }
}

impl Lower<'_> {
    /// Lowers the atomic built-in `name` (`atomic_*` or `atom_*`).
    pub fn atomic_builtin(&mut self, name: &str, vals: &[Val], pos: Pos) -> R<Val> {
        let explicit = name.strip_suffix("_explicit");
        let base = explicit.unwrap_or(name);
        // OpenCL 1.x names have no `_explicit` forms.
        let v1 = |o: &str| op_of(o, false).filter(|_| explicit.is_none());
        let (op, nargs) = match base.strip_prefix("atomic_") {
            Some(o) => op_of(o, true).or_else(|| v1(o)),
            None => base.strip_prefix("atom_").and_then(v1),
        }
        .ok_or_else(|| self.err(pos, format!("`{name}` is not supported")))?;
        // Memory order(s), then an optional scope: accepted, and relaxed (see the module docs).
        let extra = if explicit.is_some() { if op == Op::CompareExchange { 2..=3 } else { 1..=2 } } else { 0..=0 };
        if vals.len() < nargs || !extra.contains(&(vals.len() - nargs)) {
            let n = if explicit.is_some() { format!("{} or {}", nargs + extra.start(), nargs + extra.end()) } else { nargs.to_string() };
            return Err(self.err(pos, format!("`{name}` takes {n} argument(s), {} given", vals.len())));
        }
        for v in &vals[nargs..] {
            if !v.ty.is_int() || v.ty.is_vector() {
                return Err(self.err(pos, format!("`{name}`: memory orders and scopes are integers, not `{}`", v.ty.c_name(self.structs()))));
            }
        }
        let p = &vals[0];
        let Some(b) = p.base.clone().filter(|b| !b.bytes) else {
            return Err(self.err(pos, format!("`{name}` needs a pointer to __global or __local memory")));
        };
        let ty_name = b.elem.c_name(self.structs());
        let elem = match b.elem {
            Ty::Scalar(s @ (Sc::Int | Sc::UInt)) => s,
            Ty::Scalar(Sc::Float) if !matches!(op, Op::Rmw("and" | "or" | "xor") | Op::TestAndSet | Op::Clear) => Sc::Float,
            Ty::Scalar(s @ (Sc::Long | Sc::ULong)) if self.caps.i64_atomics => s,
            Ty::Scalar(Sc::Long | Sc::ULong) => {
                return Err(self.err(pos, format!(
                    "`{name}` on `{ty_name}`: 64-bit atomics need cl_khr_int64_base_atomics, which this device lacks"
                )))
            }
            _ => return Err(self.err(pos, format!(
                "`{name}` on `{ty_name}`: atomics are on `int`/`uint` (`long`/`ulong` with cl_khr_int64_base_atomics), and `float` through compare-and-swap"
            ))),
        };
        let (words, atomic) = match b.kind {
            BK::Storage { atomic, packed, writable: true } => (packed, atomic),
            BK::Work { atomic, packed } => (packed, atomic),
            _ => return Err(self.err(pos, format!("`{name}` needs a pointer to writable __global or __local memory"))),
        };
        // Floats (and anything else that is reinterpreted) live in `u32` words.
        if elem == Sc::Float && !words {
            if b.access != b.array_name() {
                return Err(self.err(pos, format!("`{name}` on `float`: float atomics on multi-dimensional __local arrays are not supported")));
            }
            self.retry = Some(Need::Words(b.access.clone()));
            return Err(self.err(pos, "retry"));
        }
        if !atomic {
            self.retry = Some(Need::Atomic(b.array_name().to_string()));
            return Err(self.err(pos, "retry"));
        }
        let pl = self.elem_place(&b, &p.code);
        let slot = match &pl.kind {
            PK::Atomic(r) => Slot { r: r.clone(), word: elem.wgsl(), elem },
            PK::Packed { arr, idx, .. } => Slot { r: format!("{arr}[{idx}]"), word: "u32", elem },
            _ => unreachable!("atomic bases give atomic places"),
        };
        // Value operands (`expected` of a compare-exchange is a pointer, read below).
        let skip = if op == Op::CompareExchange { 2 } else { 1 };
        let mut operands = Vec::new();
        for v in &vals[skip..nargs] {
            let c = self.conv(v, &Ty::Scalar(elem), pos)?;
            operands.push(self.to_let(Val::new(c, Ty::Scalar(elem))).code);
        }
        let rt = match op {
            Op::CompareExchange | Op::TestAndSet => Ty::Bool,
            Op::Store | Op::Clear => Ty::Void,
            _ => Ty::Scalar(elem),
        };
        let t = self.fresh("a");
        if rt != Ty::Void {
            self.emit(format!("var {t}: {};", self.wt(&rt)));
        }
        let r = slot.r.clone();
        let expected = match op {
            Op::CompareExchange => {
                let place = self.ptr_elem(&vals[1], None, pos)?;
                let v = self.read(&place, pos)?;
                let c = self.conv(&v, &Ty::Scalar(elem), pos)?;
                Some((place, self.to_let(Val::new(slot.word_of(&c), Ty::Scalar(elem))).code))
            }
            _ => None,
        };
        if op == Op::Load {
            self.emit(format!("{t} = {};", slot.value_of(&format!("atomicLoad(&{r})"))));
            return Ok(Val::new(t, rt));
        }
        // Padding work-items of a kernel with barriers run the code too (see `lower`): they
        // change nothing, and see the value as it is, as if their operation had happened
        // now (so a compare-and-swap loop ends for them as soon as it would have succeeded).
        let guard = self.k.as_ref().is_some_and(|k| k.guard_stores);
        if guard {
            self.emit("if (wgcl_active) {");
            self.f().indent += 1;
        }
        match op {
            Op::Store => self.emit(format!("atomicStore(&{r}, {});", slot.word_of(&operands[0]))),
            Op::Clear => self.emit(format!("atomicStore(&{r}, {}(0));", slot.word)),
            Op::TestAndSet => self.emit(format!("{t} = atomicExchange(&{r}, {}(1)) != {}(0);", slot.word, slot.word)),
            Op::Rmw(o) => {
                let v = if nargs == 1 { format!("{}(1)", elem.wgsl()) } else { operands[0].clone() };
                self.rmw(&slot, o, &v, &t);
            }
            Op::Cmpxchg => {
                let (old, _) = self.cas_strong(&slot, &slot.word_of(&operands[0]), &slot.word_of(&operands[1]));
                self.emit(format!("{t} = {};", slot.value_of(&old)));
            }
            Op::CompareExchange => {
                let (place, ew) = expected.clone().expect("read above");
                let (old, exchanged) = self.cas_strong(&slot, &ew, &slot.word_of(&operands[0]));
                self.emit(format!("{t} = {exchanged};"));
                self.emit(format!("if (!{exchanged}) {{"));
                self.f().indent += 1;
                let found = self.conv(&Val::new(slot.value_of(&old), Ty::Scalar(elem)), &place.ty, pos)?;
                self.write(&place, &found, pos)?;
                self.f().indent -= 1;
                self.emit("}");
            }
            Op::Load => unreachable!("loads return above"),
        }
        if guard {
            self.f().indent -= 1;
            let now = format!("atomicLoad(&{r})");
            let seen = match op {
                Op::Store | Op::Clear => None,
                Op::TestAndSet => Some(format!("{now} != {}(0)", slot.word)),
                Op::CompareExchange => Some(format!("{now} == {}", expected.expect("read above").1)),
                _ => Some(slot.value_of(&now)),
            };
            if let Some(v) = seen {
                self.emit("} else {");
                self.emit(format!("    {t} = {v};"));
            }
            self.emit("}");
        }
        Ok(match rt {
            Ty::Void => Val::new("", Ty::Void),
            Ty::Bool => Val::boolean(t, INT),
            _ => Val::new(t, rt),
        })
    }

    /// A compare-and-exchange that fails only when the word differs from `cmp` (WGSL's is
    /// weak: it may fail spuriously). Returns the names of the word found and of whether it
    /// exchanged: plain variables, since naga 30's WGSL writer prints a variable of the
    /// predeclared result type under a name its own front end does not know.
    fn cas_strong(&mut self, s: &Slot, cmp: &str, new: &str) -> (String, String) {
        let (old, exchanged, x) = (self.fresh("o"), self.fresh("e"), self.fresh("x"));
        self.emit(format!("var {old}: {};", s.word));
        self.emit(format!("var {exchanged}: bool;"));
        self.emit("loop {");
        self.emit(format!("    let {x} = atomicCompareExchangeWeak(&{}, {cmp}, {new});", s.r));
        self.emit(format!("    if ({x}.exchanged || {x}.old_value != {cmp}) {{ {old} = {x}.old_value; {exchanged} = {x}.exchanged; break; }}"));
        self.emit("}");
        (old, exchanged)
    }

    /// `t = op(*slot, v)`, returning the old value: a WGSL atomic where one does it, else a
    /// compare-and-swap loop (floats; signed min/max on `u32` words).
    fn rmw(&mut self, s: &Slot, op: &str, v: &str, t: &str) {
        let r = s.r.clone();
        let native = match op {
            "xchg" => Some("atomicExchange"),
            _ if s.elem == Sc::Float => None,
            "min" | "max" if s.elem.wgsl() != s.word => None,
            "add" => Some("atomicAdd"),
            "sub" => Some("atomicSub"),
            "min" => Some("atomicMin"),
            "max" => Some("atomicMax"),
            "and" => Some("atomicAnd"),
            "or" => Some("atomicOr"),
            _ => Some("atomicXor"),
        };
        if let Some(f) = native {
            self.emit(format!("{t} = {};", s.value_of(&format!("{f}(&{r}, {})", s.word_of(v)))));
            return;
        }
        let o = self.fresh("o");
        self.emit(format!("var {o} = atomicLoad(&{r});"));
        self.emit("loop {");
        let old = s.value_of(&o);
        let new = match op {
            "add" => format!("{old} + {v}"),
            "sub" => format!("{old} - {v}"),
            "min" => format!("min({old}, {v})"),
            _ => format!("max({old}, {v})"),
        };
        let x = self.fresh("x");
        self.emit(format!("    let {x} = atomicCompareExchangeWeak(&{r}, {o}, {});", s.word_of(&new)));
        self.emit(format!("    if ({x}.exchanged) {{ break; }}"));
        self.emit(format!("    {o} = {x}.old_value;"));
        self.emit("}");
        self.emit(format!("{t} = {old};"));
    }
}
