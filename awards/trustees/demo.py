"""The demo's sealed round: three demo trustees, any two of whom decrypt, whose key ceremony
runs here, at once, so that a newcomer sees a sealed round from the first `./scripts/serve`.

This is exactly what a real ceremony must never be: one machine makes every trustee's key, the
key files lie side by side in the server's folder and their passphrase is printed. The files
are named DEMO-ONLY, and the passphrase says so too.
"""

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from awards.models import Round
from awards.trustees import ceremony
from ballots.canonical import canonical_json
from ballots.sealed import keyfile, trustee

PASSPHRASE = "demo-only-not-secret"  # noqa: S105 (printed on purpose: the demo's, and says so)
NAMES = ("演示受托人甲", "演示受托人乙", "演示受托人丙")
THRESHOLD = 2


async def seal(session: AsyncSession, round_: Round, directory: Path, actor: str) -> list[Path]:
    """Make the draft round sealed and run its whole ceremony; the demo trustees' key files."""
    await ceremony.set_trustees(
        session, round_, ceremony.Named(list(NAMES), THRESHOLD), actor, booth=True
    )
    context = await ceremony.context_of(session, round_)
    phases, paths = await asyncio.to_thread(_ceremony, context, directory)
    for phase in phases:
        for document in phase:
            await ceremony.receive(session, round_, document, actor)
    return paths


def _ceremony(
    context: dict[str, Any], directory: Path
) -> tuple[list[list[dict[str, Any]]], list[Path]]:
    """Every trustee's three steps, and their key files written (with libsodium's interactive
    cost: the demo starts in a second, and its passphrase is no secret anyway)."""
    n = len(NAMES)
    begun = [
        trustee.begin(context, trustee=i, trustees=n, threshold=THRESHOLD, name=NAMES[i - 1])
        for i in range(1, n + 1)
    ]
    commitments = [document for document, _secrets in begun]
    shares = [trustee.deal(context, i, begun[i - 1][1], commitments) for i in range(1, n + 1)]
    directory.mkdir(parents=True, exist_ok=True)
    confirmations, paths = [], []
    for i in range(1, n + 1):
        confirmation, kept = trustee.accept(context, i, begun[i - 1][1], commitments, shares)
        kept = {**kept, "fingerprint": confirmation["fingerprint"]}
        locked = keyfile.lock(kept, PASSPHRASE, context=context, trustee=i, cost="interactive")
        path = directory / f"DEMO-ONLY-trustee-{i}.key"
        path.write_bytes(canonical_json(locked))
        confirmations.append(confirmation)
        paths.append(path)
    return [commitments, shares, confirmations], paths
