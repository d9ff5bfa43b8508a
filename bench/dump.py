#!/usr/bin/env python3
"""Reads every line through the API, by cursor paging (GET /api/v1/lines?limit=500&cursor=...).

Usage: dump.py dump BASE_URL TOKEN FILE   writes, for bench/reference, every line as the service answers it, in
                                          its order, with the first page's other fields (view, totals, ...)
       dump.py edits BASE_URL TOKEN       prints the number of changes applied to lines since they were
                                          created: the sum of their versions less one each
"""
import http.client
import json
import sys
import urllib.parse


def pages(base, token):
    url = urllib.parse.urlsplit(base)
    conn = http.client.HTTPConnection(url.hostname, url.port)
    headers = {"Authorization": f"Bearer {token}"}
    cursor = None
    while True:
        path = "/api/v1/lines?limit=500" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        conn.request("GET", path, headers=headers)
        reply = conn.getresponse()
        text = reply.read()
        if reply.status != 200:
            sys.exit(f"GET {path}: {reply.status} {text[:300]!r}")
        page = json.loads(text)
        yield page
        cursor = page.get("next_cursor")
        if not cursor:
            return


def main():
    if len(sys.argv) == 5 and sys.argv[1] == "dump":
        lines, first = [], None
        for page in pages(sys.argv[2], sys.argv[3]):
            first = first or page
            lines.extend(page["lines"])
        dump = {key: value for key, value in first.items() if key not in ("lines", "next_cursor", "next")}
        dump["lines"] = lines
        with open(sys.argv[4], "w") as out:
            json.dump(dump, out)
        print(len(lines))
    elif len(sys.argv) == 4 and sys.argv[1] == "edits":
        print(sum(line["version"] - 1 for page in pages(sys.argv[2], sys.argv[3]) for line in page["lines"]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
