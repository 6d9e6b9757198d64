"""Every benchmark at chosen sizes, one after another, into one Markdown report.

    python bench/run_all.py [--output FILE] [--quick]

Runs, in order: generate (the bench graphs), startup.py, queries.py, http.py, validate.py,
export.py, with arguments sized for a 2-core machine (a full run takes about half an hour, 20
minutes of it export.py, mostly rdflib writing the project's graph; --quick takes about three at
small sizes, without the project's graph). Each step's output is printed as it comes and written
to --output (default bench/.data/results-DATE.md), ready to be copied into bench/RESULTS.md.
"""

from __future__ import annotations

import _syspath  # noqa: F401  (first: bench/http.py must not shadow the standard library)

# isort: split
import argparse
import subprocess
import sys
import time
from pathlib import Path

import common

FULL = [
    ("Load and start-up", ["startup.py", "--sizes", "10k,100k,1M", "--rounds", "2"]),
    (
        "Query latency",
        ["queries.py", "--sizes", "10k,100k,1M", "--reps", "15", "--budget", "1"],
    ),
    (
        "HTTP, all servers, 10k",
        ["http.py", "--sizes", "10k", "--duration", "4", "--rounds", "2"],
    ),
    (
        "HTTP, kgraph and Oxigraph server, 1M",
        [
            "http.py",
            "--sizes",
            "1M",
            "--servers",
            "kgraph,kgraph-folder,oxigraph,oxigraph-disk",
            "--duration",
            "4",
            "--rounds",
            "2",
        ],
    ),
    ("SHACL validation", ["validate.py", "--sizes", "10k", "--rounds", "2"]),
    ("Whole-graph export", ["export.py", "--sizes", "10k,100k", "--rounds", "2"]),
]
QUICK = [
    ("Load and start-up", ["startup.py", "--sizes", "10k", "--rounds", "2"]),
    ("Query latency", ["queries.py", "--sizes", "10k", "--reps", "5", "--budget", "0.5"]),
    (
        "HTTP",
        ["http.py", "--sizes", "10k", "--duration", "2", "--rounds", "2", "--clients", "1,16"],
    ),
    ("SHACL validation", ["validate.py", "--sizes", "10k", "--rounds", "1", "--store-max", "0"]),
    (
        "Whole-graph export",
        ["export.py", "--sizes", "10k", "--rounds", "1", "--no-project"],
    ),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument("--quick", action="store_true", help="small sizes, short bursts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sizes", default=None, help="run every step at these sizes instead")
    args = parser.parse_args(argv)
    steps = QUICK if args.quick else FULL
    if args.sizes:
        steps = [
            (title, [args.sizes if n and cmd[n - 1] == "--sizes" else c for n, c in enumerate(cmd)])
            for title, cmd in steps
        ]
    failed = []
    output = args.output or common.DATA_ROOT / f"results-{time.strftime('%Y%m%d-%H%M')}.md"
    output.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with output.open("w", encoding="utf-8") as report:

        def say(text: str) -> None:
            print(text, flush=True)
            report.write(text + "\n")
            report.flush()

        say("# kgraph benchmarks\n")
        say("Machine: " + "; ".join(f"{k}: {v}" for k, v in common.machine().items()))
        sizes = sorted(
            {
                common.parse_size(s)
                for _, cmd in steps
                for s in cmd[cmd.index("--sizes") + 1].split(",")
            }
        )
        for triples in sizes:
            graph = common.prepare(triples, args.seed)
            say(f"\nBench graph {graph.label}: {graph.total_triples():,} triples in all")
        for title, command in steps:
            say(f"\n## {title}\n\n`python bench/{' '.join(command)}`\n")
            step_started = time.monotonic()
            with subprocess.Popen(
                [
                    sys.executable,
                    str(common.BENCH / command[0]),
                    *command[1:],
                    "--seed",
                    str(args.seed),
                ],
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            ) as process:
                assert process.stdout is not None
                for line in process.stdout:
                    if line.startswith("# date:"):
                        continue  # the machine line, said once above
                    say(line.rstrip("\n"))
            say(f"\n(step took {time.monotonic() - step_started:.0f} s, exit {process.returncode})")
            if process.returncode != 0:
                failed.append(command[0])
        say(f"\nAll steps took {time.monotonic() - started:.0f} s; report in {output}")
        if failed:
            say(f"FAILED: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
