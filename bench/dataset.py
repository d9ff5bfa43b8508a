#!/usr/bin/env python3
"""The benchmark's dataset, deterministic: 20,000 lines x 5 years across 12 directorates (a CSV for the bulk
import), then, through the API, monitoring periods P1-P3 of 2021/22 with an assessment of every fifth saving,
and DSG balances for four blocks over three years.

Usage: dataset.py csv FILE
       dataset.py monitoring BASE_URL TOKEN
"""
import http.client
import json
import random
import sys
import threading
import urllib.parse

CODES = "ADU CFE CHS COR FIN HOU PLA PUB REG RES SUS TRA".split()
LINES = 20_000
YEARS = ["2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]
RAGS = ["green", "amber", "red"]


def lines():
    """(ref, kind, directorate, amounts in pence) for every line, in file order."""
    rng = random.Random(2021)
    for n in range(LINES):
        code = CODES[n % 12]
        kind = "saving" if n % 3 else "growth"
        number = n // 12 + 1  # unique in its directorate and kind, at most 1,667
        ref = f"{code} {'SAV' if kind == 'saving' else 'GRO'}{number:02d}"
        yield n, ref, kind, code, [rng.randint(0, 250_000_000) for _ in YEARS]


def money(pence):
    return f"{pence // 100}.{pence % 100:02d}"


def write_csv(path):
    with open(path, "w") as out:
        out.write("ref,kind,directorate,title,owner,status," + ",".join(YEARS) + "\n")
        for n, ref, kind, code, amounts in lines():
            cells = [ref, kind, code, f"Line {n}", f"Owner {n % 97}", "agreed"] + [money(a) for a in amounts]
            out.write(",".join(cells) + "\n")


class Api:
    def __init__(self, base, token):
        url = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(url.hostname, url.port)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def call(self, method, path, body=None):
        payload = json.dumps(body) if body is not None else None
        try:
            self.conn.request(method, "/api/v1" + path, payload, self.headers)
            reply = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            # The server closes a keep-alive connection left idle (5 s) before it reads a request: send it again
            # on a new one. Nothing was read, so nothing was done.
            self.conn.close()
            self.conn.request(method, "/api/v1" + path, payload, self.headers)
            reply = self.conn.getresponse()
        text = reply.read()
        if reply.status >= 300:
            sys.exit(f"{method} {path}: {reply.status} {text[:300]!r}")
        return json.loads(text) if text else None


def load_monitoring(base, token, threads=8):
    api = Api(base, token)
    for period, as_at in [("P1", "2021-04-30"), ("P2", "2021-05-31"), ("P3", "2021-06-30")]:
        api.call("POST", "/periods", {"year": "2021/22", "period": period, "as_at": as_at})
    # Every fifth saving with an amount in 2021/22 is assessed in P1; P2 and P3 start from the period before.
    work = [(ref, amounts[0]) for n, ref, kind, _, amounts in lines() if kind == "saving" and n % 5 == 1 and amounts[0] > 0]

    def assess(share):
        mine = Api(base, token)
        for i, (ref, amount) in enumerate(share):
            at_risk = amount * (i % 4) // 4
            rag = RAGS[i % 3] if at_risk else "green"
            body = {"rag": rag, "at_risk": money(at_risk), "reason": "Benchmark" if at_risk else None}
            mine.call("PUT", f"/periods/2021-22/P1/assessments/{ref.replace(' ', '-')}", body)

    workers = [threading.Thread(target=assess, args=(work[i::threads],)) for i in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    api.call("POST", "/periods/2021-22/P2/copy-from/P1")
    api.call("POST", "/periods/2021-22/P3/copy-from/P2")
    # DSG: each block's balance for three years, each year opening where the last closed.
    for block, opening, movement in [("schools", -2_000_000_00, 150_000_00), ("central_school_services", 0, 10_000_00),
                                     ("early_years", -500_000_00, 75_000_00), ("high_needs", 9_000_000_00, 4_500_000_00)]:
        for year in ["2019-20", "2020-21", "2021-22"]:
            closing = opening + movement
            api.call("PUT", f"/dsg/{year}/{block}",
                     {"opening_balance": money_signed(opening), "movement": money_signed(movement),
                      "closing_balance": money_signed(closing)})
            opening = closing
    print(f"{len(work)} assessments in each of P1-P3, DSG balances for 4 blocks x 3 years")


def money_signed(pence):
    return ("-" if pence < 0 else "") + money(abs(pence))


if __name__ == "__main__":
    if sys.argv[1] == "csv":
        write_csv(sys.argv[2])
    elif sys.argv[1] == "monitoring":
        load_monitoring(sys.argv[2], sys.argv[3])
    else:
        sys.exit(__doc__)
