"""Benchmarks of issue 13: `python -m bench` prints every figure beside its floor; `python -m bench.load` is the
load test. bench/README.md says what each does and records the latest figures."""
