//! Every fuzz target's committed corpus, and a few thousand inputs from a seeded generator,
//! run through the same entry functions the fuzz targets call: none may panic. This is the
//! fuzzing CI runs on stable; the long runs need cargo-fuzz on nightly (README, "Developing").

use std::path::{Path, PathBuf};

use chorus_server::fuzz_entry::TARGETS;
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;

/// Generated inputs per target: random bytes, and as many mutations of corpus files.
const GENERATED: usize = 1000;

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fuzz/corpus")
        .join(target)
}

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = corpus_dir(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.expect("a readable corpus directory").path())
        .filter(|path| path.is_file())
        .map(|path| {
            let bytes = std::fs::read(&path).expect("a readable corpus file");
            (path, bytes)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn every_target_has_a_seed_corpus_that_runs_clean() {
    for (target, entry) in TARGETS {
        let files = corpus(target);
        assert!(!files.is_empty(), "fuzz/corpus/{target}/ has no seed");
        for (path, bytes) in files {
            let run = std::panic::catch_unwind(|| entry(&bytes));
            assert!(run.is_ok(), "{target} panics on {}", path.display());
        }
    }
}

#[test]
fn generated_inputs_run_clean() {
    // Deterministic: a failure here fails the same way on every run.
    let mut runner = TestRunner::deterministic();
    let random = vec(any::<u8>(), 0..600);
    // (position, new byte) edits applied to a corpus file.
    let edits = vec((any::<prop::sample::Index>(), any::<u8>()), 1..8);
    let cut = any::<prop::sample::Index>();
    for (target, entry) in TARGETS {
        let seeds = corpus(target);
        for _ in 0..GENERATED {
            let input = random.new_tree(&mut runner).expect("a value").current();
            let run = std::panic::catch_unwind(|| entry(&input));
            assert!(run.is_ok(), "{target} panics on {input:?}");

            let which = cut.new_tree(&mut runner).expect("a value").current();
            let mut input = seeds[which.index(seeds.len())].1.clone();
            if !input.is_empty() {
                for (at, byte) in edits.new_tree(&mut runner).expect("a value").current() {
                    let at = at.index(input.len());
                    input[at] = byte;
                }
                let keep = cut.new_tree(&mut runner).expect("a value").current();
                input.truncate(keep.index(input.len() + 1).max(1));
            }
            let run = std::panic::catch_unwind(|| entry(&input));
            assert!(run.is_ok(), "{target} panics on {input:?}");
        }
    }
}
