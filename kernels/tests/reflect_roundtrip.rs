//! Reflection of OpenCL C kernels and the WGSL round trip of every corpus program.
mod common;
use wgcl_kernels::*;

#[test]
fn reflection_of_arguments() {
    let src = "__kernel __attribute__((work_group_size_hint(64,1,1))) void k(__global const float* restrict a, __constant int* c, __local float4* tmp, uint n, __global uchar* bytes) { bytes[0] = (uchar)(a[0] + c[0] + tmp[0].x + n); }";
    let p = opencl_c::build(src, &BuildOptions::default()).unwrap();
    let k = p.kernel("k").unwrap();
    let names: Vec<_> = k.args.iter().map(|a| (a.name.as_str(), a.type_name.as_str(), a.address_qualifier)).collect();
    assert_eq!(names, [
        ("a", "float*", AddressQualifier::Global),
        ("c", "int*", AddressQualifier::Constant),
        ("tmp", "float4*", AddressQualifier::Local),
        ("n", "uint", AddressQualifier::Private),
        ("bytes", "uchar*", AddressQualifier::Global),
    ]);
    assert_eq!(k.args[0].type_qualifiers, TypeQualifiers { is_const: true, is_restrict: true, is_volatile: false });
    assert_eq!(k.args[0].kind, ArgKind::Buffer { binding: 0, read_only: true });
    assert_eq!(k.args[1].kind, ArgKind::Buffer { binding: 1, read_only: true });
    assert_eq!(k.args[2].kind, ArgKind::Local { len_override: "wgcl_arg2_len".into(), elem_size: 16 });
    assert_eq!(k.args[3].kind, ArgKind::Scalar { binding: 3, offset: 0, size: 4 });
    assert_eq!(k.dispatch_binding, Some(5));
    assert_eq!(k.work_group_size_hint, Some([64, 1, 1]));
    assert_eq!(k.attributes, "work_group_size_hint(64,1,1)");
    assert!(matches!(k.workgroup_size, WorkgroupSize::Overridable(_)));
}

#[test]
fn options_define_and_include() {
    let opts = BuildOptions {
        options: "-D SCALE=3 -DOFF -I inc".into(),
        headers: vec![("inc/defs.h".into(), "#define TWICE(x) (2*(x))".into())],
        ..Default::default()
    };
    let src = "#include <defs.h>\n#ifndef OFF\n#error OFF must be defined\n#endif\n__kernel void k(__global int* a) { a[0] = TWICE(SCALE); }";
    opencl_c::build(src, &opts).unwrap();
}

/// Every corpus program's WGSL output (`to_wgsl`, the text with overrides) parses again with
/// naga and validates, and so does the text specialised for a local size and `__local`
/// argument lengths, which has no overrides left.
#[test]
fn corpus_wgsl_round_trips() {
    let dir = format!("{}/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let p = common::build(&std::fs::read_to_string(&path).unwrap());
        let wgsl = p.to_wgsl().unwrap();
        let m = naga::front::wgsl::parse_str(&wgsl).unwrap_or_else(|e| panic!("{}: {}\n{wgsl}", path.display(), e.emit_to_string(&wgsl)));
        validate(&m).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
        assert_eq!(m.overrides.len(), p.module.overrides.len());

        let mut constants: Vec<(String, f64)> = Vec::new();
        for k in &p.kernels {
            if let WorkgroupSize::Overridable(names) = &k.workgroup_size {
                constants.extend(names.iter().cloned().zip([16.0, 2.0, 1.0]));
            }
            for a in &k.args {
                if let ArgKind::Local { len_override, .. } = &a.kind {
                    constants.push((len_override.clone(), 96.0));
                }
            }
        }
        constants.sort_by(|a, b| a.0.cmp(&b.0));
        constants.dedup_by(|a, b| a.0 == b.0);
        let cref: Vec<(&str, f64)> = constants.iter().map(|(k, v)| (k.as_str(), *v)).collect();
        let spec = p.to_wgsl_specialized(&cref).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.log()));
        let m = naga::front::wgsl::parse_str(&spec).unwrap();
        assert!(m.overrides.is_empty(), "{}: overrides left", path.display());
        validate(&m).unwrap();
        for ep in &m.entry_points {
            let k = p.kernels.iter().find(|k| k.entry_point == ep.name).unwrap();
            let want = match k.workgroup_size {
                WorkgroupSize::Fixed(s) => s,
                WorkgroupSize::Overridable(_) => [16, 2, 1],
            };
            assert_eq!(ep.workgroup_size, want, "{}: {}", path.display(), ep.name);
        }
        for (_, gv) in m.global_variables.iter() {
            if gv.space == naga::AddressSpace::WorkGroup {
                if let naga::TypeInner::Array { size, .. } = m.types[gv.ty].inner {
                    assert!(matches!(size, naga::ArraySize::Constant(_)), "{}: {:?}", path.display(), gv.name);
                    if gv.name.as_deref().is_some_and(|n| n.starts_with("wgcl_k")) && constants.iter().any(|(c, _)| c.ends_with("_len")) {
                        // `__local` arguments got the 96 elements asked for.
                        if let naga::ArraySize::Constant(c) = size {
                            let is_arg = p.kernels.iter().any(|k| k.args.iter().any(|a| matches!(a.kind, ArgKind::Local { .. }) && gv.name.as_deref() == Some(&format!("wgcl_k{}_{}", p.kernels.iter().position(|kk| kk.name == k.name).unwrap(), a.name))));
                            if is_arg {
                                assert_eq!(c.get(), 96, "{}: {:?}", path.display(), gv.name);
                            }
                        }
                    }
                }
            }
        }
        n += 1;
    }
    assert_eq!(n, 15, "corpus programs");
}

#[test]
fn specialisation_errors_and_wgsl_programs() {
    let src = "override wgcl_local_size_x: u32 = 1;\noverride wgcl_local_size_y: u32 = 1;\noverride wgcl_local_size_z: u32 = 1;\n@id(7) override scale: f32;\noverride flag: bool = true;\n// override in a comment\n@group(0) @binding(0) var<storage, read_write> a: array<f32>;\n@compute @workgroup_size(wgcl_local_size_x, wgcl_local_size_y, wgcl_local_size_z)\nfn k(@builtin(global_invocation_id) g: vec3<u32>) { if (flag) { a[g.x] = a[g.x] * scale; } }\n";
    let p = wgsl::build(src).unwrap();
    // `scale` has no default: a value is required, by name or by @id.
    assert!(p.to_wgsl_specialized(&[]).unwrap_err().message.contains("`scale` has no default"));
    assert!(p.to_wgsl_specialized(&[("nope", 1.0)]).unwrap_err().message.contains("no override named `nope`"));
    assert!(p.to_wgsl_specialized(&[("scale", 1.0), ("wgcl_local_size_x", -1.0)]).unwrap_err().message.contains("does not fit"));
    let s = p.to_wgsl_specialized(&[("7", 2.5), ("wgcl_local_size_x", 32.0)]).unwrap();
    assert!(s.contains("const scale: f32 = 2.5f;"), "{s}");
    assert!(s.contains("const wgcl_local_size_x: u32 = 32u;"), "{s}");
    assert!(s.contains("const flag: bool = bool(true);"), "{s}");
    assert!(s.contains("// override in a comment"), "{s}");
    assert!(!s.contains("@id"), "{s}");
    let m = naga::front::wgsl::parse_str(&s).unwrap();
    assert_eq!(m.entry_points[0].workgroup_size, [32, 1, 1]);
}

/// By-value arguments share one uniform binding, each at its own word-aligned offset.
#[test]
fn by_value_arguments_are_packed_in_one_binding() {
    let src = "__kernel void k(char c, __global int* out, double2 d, short s, float4 f) { out[0] = c + s + (int)f.x + (int)d.y; }";
    let p = opencl_c::build(src, &BuildOptions { caps: DeviceCaps { f64: true, ..Default::default() }, ..Default::default() }).unwrap();
    let k = p.kernel("k").unwrap();
    let kinds: Vec<_> = k.args.iter().map(|a| a.kind.clone()).collect();
    assert_eq!(kinds, [
        ArgKind::Scalar { binding: 0, offset: 0, size: 1 },
        ArgKind::Buffer { binding: 1, read_only: false },
        ArgKind::Scalar { binding: 0, offset: 4, size: 16 },
        ArgKind::Scalar { binding: 0, offset: 20, size: 2 },
        ArgKind::Scalar { binding: 0, offset: 24, size: 16 },
    ]);
}
