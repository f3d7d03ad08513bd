"""The Python reference for `sio-auth audit` in BENCHMARKS.md: badsecrets' own express-session
check (ExpressSignedCookies_ES.expressVerify_es, what its check_secret calls per candidate)
over a wordlist, on one captured cookie.

    python3 audit_badsecrets.py ENCODED_VALUE WORDLIST  ->  {"candidates_per_sec": ..., ...}
"""
import json
import sys
import time

from badsecrets.modules.passive.express_signedcookies_es import ExpressSignedCookies_ES

value, wordlist = sys.argv[1], sys.argv[2]
module = ExpressSignedCookies_ES()
start = time.perf_counter()
tried = 0
found = None
with open(wordlist, encoding="utf-8", errors="surrogateescape") as lines:
    for line in lines:
        tried += 1
        secret = line.rstrip("\n")
        if module.expressVerify_es(value, secret):
            found = secret
            break
secs = time.perf_counter() - start
print(json.dumps({"candidates_per_sec": round(tried / secs), "tried": tried, "found": found}))
