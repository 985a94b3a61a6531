//! Times the front end's phases on a kernel of N statements: `cargo run --example build_time -- N`.
use std::time::Instant;
use wgcl_kernels::{opencl_c, BuildOptions};

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(1000);
    let mut src = String::from("__kernel void k(__global int* a) {\n  int x = a[0];\n");
    for i in 0..n {
        src.push_str(&format!("  x = x * 3 + a[{}];\n  a[{}] = x;\n", i % 64, (i * 7) % 64));
    }
    src.push_str("}\n");
    let o = BuildOptions::default();
    let t = Instant::now();
    let (wgsl, _, _) = opencl_c::to_wgsl(&src, &o).unwrap();
    let t1 = t.elapsed();
    if std::env::args().nth(2).as_deref() == Some("front") {
        println!("n={n}: to_wgsl {t1:?}");
        return;
    }
    let m = naga::front::wgsl::parse_str(&wgsl).unwrap();
    let t2 = t.elapsed();
    let _ = wgcl_kernels::validate(&m);
    let t3 = t.elapsed();
    println!("n={n}: to_wgsl {t1:?}, naga parse {:?}, validate {:?}, wgsl {} bytes", t2 - t1, t3 - t2, wgsl.len());
}
