//! Idioms of generated OpenCL C from real clients (pyopencl): byte offsets applied through a
//! `char*` view of a typed buffer, and headers found on disk through `-I`.
mod common;
use common::*;
use wgcl_kernels::{build as build_with, BuildOptions};

/// pyopencl's elementwise prologue: `(T*)((char*)base + byte_offset)` (pyopencl passes
/// `long` offsets; `int` here because this harness's device caps have no 64-bit integers).
const BYTE_OFFSET: &str = r#"
__kernel void axpb(__global float *z__base, int z__offset, __global const float *x__base, int x__offset, float a, int n)
{
    __global float *z = (__global float *) ((__global char *) z__base + z__offset);
    __global const float *x = (__global const float *) ((__global const char *) x__base + x__offset);
    for (int i = get_global_id(0); i < n; i += get_global_size(0))
        z[i] = a * x[i] + 1.0f;
}
"#;

#[test]
fn byte_offset_views_run() {
    let p = build(BYTE_OFFSET);
    let x: Vec<f32> = (0..64).map(|i| i as f32).collect();
    let z = vec![0.0f32; 64];
    // z offset by 8 floats (32 bytes), x by 4 floats (16 bytes), 40 elements.
    let out = run(
        &p,
        "axpb",
        &[Arg::Buf(f32s(&z)), Arg::Val(32i32.to_ne_bytes().to_vec()), Arg::Buf(f32s(&x)), Arg::Val(16i32.to_ne_bytes().to_vec()), Arg::Val(f32s(&[2.0])), Arg::Val(40i32.to_ne_bytes().to_vec())],
        &[64],
        &[64],
    );
    let got = to_f32s(&out[0]);
    for i in 0..64 {
        let want = if (8..48).contains(&i) { 2.0 * x[i - 8 + 4] + 1.0 } else { 0.0 };
        assert_eq!(got[i], want, "z[{i}]");
    }
}

#[test]
fn byte_view_cannot_be_dereferenced() {
    let e = build_with("__kernel void k(__global float *p) { __global char *c = (__global char *)p; c[1] = 0; }", &BuildOptions::default())
        .expect_err("dereferencing a char view of float memory must be refused");
    assert!(e.log().contains("`char*` view of `float` memory"), "{}", e.log());
}

#[test]
fn include_from_disk_through_dash_i() {
    let dir = std::env::temp_dir().join(format!("wgcl-inc-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("top.h"), "#include \"sub/inner.h\"\n#define TOP (INNER + 1)\n").unwrap();
    // inner.h includes a sibling by a name relative to its own directory.
    std::fs::write(dir.join("sub/inner.h"), "#include \"sibling.h\"\n#define INNER (SIBLING * 2)\n").unwrap();
    std::fs::write(dir.join("sub/sibling.h"), "#define SIBLING 20\n").unwrap();
    let src = "#include <top.h>\n__kernel void k(__global int *o) { o[0] = TOP; }";
    let opts = BuildOptions { options: format!("-I {}", dir.display()), ..Default::default() };
    let p = build_with(src, &opts).unwrap_or_else(|e| panic!("{}", e.log()));
    let out = run(&p, "k", &[Arg::Buf(i32s(&[0]))], &[1], &[1]);
    assert_eq!(to_i32s(&out[0]), vec![41]);
    // Without -I it is not found.
    let e = build_with(src, &BuildOptions::default()).err().unwrap();
    assert!(e.log().contains("header `top.h` not found"), "{}", e.log());
    let _ = std::fs::remove_dir_all(&dir);
}

/// pyopencl-complex.h's `cfloat_t`: a union of two anonymous structs with the same layout.
#[test]
fn union_of_same_layout_members_aliases() {
    let src = r#"
typedef union {
    struct { float x, y; } __attribute__ ((aligned (8)));
    struct { float real, imag; } __attribute__ ((aligned (8)));
} cfloat_t;
cfloat_t cmul(cfloat_t a, cfloat_t b) { cfloat_t r; r.real = a.x * b.x - a.y * b.y; r.imag = a.real * b.imag + a.imag * b.real; return r; }
__kernel void k(__global cfloat_t *z, __global const float *w) {
    int i = get_global_id(0);
    cfloat_t b; b.x = w[0]; b.y = w[1];
    z[i] = cmul(z[i], b);
}
"#;
    let p = build(src);
    let z = [1.0f32, 2.0, 3.0, -1.0];
    let out = run(&p, "k", &[Arg::Buf(f32s(&z)), Arg::Buf(f32s(&[0.5, 4.0]))], &[2], &[1]);
    // (1+2i)(0.5+4i) = 0.5-8 + (4+1)i; (3-i)(0.5+4i) = 1.5+4 + (12-0.5)i
    assert_eq!(to_f32s(&out[0]), vec![-7.5, 5.0, 5.5, 11.5]);
    // Members of different layouts are words instead (see corpus union_pun.cl); anonymous
    // struct members of different layouts are not supported.
    let p = build("union u { int a; float b; };\n__kernel void k(__global int *o) { union u v; v.b = 1.0f; o[0] = v.a; }");
    let out = run(&p, "k", &[Arg::Buf(i32s(&[0]))], &[1], &[1]);
    assert_eq!(to_i32s(&out[0]), vec![1.0f32.to_bits() as i32]);
    let e = build_with("union u { struct { int a; }; float b; };\n__kernel void k(__global int *o) { o[0] = 0; }", &BuildOptions::default()).err().unwrap();
    assert!(e.log().contains("same layout"), "{}", e.log());
}

/// Random123 (pyopencl.clrandom) declares prototypes, with attributes, before definitions.
#[test]
fn prototypes_before_definitions() {
    let src = "inline int twice(int a) __attribute__((always_inline));\nint thrice(int a), once(int a);\n__kernel void k(__global int *o) { o[0] = twice(o[0]) + thrice(1); }\ninline int twice(int a) { return 2 * a; }\nint thrice(int a) { return 3 * a; }";
    let p = build(src);
    let out = run(&p, "k", &[Arg::Buf(i32s(&[20]))], &[1], &[1]);
    assert_eq!(to_i32s(&out[0]), vec![43]);
}
