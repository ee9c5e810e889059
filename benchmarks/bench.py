"""Benchmark at multiples of the seeds: cold build, warm start, memory, latency of a realistic
query mix, and Slack acknowledgement latency under 100 concurrent slash commands.

Each scale gets a corpus of copies of the seeds with distinct file names (so distinct
ids), then three fresh processes, so each figure is that phase's own:

1. build: the cold build (parse + index + save, no index on disk yet).
2. query: warm start, from process start to the first answer with the index on disk;
   then every query of MIX, `--rounds` times, with p50/p99/max; peak RSS of that process.
3. slack: `policybot serve` in a process of its own, as deployed, against the test suite's
   fake Slack; `--commands` signed slash commands sent at once from this process; the time
   until each is acknowledged (the HTTP answer Slack waits 3 s for).

    python benchmarks/bench.py --scales 1,1000
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
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The realistic mix: every query kind users send, as they type them.
MIX = {
    "target": ["target 研发", "target 新增市级平台", "target 专精特新", "target 高新技术企业", "目标 科技成果转化",
               "target 成都 2025", "target in:成都", "target 2025", "target 人才"],
    "lead-unit": ["lead-unit 科技成果转化示范区", "lead 知识产权", "牵头 数字经济", "lead-unit 人才", "lead"],
    "unit": ["unit 市科技局", "unit 市金融工作局", "unit 发改委", "unit 人社局", "单位 金融办", "unit 市教育局",
             "unit 科技局", "unit 市经济和信息化局"],
    "search": ["search 人才飞地", "知识产权保护", "search 揭榜挂帅", "人才公寓", "碳达峰", "科技金融", "5G",
               "search 科技创新 平台", "量子引力波探测", "火星基地建设"],
    "docs": ["docs", "docs in:安顺", "文件 year:2021"],
    "filters": ["科技金融 in:安顺", "知识产权 type:决定", "知识产权 year:2021", "search 人才 doc:zigong",
                "lead 平台 in:广元"],
    "pinyin": ["target chengdu", "guangyuan 科技", "what targets did Anshun set?", "zigongshi 人才"],
    "typos": ["科技成果转华示范区", "target 专精特心", "人才飞弟", "知识产权保户"],
    "traditional": ["知識產權保護", "target 研發", "科技創新平臺", "單位 市科技局"],
    "english": ["what targets did Chengdu set for R&D by 2025?", "which bureau leads the IP-protection task?",
                "technology transfer", "who leads talent recruitment?"],
}
PAGES = ("unit 市科技局", "target 研发", "search 科技创新 平台")  # asked again at a later page (More results)


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


def peak_rss_mb(children: bool = False) -> int:
    """Peak resident memory of this process (or of the largest child it waited for), in MB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    if children:
        peak = max(peak, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
    return round(peak / 1024)


def _settings(work: Path, segmenter: str):
    from bot.settings import load_settings

    return dataclasses.replace(load_settings(env={}), corpus_dir=work / "corpus", cache_dir=work / "cache",
                               segmenter=segmenter)


# ---------------------------------------------------------------- phases, each in its own process

def phase_build(work: Path, segmenter: str) -> dict:
    from bot.engine import PolicyEngine

    started = time.perf_counter()
    engine = PolicyEngine.from_settings(_settings(work, segmenter))
    build = time.perf_counter() - started
    # CPU of this process and every process it started (the build child and its pools).
    cpu = sum(getattr(resource.getrusage(who), field) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for field in ("ru_utime", "ru_stime"))
    return {"documents": len(engine.documents), "clauses": sum(d.clause_count for d in engine.documents),
            "build_s": round(build, 2), "build_cpu_s": round(cpu, 1), "build_rss_mb": peak_rss_mb(children=True)}


def phase_query(work: Path, segmenter: str, rounds: int) -> dict:
    from bot.engine import PolicyEngine

    engine = PolicyEngine.from_settings(_settings(work, segmenter))
    engine.warm()
    engine.ask("target 研发")
    first_answer = time.time()  # the parent knows when it started this process
    latencies: dict[str, list[float]] = {kind: [] for kind in MIX}
    for _ in range(rounds):
        for kind, queries in MIX.items():
            for text in queries:
                t = time.perf_counter()
                engine.ask(text)
                latencies[kind].append((time.perf_counter() - t) * 1000)
        for text in PAGES:
            t = time.perf_counter()
            engine.ask(text, offset=15)
            latencies["search" if text.startswith("search") else text.split()[0]].append(
                (time.perf_counter() - t) * 1000)
    every = [ms for values in latencies.values() for ms in values]
    worst = {kind: round(max(values), 2) for kind, values in latencies.items()}
    return {"first_answer_at": first_answer, "queries": len(every),
            "p50_ms": round(statistics.median(every), 3), "p99_ms": round(percentile(every, 99), 3),
            "max_ms": round(max(every), 2), "worst_by_kind_ms": worst, "query_rss_mb": peak_rss_mb()}


def phase_slack(work: Path, segmenter: str, commands: int) -> dict:
    """`policybot serve` in its own process, as deployed; Slack (fake) and its clients in this one."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from soak_support import ServeProcess  # the soak's `policybot serve` child, with the test suite's fake Slack

    from fake_slack import FakeSlackAPI
    from slack_harness import TOKEN

    config = work / "serve.yaml"
    config.write_text(f"corpus_dir: {work / 'corpus'}\ncache_dir: {work / 'cache'}\nsearch:\n  segmenter: {segmenter}\n"
                      f"database:\n  url: sqlite:///{work / 'bench.db'}\n", encoding="utf-8")
    texts = [q for queries in MIX.values() for q in queries]
    with FakeSlackAPI(token=TOKEN) as fake:
        server = ServeProcess(work, config, fake, "serve")
        try:
            server.slack.command("docs")  # one connection made and one answer given before the burst

            def one(i: int) -> tuple[float, int]:
                t = time.perf_counter()
                sent, _ = server.slack.command(texts[i % len(texts)], user=f"U{i:05d}", timeout=30)
                return (time.perf_counter() - t) * 1000, sent.status

            with ThreadPoolExecutor(max_workers=commands) as pool:
                results = list(pool.map(one, range(commands)))
        finally:
            server.stop()
    acks = [ms for ms, _ in results]
    return {"commands": commands, "acked_200": sum(status == 200 for _, status in results),
            "ack_p50_ms": round(statistics.median(acks)), "ack_p99_ms": round(percentile(acks, 99)),
            "ack_max_ms": round(max(acks))}


def run_phase(args: list[str]) -> tuple[dict, float]:
    """Run one phase in a new interpreter; return its JSON line and when it was started."""
    started = time.time()
    out = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"phase {args[0:2]} failed")
    return json.loads(out.stdout.strip().splitlines()[-1]), started


def measure(scale: int, segmenter: str, rounds: int, commands: int, repeat: int) -> dict:
    """Run the three phases `repeat` times on one corpus; return the median of each figure,
    and every run's figures under "runs"."""
    with tempfile.TemporaryDirectory(prefix="policybot-bench-") as tmp:
        work = Path(tmp)
        (work / "corpus").mkdir()
        make_corpus(work / "corpus", scale)
        common = ["--work", str(work), "--segmenter", segmenter]
        runs = []
        for _ in range(repeat):
            shutil.rmtree(work / "cache", ignore_errors=True)  # every build is a cold one
            result = {"scale": scale}
            result.update(run_phase(["--phase", "build", *common])[0])
            query, started = run_phase(["--phase", "query", "--rounds", str(rounds), *common])
            query["warm_start_s"] = round(query.pop("first_answer_at") - started, 2)
            result.update(query)
            result.update(run_phase(["--phase", "slack", "--commands", str(commands), *common])[0])
            runs.append(result)
    def median_of(key: str, value: object) -> object:
        if isinstance(value, dict):
            return {k: statistics.median(r[key][k] for r in runs) for k in value}
        middle = statistics.median(r[key] for r in runs)
        return int(middle) if all(isinstance(r[key], int) for r in runs) and middle == int(middle) \
            else round(middle, 3)

    medians = {key: median_of(key, value) for key, value in runs[0].items()}
    return {**medians, "runs": runs}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scales", default="1,100", help="comma-separated multiples of the seeds")
    parser.add_argument("--segmenter", default="rjieba", choices=("jieba", "rjieba"))
    parser.add_argument("--rounds", type=int, default=10, help="passes over the query mix")
    parser.add_argument("--commands", type=int, default=100, help="concurrent slash commands")
    parser.add_argument("--repeat", type=int, default=1, help="runs per scale; the table shows their medians")
    parser.add_argument("--json", action="store_true", help="print each scale's figures as JSON too")
    parser.add_argument("--phase", choices=("build", "query", "slack"), help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.phase:
        phases = {"build": lambda: phase_build(args.work, args.segmenter),
                  "query": lambda: phase_query(args.work, args.segmenter, args.rounds),
                  "slack": lambda: phase_slack(args.work, args.segmenter, args.commands)}
        print(json.dumps(phases[args.phase](), ensure_ascii=False))
        return 0
    print(f"medians of {args.repeat} run(s); query mix: {sum(map(len, MIX.values())) + len(PAGES)} queries × "
          f"{args.rounds} rounds "
          f"({', '.join(f'{k} {len(v)}' for k, v in MIX.items())}, later pages {len(PAGES)})")
    print(f"{'scale':>6} {'docs':>6} {'clauses':>8} {'build s':>8} {'CPU s':>6} {'warm s':>7} {'build MB':>9} "
          f"{'query MB':>9} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} | {'ack p50':>7} {'p99':>6} {'max':>6} {'200s':>5}")
    for scale in (int(s) for s in args.scales.split(",")):
        r = measure(scale, args.segmenter, args.rounds, args.commands, args.repeat)
        print(f"{scale:>6} {r['documents']:>6} {r['clauses']:>8} {r['build_s']:>8} {r['build_cpu_s']:>6} "
              f"{r['warm_start_s']:>7} {r['build_rss_mb']:>9} "
              f"{r['query_rss_mb']:>9} {r['p50_ms']:>7} {r['p99_ms']:>7} {r['max_ms']:>7} | "
              f"{r['ack_p50_ms']:>7} {r['ack_p99_ms']:>6} {r['ack_max_ms']:>6} {r['acked_200']:>5}", flush=True)
        if args.json:
            print(json.dumps(r, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
