//! The latency-distribution plot: reads the samples that `clbench --samples DIR` and
//! `rustbench --samples DIR` wrote (`DIR/<series>__<workload>.txt`, one microsecond value per
//! line) and draws, per workload, the empirical distribution of every series as one SVG: time on
//! a log axis, and on the vertical axis the percentile on a tail scale (-log10 of the fraction
//! slower: p50, p90, p99, p99.9 equally spaced), so the tail a callback user feels is visible.
//! Usage: latplot DIR OUT.svg
use std::collections::BTreeMap;
use std::fmt::Write;

/// Series samples (sorted) by workload, then by series name.
type Samples = BTreeMap<String, BTreeMap<String, Vec<f64>>>;

fn read_samples(dir: &str) -> std::io::Result<Samples> {
    let mut out = Samples::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        let Some(name) = path.file_name().and_then(|n| n.to_str()).and_then(|n| n.strip_suffix(".txt")) else { continue };
        let Some((series, workload)) = name.split_once("__") else { continue };
        let mut v: Vec<f64> = std::fs::read_to_string(&path)?.lines().filter_map(|l| l.trim().parse().ok()).filter(|x: &f64| x.is_finite()).collect();
        if v.is_empty() {
            continue;
        }
        v.sort_by(f64::total_cmp);
        out.entry(workload.to_string()).or_default().insert(series.replace('_', " "), v);
    }
    Ok(out)
}

const COLORS: [&str; 8] = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"];
const PANEL_W: f64 = 560.0;
const LEGEND_W: f64 = 380.0;
const PANEL_H: f64 = 300.0;
const MARGIN: f64 = 60.0;

/// One panel per workload, stacked; x is log10(microseconds), y the tail scale of the
/// fraction of samples <= x. A series keeps its colour in every panel.
fn render(samples: &Samples) -> String {
    let mut svg = String::new();
    let height = samples.len() as f64 * (PANEL_H + 2.0 * MARGIN);
    let width = PANEL_W + 2.0 * MARGIN + LEGEND_W;
    let names: std::collections::BTreeSet<&String> = samples.values().flat_map(|s| s.keys()).collect();
    let color_of = |name: &String| COLORS[names.iter().position(|n| *n == name).unwrap_or(0) % COLORS.len()];
    writeln!(svg, r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">"#).unwrap();
    writeln!(svg, r#"<rect width="100%" height="100%" fill="white"/>"#).unwrap();
    for (pi, (workload, series)) in samples.iter().enumerate() {
        let top = pi as f64 * (PANEL_H + 2.0 * MARGIN) + MARGIN;
        let all = series.values().flatten().copied().filter(|x| *x > 0.0);
        let (lo, hi) = all.fold((f64::MAX, f64::MIN), |(lo, hi), x| (lo.min(x), hi.max(x)));
        let (lo, hi) = if lo <= hi { (lo.log10().floor(), hi.log10().ceil().max(lo.log10().floor() + 1.0)) } else { (0.0, 1.0) };
        let x_of = |us: f64| MARGIN + (us.max(10f64.powf(lo)).log10() - lo) / (hi - lo) * PANEL_W;
        // Tail scale: fraction f sits at -log10(1 - f); the top is the largest series' 1 - 1/n.
        let n_max = series.values().map(Vec::len).max().unwrap_or(1) as f64;
        let y_max = n_max.log10().max(2.0);
        let y_of = |frac: f64| top + PANEL_H - ((-(1.0 - frac).log10()).min(y_max) / y_max) * PANEL_H;
        writeln!(svg, r#"<text x="{MARGIN}" y="{}" font-size="14" font-weight="bold">{workload}: cumulative distribution</text>"#, top - 12.0).unwrap();
        writeln!(svg, r##"<rect x="{MARGIN}" y="{top}" width="{PANEL_W}" height="{PANEL_H}" fill="none" stroke="#444"/>"##).unwrap();
        for decade in lo as i32..=hi as i32 {
            let x = x_of(10f64.powi(decade));
            writeln!(svg, r##"<line x1="{x:.1}" y1="{top}" x2="{x:.1}" y2="{}" stroke="#ddd"/>"##, top + PANEL_H).unwrap();
            let label = if decade >= 0 { format!("{}", 10u64.pow(decade as u32)) } else { format!("{}", 10f64.powi(decade)) };
            writeln!(svg, r#"<text x="{x:.1}" y="{}" text-anchor="middle">{label} us</text>"#, top + PANEL_H + 16.0).unwrap();
        }
        for q in [0.5f64, 0.9, 0.99, 0.999].into_iter().filter(|q| -(1.0 - q).log10() <= y_max + 1e-9) {
            let y = y_of(q);
            writeln!(svg, r##"<line x1="{MARGIN}" y1="{y:.1}" x2="{}" y2="{y:.1}" stroke="#eee"/><text x="{}" y="{:.1}" text-anchor="end">p{}</text>"##, MARGIN + PANEL_W, MARGIN - 6.0, y + 4.0, (q * 1000.0).round() / 10.0).unwrap();
        }
        for (si, (name, v)) in series.iter().enumerate() {
            let color = color_of(name);
            let n = v.len() as f64;
            let mut points = String::new();
            for (i, us) in v.iter().enumerate() {
                write!(points, "{:.1},{:.1} {:.1},{:.1} ", x_of(*us), y_of(i as f64 / n), x_of(*us), y_of((i + 1) as f64 / n)).unwrap();
            }
            writeln!(svg, r#"<polyline class="series" fill="none" stroke="{color}" stroke-width="1.5" points="{}"/>"#, points.trim_end()).unwrap();
            let p50 = v[v.len() / 2];
            let p99 = v[(v.len() * 99 / 100).min(v.len() - 1)];
            let ly = top + 16.0 + si as f64 * 18.0;
            writeln!(svg, r#"<line x1="{x0}" y1="{ly}" x2="{x1}" y2="{ly}" stroke="{color}" stroke-width="3"/><text x="{tx}" y="{}">{name}: p50 {p50:.1}, p99 {p99:.1} us</text>"#, ly + 4.0, x0 = MARGIN + PANEL_W + 12.0, x1 = MARGIN + PANEL_W + 32.0, tx = MARGIN + PANEL_W + 38.0).unwrap();
        }
    }
    svg.push_str("</svg>\n");
    svg
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (Some(dir), Some(out)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: latplot SAMPLES_DIR OUT.svg");
        std::process::exit(2);
    };
    let samples = read_samples(dir).unwrap_or_else(|e| panic!("cannot read {dir}: {e}"));
    if samples.is_empty() {
        eprintln!("latplot: no samples in {dir}");
        std::process::exit(1);
    }
    std::fs::write(out, render(&samples)).unwrap_or_else(|e| panic!("cannot write {out}: {e}"));
    let n: usize = samples.values().map(|s| s.len()).sum();
    println!("latplot: {} workloads, {n} series -> {out}", samples.len());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_panel_per_workload_one_curve_per_series_in_order() {
        let dir = std::env::temp_dir().join(format!("latplot-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("wgcl__callback_latency.txt"), "30\n10\n20\n").unwrap();
        std::fs::write(dir.join("NVIDIA_CUDA__callback_latency.txt"), "5\n").unwrap();
        std::fs::write(dir.join("wgcl__user_event_gate.txt"), "7\nnot a number\n").unwrap();
        std::fs::write(dir.join("README"), "ignored").unwrap();
        let s = read_samples(dir.to_str().unwrap()).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(s.keys().collect::<Vec<_>>(), ["callback_latency", "user_event_gate"]);
        assert_eq!(s["callback_latency"]["wgcl"], [10.0, 20.0, 30.0], "samples are sorted");
        assert_eq!(s["user_event_gate"]["wgcl"], [7.0], "bad lines are skipped");
        let svg = render(&s);
        assert_eq!(svg.matches("class=\"series\"").count(), 3);
        assert_eq!(svg.matches("cumulative distribution").count(), 2);
        assert!(svg.contains("NVIDIA CUDA: p50 5.0, p99 5.0 us"), "{svg}");
        assert!(svg.contains("wgcl: p50 20.0, p99 30.0 us"), "{svg}");
        // Every curve of the first panel ends at the panel's top (fraction 1 at y = MARGIN).
        assert_eq!(svg.matches(&format!(",{MARGIN:.1}\"/>")).count(), 2, "{svg}");
    }
}
