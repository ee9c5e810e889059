"""Benchmark: index build time, peak memory and query latency at 1x, 100x, 1000x the seeds.

Each scale runs in its own process (so peak memory is that scale's own), on a
corpus of copies of the seeds with distinct file names (so distinct ids), with
the index cache off (a cold build). The same clauses are also indexed by a plain
jieba + bm25s baseline in the same run, and both answer the same query mix.

    python benchmarks/bench.py                      # 1x and 100x
    python benchmarks/bench.py --scales 1,100,1000 --segmenter rjieba
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
QUERIES = ["target 研发", "target 新增市级平台", "lead-unit 科技成果转化示范区", "unit 市金融工作局", "search 人才飞地",
           "知识产权保护", "target 成都 2025", "科技成果转华示范区", "高新技术企业", "量子引力波探测", "专精特新",
           "lead 数字经济", "search 揭榜挂帅", "人才公寓", "科技金融 in:安顺", "碳达峰"]


def make_corpus(folder: Path, scale: int) -> None:
    seeds = sorted((ROOT / "seeds").glob("*.txt"))
    for i in range(scale):
        for seed in seeds:
            target = folder / f"{seed.stem}-copy{i:04d}.txt"
            shutil.copyfile(seed, target)
            sidecar = seed.with_suffix(".yaml")
            if sidecar.is_file():
                shutil.copyfile(sidecar, target.with_suffix(".yaml"))


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def measure(scale: int, segmenter: str, rounds: int, baseline: bool) -> dict:
    sys.path.insert(0, str(ROOT))
    from bot.engine import PolicyEngine
    from bot.settings import load_settings

    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        make_corpus(corpus, scale)
        settings = dataclasses.replace(load_settings(env={}), corpus_dir=corpus, cache_dir=Path(tmp) / "cache",
                                       segmenter=segmenter)
        started = time.perf_counter()
        engine = PolicyEngine.from_settings(settings)
        build = time.perf_counter() - started
        engine.warm()
        rss_after_build = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        latencies = []
        for _ in range(rounds):
            for q in QUERIES:
                t = time.perf_counter()
                engine.ask(q)
                latencies.append((time.perf_counter() - t) * 1000)
        started = time.perf_counter()
        PolicyEngine.from_settings(settings)  # warm start: the cached index
        warm = time.perf_counter() - started
        clauses = sum(len(d.clauses) for d in engine.documents)
        result = {
            "scale": scale, "segmenter": segmenter, "documents": len(engine.documents), "clauses": clauses,
            "build_s": round(build, 2), "warm_start_s": round(warm, 2), "peak_rss_mb": round(rss_after_build),
            "p50_ms": round(statistics.median(latencies), 3), "p99_ms": round(percentile(latencies, 99), 3),
        }
        if baseline:
            result.update(measure_baseline(engine, rounds))
        return result


def measure_baseline(engine, rounds: int) -> dict:
    """jieba + bm25s over the same clauses: what a plain implementation costs."""
    import bm25s
    import jieba

    jieba.setLogLevel(60)
    clauses = [c for d in engine.documents for c in d.clauses]
    started = time.perf_counter()
    corpus_tokens = [list(jieba.cut_for_search(c.text)) for c in clauses]
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize([" ".join(t) for t in corpus_tokens], stopwords=None, show_progress=False),
                    show_progress=False)
    build = time.perf_counter() - started
    latencies = []
    for _ in range(rounds):
        for q in QUERIES:
            t = time.perf_counter()
            tokens = bm25s.tokenize(" ".join(jieba.cut_for_search(q)), stopwords=None, show_progress=False)
            retriever.retrieve(tokens, k=5, show_progress=False)
            latencies.append((time.perf_counter() - t) * 1000)
    return {"baseline_build_s": round(build, 2), "baseline_p50_ms": round(statistics.median(latencies), 3),
            "baseline_p99_ms": round(percentile(latencies, 99), 3),
            "baseline_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,100", help="comma-separated multiples of the seeds")
    parser.add_argument("--segmenter", default="rjieba", choices=("jieba", "rjieba"))
    parser.add_argument("--rounds", type=int, default=20, help="passes over the query mix")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.segmenter, args.rounds, not args.no_baseline)))
        return 0
    header = (f"{'scale':>6} {'docs':>6} {'clauses':>8} {'build s':>8} {'warm s':>7} {'peak MB':>8} "
              f"{'p50 ms':>8} {'p99 ms':>8} | {'bm25s build':>11} {'p50':>7} {'p99':>7} {'MB':>6}")
    print(header)
    for scale in (int(s) for s in args.scales.split(",")):
        cmd = [sys.executable, __file__, "--one", str(scale), "--segmenter", args.segmenter,
               "--rounds", str(args.rounds)] + (["--no-baseline"] if args.no_baseline else [])
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
        r = json.loads(out.strip().splitlines()[-1])
        base = (f"{r.get('baseline_build_s', '-'):>11} {r.get('baseline_p50_ms', '-'):>7} "
                f"{r.get('baseline_p99_ms', '-'):>7} {r.get('baseline_peak_rss_mb', '-'):>6}")
        print(f"{scale:>6} {r['documents']:>6} {r['clauses']:>8} {r['build_s']:>8} {r['warm_start_s']:>7} "
              f"{r['peak_rss_mb']:>8} {r['p50_ms']:>8} {r['p99_ms']:>8} | {base}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
