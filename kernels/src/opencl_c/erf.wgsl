// erf and erfc for f32: fdlibm's s_erff.c (rational approximations on |x| < 0.84375,
// < 1.25, < 1/0.35, < 6 or 28, with exp(-x^2) split to keep its error small).

// exp(a) for large |a|: a = k ln2 + r (Cody-Waite, ln2 in two parts), so the error of exp
// stays that of exp(r), |r| <= ln2/2, instead of growing with |a|.
fn wgcl_exp_cw(a: f32) -> f32 {
    let k = round(a * 1.44269504f);
    let r = (a - k * 0.693145751953125f) - k * 1.428606765330187e-6f;
    return ldexp(wgcl_exp_f32(r), i32(k));
}
fn wgcl_erfc_tail(x: f32) -> f32 {
    // erfc(x) for 1.25 <= x < 28.
    let s = 1.0f / (x * x);
    var r: f32;
    var q: f32;
    if (x < 2.857142857f) {
        r = -9.8649440333e-03f + s * (-6.9385856390e-01f + s * (-1.0558626175e+01f + s * (-6.2375331879e+01f + s * (-1.6239666748e+02f + s * (-1.8460508728e+02f + s * (-8.1287437439e+01f + s * -9.8143291473e+00f))))));
        q = 1.0f + s * (1.9651271820e+01f + s * (1.3765776062e+02f + s * (4.3456588745e+02f + s * (6.4538726807e+02f + s * (4.2900814819e+02f + s * (1.0863500214e+02f + s * (6.5702495575e+00f + s * -6.0424413532e-02f)))))));
    } else {
        r = -9.8649431020e-03f + s * (-7.9928326607e-01f + s * (-1.7757955551e+01f + s * (-1.6063638306e+02f + s * (-6.3756646729e+02f + s * (-1.0250950928e+03f + s * -4.8351919556e+02f)))));
        q = 1.0f + s * (3.0338060379e+01f + s * (3.2579251099e+02f + s * (1.5367296143e+03f + s * (3.1998581543e+03f + s * (2.5530502930e+03f + s * (4.7452853394e+02f + s * -2.2440952301e+01f))))));
    }
    let z = bitcast<f32>(bitcast<u32>(x) & 0xffffe000u);
    return wgcl_exp_cw(-z * z - 0.5625f) * wgcl_exp_f32((z - x) * (z + x) + r / q) / x;
}

fn wgcl_erf_small(x: f32) -> f32 {
    // x * P(x^2) / Q(x^2) for |x| < 0.84375, the part after x.
    let z = x * x;
    let r = 1.2837916613e-01f + z * (-3.2504209876e-01f + z * (-2.8481749818e-02f + z * (-5.7702702470e-03f + z * -2.3763017452e-05f)));
    let s = 1.0f + z * (3.9791721106e-01f + z * (6.5022252500e-02f + z * (5.0813062117e-03f + z * (1.3249473704e-04f + z * -3.9602282413e-06f))));
    return x * (r / s);
}

fn wgcl_erf_mid(a: f32) -> f32 {
    // erf(a) - 0.845062911510467529297 for 0.84375 <= a < 1.25.
    let s = a - 1.0f;
    let p = -2.3621185683e-03f + s * (4.1485610604e-01f + s * (-3.7220788002e-01f + s * (3.1834661961e-01f + s * (-1.1089469492e-01f + s * (3.5478305072e-02f + s * -2.1663755178e-03f)))));
    let q = 1.0f + s * (1.0642088205e-01f + s * (5.4039794207e-01f + s * (7.1828655899e-02f + s * (1.2617121637e-01f + s * (1.3637083583e-02f + s * 1.1984500103e-02f)))));
    return p / q;
}

fn wgcl_erf(x: f32) -> f32 {
    let a = abs(x);
    if ((bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u) {
        return x;
    }
    var r: f32;
    if (a < 0.84375f) {
        return x + wgcl_erf_small(x);
    } else if (a < 1.25f) {
        r = 8.4506291151e-01f + wgcl_erf_mid(a);
    } else if (a < 6.0f) {
        r = 1.0f - wgcl_erfc_tail(a);
    } else {
        r = 1.0f;
    }
    return select(r, -r, x < 0.0f);
}

fn wgcl_erfc(x: f32) -> f32 {
    let a = abs(x);
    if ((bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u) {
        return x;
    }
    if (a < 0.84375f) {
        if (a < 1.4901161e-08f) {
            return 1.0f - x;
        }
        let xy = wgcl_erf_small(x);
        if (x < 0.25f) {
            return 1.0f - (x + xy);
        }
        return 0.5f - (x - 0.5f + xy);
    }
    if (a < 1.25f) {
        let d = wgcl_erf_mid(a);
        return select(1.0f - 8.4506291151e-01f - d, 1.0f + 8.4506291151e-01f + d, x < 0.0f);
    }
    if (a < 28.0f) {
        if (x < -6.0f) {
            return 2.0f;
        }
        let t = wgcl_erfc_tail(a);
        return select(t, 2.0f - t, x < 0.0f);
    }
    return select(0.0f, 2.0f, x < 0.0f);
}
