// x - n*y for a remainder step (n = x/y rounded to an integer, so n*y is within a factor 2
// of x): exact whenever the result is representable, by Dekker's exact product (no reliance on
// a fused multiply-add, which lavapipe does not fuse).
fn wgcl_rem_step(x: f32, n: f32, y: f32) -> f32 {
    let p = n * y;
    let cn = 4097.0f * n;
    let nh = cn - (cn - n);
    let nl = n - nh;
    let cy = 4097.0f * y;
    let yh = cy - (cy - y);
    let yl = y - yh;
    let e = ((nh * yh - p) + nh * yl + nl * yh) + nl * yl;
    return (x - p) - e;
}
