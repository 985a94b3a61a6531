// sinpi, cospi and tanpi for f64: trigpi.wgsl's exact reduction with Taylor polynomials to
// y^19 and y^18 (truncation below 1e-18 relative). f64 has no 32-bit bitcast: signs of zeros
// come from comparisons and negation (1 / -0 is -inf).

struct wgcl_pi_parts_f64 { k: f64, r: f64, s: f64, c: f64 }

fn wgcl_pi_reduce_f64(x: f64) -> wgcl_pi_parts_f64 {
    let ax = abs(x);
    let a = ax - 2.0lf * floor(ax * 0.5lf);
    let k = round(2.0lf * a);
    let r = a - 0.5lf * k;
    let z = r * r;
    let s = r * (3.141592653589793lf + z * (-5.16771278004997lf + z * (2.5501640398773455lf + z * (-0.5992645293207921lf + z * (0.08214588661112823lf + z * (-0.0073704309457143504lf + z * (0.00046630280576761255lf + z * (-2.1915353447830217e-05lf + z * (7.952054001475513e-07lf + z * -2.2948428997269873e-08lf)))))))));
    let c = 1.0lf + z * (-4.934802200544679lf + z * (4.0587121264167685lf + z * (-1.3352627688545895lf + z * (0.2353306303588932lf + z * (-0.02580689139001406lf + z * (0.0019295743094039231lf + z * (-0.0001046381049248457lf + z * (4.303069587032947e-06lf + z * -1.3878952462213771e-07lf))))))));
    return wgcl_pi_parts_f64(k, r, s, c);
}

// v, +0 for either zero, negated where x is negative or -0.
fn wgcl_pi_sign_f64(v: f64, x: f64) -> f64 {
    let w = select(v, 0.0lf, v == 0.0lf);
    return select(w, -w, x < 0.0lf || 1.0lf / x < 0.0lf);
}

fn wgcl_sinpi_f64(x: f64) -> f64 {
    let p = wgcl_pi_reduce_f64(x);
    let v = select(p.s, p.c, p.k == 1.0lf || p.k == 3.0lf);
    return wgcl_pi_sign_f64(select(v, -v, p.k == 2.0lf || p.k == 3.0lf), x);
}

fn wgcl_cospi_f64(x: f64) -> f64 {
    let p = wgcl_pi_reduce_f64(x);
    let v = select(p.c, p.s, p.k == 1.0lf || p.k == 3.0lf);
    return wgcl_pi_sign_f64(select(v, -v, p.k == 1.0lf || p.k == 2.0lf), 1.0lf);
}

// The signs at r = 0 as in trigpi.wgsl's wgcl_tanpi.
fn wgcl_tanpi_f64(x: f64) -> f64 {
    let p = wgcl_pi_reduce_f64(x);
    let odd = p.k == 1.0lf || p.k == 3.0lf;
    let inf = f64(bitcast<f32>(wgcl_inf_bits));
    // `==`, not `!=`: NaN (from inf and NaN) must take the quotient.
    if (p.r == 0.0lf) {
        if (odd) {
            return select(select(-inf, inf, p.k == 1.0lf), select(inf, -inf, p.k == 1.0lf), x < 0.0lf);
        }
        // ±0 by the parity of n (-0 for odd n), flipped for negative x.
        return select(-0.0lf, 0.0lf, (p.k == 2.0lf) == (x < 0.0lf || 1.0lf / x < 0.0lf));
    }
    let t = select(p.s / p.c, -p.c / p.s, odd);
    return select(t, -t, x < 0.0lf);
}
