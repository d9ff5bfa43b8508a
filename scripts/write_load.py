#!/usr/bin/env python3
"""Write load and durability checker for the MTFS savings tracker API (Python 3.11 standard library only).

Under N concurrent writers (each with its own persistent HTTP connections, requests spread round-robin over
one or more API processes sharing a database) doing a realistic mix of creates (with an Idempotency-Key),
PATCHes of titles, profiles and status, and PUTs of one year's amount, it proves:

  * no 5xx, no "database is locked", no unexpected 4xx, and (unless --crash-tolerant) no dropped connection;
  * no lost update: writers contend on a few hot lines with If-Match from a fresh GET; a stale If-Match gets
    412 and its values (unique to each write) appear in no event of that line; a successful one yields
    exactly version If-Match + 1; in the audit feed each line's versions run 1, 2, 3... and every event's
    `before` is exactly the previous event's `after`;
  * safe retries: a repeated POST with the same Idempotency-Key and body (sent to another process when
    there are two) answers the first 201 again and creates nothing;
  * read-your-write across processes: after each acknowledged write, a GET on another base shows at least
    that version;
  * durability: every acknowledged (2xx) write, appended to --record (flushed and fsynced) as soon as it is
    acknowledged (412s are recorded too, as rejected), has its event in the audit feed with the values written, and each line's final state is
    the highest acknowledged version's (or a later one's) and equals its last event's `after`;
  * the feed (GET /api/v1/changes) pages to its end, with strictly increasing event ids and no duplicates.

Usage:
  write_load.py --base URL [--base URL2] --token T [--writers 32] [--seconds 30] [--record FILE]
                [--crash-tolerant]      # the server is being killed: connection errors are expected, the
                                        # writes they hit are unacknowledged and unchecked; no final verify
  write_load.py --verify-only --base URL [--base URL2] --token T --record FILE
Exit status 0 when every check holds, 1 otherwise (with the reasons on standard error).
"""

import argparse
import http.client
import itertools
import json
import os
import random
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter, defaultdict
from decimal import Decimal

YEARS = ["2021/22", "2022/23", "2023/24", "2024/25", "2025/26"]
# Operation mix, by weight.
OPS = {"create": 15, "patch_title": 30, "patch_years": 15, "put_year": 30, "patch_status": 10}
WRITE_OPS = set(OPS) | {"create_replay"}
HOT_LINES = 3  # lines every writer contends on, half of its updates
REPLAY_SHARE = 0.1  # share of acknowledged creates repeated with the same Idempotency-Key
IDLE_RECONNECT = 2.0  # seconds; reconnect rather than reuse a keep-alive connection the server may close
MAX_FAILURES = 50  # stop the load after this many
PRINTED_FAILURES = 10
TITLE_PREFIX = "write-load "


class ConnError(Exception):
    """The request got no HTTP answer (refused, reset, closed, timed out)."""


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)

    def text(self, limit=700):
        return self.body[:limit].decode("utf-8", "replace")


class Client:
    """One persistent HTTP/1.1 connection to one API process."""

    def __init__(self, base, token, timeout=30.0):
        url = urllib.parse.urlsplit(base)
        self.base, self.host, self.port = base, url.hostname, url.port or 80
        self.prefix = url.path.rstrip("/")
        self.token, self.timeout = token, timeout
        self.conn, self.last_used = None, 0.0

    def request(self, method, path, body=None, headers=None):
        if self.conn is None or time.monotonic() - self.last_used > IDLE_RECONNECT:
            self.close()
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        sent = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            sent["Content-Type"] = "application/merge-patch+json" if method == "PATCH" else "application/json"
        sent.update(headers or {})
        try:
            self.conn.request(method, self.prefix + path, body=data, headers=sent)
            answer = self.conn.getresponse()
            payload = answer.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise ConnError(f"{method} {self.base}{path}: {type(error).__name__}: {error}") from None
        self.last_used = time.monotonic()
        if answer.will_close:
            self.close()
        return Response(answer.status, {k.lower(): v for k, v in answer.getheaders()}, payload)

    def close(self):
        if self.conn is not None:
            self.conn.close()
        self.conn = None


def line_path(ref):
    return "/api/v1/lines/" + ref.replace(" ", "-")


def described(method, path, body, response):
    sent = f"{method} {path}" + ("" if body is None else f" {json.dumps(body)}")
    return f"{sent} -> {response.status} {response.text()}"


def mismatches(state, values):
    """The fields of `values` (as recorded for a write) that the line `state` does not hold."""
    years = {entry["year"]: Decimal(entry["amount"]) for entry in state.get("years", [])}
    wrong = []
    for field, wanted in values.items():
        if field == "years":
            ok = years == {year: Decimal(amount) for year, amount in wanted.items()}
        elif field == "year_amount":
            ok = years.get(wanted[0]) == Decimal(wanted[1])
        else:
            ok = state.get(field) == wanted
        if not ok:
            wrong.append(field)
    return wrong


class Failures:
    """Every failed check, printed as it happens (the first few) and at the end."""

    def __init__(self):
        self.lock, self.messages, self.stop = threading.Lock(), [], threading.Event()

    def fail(self, message):
        with self.lock:
            self.messages.append(message)
            if len(self.messages) <= PRINTED_FAILURES:
                print(f"FAIL: {message}", file=sys.stderr, flush=True)
            if len(self.messages) >= MAX_FAILURES:
                self.stop.set()

    def screen(self, what, response):
        """Fails on any 5xx or any answer mentioning "database is locked"; true when the answer is clean."""
        if b"database is locked" in response.body.lower():
            self.fail(f"'database is locked' in the answer to {what}")
            return False
        if response.status >= 500:
            self.fail(f"server error: {what}")
            return False
        return True

    def report(self):
        for message in self.messages[PRINTED_FAILURES:]:
            print(f"FAIL: {message}", file=sys.stderr)
        return not self.messages


class Recorder:
    """Appends each acknowledged write to a JSON-lines file, flushed and fsynced before the writer goes on."""

    def __init__(self, path):
        self.file = open(path, "a", encoding="utf-8") if path else None
        self.lock = threading.Lock()

    def write(self, record):
        if self.file is None:
            return
        line = json.dumps(record, sort_keys=True) + "\n"
        with self.lock:
            self.file.write(line)
            self.file.flush()
            os.fsync(self.file.fileno())


class Load:
    """What the writers share: settings, targets, counts, latencies, acknowledged writes, failures."""

    def __init__(self, args, failures, targets):
        self.args, self.failures = args, failures
        self.run_id = uuid.uuid4().hex[:8]
        self.hot, self.targets = targets[:HOT_LINES], list(targets)
        self.recorder = Recorder(args.record)
        self.lock = threading.Lock()
        self.counts, self.latencies, self.acked, self.rejected = Counter(), [], [], []
        self.sequence = itertools.count(1)
        self.amount_seed = random.randrange(10_000_000)
        self.deadline = 0.0

    def next_number(self):
        return next(self.sequence)

    def amount(self):
        """A fresh amount in pounds and pence, never repeated within a run (so no write is a no-op)."""
        pence = self.amount_seed + self.next_number() * 7919
        return f"{pence // 100}.{pence % 100:02d}"

    def count(self, op, outcome, latency=None):
        with self.lock:
            self.counts[(op, str(outcome))] += 1
            if latency is not None:
                self.latencies.append(latency)

    def connection_lost(self, error):
        if not self.args.crash_tolerant:
            self.failures.fail(f"connection error while the server should be up: {error}")

    def acknowledge(self, record):
        self.recorder.write(record)
        with self.lock:
            self.acked.append(record)
            if record["op"] == "create":
                self.targets.append(record["ref"])

    def reject(self, record):
        self.recorder.write(record)
        with self.lock:
            self.rejected.append(record)

    def pick_target(self, rng):
        with self.lock:
            return rng.choice(self.targets)


class Writer(threading.Thread):
    """One writer: its own connection to each base, a random mix of writes until the deadline."""

    def __init__(self, load, index):
        super().__init__(name=f"writer-{index}", daemon=True)
        self.load, self.index = load, index
        self.clients = [Client(base, load.args.token) for base in load.args.base]
        self.turn = index
        self.rng = random.Random(f"{load.run_id}-{index}")
        self.own = []

    def run(self):
        ops = [op for op, weight in OPS.items() for _ in range(weight)]
        while time.monotonic() < self.load.deadline and not self.load.failures.stop.is_set():
            base = self.turn % len(self.clients)
            self.turn += 1
            getattr(self, "op_" + self.rng.choice(ops))(base)
        for client in self.clients:
            client.close()

    # The operations.

    def op_create(self, base):
        n = self.load.next_number()
        kind = self.rng.choice(["saving", "growth"])
        title = f"{TITLE_PREFIX}{self.load.run_id} w{self.index} #{n}"
        years = {year: self.load.amount() for year in sorted(self.rng.sample(YEARS, self.rng.randint(1, 3)))}
        body = {"kind": kind, "directorate": "CFE", "title": title,
                "years": [{"year": year, "amount": amount} for year, amount in years.items()]}
        key = f"write-load-{self.load.run_id}-{n}"
        values = {"title": title, "kind": kind, "years": years}
        line = self.write(base, "create", "POST", "/api/v1/lines", body, values, key=key)
        if line is not None:
            self.own.append(line["ref"])
            if self.rng.random() < REPLAY_SHARE:
                self.replay(self.other(base), body, key, line)

    def op_patch_title(self, base):
        ref, current = self.fresh(base)
        if current is not None:
            title = f"{TITLE_PREFIX}{self.load.run_id} w{self.index} title #{self.load.next_number()}"
            self.write(base, "patch_title", "PATCH", line_path(ref), {"title": title}, {"title": title},
                       if_match=current["version"])

    def op_patch_years(self, base):
        ref, current = self.fresh(base)
        if current is not None:
            chosen = sorted(self.rng.sample(YEARS, self.rng.randint(1, 4)))
            years = {year: self.load.amount() for year in chosen}
            body = {"years": [{"year": year, "amount": amount} for year, amount in years.items()]}
            self.write(base, "patch_years", "PATCH", line_path(ref), body, {"years": years},
                       if_match=current["version"])

    def op_put_year(self, base):
        """Half with If-Match from a fresh GET, half blind (the write goes ahead on whatever is there)."""
        year, amount = self.rng.choice(YEARS), self.load.amount()
        path_year = year.replace("/", "-")
        if self.rng.random() < 0.5:
            ref, current = self.fresh(base)
            if current is None:
                return
            if_match = current["version"]
        else:
            ref, if_match = self.pick(), None
        self.write(base, "put_year", "PUT", f"{line_path(ref)}/years/{path_year}", {"amount": amount},
                   {"year_amount": [year, amount]}, if_match=if_match)

    def op_patch_status(self, base):
        """Withdraws a line, or reinstates a withdrawn one: moves its amounts between line_totals rows."""
        ref, current = self.fresh(base)
        if current is not None:
            status = "agreed" if current["status"] == "withdrawn" else "withdrawn"
            body = {"status": status, "reason": f"write-load {self.load.run_id} {status} #{self.load.next_number()}"}
            self.write(base, "patch_status", "PATCH", line_path(ref), body, {"status": status},
                       if_match=current["version"])

    # The requests and their checks.

    def pick(self):
        """Half the time a hot line everyone contends on; else one of this writer's, or any known line."""
        draw = self.rng.random()
        if draw < 0.5:
            return self.rng.choice(self.load.hot)
        if draw < 0.75 and self.own:
            return self.rng.choice(self.own)
        return self.load.pick_target(self.rng)

    def other(self, base):
        return (base + 1) % len(self.clients)

    def fresh(self, base):
        ref = self.pick()
        return ref, self.read(base, ref)

    def read(self, base, ref):
        """GET a line; None when it failed (already counted, and reported unless the server may be down)."""
        path = line_path(ref)
        try:
            response = self.clients[base].request("GET", path)
        except ConnError as error:
            self.load.count("read", "conn_error")
            self.load.connection_lost(error)
            time.sleep(0.05)
            return None
        self.load.count("read", response.status)
        what = described("GET", self.clients[base].base + path, None, response)
        if not self.load.failures.screen(what, response):
            return None
        if response.status != 200:
            self.load.failures.fail(f"unexpected answer: {what}")
            return None
        line = response.json()
        if response.headers.get("etag") != f'"{line["version"]}"':
            self.load.failures.fail(f"ETag {response.headers.get('etag')} is not the version: {what}")
        return line

    def write(self, base, op, method, path, body, values, if_match=None, key=None):
        """Sends one write; checks, records and read-back-checks it when acknowledged; returns the line."""
        headers = {}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        if key is not None:
            headers["Idempotency-Key"] = key
        client = self.clients[base]
        started = time.monotonic()
        try:
            response = client.request(method, path, body, headers)
        except ConnError as error:
            self.load.count(op, "conn_error")  # unacknowledged: may or may not have happened
            self.load.connection_lost(error)
            time.sleep(0.05)
            return None
        self.load.count(op, response.status, time.monotonic() - started)
        what = described(method, client.base + path, body, response) + f" (If-Match {if_match})"
        if not self.load.failures.screen(what, response):
            return None
        record = {"run": self.load.run_id, "op": op, "if_match": if_match, "values": values,
                  "reason": body.get("reason"), "base": client.base, "at": time.time()}
        if response.status == 412 and if_match is not None:
            # A stale If-Match, the expected outcome of contention: verified later to have changed nothing.
            if response.json().get("type") != "/problems/precondition-failed":
                self.load.failures.fail(f"a 412 that is not a precondition-failed problem: {what}")
            self.load.reject({**record, "outcome": "rejected", "ref": self.ref_of(path)})
            return None
        if response.status != (201 if op == "create" else 200):
            self.load.failures.fail(f"unexpected answer: {what}")
            return None
        line = response.json()
        if not self.check_written(op, line, response, values, if_match, what):
            return None
        self.load.acknowledge({**record, "outcome": "acknowledged", "ref": line["ref"], "version": line["version"]})
        self.read_your_write(self.other(base), line["ref"], line["version"])
        return line

    @staticmethod
    def ref_of(path):
        return path.split("/")[4].replace("-", " ")

    def check_written(self, op, line, response, values, if_match, what):
        problems = []
        wrong = mismatches(line, values)
        if wrong:
            problems.append(f"the answer does not hold the values written ({', '.join(wrong)})")
        if if_match is not None and line["version"] != if_match + 1:
            problems.append(f"version {line['version']} after If-Match {if_match} (expected {if_match + 1})")
        if op == "create":
            if line["version"] != 1 or response.headers.get("location") != line_path(line["ref"]):
                problems.append(f"a new line's version or Location is wrong ({response.headers.get('location')})")
        elif response.headers.get("etag") != f'"{line["version"]}"':
            problems.append(f"ETag {response.headers.get('etag')} is not the version")
        for problem in problems:
            self.load.failures.fail(f"{problem}: {what}")
        return not problems

    def read_your_write(self, base, ref, version):
        line = self.read(base, ref)
        if line is not None and line["version"] < version:
            self.load.failures.fail(f"read-your-write: {ref} acknowledged at version {version}, but "
                                    f"GET on {self.clients[base].base} shows version {line['version']}")
        if line is not None:
            self.load.count("read_your_write", "checked")

    def replay(self, base, body, key, first):
        """Repeats a create with the same key and body: the first answer again, nothing created."""
        client = self.clients[base]
        try:
            response = client.request("POST", "/api/v1/lines", body, {"Idempotency-Key": key})
        except ConnError as error:
            self.load.count("create_replay", "conn_error")
            self.load.connection_lost(error)
            return
        self.load.count("create_replay", response.status)
        what = described("POST", client.base + "/api/v1/lines", body, response) + f" (Idempotency-Key {key})"
        if not self.load.failures.screen(what, response):
            return
        replayed = response.headers.get("idempotent-replayed") == "true"
        if response.status != 201 or not replayed or response.json() != first:
            self.load.failures.fail(f"a repeated POST was not answered with the first answer ({first['ref']}): {what}")


def target_lines(base, token):
    """The lines the writers edit: every line no baseline holds (an approved line's profile, owner and status
    change only by an approved change request), in ref order; the first few become the hot lines. When fewer
    than a few are left (`mtfs load-demo` sets Table 8 as a baseline), a few lines are created for the load."""
    client = Client(base, token)
    approved = set()
    listed = client.request("GET", "/api/v1/baselines")
    if listed.status != 200:
        raise SystemExit(f"write_load: cannot list baselines: {described('GET', base + '/api/v1/baselines', None, listed)}")
    for baseline in listed.json():
        path = "/api/v1/baselines/" + urllib.parse.quote(baseline["name"], safe="")
        held = client.request("GET", path)
        if held.status != 200:
            raise SystemExit(f"write_load: cannot read a baseline: {described('GET', base + path, None, held)}")
        approved.update(line["ref"] for line in held.json()["lines"])
    refs = list_lines(base, token)
    free = [ref for ref in refs if ref not in approved]
    if len(free) < 2 * HOT_LINES and refs:
        directorate = refs[0].split(" ")[0]
        for n in range(2 * HOT_LINES):
            body = {"kind": "saving", "directorate": directorate, "title": f"Write load line {n + 1}", "status": "agreed",
                    "years": [{"year": "2021/22", "amount": "1000.00"}]}
            created = client.request("POST", "/api/v1/lines", body)
            if created.status != 201:
                raise SystemExit(f"write_load: cannot create a line: {described('POST', base + '/api/v1/lines', body, created)}")
            free.append(created.json()["ref"])
    client.close()
    return sorted(free)


def list_lines(base, token):
    """Every line's ref, in ref order."""
    client, refs, cursor = Client(base, token), [], None
    while True:
        path = "/api/v1/lines?limit=500" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        response = client.request("GET", path)
        if response.status != 200:
            raise SystemExit(f"write_load: cannot list lines: {described('GET', base + path, None, response)}")
        page = response.json()
        refs += [line["ref"] for line in page["lines"]]
        cursor = page.get("next_cursor")
        if not cursor:
            client.close()
            return refs


def run_load(args, failures):
    """Runs the writers for the duration; prints the figures; returns the acknowledged and rejected writes."""
    try:
        targets = target_lines(args.base[0], args.token)
    except ConnError as error:
        raise SystemExit(f"write_load: the server does not answer: {error}")
    if len(targets) < HOT_LINES:
        raise SystemExit("write_load: the database needs at least 3 lines (run `mtfs load-demo`)")
    load = Load(args, failures, targets)
    writers = [Writer(load, index) for index in range(args.writers)]
    started = time.monotonic()
    load.deadline = started + args.seconds
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    print_figures(args, load, time.monotonic() - started)
    return load.acked + load.rejected


def percentile(sorted_values, share):
    if not sorted_values:
        return float("nan")
    return sorted_values[min(len(sorted_values) - 1, int(share * len(sorted_values)))]


def print_figures(args, load, elapsed):
    writes = Counter()
    reads = Counter()
    for (op, outcome), n in load.counts.items():
        (writes if op in WRITE_OPS else reads)[outcome if op != "read_your_write" else "read-your-write ok"] += n
    acked = len(load.acked)
    latencies = sorted(load.latencies)
    by_op = ", ".join(f"{op} {outcome}={n}" for (op, outcome), n in sorted(load.counts.items()) if op in WRITE_OPS)
    print(f"write_load: {args.writers} writers for {elapsed:.1f} s on {', '.join(args.base)} (run {load.run_id})")
    print(f"  writes sent {sum(writes.values())}, acknowledged {acked}: {acked / elapsed:.1f} acknowledged writes/s")
    print(f"  write statuses: {dict(sorted(writes.items()))}")
    print(f"  by operation: {by_op}")
    print(f"  reads: {dict(sorted(reads.items()))}")
    print(f"  write latency (every answered write, {len(latencies)}): p50 {percentile(latencies, 0.5) * 1000:.1f} ms,"
          f" p99 {percentile(latencies, 0.99) * 1000:.1f} ms, max {(latencies[-1] if latencies else 0) * 1000:.1f} ms")


# Verification: the audit feed, then each acknowledged write against it and against the lines.


def read_feed(base, token, failures):
    """Pages through GET /changes to its end; checks ids strictly increase and the cursor is the last id."""
    client, events, cursor, last_id, pages = Client(base, token), [], None, 0, 0
    while True:
        path = "/api/v1/changes?limit=1000" + (f"&after={cursor}" if cursor is not None else "")
        try:
            response = client.request("GET", path)
        except ConnError as error:
            failures.fail(f"feed: {error}")
            return events, pages
        pages += 1
        if not failures.screen(f"GET {base}{path}", response) or response.status != 200:
            failures.fail(f"feed: {described('GET', base + path, None, response)}")
            return events, pages
        page = response.json()
        for event in page["events"]:
            if int(event["id"]) <= last_id:
                failures.fail(f"feed on {base}: event id {event['id']} follows id {last_id} (a repeat or out of order)")
                return events, pages
            last_id = int(event["id"])
        events += page["events"]
        expected_cursor = page["events"][-1]["id"] if page["events"] else (cursor or "0")
        if page["next_cursor"] != expected_cursor:
            failures.fail(f"feed on {base}: next_cursor {page['next_cursor']} after {path} (expected {expected_cursor})")
            return events, pages
        if not page["events"]:
            client.close()
            return events, pages
        cursor = page["next_cursor"]


def line_events_by_ref(events):
    by_ref = defaultdict(list)
    for event in events:
        if event["entity"] == "line":
            by_ref[event["ref"]].append(event)
    return by_ref


def check_chains(by_ref, failures):
    """Each line's events: created first, versions 1, 2, 3..., every `before` the previous `after`."""
    for ref, events in by_ref.items():
        previous = None
        for event in events:
            after, before = event["after"] or {}, event["before"]
            expected = 1 if previous is None else previous["version"] + 1
            if after.get("version") != expected or before != previous:
                failures.fail(f"audit chain of {ref} broken at event {event['id']} ({event['action']}): version "
                              f"{after.get('version')} (expected {expected}), before "
                              f"{'matches' if before == previous else 'differs from'} the previous after")
                break
            previous = after


def check_created_once(events, failures):
    """No title this tool created appears in two `created` events (an Idempotency-Key replay created one)."""
    titles = Counter(e["after"]["title"] for e in events if e["entity"] == "line" and e["action"] == "created"
                     and e["after"]["title"].startswith(TITLE_PREFIX))
    for title, n in titles.items():
        if n > 1:
            failures.fail(f"the line titled {title!r} was created {n} times")


def check_records(records, by_ref, failures):
    """Every acknowledged write's event is in the feed, holding the values written."""
    at_version = {(ref, (e["after"] or {}).get("version")): e for ref, events in by_ref.items() for e in events}
    for record in records:
        event = at_version.get((record["ref"], record["version"]))
        if event is None:
            failures.fail(f"acknowledged write missing from the audit feed: {json.dumps(record)}")
            continue
        wrong = mismatches(event["after"], record["values"])
        if wrong:
            failures.fail(f"event {event['id']} of acknowledged write {json.dumps(record)} has other {', '.join(wrong)}")
        if record["op"] == "create" and event["action"] != "created":
            failures.fail(f"event {event['id']} of acknowledged create {record['ref']} is {event['action']!r}")


def marks_of_events(by_ref):
    """Per line, every title, year amount, whole profile and reason its events hold."""
    marks = defaultdict(set)
    for ref, events in by_ref.items():
        for event in events:
            after = event["after"] or {}
            years = tuple(sorted((y["year"], str(Decimal(y["amount"]))) for y in after.get("years", [])))
            marks[ref].update([("title", after.get("title")), ("years", years), ("reason", event["reason"])])
            marks[ref].update(("year_amount", year, amount) for year, amount in years)
    return marks


def mark_of(record):
    """What a write leaves in its line's events, unique to that write (titles and amounts are never reused)."""
    values = record["values"]
    if record["op"] == "patch_status":
        return ("reason", record["reason"])
    if "title" in values:
        return ("title", values["title"])
    if "years" in values:
        return ("years", tuple(sorted((year, str(Decimal(a))) for year, a in values["years"].items())))
    year, amount = values["year_amount"]
    return ("year_amount", year, str(Decimal(amount)))


def check_rejected(rejected, by_ref, failures):
    """No write answered 412 left its values in any event of its line: it changed nothing."""
    marks = marks_of_events(by_ref)
    for record in rejected:
        if mark_of(record) in marks.get(record["ref"], ()):
            failures.fail(f"a write answered 412 was applied anyway: {json.dumps(record)}")


def check_final_states(bases, token, records, by_ref, failures):
    """On every base, each line written is at least at its highest acknowledged version, with that write's
    values if no later version exists, and equals the `after` of its last event."""
    highest = {}
    for record in records:
        if record["version"] >= highest.get(record["ref"], {"version": 0})["version"]:
            highest[record["ref"]] = record
    for base in bases:
        client = Client(base, token)
        for ref, record in sorted(highest.items()):
            try:
                response = client.request("GET", line_path(ref))
            except ConnError as error:
                failures.fail(f"final state: {error}")
                return
            what = described("GET", base + line_path(ref), None, response)
            if not failures.screen(what, response) or response.status != 200:
                failures.fail(f"acknowledged line not readable: {what}")
                continue
            line = response.json()
            # GET /lines/{ref} adds, now only, where change control has the line; its events hold the line alone.
            for now_only in ("baselines", "pending_changes"):
                if not isinstance(line.pop(now_only, None), list):
                    failures.fail(f"{ref} on {base} answers no {now_only} list")
            if line["version"] < record["version"]:
                failures.fail(f"{ref} is at version {line['version']} on {base}, below acknowledged {record['version']}")
            elif line["version"] == record["version"] and mismatches(line, record["values"]):
                failures.fail(f"{ref} at acknowledged version {record['version']} lacks "
                              f"{', '.join(mismatches(line, record['values']))} written: {json.dumps(record)}")
            last = by_ref.get(ref, [{}])[-1].get("after")
            if line != last:
                fields = sorted(k for k in set(line) | set(last or {}) if line.get(k) != (last or {}).get(k))
                failures.fail(f"{ref} on {base} differs from its last event's after state in {', '.join(fields)}")
        client.close()


def verify(args, recorded, failures):
    """All checks after the load (or on their own): prints what was verified; true when all hold."""
    feeds = [read_feed(base, args.token, failures) for base in args.base]
    events, pages = feeds[0]
    for base, (other, _) in zip(args.base[1:], feeds[1:]):
        if [e["id"] for e in other] != [e["id"] for e in events]:
            failures.fail(f"the feed on {base} has other events than on {args.base[0]}")
    records = [r for r in recorded if r.get("outcome", "acknowledged") == "acknowledged"]
    rejected = [r for r in recorded if r.get("outcome") == "rejected"]
    by_ref = line_events_by_ref(events)
    check_chains(by_ref, failures)
    check_created_once(events, failures)
    check_records(records, by_ref, failures)
    check_rejected(rejected, by_ref, failures)
    check_final_states(args.base, args.token, records, by_ref, failures)
    lines = len({record["ref"] for record in records})
    print(f"verify: {len(records)} acknowledged writes on {lines} lines checked against the audit feed and the "
          f"lines on {len(args.base)} base(s); {len(rejected)} writes answered 412 checked to have changed nothing")
    print(f"verify: feed has {len(events)} events ({pages} pages), ids strictly increasing; "
          f"{len(by_ref)} lines' audit chains checked (versions consecutive, before = previous after)")
    return not failures.messages


def read_records(path):
    """The writes recorded in `path`; a torn last line (the writer was killed) is skipped."""
    records = []
    with open(path, encoding="utf-8") as file:
        lines = file.read().split("\n")
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            records.append(json.loads(text))
        except json.JSONDecodeError:
            if number < len(lines) - 1:
                raise SystemExit(f"write_load: {path}:{number} is not a JSON record")
            print(f"write_load: skipping a torn last record in {path}", file=sys.stderr)
    return records


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--base", action="append", required=True, help="API base URL (repeat for several processes)")
    parser.add_argument("--token", required=True, help="an editor or admin API key for directorate CFE")
    parser.add_argument("--writers", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--record", help="append each acknowledged write here (JSON lines, fsynced)")
    parser.add_argument("--verify-only", action="store_true", help="no load: verify the writes in --record")
    parser.add_argument("--crash-tolerant", action="store_true",
                        help="the server is being killed: connection errors are expected; no final verification")
    args = parser.parse_args()
    args.base = [base.rstrip("/") for base in args.base]
    if args.verify_only and not args.record:
        parser.error("--verify-only needs --record")
    return args


def main():
    args = parse_args()
    failures = Failures()
    if args.verify_only:
        verify(args, read_records(args.record), failures)
    else:
        recorded = run_load(args, failures)
        if args.crash_tolerant:
            print("write_load: crash-tolerant: no final verification (restart the server, then --verify-only)")
        elif not failures.stop.is_set():
            verify(args, recorded, failures)
    if not failures.report():
        print(f"write_load: FAILED: {len(failures.messages)} check(s) failed (see above)", file=sys.stderr)
        sys.exit(1)
    print("write_load: all checks passed")


if __name__ == "__main__":
    main()
