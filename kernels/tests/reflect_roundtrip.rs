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
    assert_eq!(k.args[3].kind, ArgKind::Scalar { binding: 3, size: 4 });
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

/// Every corpus program's WGSL output parses again with naga and validates.
#[test]
fn corpus_wgsl_round_trips() {
    let dir = format!("{}/tests/corpus", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let p = common::build(&std::fs::read_to_string(&path).unwrap());
        // Programs with `__local` pointer arguments have override-sized workgroup arrays,
        // which naga 30's WGSL writer prints unparseably (see ProgramModule::to_wgsl): for
        // those the front end's own WGSL (opencl_c::to_wgsl) is the round-trippable text.
        let has_local_arg = p.kernels.iter().any(|k| k.args.iter().any(|a| matches!(a.kind, ArgKind::Local { .. })));
        let wgsl = if has_local_arg {
            let src = std::fs::read_to_string(&path).unwrap();
            opencl_c::to_wgsl(&src, &BuildOptions::default()).unwrap().0
        } else {
            p.to_wgsl().unwrap()
        };
        let m = naga::front::wgsl::parse_str(&wgsl).unwrap_or_else(|e| panic!("{}: {}\n{wgsl}", path.display(), e.emit_to_string(&wgsl)));
        validate(&m).unwrap_or_else(|e| panic!("{}: {}", path.display(), e.message));
        n += 1;
    }
    assert!(n >= 10, "corpus has {n} programs");
}
