#!/usr/bin/env python3
# Per-query cost of the Meilisearch-compatible route beside /api/v1/search
# (bench/meili_api.sh runs it). Cache keys differ (limit 10 and 11), so the
# first pass is cold for both routes and the second is answered from the
# result cache for both.
import json, statistics, sys, time, urllib.parse, http.client
port = int(sys.argv[1]); queries = [l.strip() for l in open(sys.argv[2]) if l.strip()]
conn = http.client.HTTPConnection('127.0.0.1', port)
def api(q):
    conn.request('GET', '/api/v1/search?limit=10&q=' + urllib.parse.quote(q)); r = conn.getresponse(); r.read(); assert r.status == 200
def meili(q):
    body = json.dumps({'q': q, 'limit': 11, 'attributesToHighlight': ['*'], 'attributesToCrop': ['content'], 'cropLength': 30})
    conn.request('POST', '/indexes/kb/search', body, {'Content-Type': 'application/json'}); r = conn.getresponse(); r.read(); assert r.status == 200, r.status
for label in ('cold', 'cached'):
    times = {'api': [], 'meili': []}
    for i, q in enumerate(queries):
        order = [('api', api), ('meili', meili)] if i % 2 == 0 else [('meili', meili), ('api', api)]
        for name, f in order:
            t = time.perf_counter(); f(q); times[name].append((time.perf_counter() - t) * 1000)
    for name, ts in times.items():
        ts.sort()
        print(f"{label} {name}: n={len(ts)} p50={statistics.median(ts):.2f} ms p90={ts[int(len(ts) * 0.9)]:.2f} ms "
              f"mean={statistics.mean(ts):.2f} ms")
    print(f"{label} ratio p50 meili/api: {statistics.median(times['meili']) / statistics.median(times['api']):.2f}")
