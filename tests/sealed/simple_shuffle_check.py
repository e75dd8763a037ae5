"""A second verifier of a mix, written again from docs/sealed-annex.md ("The mixes") over the
pure-Python curve of reference_curve.py, and deliberately simple: JSON in, the equations of the
text one by one, no libsecp256k1 and nothing from ballots.sealed. Slow; for small N in tests."""

import hashlib
import json
import re
from typing import Any

from tests.sealed import reference_curve as curve

KEYS = {"commitments", "chain", "t1", "t2", "t3", "t4", "t_hat"}
KEYS |= {"s1", "s2", "s3", "s4", "s_hat", "s_prime"}


def generator(domain: str, index: int) -> curve.Point:
    """P_index of `generators(domain, k)`, from the conventions' text."""
    for attempt in range(256):
        text = json.dumps([domain, index, attempt], separators=(",", ":"), ensure_ascii=False)
        x = hashlib.sha256(text.encode()).hexdigest()
        try:
            return curve.decode("02" + x)
        except ValueError:
            continue
    raise ValueError("no generator")


def scalar(text: str) -> int:
    if not re.fullmatch("[0-9a-f]{64}", text) or int(text, 16) >= curve.N:
        raise ValueError("not a scalar")
    return int(text, 16)


def point(text: str) -> curve.Point:
    if not re.fullmatch("[0-9a-f]{66}", text):
        raise ValueError("not a point")
    return curve.decode(text)


def combination(*terms: tuple[int, curve.Point]) -> curve.Point:
    result: curve.Point = curve.INFINITY
    for k, p in terms:
        result = curve.add(result, curve.mul(k, p))
    return result


def equal(given: str, computed: curve.Point) -> bool:
    return computed is not curve.INFINITY and curve.encode(computed) == given


def check(key: str, inputs: list, outputs: list, proof: dict[str, Any], context: Any) -> bool:
    """The mix of `inputs` (JSON ballots) into `outputs` under `key` (hex), as `proof` (JSON)
    shows in `context`."""
    try:
        return _check(key, inputs, outputs, proof, context)
    except (ValueError, TypeError, KeyError):
        return False


def _check(key: str, inputs: list, outputs: list, proof: dict[str, Any], context: Any) -> bool:
    n = len(inputs)
    widths = {len(ballot) for ballot in inputs + outputs}
    w = widths.pop() if widths else 0
    if widths or len(outputs) != n or (n and not w) or set(proof) != KEYS:
        return False
    if any(len(proof[name]) != n for name in ("commitments", "chain", "t_hat", "s_hat")):
        return False
    if len(proof["s_prime"]) != n or len(proof["t4"]) != w or len(proof["s4"]) != w:
        return False
    Y = point(key)
    e = [[(point(a), point(b)) for a, b in ballot] for ballot in inputs]
    e_out = [[(point(a), point(b)) for a, b in ballot] for ballot in outputs]
    cs = [point(x) for x in proof["commitments"]]
    chain = [point(x) for x in proof["chain"]]
    s1, s2, s3 = scalar(proof["s1"]), scalar(proof["s2"]), scalar(proof["s3"])
    s4 = [scalar(x) for x in proof["s4"]]
    s_hat = [scalar(x) for x in proof["s_hat"]]
    s_prime = [scalar(x) for x in proof["s_prime"]]
    for text in [proof["t1"], proof["t2"], proof["t3"], *proof["t_hat"]]:
        point(text)
    for pair in proof["t4"]:
        if len(pair) != 2:
            return False
        point(pair[0]), point(pair[1])

    h = generator("awards-sealed/1/shuffle-generators", 0)
    hs = [generator("awards-sealed/1/shuffle-generators", i) for i in range(1, n + 1)]

    d_int = curve.challenge(
        "awards-sealed/1/shuffle-statement", context, key, inputs, outputs, proof["commitments"]
    )
    d = f"{d_int:064x}"
    u = [curve.challenge("awards-sealed/1/shuffle-u", d, i) for i in range(1, n + 1)]
    c = curve.challenge(
        "awards-sealed/1/shuffle",
        context,
        d,
        proof["chain"],
        proof["t1"],
        proof["t2"],
        proof["t3"],
        proof["t4"],
        proof["t_hat"],
    )
    u_all = 1
    for x in u:
        u_all = u_all * x % curve.N
    c_hat_0_to_n = [h, *chain]

    c_bar = combination(*[(1, x) for x in cs], *[(-1, x) for x in hs])
    c_hat = combination((1, c_hat_0_to_n[n]), (-u_all, h))
    c_tilde = combination(*zip(u, cs, strict=True))

    if not equal(proof["t1"], combination((s1, curve.G), (c, c_bar))):
        return False
    if not equal(proof["t2"], combination((s2, curve.G), (c, c_hat))):
        return False
    t3 = combination((s3, curve.G), (c, c_tilde), *zip(s_prime, hs, strict=True))
    if not equal(proof["t3"], t3):
        return False
    for k in range(w):
        a_k = combination(*[(u[i], e[i][k][0]) for i in range(n)])
        b_k = combination(*[(u[i], e[i][k][1]) for i in range(n)])
        t_a = combination(
            (-s4[k], curve.G), (c, a_k), *[(s_prime[i], e_out[i][k][0]) for i in range(n)]
        )
        t_b = combination((-s4[k], Y), (c, b_k), *[(s_prime[i], e_out[i][k][1]) for i in range(n)])
        if not (equal(proof["t4"][k][0], t_a) and equal(proof["t4"][k][1], t_b)):
            return False
    for i in range(n):
        t_hat = combination((s_hat[i], curve.G), (c, chain[i]), (s_prime[i], c_hat_0_to_n[i]))
        if not equal(proof["t_hat"][i], t_hat):
            return False
    return True
