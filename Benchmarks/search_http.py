"""Times POST /search/text through a running server over a cache folder, once loaded.

Usage: search_http.py BASE_URL LICENSE_KEY CACHE_DIR [QUERIES]
Prints the median and 95th percentile latency of QUERIES searches (default 200) with
images off, after one POST /analysis-data/load.
"""

import statistics
import sys
import time

import requests

WORDS = ["a cat", "a dog on a sofa", "a red car", "a rocket launch", "a cup of coffee", "mountains",
         "a motorcycle", "a horse", "a boat at sea", "a city street at night"]


def main():
    base, key, cache_dir = sys.argv[1:4]
    count = int(sys.argv[4]) if len(sys.argv) > 4 else 200
    session = requests.Session()
    headers = {"X-License-Key": key}
    started = time.perf_counter()
    loaded = session.post(f"{base}/api/v1/analysis-data/load", json={"cache_dir": cache_dir},
                          headers=headers, timeout=600).json()
    print(f"load: {loaded['frames']} frames of {loaded['loaded_media']} media in {time.perf_counter() - started:.2f} s")
    latencies = []
    for index in range(count):
        body = {"query": WORDS[index % len(WORDS)], "cache_dir": cache_dir, "search_all": True,
                "max_results": 50, "include_images": False}
        started = time.perf_counter()
        response = session.post(f"{base}/api/v1/search/text", json=body, headers=headers, timeout=60)
        latencies.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    latencies.sort()
    p95 = latencies[int(len(latencies) * 0.95) - 1]
    print(f"/search/text: {count} queries, median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms")


main()
