//! Every exported `cl*` entry point has at least one row in the bad-input table
//! `tests/c/bad_inputs.c` (issue #7): a row is an `EXPECT*(clName(...` line there.
//! The exports are taken twice, from the ICD export table and from the generated header,
//! so a new entry point cannot slip past either list.
use std::collections::BTreeSet;
use std::path::Path;

/// Identifiers `cl[A-Za-z0-9_]*` that directly follow `prefix` in `text`.
fn names_after(text: &str, prefix: &str) -> BTreeSet<String> {
    text.match_indices(prefix)
        .filter_map(|(i, _)| {
            let rest = text[i + prefix.len()..].trim_start();
            let name: String = rest.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect();
            name.starts_with("cl").then_some(name)
        })
        .collect()
}

fn table_rows() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/c/bad_inputs.c");
    let src = std::fs::read_to_string(path).unwrap();
    let mut rows = BTreeSet::new();
    for mac in ["EXPECT(", "EXPECT_OBJ(", "EXPECT_NULL(", "EXPECT_VOID("] {
        rows.extend(names_after(&src, mac));
    }
    rows
}

/// Functions declared by `capi/include/wgcl.h`: a line-leading return type, then `clName(`.
fn header_functions() -> BTreeSet<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/wgcl.h");
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .filter(|l| !l.starts_with([' ', '#', '/']) && !l.starts_with("typedef") && l.contains('('))
        .filter_map(|l| {
            let before_paren = &l[..l.find('(').unwrap()];
            let name = before_paren.rsplit([' ', '*']).next().unwrap();
            name.starts_with("cl").then(|| name.to_string())
        })
        .collect()
}

#[test]
fn every_entry_point_has_a_bad_input_row() {
    let rows = table_rows();
    let exports: BTreeSet<String> = wgcl::exports().into_iter().map(|(n, _)| n.to_string()).collect();
    let header = header_functions();
    assert!(exports.len() > 100, "export table looks wrong: {exports:?}");
    assert_eq!(header, exports, "header and export table disagree");
    let missing: Vec<&String> = exports.iter().filter(|e| !rows.contains(*e)).collect();
    assert!(missing.is_empty(), "entry points without a row in tests/c/bad_inputs.c: {missing:?}");
}
