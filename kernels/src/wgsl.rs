//! WGSL programs: every `@compute` entry point is a kernel.
//!
//! Arguments are recovered from the module by the conventions of the crate docs:
//! argument *i* is the group-0 resource at `@binding(i)` (storage buffer -> `cl_mem`,
//! uniform -> by-value bytes), or a workgroup array sized by `override wgcl_arg<i>_len: u32`
//! (a `__local` argument). A uniform named `wgcl_dispatch` receives the
//! [`crate::DispatchInfo`] block and is not an argument. A workgroup size given as
//! `@workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)` of overrides is
//! chosen per enqueue; a literal one is fixed.
use std::collections::BTreeMap;

use naga::{AddressSpace, ArraySize, Module, StorageAccess, TypeInner};

use crate::*;

/// Names of the overrides that make a WGSL kernel's workgroup size chosen per enqueue.
pub const LOCAL_SIZE_OVERRIDES: [&str; 3] =
    ["wgcl_local_size_x", "wgcl_local_size_y", "wgcl_local_size_z"];

pub fn build(source: &str) -> Result<ProgramModule, BuildError> {
    let module = naga::front::wgsl::parse_str(source).map_err(|e| {
        let pos = e.location(source).map(|l| SourcePos {
            file: "program.wgsl".into(),
            line: l.line_number,
            col: l.line_position,
        });
        BuildError { message: e.message().to_string(), pos }
    })?;
    let module_info = validate(&module)?;
    let kernels = reflect(&module, &module_info)?;
    if kernels.is_empty() {
        return Err(BuildError::new("the program has no @compute entry point (no kernel)"));
    }
    Ok(ProgramModule { language: SourceLanguage::Wgsl, module, module_info, kernels, log: String::new(), wgsl_text: Some(source.to_string()), printf_formats: Default::default() })
}

fn type_name(module: &Module, ty: naga::Handle<naga::Type>) -> String {
    let t = &module.types[ty];
    if let Some(name) = &t.name {
        return name.clone();
    }
    match &t.inner {
        TypeInner::Scalar(s) => scalar_name(*s).into(),
        TypeInner::Vector { size, scalar } => format!("{}{}", scalar_name(*scalar), *size as u8),
        TypeInner::Array { base, .. } => format!("{}*", type_name(module, *base)),
        other => format!("{other:?}"),
    }
}

fn scalar_name(s: naga::Scalar) -> &'static str {
    use naga::ScalarKind::*;
    match (s.kind, s.width) {
        (Float, 2) => "half",
        (Float, 4) => "float",
        (Float, 8) => "double",
        (Sint, 4) => "int",
        (Uint, 4) => "uint",
        (Sint, 8) => "long",
        (Uint, 8) => "ulong",
        (Bool, _) => "bool",
        _ => "unknown",
    }
}

/// Reflects every compute entry point of `module` as a kernel.
pub fn reflect(module: &Module, info: &naga::valid::ModuleInfo) -> Result<Vec<KernelInfo>, BuildError> {
    let mut layouter = naga::proc::Layouter::default();
    layouter
        .update(module.to_ctx())
        .map_err(|e| BuildError::new(format!("layout failed: {e}")))?;
    let mut kernels = Vec::new();
    for (ep_index, ep) in module.entry_points.iter().enumerate() {
        if ep.stage != naga::ShaderStage::Compute {
            continue;
        }
        let ep_info = info.get_entry_point(ep_index);
        let mut args: BTreeMap<u32, KernelArgInfo> = BTreeMap::new();
        let mut dispatch_binding = None;
        let mut static_local = 0u64;
        // Resources the entry point uses come first; a binding it leaves unused is filled by
        // another kernel's resource at that binding, so OpenCL's dense argument indices hold.
        let used = module.global_variables.iter().filter(|(h, _)| !ep_info[*h].is_empty());
        let unused = module.global_variables.iter().filter(|(h, _)| ep_info[*h].is_empty());
        for (used_here, (_, var)) in used.map(|v| (true, v)).chain(unused.map(|v| (false, v))) {
            if !used_here
                && (var.space == AddressSpace::WorkGroup
                    || var.binding.as_ref().is_none_or(|b| b.group != 0 || args.contains_key(&b.binding)))
            {
                continue;
            }
            let name = var.name.clone().unwrap_or_default();
            match var.space {
                AddressSpace::Storage { access } => {
                    let b = binding_of(var, &name)?;
                    let read_only = !access.contains(StorageAccess::STORE);
                    args.insert(b, KernelArgInfo {
                        name,
                        type_name: type_name(module, var.ty),
                        address_qualifier: if read_only { AddressQualifier::Constant } else { AddressQualifier::Global },
                        access_qualifier: AccessQualifier::None,
                        type_qualifiers: TypeQualifiers { is_const: read_only, ..Default::default() },
                        kind: ArgKind::Buffer { binding: b, read_only },
                    });
                }
                AddressSpace::Uniform => {
                    let b = binding_of(var, &name)?;
                    if name == DispatchInfo::VAR_NAME {
                        dispatch_binding = dispatch_binding.or(Some(b).filter(|_| used_here));
                        continue;
                    }
                    args.insert(b, KernelArgInfo {
                        name,
                        type_name: type_name(module, var.ty),
                        address_qualifier: AddressQualifier::Private,
                        access_qualifier: AccessQualifier::None,
                        type_qualifiers: TypeQualifiers::default(),
                        kind: ArgKind::Scalar { binding: b, offset: 0, size: layouter[var.ty].size },
                    });
                }
                AddressSpace::WorkGroup => {
                    if let TypeInner::Array { base, size: ArraySize::Pending(ov), stride } = module.types[var.ty].inner {
                        let ov_name = module.overrides[ov].name.clone().unwrap_or_default();
                        let index = ov_name
                            .strip_prefix("wgcl_arg")
                            .and_then(|s| s.strip_suffix("_len"))
                            .and_then(|s| s.parse::<u32>().ok())
                            .ok_or_else(|| BuildError::new(format!(
                                "workgroup array `{name}` is sized by override `{ov_name}`; a __local argument must be sized by `wgcl_arg<N>_len`"
                            )))?;
                        args.insert(index, KernelArgInfo {
                            name,
                            type_name: format!("{}*", type_name(module, base)),
                            address_qualifier: AddressQualifier::Local,
                            access_qualifier: AccessQualifier::None,
                            type_qualifiers: TypeQualifiers::default(),
                            kind: ArgKind::Local { len_override: ov_name, elem_size: stride },
                        });
                    } else {
                        static_local += layouter[var.ty].size as u64;
                    }
                }
                _ => {}
            }
        }
        // Only the gaps below the highest argument the kernel uses are filled.
        let last_used = module
            .global_variables
            .iter()
            .filter(|(h, v)| !ep_info[*h].is_empty() && v.space != AddressSpace::WorkGroup)
            .filter_map(|(_, v)| v.binding.as_ref().map(|b| b.binding))
            .chain(args.iter().filter(|(_, a)| matches!(a.kind, ArgKind::Local { .. })).map(|(i, _)| *i))
            .max();
        args.retain(|i, _| Some(*i) <= last_used);
        // Arguments must be numbered 0..n without gaps, as clSetKernelArg indexes them.
        for (expected, (&index, arg)) in args.iter().enumerate() {
            if index as usize != expected {
                return Err(BuildError::new(format!(
                    "kernel `{}`: argument `{}` has index {index} but argument {expected} is missing",
                    ep.name, arg.name
                )));
            }
        }
        let workgroup_size = match ep.workgroup_size_overrides {
            Some(ovs) => {
                let names: Vec<String> = ovs
                    .iter()
                    .map(|h| h.and_then(|h| override_name(module, &ep.function, h)).unwrap_or_default())
                    .collect();
                if names.iter().zip(LOCAL_SIZE_OVERRIDES).any(|(n, want)| n != want) {
                    return Err(BuildError::new(format!(
                        "kernel `{}`: an overridable workgroup size must be @workgroup_size({})",
                        ep.name,
                        LOCAL_SIZE_OVERRIDES.join(", ")
                    )));
                }
                WorkgroupSize::Overridable(LOCAL_SIZE_OVERRIDES.map(String::from))
            }
            None => WorkgroupSize::Fixed(ep.workgroup_size),
        };
        kernels.push(KernelInfo {
            name: ep.name.clone(),
            entry_point: ep.name.clone(),
            args: args.into_values().collect(),
            workgroup_size,
            reqd_work_group_size: None,
            work_group_size_hint: None,
            attributes: String::new(),
            dispatch_binding,
            printf_binding: None,
            virtual_groups: false,
            static_local_mem_size: static_local,
        });
    }
    Ok(kernels)
}

fn binding_of(var: &naga::GlobalVariable, name: &str) -> Result<u32, BuildError> {
    match var.binding {
        Some(naga::ResourceBinding { group: 0, binding }) => Ok(binding),
        _ => Err(BuildError::new(format!("resource `{name}` must be in @group(0)"))),
    }
}

fn override_name(
    module: &Module,
    _f: &naga::Function,
    expr: naga::Handle<naga::Expression>,
) -> Option<String> {
    match module.global_expressions[expr] {
        naga::Expression::Override(o) => module.overrides[o].name.clone(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
override wgcl_local_size_x: u32 = 64;
override wgcl_local_size_y: u32 = 1;
override wgcl_local_size_z: u32 = 1;
override wgcl_arg3_len: u32 = 1;
@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read_write> b: array<f32>;
@group(0) @binding(2) var<uniform> n: u32;
var<workgroup> tile: array<f32, wgcl_arg3_len>;
@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)
fn k(@builtin(global_invocation_id) g: vec3<u32>, @builtin(local_invocation_index) l: u32) {
    tile[l] = a[g.x];
    workgroupBarrier();
    if (g.x < n) { b[g.x] = tile[l] * 2.0; }
}
@compute @workgroup_size(8)
fn fixed(@builtin(global_invocation_id) g: vec3<u32>) { b[g.x] = 1.0; }
"#;

    #[test]
    fn reflects_arguments_in_binding_order() {
        let p = build(SRC).unwrap();
        let k = p.kernel("k").unwrap();
        let kinds: Vec<_> = k.args.iter().map(|a| a.kind.clone()).collect();
        assert_eq!(kinds, vec![
            ArgKind::Buffer { binding: 0, read_only: true },
            ArgKind::Buffer { binding: 1, read_only: false },
            ArgKind::Scalar { binding: 2, offset: 0, size: 4 },
            ArgKind::Local { len_override: "wgcl_arg3_len".into(), elem_size: 4 },
        ]);
        assert_eq!(k.args[3].address_qualifier, AddressQualifier::Local);
        assert_eq!(k.args[0].name, "a");
        assert!(matches!(k.workgroup_size, WorkgroupSize::Overridable(_)));
        let f = p.kernel("fixed").unwrap();
        assert_eq!(f.workgroup_size, WorkgroupSize::Fixed([8, 1, 1]));
        assert_eq!(f.args.len(), 2, "binding 0, unused by `fixed`, is still argument 0");
        assert_eq!(f.args[1].name, "b");
    }

    #[test]
    fn syntax_error_has_position() {
        let e = build("@compute @workgroup_size(1)\nfn k() { let x = ; }").unwrap_err();
        let pos = e.pos.clone().expect("position");
        assert_eq!((pos.line, pos.col > 0), (2, true));
        assert!(e.log().starts_with("program.wgsl:2:"), "{}", e.log());
    }

    #[test]
    fn gap_in_arguments_is_refused() {
        let e = build("@group(0) @binding(1) var<storage, read_write> b: array<f32>;\n@compute @workgroup_size(1) fn k() { b[0] = 1.0; }").unwrap_err();
        assert!(e.message.contains("argument 0 is missing"), "{}", e.message);
    }

    #[test]
    fn no_kernel_is_refused() {
        assert!(build("fn f() {}").unwrap_err().message.contains("no @compute"));
    }
}
