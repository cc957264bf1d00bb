//! Generation speed on the real catalog: each stage, and the whole pipeline
//! (load → validate → IR → emit → format). `cargo bench -p okta-codegen --bench pipeline`.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion};

fn spec() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../spec")
}

fn stages(c: &mut Criterion) {
    let spec = spec();
    let files = okta_codegen::load::load_dir(&spec).expect("valid catalog");
    let api = okta_codegen::ir::resolve(&files).expect("resolves");
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let layout = okta_codegen::Layout::repository();
    let template = std::fs::read_to_string(root.join("generated/Cargo.toml.in")).expect("template");
    let mut g = c.benchmark_group("generate");
    g.sample_size(30);
    g.bench_function("load", |b| {
        b.iter(|| okta_codegen::load::load_dir(&spec).unwrap())
    });
    g.bench_function("validate", |b| {
        b.iter(|| okta_codegen::validate::validate(&files).unwrap())
    });
    g.bench_function("resolve", |b| b.iter(|| okta_codegen::ir::resolve(&files)));
    g.bench_function("emit+format", |b| {
        b.iter(|| okta_codegen::emit::emit(&api, &template, &layout).unwrap())
    });
    g.bench_function("full pipeline", |b| {
        b.iter(|| okta_codegen::generate(&spec, &root, &layout).unwrap())
    });
    g.finish();
}

criterion_group!(benches, stages);
criterion_main!(benches);
