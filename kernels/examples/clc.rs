//! Prints the WGSL the OpenCL C front end generates for a file: `cargo run -p wgcl-kernels --example clc -- file.cl`.
fn main() {
    let path = std::env::args().nth(1).expect("usage: clc FILE.cl");
    let src = std::fs::read_to_string(&path).expect("read");
    let opts = wgcl_kernels::BuildOptions::default();
    match wgcl_kernels::opencl_c::to_wgsl(&src, &opts) {
        Ok((w, k, _)) => {
            println!("{w}");
            match wgcl_kernels::opencl_c::build(&src, &opts) {
                Ok(_) => eprintln!("OK: {} kernel(s): {:?}", k.len(), k.iter().map(|k| &k.name).collect::<Vec<_>>()),
                Err(e) => eprintln!("{}", e.message.lines().take(30).collect::<Vec<_>>().join("\n")),
            }
        }
        Err(e) => eprintln!("{}", e.log()),
    }
}
