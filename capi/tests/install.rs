//! `scripts/install.sh` lays out the library, header, pkg-config file and ICD file.
//! Uses the debug build this test run already made (`--no-build --profile debug`).
use std::path::Path;
use std::process::Command;

#[test]
fn install_script_layout() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().unwrap().parent().unwrap(); // target/debug
    let dest = target.join("install-test");
    let _ = std::fs::remove_dir_all(&dest);
    let out = Command::new("sh")
        .arg(repo.join("scripts/install.sh"))
        .args(["--prefix", "/usr", "--no-build", "--profile", "debug"])
        .arg(format!("DESTDIR={}", dest.display()))
        .env("CARGO_TARGET_DIR", target.parent().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    for f in ["usr/lib/libwgcl.so", "usr/lib/libwgcl.so.0", "usr/lib/libwgcl.a", "usr/include/wgcl.h", "usr/lib/pkgconfig/wgcl.pc", "etc/OpenCL/vendors/wgcl.icd"] {
        assert!(dest.join(f).exists(), "{f} not installed");
    }
    let icd = std::fs::read_to_string(dest.join("etc/OpenCL/vendors/wgcl.icd")).unwrap();
    assert_eq!(icd.trim(), "/usr/lib/libwgcl.so");
    let pc = std::fs::read_to_string(dest.join("usr/lib/pkgconfig/wgcl.pc")).unwrap();
    assert!(pc.contains("prefix=/usr") && pc.contains("-lwgcl") && pc.contains(&format!("Version: {}", env!("CARGO_PKG_VERSION"))), "{pc}");
    let _ = std::fs::remove_dir_all(&dest);
}
