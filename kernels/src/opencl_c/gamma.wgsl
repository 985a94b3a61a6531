// tgamma and lgamma for f32: Γ on [1, 2] by a polynomial, elsewhere by the recurrence
// Γ(x + 1) = x Γ(x) (products round about half an ulp each), and for x < 0 by reflection,
// Γ(x) Γ(1 - x) = π / sin(πx) (wgcl_sinpi from trigpi.wgsl); ln Γ is the log of Γ up to 30, Stirling's series beyond.

// By its bits: comparisons of NaN may be folded away by drivers that assume finite math.
fn wgcl_isnan(x: f32) -> bool {
    return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u;
}

fn wgcl_tgamma_pos(x: f32) -> f32 {
    // x > 0: Γ(x) = Γ(y) (x - 1) ... y or Γ(y) / (x (x + 1) ... (y - 1)), y in [1, 2], where a
    // minimax polynomial in y - 1.5 gives Γ(y) within about an ulp.
    if (x > 36.0f) {
        return bitcast<f32>(wgcl_inf_bits);
    }
    var y = x;
    var p = 1.0f;
    var q = 1.0f;
    while (y > 2.0f) {
        y = y - 1.0f;
        p = p * y;
    }
    while (y < 1.0f) {
        q = q * y;
        y = y + 1.0f;
    }
    let s = y - 1.5f;
    let g = 0.8862269520759583f + s * (0.032338403165340424f + s * (0.41481369733810425f + s * (-0.10729524493217468f + s * (0.14463365077972412f + s * (-0.07750919461250305f + s * (0.058805931359529495f + s * (-0.0381876640021801f + s * (0.02438112162053585f + s * (-0.016030041500926018f + s * (0.016346106305718422f + s * -0.011228782124817371f))))))))));
    return g * p / q;
}

fn wgcl_tgamma(x: f32) -> f32 {
    if (wgcl_isnan(x) || x == bitcast<f32>(wgcl_inf_bits)) {
        return x;
    }
    if (x == 0.0f) {
        return 1.0f / x;
    }
    if (x < 0.0f) {
        if (x == floor(x)) {
            return bitcast<f32>(wgcl_nan_bits);
        }
        return 3.14159265358979f / (wgcl_sinpi(x) * wgcl_tgamma_pos(1.0f - x));
    }
    return wgcl_tgamma_pos(x);
}

fn wgcl_lgamma_pos(x: f32) -> f32 {
    // x > 0
    if (x < 30.0f) {
        return wgcl_log_f32(wgcl_tgamma_pos(x));
    }
    let r = 1.0f / x;
    let r2 = r * r;
    return (x - 0.5f) * wgcl_log_f32(x) - x + 0.918938533204673f + r * (0.0833333333333f + r2 * (-0.00277777777778f + r2 * 0.000793650793651f));
}

fn wgcl_lgamma(x: f32) -> f32 {
    let a = abs(x);
    if (wgcl_isnan(x)) {
        return x;
    }
    if (a == bitcast<f32>(wgcl_inf_bits) || (x <= 0.0f && x == floor(x))) {
        return bitcast<f32>(wgcl_inf_bits);
    }
    if (x < 0.0f) {
        return wgcl_log_f32(3.14159265358979f / abs(wgcl_sinpi(x))) - wgcl_lgamma_pos(1.0f - x);
    }
    return wgcl_lgamma_pos(x);
}

// The sign of Γ(x) (lgamma_r's output): 0 at the poles.
fn wgcl_gamma_sign(x: f32) -> i32 {
    if (x > 0.0f || wgcl_isnan(x)) {
        return 1i;
    }
    if (x == floor(x)) {
        return 0i;
    }
    return select(-1i, 1i, (floor(x) - 2.0f * floor(floor(x) * 0.5f)) == 0.0f);
}
