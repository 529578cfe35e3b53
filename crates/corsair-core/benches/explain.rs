//! Where `explain` spends its time, per scenario of the conformance corpus:
//! parsing the JSON line, running the model, writing the verdict as JSON.
//! Run: cargo bench -p corsair-core --bench explain

use corsair_core::browser::{Explainer, Options};
use corsair_core::{explain, scenario, Profile};
use criterion::{criterion_group, criterion_main, Criterion, Throughput};

const CORPUS: &str = include_str!("../../../conformance/corpus/scenarios.jsonl");

fn phases(c: &mut Criterion) {
    // Bare scenarios, one per line, as users pipe them in.
    let owned: Vec<String> = CORPUS
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).expect("corpus line")["scenario"]
                .to_string()
        })
        .collect();
    let lines: Vec<&str> = owned.iter().map(String::as_str).collect();
    let scenarios: Vec<_> = lines
        .iter()
        .map(|l| scenario::from_json(l).expect("corpus parses"))
        .collect();
    let verdicts: Vec<_> = scenarios
        .iter()
        .map(|s| explain(s, Profile::Chrome).expect("explains"))
        .collect();
    let options = Options { steps: false };
    let mut group = c.benchmark_group("explain-corpus");
    group.throughput(Throughput::Elements(lines.len() as u64));
    group.bench_function("parse", |b| {
        b.iter(|| {
            lines
                .iter()
                .map(|l| scenario::from_json(l).is_ok() as usize)
                .sum::<usize>()
        })
    });
    group.bench_function("model", |b| {
        b.iter(|| {
            scenarios
                .iter()
                .map(|s| {
                    explain(s, Profile::Chrome)
                        .map(|v| v.findings.len())
                        .unwrap_or(0)
                })
                .sum::<usize>()
        })
    });
    let mut buf = Vec::with_capacity(1 << 20);
    group.bench_function("serialize", |b| {
        b.iter(|| {
            buf.clear();
            for v in &verdicts {
                serde_json::to_writer(&mut buf, v).expect("serializes");
                buf.push(b'\n');
            }
            buf.len()
        })
    });
    group.bench_function("all", |b| {
        let mut explainer = Explainer::new(Profile::Chrome, options);
        b.iter(|| {
            buf.clear();
            for l in &lines {
                if let Ok(v) = scenario::from_json(l).and_then(|s| explainer.explain(&s)) {
                    serde_json::to_writer(&mut buf, &v).expect("serializes");
                    buf.push(b'\n');
                }
            }
            buf.len()
        })
    });
    group.finish();
}

criterion_group!(benches, phases);
criterion_main!(benches);
