//! The demo page's default kernels build with wgcl's front ends natively (no GPU needed),
//! reflect the argument list the page sets, and become WGSL that parses again: in the
//! browser the runtime hands WebGPU WGSL text, not a naga module.
use wgcl::kernels::{build, BuildOptions, SourceLanguage};

const CL: &str = include_str!("../kernels/mandelbrot.cl");
const WGSL: &str = include_str!("../kernels/mandelbrot.wgsl");

fn check(source: &str, language: SourceLanguage) {
    let m = build(source, &BuildOptions::default()).unwrap_or_else(|e| panic!("build failed: {}", e.log()));
    assert_eq!(m.language, language);
    let k = m.kernel("mandelbrot").expect("a kernel named mandelbrot");
    let types: Vec<&str> = k.args.iter().map(|a| a.type_name.as_str()).collect();
    assert_eq!(types, ["uint*", "uint", "uint", "float", "float", "float", "uint"]);
    for a in &k.args[1..] {
        assert!(wgcl_web::common::Scalar::from_type_name(&a.type_name).is_some(), "{} has no JS scalar type", a.type_name);
    }
    let wgsl = m.to_wgsl().expect("WGSL output");
    naga::front::wgsl::parse_str(&wgsl).unwrap_or_else(|e| panic!("the WGSL does not parse again: {}\n{wgsl}", e.emit_to_string(&wgsl)));
}

#[test]
fn opencl_c_default_builds() {
    check(CL, SourceLanguage::OpenClC);
}

#[test]
fn wgsl_fallback_builds() {
    check(WGSL, SourceLanguage::Wgsl);
}
