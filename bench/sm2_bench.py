"""SM2 signing and verification: gmalglib (C, what the platform uses) against gmalg (pure Python).

Both sign and verify the same message with the same key, in interleaved rounds (the same work
on both sides); before timing, each verifies the other's signature (interoperability).

    .venv/bin/python bench/sm2_bench.py [rounds] [signatures-per-round]
"""

from __future__ import annotations

import os
import statistics
import sys
import time

import gmalg
from gmalglib.sm2 import SM2 as CSM2

UID = b"1234567812345678"


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    per_round = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    private = bytes.fromhex("3945208f7b2144b13f36e38ac6d39f95889393692860b51a42fb81ef4df7c5b8")
    public = gmalg.SM2(uid=UID).generate_pk(private)
    c_signer, c_verifier = CSM2(sk=private, pk=public, uid=UID), CSM2(pk=public, uid=UID)
    py = gmalg.SM2(sk=private, pk=public, uid=UID)
    message = os.urandom(600)  # about the size of a licence's signed payload
    # interoperability first (not timed): each verifies the other's signature
    sig = bytes(c_signer.sign(message))
    assert py.verify(message, sig[:32], sig[32:])
    r, s = py.sign(message)
    py_sig = r.rjust(32, b"\0") + s.rjust(32, b"\0")
    assert c_verifier.verify(message, py_sig)

    def timed(fn) -> float:
        start = time.perf_counter()
        for _ in range(per_round):
            fn()
        return (time.perf_counter() - start) * 1000 / per_round

    figures: dict[str, list[float]] = {k: [] for k in ("c_sign", "py_sign", "c_verify", "py_verify")}
    for _ in range(rounds):  # interleaved: both sides see the same machine load
        figures["c_sign"].append(timed(lambda: c_signer.sign(message)))
        figures["py_sign"].append(timed(lambda: py.sign(message)))
        figures["c_verify"].append(timed(lambda: c_verifier.verify(message, py_sig)))
        figures["py_verify"].append(timed(lambda: py.verify(message, py_sig[:32], py_sig[32:])))
    for op in ("sign", "verify"):
        c, p = figures[f"c_{op}"], figures[f"py_{op}"]
        ratios = [b / a for a, b in zip(c, p, strict=True)]
        print(f"{op}: gmalglib {statistics.median(c):.3f} ms (range {min(c):.3f}-{max(c):.3f}); "
              f"gmalg {statistics.median(p):.2f} ms (range {min(p):.2f}-{max(p):.2f}); "
              f"gmalg/gmalglib median {statistics.median(ratios):.0f}x (range {min(ratios):.0f}-{max(ratios):.0f}x)")


if __name__ == "__main__":
    main()
