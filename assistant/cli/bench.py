"""`lobby bench AREA`: benchmarks. Each area's benchmark lives in `bench/<area>.py` and is added here
as one command; results go to docs/benchmarks.md with the command, machine and date."""

from __future__ import annotations

import typer

app = typer.Typer(help="Benchmarks (speed, memory, quality on real data).", no_args_is_help=True)
