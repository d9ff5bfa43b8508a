#!/usr/bin/env python3
"""Files for bench/imports, deterministic, and a /health rate to measure against.

Usage: import_files.py reconciliation LINES_CSV OUT_JSON   a published table of every line (2021/22, in £000s)
       import_files.py repeated OUT_CSV                    issue 11's 320 KB CSV whose header repeats the years
       import_files.py worst OUT_CSV                       the costliest file within the caps: 50,000 rows x 55
                                                           years (under 16 MiB), every row planned, the last wrong
       import_files.py health-rate BASE_URL N              N sequential GET /health on one connection: requests/s
"""
import csv
import http.client
import json
import sys
import time
import urllib.parse


def reconciliation(lines_csv, out):
    rows = []
    with open(lines_csv) as f:
        for line in csv.DictReader(f):
            pounds = float(line["2021/22"])  # only to print whole thousands, as a paper would
            rows.append({"ref": line["ref"], "years": {"2021/22": str(round(pounds / 1000))}})
    with open(out, "w") as f:
        json.dump({"unit": "thousands", "rows": rows}, f, separators=(",", ":"))


def years(n):
    return [f"{y}/{(y + 1) % 100:02d}" for y in range(2000, 2000 + n)]


def repeated(out):
    header = [y for _ in range(40) for y in years(10)]
    with open(out, "w") as f:
        f.write("ref,kind,directorate,title," + ",".join(header) + "\n")
        row = 0
        while f.tell() < 320 * 1024:
            row += 1
            f.write(f",saving,CFE,Row {row}," + ",".join(str(1 + i * 7) for i in range(len(header))) + "\n")


def worst(out):
    columns = years(55)
    with open(out, "w") as f:
        f.write("ref,kind,directorate,title," + ",".join(columns) + "\n")
        for row in range(1, 50_001):
            kind = "capex" if row == 50_000 else "saving"
            f.write(f",{kind},CFE,R{row}," + ",".join(str(1 + (row + i) % 9000) for i in range(55)) + "\n")


def health_rate(base, n):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    start = time.perf_counter()
    for _ in range(n):
        conn.request("GET", "/health")
        reply = conn.getresponse()
        reply.read()
        assert reply.status == 200
    print(f"{n / (time.perf_counter() - start):.0f}")


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else ""
    if command == "reconciliation":
        reconciliation(sys.argv[2], sys.argv[3])
    elif command == "repeated":
        repeated(sys.argv[2])
    elif command == "worst":
        worst(sys.argv[2])
    elif command == "health-rate":
        health_rate(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
