//! The architecture's rules, checked rather than hoped for. The "may use"
//! column of `docs/architecture.md`'s folder table is read and every
//! `crate::` path in `src/` (tests excluded) is held against it; then: no
//! two folders that name each other, SQL only in `src/store/`, no source
//! file over 700 lines.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 700;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every source file under `src/`, as (path from `src/`, text).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for e in std::fs::read_dir(dir).expect("src/ is readable").flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") {
                out.push(p);
            }
        }
    }
    let src = root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let rel = p
                .strip_prefix(&src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            (
                rel,
                std::fs::read_to_string(&p).expect("a readable source file"),
            )
        })
        .collect()
}

/// The folder (top-level module) a file belongs to: `store/writer.rs` is
/// `store`, `lib.rs` is `lib`.
fn folder(rel: &str) -> &str {
    let first = rel.split('/').next().unwrap_or(rel);
    first.strip_suffix(".rs").unwrap_or(first)
}

/// The code a build compiles outside tests: a file's text up to its tests
/// module, and none of a file that is itself a test module.
fn code(rel: &str, text: &str) -> String {
    if rel.ends_with("_tests.rs") {
        return String::new();
    }
    let end = text.find("#[cfg(test)]").unwrap_or(text.len());
    // Comments name other folders in words; they are not uses.
    text[..end]
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `folder -> allowed names` from the doc's table: the backticked names in
/// the "may use" column (`store`, `engine::protocol`, …); "everything"
/// allows all.
fn allowed() -> BTreeMap<String, Option<BTreeSet<String>>> {
    let doc = std::fs::read_to_string(root().join("docs/architecture.md")).expect("the doc");
    let mut rows = BTreeMap::new();
    for line in doc.lines() {
        let cells: Vec<&str> = line.split(" | ").collect();
        let Some(name) = cells
            .first()
            .and_then(|c| c.strip_prefix("| `"))
            .and_then(|c| c.strip_suffix("/`"))
        else {
            continue;
        };
        let may = cells.last().map_or("", |c| c.trim_end_matches(" |"));
        let names = if may.trim() == "everything" {
            None
        } else {
            Some(
                may.split('`')
                    .skip(1)
                    .step_by(2)
                    .map(str::to_owned)
                    .collect(),
            )
        };
        rows.insert(name.to_owned(), names);
    }
    rows
}

/// Every `crate::a` or `crate::a::b` a file names, as (a, b).
fn uses(code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        let ident = |s: &str| -> String {
            s.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect()
        };
        let a = ident(after);
        let b = after[a.len()..]
            .strip_prefix("::")
            .map(ident)
            .unwrap_or_default();
        // `crate::{a, b}` groups are not used in this code base.
        if !a.is_empty() {
            out.push((a, b));
        }
        rest = after;
    }
    out
}

#[test]
fn every_folder_names_only_what_the_architecture_allows() {
    let allowed = allowed();
    assert!(allowed.len() >= 12, "the doc's folder table was not found");
    let mut wrong = BTreeSet::new();
    let mut named: BTreeSet<(String, String)> = BTreeSet::new();
    for (rel, text) in sources() {
        let here = folder(&rel).to_owned();
        if here == "lib" || here == "main" {
            continue;
        }
        let Some(may) = allowed.get(&here) else {
            wrong.insert(format!(
                "{rel}: folder `{here}` has no row in docs/architecture.md"
            ));
            continue;
        };
        for (a, b) in uses(&code(&rel, &text)) {
            if a == here || a == "self" {
                continue;
            }
            named.insert((here.clone(), a.clone()));
            let ok = may
                .as_ref()
                .is_none_or(|m| m.contains(&a) || m.contains(&format!("{a}::{b}")));
            if !ok {
                wrong.insert(format!("{rel}: `{here}` names `crate::{a}::{b}`"));
            }
        }
    }
    for (a, b) in &named {
        if named.contains(&(b.clone(), a.clone())) && a < b {
            wrong.insert(format!("`{a}` and `{b}` name each other"));
        }
    }
    assert!(
        wrong.is_empty(),
        "the code and docs/architecture.md disagree (fix the code, or the table if the \
         design changed):\n{}",
        wrong.into_iter().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn sql_lives_only_in_the_store() {
    let sql = [
        "SELECT ",
        "INSERT ",
        "UPDATE ",
        "DELETE FROM",
        "CREATE TABLE",
        "PRAGMA ",
    ];
    let outside: Vec<String> = sources()
        .into_iter()
        .filter(|(rel, _)| folder(rel) != "store")
        .flat_map(|(rel, text)| {
            let code = code(&rel, &text);
            sql.iter()
                .filter(|k| code.contains(&format!("\"{k}")))
                .map(|k| format!("{rel}: {k}"))
                .collect::<Vec<_>>()
        })
        .collect();
    assert!(outside.is_empty(), "SQL outside src/store: {outside:?}");
}

#[test]
fn no_source_file_is_over_700_lines() {
    let long: Vec<String> = sources()
        .into_iter()
        .filter(|(_, text)| text.lines().count() > MAX_LINES)
        .map(|(rel, text)| format!("{rel}: {} lines", text.lines().count()))
        .collect();
    assert!(long.is_empty(), "split these by what they do: {long:?}");
}

#[test]
fn the_checks_see_a_violation() {
    // A check that cannot fail checks nothing.
    assert_eq!(
        uses("use crate::store::Store;\nlet x = crate::ui::today::view();"),
        [
            ("store".to_owned(), "Store".to_owned()),
            ("ui".to_owned(), "today".to_owned())
        ]
    );
    assert_eq!(folder("store/writer.rs"), "store");
    assert_eq!(code("a.rs", "x\n#[cfg(test)]\ncrate::ui"), "x");
    let rows = allowed();
    assert_eq!(
        rows.get("domain"),
        Some(&Some(BTreeSet::from(["domain".to_owned()])))
    );
    assert_eq!(rows.get("cli"), Some(&None));
}

/// A sensor model is one file: outside `sources/ble/model/`, nothing names
/// a model's module, except the Sitless profile's history stream (its
/// decoding kind: sequence numbers and a backfill) in the link.
#[test]
fn no_code_outside_its_file_names_a_sensor_model() {
    let models: Vec<String> = std::fs::read_dir(root().join("src/sources/ble/model"))
        .expect("the models' folder")
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".rs")
                .filter(|n| *n != "mod")
                .map(str::to_owned)
        })
        .collect();
    assert!(models.len() >= 4, "{models:?}");
    let mut named = Vec::new();
    for (rel, text) in sources() {
        if rel.starts_with("sources/ble/model/") {
            continue;
        }
        let code = code(&rel, &text);
        for m in &models {
            let sitless_stream =
                m == "sitless" && (rel == "sources/ble/link.rs" || rel == "sources/ble/stream.rs");
            let mentions = code.contains(&format!("model::{m}"))
                || code.contains(&format!("model::{{SensorModel, {m}}}"));
            if mentions && !sitless_stream {
                named.push(format!("{rel} names model `{m}`"));
            }
        }
    }
    assert!(named.is_empty(), "ask the model instead: {named:?}");
}
