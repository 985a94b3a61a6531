//! Links libwgcl.so with `-Bsymbolic-functions`: when the ICD loader (which exports the same
//! `cl*` names) is loaded first, the addresses we put in the ICD dispatch table would
//! otherwise resolve to the loader's own trampolines, and the loader would call itself
//! forever. With it, every reference inside libwgcl binds to libwgcl's definitions.
fn main() {
    println!("cargo:rustc-cdylib-link-arg=-Wl,-Bsymbolic-functions");
}
