//! printf in OpenCL C: formats checked at build (errors at `file:line:col`), the program's
//! format table and the kernel's printf binding in the reflection.
use wgcl_kernels::printf::{PrintfArg, PrintfFormat, ValTy};
use wgcl_kernels::{opencl_c::build, BuildOptions, DeviceCaps};

fn caps() -> BuildOptions {
    BuildOptions { caps: DeviceCaps { f16: false, f64: true, i64: true, i64_atomics: false }, ..Default::default() }
}

fn err(src: &str) -> String {
    build(src, &caps()).map(|_| ()).expect_err("build must fail").log()
}

#[test]
fn reflection_has_the_table_and_binding() {
    let src = "void helper(float x) { printf(\"x=%f %s\\n\", x, \"lit\"); }\n\
               __kernel void k(__global int* a, int n) { a[0] = printf(\"%d %v2hlx %ld\\n\", n, (uint2)(1, 2), (long)n); helper(1.5f); }\n\
               __kernel void quiet(__global int* a) { a[0] = 1; }";
    let p = build(src, &caps()).unwrap();
    let k = p.kernel("k").unwrap();
    assert_eq!(k.dispatch_binding, Some(2));
    assert_eq!(k.printf_binding, Some(3));
    assert_eq!(p.kernel("quiet").unwrap().printf_binding, None);
    assert_eq!(
        p.printf_formats.as_slice(),
        &[
            PrintfFormat {
                format: b"%d %v2hlx %ld\n".to_vec(),
                args: vec![
                    PrintfArg::Values { ty: ValTy::Int32, n: 1 },
                    PrintfArg::Values { ty: ValTy::Int32, n: 2 },
                    PrintfArg::Values { ty: ValTy::Int64, n: 1 },
                ],
            },
            PrintfFormat { format: b"x=%f %s\n".to_vec(), args: vec![PrintfArg::Values { ty: ValTy::F32, n: 1 }, PrintfArg::Str(b"lit".to_vec())] },
        ]
    );
}

#[test]
fn bad_calls_are_build_errors() {
    let k = |body: &str| format!("__kernel void k(__global int* a, float f, int i) {{\n  {body}\n}}");
    assert_eq!(err(&k("printf(\"%d\\n\");")), "program.cl:2:3: error: printf: the format has 1 conversion(s) but 0 argument(s) follow it");
    assert_eq!(err(&k("printf(\"%d\\n\", f);")), "program.cl:2:18: error: printf: `%d` takes an integer, this argument is `float`");
    assert_eq!(err(&k("printf(\"%f\\n\", i);")), "program.cl:2:18: error: printf: `%f` takes a floating-point value, this argument is `int`");
    assert_eq!(err(&k("printf(\"%*d\\n\", i, i);")), "program.cl:2:10: error: printf format: `%*`: OpenCL C printf has no `*` field width or precision");
    assert_eq!(err(&k("printf(\"%v4hld\\n\", i);")), "program.cl:2:22: error: printf: `%v4hld` takes a 4-component vector, this argument is `int`");
    assert_eq!(err(&k("printf(\"%s\\n\", a);")), "program.cl:2:18: error: printf: a %s argument must be a string literal (kernels have no strings in memory)");
    assert_eq!(err(&k("f = \"s\";")), "program.cl:2:7: error: string literals are only supported as printf's format and `%s` arguments");
}
