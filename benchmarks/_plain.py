"""The yardstick for benchmarks/delivery.py --latency-ms: a plain HTTP loop.

The same create requests the twilio client makes (form-encoded, basic auth,
keep-alive), sent with requests from a thread pool of the same size as
dispatch's, against the same fake server. No database, no bookkeeping: what
a process could do if sending were all it did. Not a benchmark of its own
(bench.sh skips files starting with an underscore).
"""

import time
from concurrent.futures import ThreadPoolExecutor

import requests
from requests.adapters import HTTPAdapter

ACCOUNT = "AC" + "0" * 32


def plain_loop(base_url: str, count: int, concurrency: int) -> dict:
    session = requests.Session()
    session.trust_env = False
    session.mount("http://", HTTPAdapter(pool_maxsize=max(10, concurrency)))
    url = f"{base_url}/2010-04-01/Accounts/{ACCOUNT}/Messages.json"
    auth = (ACCOUNT, "bench-token")

    def one(i: int) -> bool:
        form = {
            "To": f"+8613900{i:06d}",
            "From": "+15005550006",
            "Body": "您好，您的爱车该保养了。",
        }
        return session.post(url, data=form, auth=auth, timeout=30).status_code == 201

    start = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        sent = sum(pool.map(one, range(count)))
    seconds = time.perf_counter() - start
    return {
        "messages": count,
        "sent": sent,
        "seconds": round(seconds, 2),
        "per_second": round(sent / seconds, 1) if seconds else None,
    }
