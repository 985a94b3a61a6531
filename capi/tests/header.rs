//! `capi/include/wgcl.h` must be what cbindgen generates from the sources today.
//! Regenerate with `WGCL_BLESS=1 cargo test -p wgcl-capi --test header`.
use std::path::Path;

#[test]
fn checked_in_header_is_current() {
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let generated = String::from_utf8(generated).unwrap();
    let path = crate_dir.join("include/wgcl.h");
    if std::env::var_os("WGCL_BLESS").is_some() {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "capi/include/wgcl.h is stale: run `WGCL_BLESS=1 cargo test -p wgcl-capi --test header`"
    );
    for f in ["clGetPlatformIDs", "clIcdGetPlatformIDsKHR", "clEnqueueNDRangeKernel", "clSetEventCallback"] {
        assert!(generated.contains(&format!("{f}(")), "{f} missing from the header");
    }
}
