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

/// A private prefix: the ICD file names the installed library, the script says how to point
/// the loader at it, and the loader (clinfo) then lists wgcl.
#[test]
fn private_prefix_is_listed_by_the_loader() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().unwrap().parent().unwrap(); // target/debug
    let prefix = target.join("install-private");
    let _ = std::fs::remove_dir_all(&prefix);
    let out = Command::new("sh")
        .arg(repo.join("scripts/install.sh"))
        .arg("--prefix")
        .arg(&prefix)
        .args(["--no-build", "--profile", "debug"])
        .env("CARGO_TARGET_DIR", target.parent().unwrap())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    let vendors = prefix.join("etc/OpenCL/vendors");
    assert!(text.contains(&format!("export OCL_ICD_VENDORS={}", vendors.display())), "{text}");
    let icd = std::fs::read_to_string(vendors.join("wgcl.icd")).unwrap();
    assert_eq!(icd.trim(), prefix.join("lib/libwgcl.so").display().to_string());
    if Command::new("clinfo").arg("--version").output().is_ok() {
        let out = Command::new("clinfo").arg("-l").env("OCL_ICD_VENDORS", &vendors).output().unwrap();
        let list = String::from_utf8_lossy(&out.stdout);
        assert!(list.contains("Platform #0: wgcl"), "clinfo -l through the installed ICD file:\n{list}");
    }
    let _ = std::fs::remove_dir_all(&prefix);
}

/// /usr/local is a system prefix: the ICD file goes where the system loader looks.
#[test]
fn usr_local_installs_the_icd_file_where_the_loader_reads() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let exe = std::env::current_exe().unwrap();
    let target = exe.parent().unwrap().parent().unwrap();
    let dest = target.join("install-test-local");
    let _ = std::fs::remove_dir_all(&dest);
    let out = Command::new("sh")
        .arg(repo.join("scripts/install.sh"))
        .args(["--prefix", "/usr/local", "--no-build", "--profile", "debug"])
        .arg(format!("DESTDIR={}", dest.display()))
        .env("CARGO_TARGET_DIR", target.parent().unwrap())
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let icd = std::fs::read_to_string(dest.join("etc/OpenCL/vendors/wgcl.icd")).expect("ICD file in /etc/OpenCL/vendors");
    assert_eq!(icd.trim(), "/usr/local/lib/libwgcl.so");
    let _ = std::fs::remove_dir_all(&dest);
}
