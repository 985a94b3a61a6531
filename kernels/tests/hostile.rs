//! Hostile programs: each ends in a clean build error (kind and `file:line:col`) or a
//! successful build, never in a crash. Cases that used to overflow the stack run in a child
//! process (this test binary again, filtered to the one test), so a regression is reported
//! as a failed test rather than killing the harness.
use std::process::Command;
use std::time::Instant;

use wgcl_kernels::{opencl_c::build, BuildError, BuildOptions};

const CHILD: &str = "WGCL_HOSTILE_CHILD";

/// Runs `f` in a child process (the test named `name` of this binary): a stack overflow or
/// abort there fails this test with the child's output.
fn isolated(name: &str, f: impl FnOnce()) {
    if std::env::var(CHILD).as_deref() == Ok(name) {
        f();
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD, name)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{name}: the child process failed ({}):\n{}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn err(src: &str) -> BuildError {
    build(src, &BuildOptions::default()).map(|_| ()).expect_err("build must fail")
}

fn ok(src: &str) {
    if let Err(e) = build(src, &BuildOptions::default()) {
        panic!("build failed: {}", e.log().chars().take(2000).collect::<String>());
    }
}

/// Asserts the error's log line has a position and mentions `kind`.
fn assert_err(src: &str, kind: &str) -> String {
    let log = err(src).log();
    assert!(log.starts_with("program.cl:"), "no file:line:col in `{log}`");
    assert!(log.contains(kind), "`{kind}` not in `{log}`");
    log
}

fn kernel(body: &str) -> String {
    format!("__kernel void k(__global int* a) {{\n{body}\n}}\n")
}

#[test]
fn long_binary_chain_builds() {
    isolated("long_binary_chain_builds", || {
        let chain = vec!["1"; 5000].join("+");
        let t = Instant::now();
        ok(&kernel(&format!("a[0] = {chain};")));
        eprintln!("5000-term constant chain: {:?}", t.elapsed());
        let chain = vec!["a[1]"; 5000].join(" + ");
        let t = Instant::now();
        ok(&kernel(&format!("a[0] = {chain};")));
        eprintln!("5000-term a[1] chain: {:?}", t.elapsed());
    });
}

#[test]
fn chain_of_200_array_reads_builds() {
    let chain = vec!["a[1]"; 200].join(" + ");
    ok(&kernel(&format!("a[0] = {chain};")));
}

#[test]
fn huge_binary_chain_is_an_error() {
    isolated("huge_binary_chain_is_an_error", || {
        let chain = vec!["1"; 200_000].join("+");
        assert_err(&kernel(&format!("a[0] = {chain};")), "expression too deeply nested");
    });
}

#[test]
fn nested_parentheses_are_an_error() {
    isolated("nested_parentheses_are_an_error", || {
        let src = kernel(&format!("a[0] = {}1{};", "(".repeat(10_000), ")".repeat(10_000)));
        let log = assert_err(&src, "nesting level exceeded maximum of 256");
        assert!(log.starts_with("program.cl:2:"), "{log}");
    });
}

#[test]
fn nested_blocks_are_an_error() {
    isolated("nested_blocks_are_an_error", || {
        assert_err(&kernel(&format!("{}{}", "{".repeat(10_000), "}".repeat(10_000))), "nesting level exceeded");
    });
}

#[test]
fn unary_chains_are_an_error() {
    isolated("unary_chains_are_an_error", || {
        for op in ["- ", "!", "~", "(int)", "+ ", "++", "* ", "& ", "sizeof "] {
            assert_err(&kernel(&format!("int x = 1; a[0] = {}x;", op.repeat(5000))), "nesting level exceeded");
        }
    });
}

#[test]
fn right_recursive_chains_are_an_error() {
    isolated("right_recursive_chains_are_an_error", || {
        let assign = "x = ".repeat(5000);
        assert_err(&kernel(&format!("int x; {assign}1;")), "nesting level exceeded");
        let cond = "x ? 1 : ".repeat(5000);
        assert_err(&kernel(&format!("int x = 1; a[0] = {cond}0;")), "nesting level exceeded");
        let init = format!("{}1{}", "{".repeat(5000), "}".repeat(5000));
        assert_err(&kernel(&format!("int x[1] = {init};")), "nesting level exceeded");
        let ifs = "if (a[0]) ".repeat(5000);
        assert_err(&kernel(&format!("{ifs} a[0] = 1;")), "nesting level exceeded");
        let idx = format!("{}0{}", "a[".repeat(5000), "]".repeat(5000));
        assert_err(&kernel(&format!("a[0] = {idx};")), "nesting level exceeded");
    });
}

#[test]
fn long_postfix_and_comma_chains() {
    isolated("long_postfix_and_comma_chains", || {
        let comma = vec!["a[0]"; 20_000].join(", ");
        assert_err(&kernel(&format!("a[1] = ({comma});")), "expression too deeply nested");
        let incs = "++".repeat(20_000);
        assert_err(&kernel(&format!("int x = 0; x{incs};")), "expression too deeply nested");
    });
}

#[test]
fn deep_call_chain_is_an_error() {
    isolated("deep_call_chain_is_an_error", || {
        let mut src = String::from("int f0(int x) { return x + 1; }\n");
        for i in 1..2000 {
            src.push_str(&format!("int f{i}(int x) {{ return f{}(x) + 1; }}\n", i - 1));
        }
        src.push_str("__kernel void k(__global int* a) { a[0] = f1999(a[0]); }\n");
        assert_err(&src, "call chain deeper than");
    });
}

#[test]
fn call_chain_of_100_builds() {
    let mut src = String::from("int f0(int x) { return x + 1; }\n");
    for i in 1..100 {
        src.push_str(&format!("int f{i}(int x) {{ return f{}(x) + 1; }}\n", i - 1));
    }
    src.push_str("__kernel void k(__global int* a) { a[0] = f99(a[0]); }\n");
    ok(&src);
}

#[test]
fn self_containing_structs_are_an_error() {
    isolated("self_containing_structs_are_an_error", || {
        let log = assert_err("struct s { int a; struct s x; };\n__kernel void k(__global int* a) { a[0] = sizeof(struct s); }", "incomplete type");
        assert!(log.starts_with("program.cl:1:28:"), "{log}");
        assert_err("struct s { int a; struct s x[2]; };\n__kernel void k(__global int* a) {}", "incomplete type");
        assert_err("struct t;\nstruct s { struct t y; };\nstruct t { struct s x; };\n__kernel void k(__global int* a) {}", "incomplete type");
        // A pointer to itself is complete (pointer members are refused later, for another reason).
        let log = err("struct s { int a; struct s* next; };\n__kernel void k(__global int* a) { struct s v; v.a = 1; a[0] = v.a; }").log();
        assert!(!log.contains("incomplete"), "{log}");
    });
}

#[test]
fn nesting_within_the_limits_builds() {
    // 200 parentheses, 100 unary minus signs, 40 nested blocks.
    ok(&kernel(&format!("a[0] = {}a[1]{};", "(".repeat(200), ")".repeat(200))));
    ok(&kernel(&format!("a[0] = {}a[1];", "- ".repeat(100))));
    ok(&kernel(&format!("{}a[0] = 1;{}", "{".repeat(40), "}".repeat(40))));
}

#[test]
fn deep_loops_build() {
    // 100 nested C loops (WGSL allows 127 nested blocks: one per loop) and 100 blocks.
    let mut body = String::new();
    for i in 0..100 {
        body.push_str(&format!("for (int i{i} = 0; i{i} < 1; i{i}++) "));
    }
    body.push_str("a[0] += 1;");
    ok(&kernel(&body));
    ok(&kernel(&format!("{}a[0] = 1;{}", "{".repeat(100), "}".repeat(100))));
    // Beyond WGSL's limit: a clean error that names it.
    let src = kernel(&format!("{}a[0] = 1;{}", "{".repeat(200), "}".repeat(200)));
    let log = assert_err(&src, "too deeply for WebGPU");
    assert!(log.starts_with("program.cl:2:"), "{log}");
    // The deepest that builds, with a deep expression inside.
    let chain = vec!["a[1]"; 300].join(" + ");
    ok(&kernel(&format!("{}a[0] = {}{chain}{};{}", "{".repeat(108), "(".repeat(30), ")".repeat(30), "}".repeat(108))));
}

/// An application thread may have a small stack: the build must not depend on it.
#[test]
fn small_caller_stack() {
    isolated("small_caller_stack", || {
        let chain = vec!["a[1]"; 3000].join(" + ");
        let src = kernel(&format!("a[0] = {chain};"));
        std::thread::Builder::new().stack_size(128 << 10).spawn(move || ok(&src)).unwrap().join().unwrap();
    });
}

// ---------------------------------------------------------------- #include

fn with_opts(src: &str, options: &str, headers: &[(&str, &str)]) -> Result<(), BuildError> {
    let opts = BuildOptions {
        options: options.into(),
        headers: headers.iter().map(|(n, s)| (n.to_string(), s.to_string())).collect(),
        ..Default::default()
    };
    build(src, &opts).map(|_| ())
}

fn include_dir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!("wgcl-hostile-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn include_refuses_devices_proc_and_outside_files() {
    isolated("include_refuses_devices_proc_and_outside_files", || {
        let dir = include_dir("dev");
        std::fs::write(dir.join("ok.h"), "#define TWO 2\n").unwrap();
        std::os::unix::fs::symlink("/etc/passwd", dir.join("link.h")).unwrap();
        std::os::unix::fs::symlink("/dev/zero", dir.join("zero.h")).unwrap();
        let _ = Command::new("mkfifo").arg(dir.join("fifo.h")).status();
        let opt = format!("-I {}", dir.display());
        with_opts("#include \"ok.h\"\n__kernel void k(__global int* a) { a[0] = TWO; }", &opt, &[]).unwrap();
        for name in ["/dev/zero", "/dev/urandom", "/proc/self/environ", "/etc/passwd", "link.h", "zero.h", "fifo.h", "../../../../../../etc/passwd"] {
            if name == "fifo.h" && !dir.join("fifo.h").exists() {
                continue;
            }
            let t = Instant::now();
            let e = with_opts(&format!("#include \"{name}\"\n__kernel void k(__global int* a) {{}}"), &opt, &[]).unwrap_err().log();
            assert!(e.starts_with("program.cl:1:2: error: cannot include"), "{name}: {e}");
            assert!(!e.contains("root:"), "{e}");
            assert!(t.elapsed().as_secs() < 5, "{name} took {:?}", t.elapsed());
        }
        std::fs::remove_dir_all(&dir).unwrap();
    });
}

#[test]
fn include_caps_size_and_depth() {
    isolated("include_caps_size_and_depth", || {
        let dir = include_dir("big");
        std::fs::write(dir.join("big.h"), vec![b' '; 17 << 20]).unwrap();
        let opt = format!("-I {}", dir.display());
        let e = with_opts("#include \"big.h\"\n__kernel void k(__global int* a) {}", &opt, &[]).unwrap_err().log();
        assert!(e.contains("larger than 16 MiB"), "{e}");
        std::fs::remove_dir_all(&dir).unwrap();
        // Self-inclusion without a guard.
        let e = with_opts("#include \"a.h\"\n__kernel void k(__global int* a) {}", "", &[("a.h", "#include \"a.h\"\n")]).unwrap_err().log();
        assert!(e.contains("nested more than 200 deep"), "{e}");
        assert!(e.starts_with("a.h:1:2:"), "{e}");
        // Each header including the next twice: 2^40 includes unless capped.
        let mut hs: Vec<(String, String)> = (0..40).map(|i| (format!("h{i}.h"), format!("#include \"h{}.h\"\n#include \"h{}.h\"\n", i + 1, i + 1))).collect();
        hs.push(("h40.h".into(), "int x;\n".into()));
        let hs: Vec<(&str, &str)> = hs.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let t = Instant::now();
        let e = with_opts("#include \"h0.h\"\n__kernel void k(__global int* a) {}", "", &hs).unwrap_err().log();
        assert!(e.contains("headers total more than"), "{e}");
        assert!(t.elapsed().as_secs() < 20, "{:?}", t.elapsed());
    });
}

// ---------------------------------------------------------------- macros

/// Peak resident memory of this process in MiB (Linux).
fn peak_rss_mib() -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok()).unwrap_or(0) / 1024
}

#[test]
fn exponential_macros_are_an_error() {
    isolated("exponential_macros_are_an_error", || {
        let mut src = String::new();
        for i in 0..12 {
            src.push_str(&format!("#define M{i} M{} M{} M{} M{}\n", i + 1, i + 1, i + 1, i + 1));
        }
        src.push_str("#define M12 1\n__kernel void k(__global int* a) {\n  int x = M0;\n}\n");
        let t = Instant::now();
        let log = assert_err(&src, "exceeds");
        assert!(log.starts_with("program.cl:15:11:"), "{log}");
        eprintln!("exponential macro: {:?}, peak RSS {} MiB", t.elapsed(), peak_rss_mib());
        assert!(peak_rss_mib() < 800, "peak RSS {} MiB", peak_rss_mib());
    });
}

#[test]
fn nested_macro_arguments_are_an_error() {
    isolated("nested_macro_arguments_are_an_error", || {
        let src = format!("#define F(x) x\n__kernel void k(__global int* a) {{\n  a[0] = {}1{};\n}}\n", "F(".repeat(100_000), ")".repeat(100_000));
        assert_err(&src, "nested more than 256");
        let src = format!("#define F(x) x\n#define G(x) F(x)\n__kernel void k(__global int* a) {{\n  a[0] = {}1{};\n}}\n", "G(".repeat(200), ")".repeat(200));
        ok(&src);
        let src = format!("#if {}1{}\n#endif\n__kernel void k(__global int* a) {{}}\n", "(".repeat(100_000), ")".repeat(100_000));
        assert_err(&src, "#if expression nested too deeply");
        let src = format!("#if {}1\n#endif\n__kernel void k(__global int* a) {{}}\n", "!".repeat(100_000));
        assert_err(&src, "#if expression nested too deeply");
        let src = format!("#if {}1\n#endif\n__kernel void k(__global int* a) {{}}\n", "1 ? ".repeat(100_000));
        assert!(build(&src, &BuildOptions::default()).is_err());
    });
}

#[test]
fn huge_define_option_is_an_error() {
    let big = "1".repeat(10 << 20);
    let e = with_opts("__kernel void k(__global int* a) { a[0] = BIG; }", &format!("-DBIG={big}"), &[]).unwrap_err().log();
    assert!(e.contains("-D option `BIG` is longer than 64 KiB"), "{}", &e[..e.len().min(300)]);
}

// ---------------------------------------------------------------- translation phases

#[test]
fn splices_inside_tokens() {
    // `3\`⏎`6` is the literal 36; an identifier and an operator split the same way.
    ok("__kernel void k(__global int* a) {\n  a[0] = 3\\\n6;\n  in\\\nt x = 1; x +\\\n= 2;\n}\n");
    let wgsl = wgcl_kernels::opencl_c::to_wgsl("__kernel void k(__global int* a) { a[0] = 3\\\n6; }", &BuildOptions::default()).unwrap().0;
    assert!(wgsl.contains("36"), "{wgsl}");
    // Positions stay those of the physical lines.
    let e = err("__kernel void k(__global int* a) {\n  a[0] = 1\\\n2;\n  a[1] = ;\n}\n").log();
    assert!(e.starts_with("program.cl:4:10:"), "{e}");
}

#[test]
fn line_and_file_macros() {
    let wgsl = wgcl_kernels::opencl_c::to_wgsl("__kernel void k(__global int* a) {\n\n  a[0] = __LINE__ + 1000;\n}", &BuildOptions::default()).unwrap().0;
    assert!(wgsl.contains("(3i + 1000i)"), "{wgsl}");
    ok("#if __LINE__ != 1\n#error wrong line\n#endif\n__kernel void k(__global int* a) { a[0] = __LINE__; }");
    // `__FILE__` is a string literal (refused in code, as all strings are), at its position.
    assert_err("__kernel void k(__global int* a) {\n  a[0] = __FILE__;\n}", "string literals");
    // `#line` renumbers the following lines (and renames the file).
    let e = err("#line 100\n__kernel void k(__global int* a) {\n  a[0] = ;\n}\n").log();
    assert!(e.starts_with("program.cl:101:10:"), "{e}");
    let e = err("#line 7 \"gen.cl\"\n__kernel void k(__global int* a) {\n  a[0] = __LINE__ + ;\n}\n").log();
    assert!(e.starts_with("gen.cl:8:21:"), "{e}");
}

#[test]
fn any_bytes_in_comments() {
    ok("/* caf\u{e9} \u{fffd}\u{fffd} */\n__kernel void k(__global int* a) { a[0] = 1; } // \u{fffd}\n");
    assert_err("__kernel void k(__global int* a) {\n  a[0] = 1;\u{fffd}\n}\n", "unexpected character");
}

// ---------------------------------------------------------------- sizes and constants

#[test]
fn oversized_types_and_constants_are_errors() {
    isolated("oversized_types_and_constants_are_errors", || {
        let k = |body: &str| kernel(body);
        assert_err(&k("int x[100000][100000][100000]; x[0][0][0] = 1;"), "type too large");
        assert_err(&k("__local int x[1000000000]; x[0] = 1;"), "type too large");
        assert_err(&k("int x[1L << 62];"), "array too large");
        assert_err("struct s { int a[500000000]; int b[500000000]; int c[500000000]; };\n__kernel void k(__global int* a) {}", "type too large");
        // INT_MIN / -1 in constant expressions wraps (it used to panic).
        assert_err(&k("int x[(-9223372036854775807L-1) / -1];"), "array size must be a positive");
        ok("enum { A = (-9223372036854775807L-1) % -1 };\n__kernel void k(__global int* a) { a[0] = A; }");
        assert_err("enum { A = 1L << 40 };\n__kernel void k(__global int* a) { a[0] = A; }", "does not fit in `int`");
        assert_err("__kernel __attribute__((reqd_work_group_size(4294967295,1,1))) void k(__global int* a) {}", "from 1 to 16384");
        // Long or invisible tokens are not echoed as they are.
        let log = assert_err(&k(&format!("a[0] = 1{};", "0".repeat(100_000))), "invalid number");
        assert!(log.len() < 200, "{log}");
        assert_err(&k("a[0] = 1;\0"), "unexpected character `U+0000`");
    });
}
