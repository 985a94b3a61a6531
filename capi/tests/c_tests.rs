//! Builds every `tests/c/*.c` with `cc` against the Khronos headers and runs it
//! (a) linked directly to libwgcl, (b) through the ICD loader (ocl-icd) with
//! `OCL_ICD_VENDORS` pointing at a directory holding only a test `wgcl.icd`, and
//! (c) through the loader against PoCL when it is installed, so both implementations must
//! agree on spec-defined behaviour. Also checks `clinfo` through the loader, and (opt-in,
//! `WGCL_VALGRIND=1`) runs the direct binaries under valgrind.
//!
//! Needs `cc`, the OpenCL headers and `-lOpenCL` (Debian: opencl-headers ocl-icd-opencl-dev);
//! a test mode whose tools are missing is skipped with a message.
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// `target/<profile>`: where cargo put libwgcl.so for this test build.
fn lib_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
    assert!(dir.join("libwgcl.so").exists(), "libwgcl.so not found in {}", dir.display());
    dir
}

fn work_dir() -> PathBuf {
    let d = lib_dir().join("c-tests");
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn have(tool: &str) -> bool {
    Command::new("sh").arg("-c").arg(format!("command -v {tool} >/dev/null")).status().is_ok_and(|s| s.success())
}

fn have_headers() -> bool {
    Path::new("/usr/include/CL/cl.h").exists()
}

fn have_loader() -> bool {
    ["/usr/lib/x86_64-linux-gnu/libOpenCL.so", "/usr/lib/libOpenCL.so", "/usr/lib64/libOpenCL.so"].iter().any(|p| Path::new(p).exists())
}

fn c_sources() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(repo().join("tests/c"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "c"))
        .collect();
    v.sort();
    v
}

#[derive(Clone, Copy, PartialEq)]
enum Link {
    Direct,
    Loader,
}

fn compile(src: &Path, link: Link) -> PathBuf {
    let stem = src.file_stem().unwrap().to_str().unwrap();
    compile_as(src, link, &format!("{stem}-{}", if link == Link::Direct { "direct" } else { "icd" }))
}

/// `compile` into `work_dir()/name` (tests running at the same time use different names).
fn compile_as(src: &Path, link: Link, name: &str) -> PathBuf {
    let out = work_dir().join(name);
    let mut cmd = Command::new("cc");
    cmd.args(["-std=gnu11", "-g", "-O1", "-Wall", "-Werror", "-DCL_TARGET_OPENCL_VERSION=300"])
        .arg(format!("-I{}", repo().join("capi/include").display()))
        .arg(format!("-I{}", repo().join("tests/c").display()))
        .arg(src)
        .arg("-o")
        .arg(&out);
    match link {
        Link::Direct => {
            let lib = lib_dir();
            cmd.arg("-DWGCL_DIRECT")
                .arg(format!("-L{}", lib.display()))
                .arg(format!("-Wl,-rpath,{}", lib.display()))
                .arg("-lwgcl");
        }
        Link::Loader => {
            cmd.arg("-lOpenCL");
        }
    }
    cmd.args(["-lpthread", "-lm"]);
    let o = cmd.output().expect("run cc");
    assert!(o.status.success(), "compiling {} failed:\n{}", src.display(), String::from_utf8_lossy(&o.stderr));
    out
}

/// A vendors directory holding only a `wgcl.icd` with the absolute library path.
fn vendors_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let d = work_dir().join("vendors");
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("wgcl.icd"), format!("{}\n", lib_dir().join("libwgcl.so").display())).unwrap();
        d
    })
}

struct Run {
    ok: bool,
    /// stdout then stderr.
    text: String,
    stdout: String,
    stderr: String,
}

fn run(mut cmd: Command) -> Run {
    // wgpu picks the same adapter in every mode; keep logs quiet unless asked.
    if std::env::var_os("RUST_LOG").is_none() {
        cmd.env("RUST_LOG", "error");
    }
    let o = cmd.output().expect("spawn");
    let stdout = String::from_utf8_lossy(&o.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let text = format!("{stdout}{stderr}");
    Run { ok: o.status.success(), text, stdout, stderr }
}

fn run_all(link: Link, platform: &str, vendors: Option<&Path>, wrap: Option<&[&str]>) -> Vec<String> {
    let mut failures = Vec::new();
    for src in c_sources() {
        let exe = compile(&src, link);
        let mut cmd = match wrap {
            Some(w) => {
                let mut c = Command::new(w[0]);
                c.args(&w[1..]).arg(&exe);
                c
            }
            None => Command::new(&exe),
        };
        cmd.env("WGCL_TEST_PLATFORM", platform);
        if let Some(v) = vendors {
            cmd.env("OCL_ICD_VENDORS", v);
        }
        let r = run(cmd);
        eprintln!("--- {} [{platform}]\n{}", exe.display(), r.text.trim_end());
        if !r.ok {
            failures.push(format!("{} [{platform}]:\n{}", exe.display(), r.text));
        }
    }
    failures
}

fn check(failures: Vec<String>) {
    assert!(failures.is_empty(), "{} C test(s) failed:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn c_tests_linked_directly() {
    if !have("cc") || !have_headers() {
        eprintln!("SKIP: cc or <CL/cl.h> missing");
        return;
    }
    check(run_all(Link::Direct, "wgcl", None, None));
}

#[test]
fn c_tests_through_icd_loader() {
    if !have("cc") || !have_headers() || !have_loader() {
        eprintln!("SKIP: cc, <CL/cl.h> or libOpenCL missing");
        return;
    }
    check(run_all(Link::Loader, "wgcl", Some(vendors_dir()), None));
}

/// The same programs against PoCL: spec-defined behaviour must agree.
#[test]
fn c_tests_against_pocl() {
    let vendors = Path::new("/etc/OpenCL/vendors");
    if !have("cc") || !have_headers() || !vendors.join("pocl.icd").exists() {
        eprintln!("SKIP: PoCL not installed");
        return;
    }
    check(run_all(Link::Loader, "Portable Computing Language", Some(vendors), None));
}

#[test]
fn clinfo_lists_wgcl_without_errors() {
    if !have("clinfo") {
        eprintln!("SKIP: clinfo missing");
        return;
    }
    let mut cmd = Command::new("clinfo");
    // A headless process, as in CI: no display for Mesa's device-select layer to probe.
    cmd.env("OCL_ICD_VENDORS", vendors_dir()).env_remove("DISPLAY").env_remove("WAYLAND_DISPLAY").env_remove("XDG_RUNTIME_DIR");
    let r = run(cmd);
    // A library prints nothing by itself (it was two `XDG_RUNTIME_DIR is invalid` lines).
    assert_eq!(r.stderr, "", "libwgcl (or a layer it loads) wrote to stderr");
    assert!(r.ok, "clinfo failed:\n{}", r.text);
    assert!(r.text.lines().any(|l| l.starts_with("  Platform Name") && l.contains("wgcl")), "{}", r.text);
    assert!(r.text.lines().any(|l| l.trim_start().starts_with("Device Name")), "no device listed:\n{}", r.text);
    // clinfo reports failed queries on stdout.
    let bad: Vec<&str> = r
        .stdout
        .lines()
        .filter(|l| {
            let l = l.to_lowercase();
            l.contains("error") && !l.contains("error correction") || l.contains("invalid") || l.contains("<clget")
        })
        .collect();
    assert!(bad.is_empty(), "clinfo reported errors:\n{}\n\nfull output:\n{}", bad.join("\n"), r.text);
}

/// Stale handles through the ICD loader under valgrind: the loader reads a released
/// handle's dispatch pointer before wgcl can check the handle, so that memory must stay
/// valid (bad_inputs.c over-releases and reuses stale handles of every kind it can).
/// Quick enough for every run; the whole set under valgrind is `WGCL_VALGRIND=1` below.
#[test]
fn stale_handles_through_the_loader_under_valgrind() {
    if !have("cc") || !have_headers() || !have_loader() || !have("valgrind") {
        eprintln!("SKIP: cc, <CL/cl.h>, libOpenCL or valgrind missing");
        return;
    }
    let exe = compile_as(&repo().join("tests/c/bad_inputs.c"), Link::Loader, "bad_inputs-icd-valgrind");
    let supp = format!("--suppressions={}", repo().join("tests/c/valgrind.supp").display());
    let mut cmd = Command::new("valgrind");
    cmd.args(["--error-exitcode=1", "--num-callers=40", supp.as_str()]).arg(&exe);
    cmd.env("WGCL_TEST_PLATFORM", "wgcl").env("OCL_ICD_VENDORS", vendors_dir());
    let r = run(cmd);
    assert!(r.ok && r.text.contains("ERROR SUMMARY: 0 errors"), "{}", r.text);
}

/// `WGCL_VALGRIND=1`: no leaks or invalid accesses once everything is released.
#[test]
fn c_tests_under_valgrind() {
    if std::env::var_os("WGCL_VALGRIND").is_none() || !have("valgrind") {
        eprintln!("SKIP: set WGCL_VALGRIND=1 to run the C tests under valgrind");
        return;
    }
    let supp = format!("--suppressions={}", repo().join("tests/c/valgrind.supp").display());
    let wrap = ["valgrind", "--leak-check=full", "--error-exitcode=1", "--num-callers=40", supp.as_str()];
    let mut failures = run_all(Link::Direct, "wgcl", None, Some(&wrap));
    // Through the loader too: it reads a stale handle's dispatch pointer before we can
    // check the handle, so that memory must stay valid after the last release.
    if have_loader() {
        failures.extend(run_all(Link::Loader, "wgcl", Some(vendors_dir()), Some(&wrap)));
    }
    check(failures);
}
