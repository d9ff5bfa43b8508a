#!/usr/bin/env python3
"""Prints bench/compare's two results files (MTFS_BENCH_RESULTS of bench/run) as a Markdown table for
BENCHMARKS.md: each read's rate, its ratio (to the reference, or for as_at to the same live read), p50 and p99
on SQLite and on PostgreSQL, and PostgreSQL ÷ SQLite.

Usage: table.py SQLITE.tsv POSTGRES.tsv
"""
import sys


def load(path):
    rows = {}
    for line in open(path):
        cells = line.rstrip("\n").split("\t")
        rows[cells[0]] = cells[1:]
    return rows


def rate(text):
    value = float(text)
    if value == 0:
        return "0 (no answer in the window)"
    return f"{value:,.0f}" if value >= 100 else f"{value:.2f}" if value < 10 else f"{value:.1f}"


def ms(text):
    if text == "none":
        return "–"
    value = float(text)
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sqlite, postgres = load(sys.argv[1]), load(sys.argv[2])
    print("| read | SQLite /s | × | p50, p99 ms | PostgreSQL /s | × | p50, p99 ms | PG ÷ SQLite |")
    print("|---|---|---|---|---|---|---|---|")
    notes = []
    for label, s in sqlite.items():
        p = postgres.get(label)
        if len(s) < 6:
            notes.append(f"| {label} | {s[0]} | | | {p[0] if p else ''} | | | |")
            continue
        cells = [label]
        for row in (s, p):
            if row is None:
                cells += ["", "", ""]
                continue
            errors = f" **{int(row[5]):,} non-2xx**" if row[5] != "0" else ""
            cells += [rate(row[0]) + errors, row[1], f"{ms(row[3])}, {ms(row[4])}"]
        ratio = f"{float(p[0]) / float(s[0]):.2f}" if p and float(s[0]) else ""
        cells.append(ratio)
        print("| " + " | ".join(cells) + " |")
    for line in notes:
        print(line)


if __name__ == "__main__":
    main()
