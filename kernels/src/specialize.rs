//! Specialisations of a program's WGSL text:
//!
//! * [`ProgramModule::to_wgsl_specialized`]: pipeline-overridable constants replaced by
//!   concrete values, for consumers that take WGSL text and should not (or cannot)
//!   specialise at pipeline creation, e.g. a browser runtime that compiles one shader module
//!   per specialisation.
//! * [`ProgramModule::to_storage_read_write`]: every storage buffer writable, for launches
//!   that bind one buffer as a read-only input and a writable output.
//!
//! Both work on the WGSL text a program was parsed from ([`crate::ProgramModule::wgsl_source`]):
//! every `override NAME[: T][ = DEFAULT];` declaration (with an optional `@id(n)` attribute)
//! becomes `const NAME: T = VALUE;`. Everything else is left as written, so the result keeps
//! the front end's names, bindings and entry points. The result is parsed and validated by
//! naga before it is returned.
use crate::{BuildError, ProgramModule};

impl ProgramModule {
    /// The WGSL text with every override replaced by a `const`: `constants` gives values by
    /// override name or by `@id` number (as wgpu's `PipelineCompilationOptions::constants`
    /// does); overrides not given keep their default expression, and one with neither is an
    /// error, as is a name that matches no override.
    ///
    /// For OpenCL C kernels the overrides are the local size (`wgcl_local_size_x/y/z`, see
    /// [`crate::WorkgroupSize::Overridable`]) and the element counts of `__local` arguments
    /// (`wgcl_arg<i>_len`, see [`crate::ArgKind::Local`]).
    pub fn to_wgsl_specialized(&self, constants: &[(&str, f64)]) -> Result<String, BuildError> {
        let src = self.wgsl_source()?;
        // Name, type and @id of every override, from the module itself.
        let mut decls = Vec::new();
        for (_, o) in self.module.overrides.iter() {
            let name = o.name.clone().ok_or_else(|| BuildError::new("an override without a name cannot be specialised"))?;
            let ty = match &self.module.types[o.ty].inner {
                naga::TypeInner::Scalar(s) => *s,
                other => return Err(BuildError::new(format!("override `{name}` has a non-scalar type {other:?}"))),
            };
            decls.push((name, ty, o.id));
        }
        for (key, _) in constants {
            let known = decls.iter().any(|(n, _, id)| n == key || id.is_some_and(|id| key.parse::<u16>() == Ok(id)));
            if !known {
                return Err(BuildError::new(format!("no override named `{key}` in the program")));
            }
        }
        let value_of = |name: &str, id: Option<u16>| {
            constants
                .iter()
                .rev()
                .find(|(k, _)| *k == name || id.is_some_and(|id| k.parse::<u16>() == Ok(id)))
                .map(|(_, v)| *v)
        };
        let mut out = String::with_capacity(src.len());
        let mut rest: &str = &src;
        let mut replaced = 0usize;
        while let Some(at) = find_keyword(rest, "override") {
            let end = rest[at..].find(';').map(|e| at + e).ok_or_else(|| BuildError::new("unterminated override declaration"))?;
            let decl = &rest[at + "override".len()..end];
            let (head, default) = match decl.split_once('=') {
                Some((h, d)) => (h, Some(d.trim())),
                None => (decl, None),
            };
            let name = head.split(':').next().unwrap_or_default().trim();
            let Some((_, scalar, id)) = decls.iter().find(|(n, _, _)| n == name) else {
                return Err(BuildError::new(format!("override `{name}` is declared in the text but not in the module")));
            };
            let value = match value_of(name, *id) {
                Some(v) => literal(name, *scalar, v)?,
                None => match default {
                    Some(d) => format!("{}({d})", scalar_wgsl(*scalar)?),
                    None => return Err(BuildError::new(format!("override `{name}` has no default and no value was given"))),
                },
            };
            out.push_str(strip_id_attribute(&rest[..at]));
            out.push_str(&format!("const {name}: {} = {value}", scalar_wgsl(*scalar)?));
            rest = &rest[end..];
            replaced += 1;
        }
        out.push_str(rest);
        if replaced != decls.len() {
            return Err(BuildError::new(format!("found {replaced} override declarations in the text, the module has {}", decls.len())));
        }
        let module = naga::front::wgsl::parse_str(&out).map_err(|e| {
            BuildError::new(format!("internal error: specialised WGSL does not parse: {}\n{out}", e.emit_to_string(&out)))
        })?;
        crate::validate(&module)
            .map_err(|e| BuildError::new(format!("internal error: specialised WGSL does not validate: {}", e.message)))?;
        Ok(out)
    }
}

impl ProgramModule {
    /// The program with every storage buffer (and storage pointer type) `read_write`.
    ///
    /// OpenCL lets one buffer be a kernel's `const` input and its output at once (or two
    /// sub-buffers of one buffer be); wgpu refuses a dispatch that uses one buffer both
    /// read-only and writable. This variant binds every buffer writable, which wgpu accepts
    /// for any aliasing; the runtime uses it only for launches that alias. The kernels'
    /// reflection is kept, with every buffer argument marked writable.
    pub fn to_storage_read_write(&self) -> Result<ProgramModule, BuildError> {
        let src = self.wgsl_source()?;
        let mut out = String::with_capacity(src.len() + 64);
        let mut rest: &str = &src;
        loop {
            let var = find_keyword(rest, "var");
            let ptr = find_keyword(rest, "ptr");
            let (at, is_ptr) = match (var, ptr) {
                (Some(v), Some(p)) if p < v => (p, true),
                (Some(v), _) => (v, false),
                (None, Some(p)) => (p, true),
                (None, None) => break,
            };
            let kw_end = at + 3;
            out.push_str(&rest[..kw_end]);
            rest = &rest[kw_end..];
            let open = rest.len() - rest.trim_start().len();
            if !rest[open..].starts_with('<') {
                continue;
            }
            let close = template_end(&rest[open..]).ok_or_else(|| BuildError::new("unterminated template list"))? + open;
            let args = split_top_level(&rest[open + 1..close]);
            if args.first().map(|a| a.trim()) == Some("storage") {
                // var<storage[, access]>; ptr<storage, T[, access]>: the access mode is last.
                let kept = if is_ptr { 2 } else { 1 };
                if args.len() < kept {
                    return Err(BuildError::new("a storage pointer type without a store type"));
                }
                let mut t: Vec<&str> = args[..kept].iter().map(|a| a.trim()).collect();
                t.push("read_write");
                out.push('<');
                out.push_str(&t.join(", "));
                out.push('>');
                rest = &rest[close + 1..];
            }
        }
        out.push_str(rest);
        let module = naga::front::wgsl::parse_str(&out).map_err(|e| {
            BuildError::new(format!("internal error: read-write WGSL does not parse: {}", e.emit_to_string(&out)))
        })?;
        let module_info = crate::validate(&module)
            .map_err(|e| BuildError::new(format!("the read-write variant does not validate: {}", e.message)))?;
        let mut kernels = self.kernels.clone();
        for arg in kernels.iter_mut().flat_map(|k| k.args.iter_mut()) {
            if let crate::ArgKind::Buffer { read_only, .. } = &mut arg.kind {
                *read_only = false;
            }
        }
        Ok(ProgramModule { language: self.language, module, module_info, kernels, log: self.log.clone(), wgsl_text: Some(out), printf_formats: self.printf_formats.clone() })
    }
}

/// The index of the `>` closing the template list that `s` starts with (`<`).
fn template_end(s: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in s.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `s` split at the commas outside nested template lists and parentheses.
fn split_top_level(s: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '<' | '(' => depth += 1,
            '>' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    if !s[start..].trim().is_empty() {
        parts.push(&s[start..]);
    }
    parts
}

/// The WGSL spelling of an override's scalar type.
fn scalar_wgsl(s: naga::Scalar) -> Result<&'static str, BuildError> {
    use naga::ScalarKind::*;
    Ok(match (s.kind, s.width) {
        (Bool, _) => "bool",
        (Sint, 4) => "i32",
        (Uint, 4) => "u32",
        (Float, 4) => "f32",
        (Float, 2) => "f16",
        _ => return Err(BuildError::new(format!("overrides of type {s:?} are not supported"))),
    })
}

/// `v` as a WGSL literal of the override's type; refuses values the type cannot hold (as
/// WebGPU's pipeline creation does).
fn literal(name: &str, s: naga::Scalar, v: f64) -> Result<String, BuildError> {
    use naga::ScalarKind::*;
    let bad = || BuildError::new(format!("value {v} does not fit override `{name}` of type {}", scalar_wgsl(s).unwrap_or("?")));
    Ok(match (s.kind, s.width) {
        (Bool, _) => (v != 0.0).to_string(),
        (Sint, 4) if v.fract() == 0.0 && v >= i32::MIN as f64 && v <= i32::MAX as f64 => format!("{}i", v as i32),
        (Uint, 4) if v.fract() == 0.0 && v >= 0.0 && v <= u32::MAX as f64 => format!("{}u", v as u32),
        (Float, 4) if v.is_finite() && (v as f32).is_finite() => format!("{:?}f", v as f32),
        (Float, 2) if v.is_finite() && v.abs() <= 65504.0 => format!("{:?}h", v as f32),
        _ => return Err(bad()),
    })
}

/// Finds `kw` as a whole word outside comments.
fn find_keyword(s: &str, kw: &str) -> Option<usize> {
    let b = s.as_bytes();
    let ident = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            i += s[i..].find('\n').unwrap_or(s.len() - i);
            continue;
        }
        if b[i..].starts_with(b"/*") {
            // WGSL block comments nest.
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
            continue;
        }
        if b[i..].starts_with(kw.as_bytes()) && (i == 0 || !ident(b[i - 1])) && b.get(i + kw.len()).is_none_or(|c| !ident(*c)) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Drops a trailing `@id(...)` attribute (a `const` cannot have one) from `before`.
fn strip_id_attribute(before: &str) -> &str {
    let t = before.trim_end();
    if t.ends_with(')') {
        if let Some(at) = t.rfind("@id") {
            let between = &t[at + 3..];
            if between.trim_start().starts_with('(') && between.matches(')').count() == 1 {
                return &t[..at];
            }
        }
    }
    before
}

#[cfg(test)]
mod tests {
    use crate::{build, ArgKind, BuildOptions};

    #[test]
    fn read_write_variant_rewrites_every_storage_access_mode() {
        let src = "@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage> b: array<vec4<f32>, 4>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
// var<storage, read> in a comment stays as written
@compute @workgroup_size(1) fn k() { let p: ptr<storage, array<vec4<f32>, 4>> = &b; c[0] = a[0] + (*p)[0].x; }";
        let p = build(src, &BuildOptions::default()).unwrap();
        let rw = p.to_storage_read_write().unwrap();
        let text = rw.wgsl_text.as_deref().unwrap();
        assert!(text.contains("var<storage, read_write> a: array<f32>;"), "{text}");
        assert!(text.contains("var<storage, read_write> b: array<vec4<f32>, 4>;"), "{text}");
        assert!(text.contains("ptr<storage, array<vec4<f32>, 4>, read_write>"), "{text}");
        assert!(text.contains("// var<storage, read> in a comment"), "{text}");
        let access: Vec<_> = rw.module.global_variables.iter().map(|(_, g)| g.space).collect();
        let rw_space = naga::AddressSpace::Storage { access: naga::StorageAccess::LOAD | naga::StorageAccess::STORE };
        assert_eq!(access, [rw_space; 3]);
        let kinds: Vec<_> = rw.kernels[0].args.iter().map(|a| a.kind.clone()).collect();
        assert!(kinds.iter().all(|k| matches!(k, ArgKind::Buffer { read_only: false, .. })), "{kinds:?}");
    }
}
