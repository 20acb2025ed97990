//! Every fuzz target's saved corpus (seeds, and each input that once broke a check, kept under
//! `fuzz/regressions/`) replayed through its check on the stable toolchain, in every test run.
//! The fuzzing itself needs nightly: `cargo +nightly fuzz run <target>` in `fuzz/`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::fs;
use std::path::{Path, PathBuf};

use switchboard_core::fuzzing::CHECKS;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fuzz")
}

fn files(dir: &Path) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut found: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
    found.sort();
    found
}

#[test]
fn every_check_has_a_fuzz_target_and_seeds() {
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).unwrap();
    for (name, _) in CHECKS {
        let target = fuzz_dir().join(format!("fuzz_targets/{name}.rs"));
        let source = fs::read_to_string(&target).unwrap_or_else(|_| panic!("{target:?}"));
        assert!(
            source.contains(&format!("fuzzing::{name}(data)")),
            "{name}: the target must call its check"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "{name} in Cargo.toml"
        );
        assert!(
            !files(&fuzz_dir().join("corpus").join(name)).is_empty(),
            "{name} has no seeds"
        );
    }
    let targets = files(&fuzz_dir().join("fuzz_targets"));
    assert_eq!(targets.len(), CHECKS.len(), "a fuzz target without a check");
}

#[test]
fn the_saved_corpus_and_past_findings_pass_every_check() {
    let mut replayed = 0;
    for (name, check) in CHECKS {
        for folder in ["corpus", "regressions"] {
            for path in files(&fuzz_dir().join(folder).join(name)) {
                let data = fs::read(&path).unwrap();
                let outcome = std::panic::catch_unwind(|| check(&data));
                assert!(outcome.is_ok(), "{name}: {path:?} breaks the check");
                replayed += 1;
            }
        }
    }
    assert!(replayed >= 100, "only {replayed} inputs");
}
