"""The sealed files of a closed round: its election record, its results and its public record
(`ballots.public`), written once.

A round's files share a stem made of the round's database id and the start of the record's
own SHA-256 (`round-7-3f2a9c1b0d4e5f60.record.json`, `.results.json`, `.public.json`), fixed at
close and
stored on the round. Codes would not do: season `2024` with round `x-y` and season `2024-x`
with round `y` join to the same name, and staff may edit codes; an id and a hash never change,
and the hash also keeps apart the files of two databases sharing one folder.

A file is written durably (temporary file, fsync, link, fsync of the folder) and never
replaces anything: `os.link` fails where the name exists. Reading returns the bytes only when
they still hash to the seal published at close.
"""

import json
import os
import secrets
from functools import lru_cache
from pathlib import Path

from awards.errors import Conflict, NotFound
from awards.i18n import N_
from awards.models import Round
from ballots.canonical import sha256_hex
from ballots.record import ElectionRecord, parse_record

_MISMATCH = N_("A sealed file on disk does not match its published seal.")


def stem(round_id: int, record_sha256: str) -> str:
    return f"round-{round_id}-{record_sha256[:16]}"


KINDS = ("record", "results", "public", "annex")


def paths(records_dir: Path, file_stem: str) -> tuple[Path, Path, Path]:
    """The record file, the results file and the public record of a stem."""
    record, results, public = (records_dir / f"{file_stem}.{kind}.json" for kind in KINDS[:3])
    return record, results, public


def annex_path(records_dir: Path, file_stem: str) -> Path:
    """A sealed round's annex (`ballots.sealed.annex`), whose SHA-256 its record names."""
    return records_dir / f"{file_stem}.annex.json"


def write_new(path: Path, data: bytes) -> bool:
    """Write `path` durably unless it exists; True when this call created it. An existing file
    with other bytes is never replaced: that refuses the seal (Conflict)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        with temporary.open("wb") as file:
            file.write(data)
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            if path.read_bytes() != data:
                raise Conflict(
                    N_("A different file named %(name)s is already in the records folder."),
                    name=path.name,
                ) from None
            return False
    finally:
        temporary.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
    return True


def sealed_bytes(path: Path, seal: str) -> bytes:
    """A sealed file's bytes, refused if they no longer hash to the seal."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(N_("The sealed files of this round are missing.")) from None
    if sha256_hex(data) != seal:
        raise Conflict(_MISMATCH)
    return data


def sealed_file(records_dir: Path, round_: Round, kind: str) -> tuple[Path, str]:
    """A closed round's file of one of KINDS, and the seal its bytes must hash to."""
    record_seal, results_seal = round_.record_sha256, round_.results_sha256
    # Sealing stores the file stem and the seals at once: without them there are no files.
    if round_.state != "closed" or not round_.record_file or not record_seal or not results_seal:
        raise NotFound(N_("This round has no sealed files yet."))
    record_file, results_file, public_file = paths(records_dir, round_.record_file)
    if kind == "annex":
        if not round_.annex_sha256:
            raise NotFound(N_("Only a sealed round has an annex."))
        return annex_path(records_dir, round_.record_file), round_.annex_sha256
    if kind == "record":
        return record_file, record_seal
    if kind == "results":
        return results_file, results_seal
    if not round_.public_record_sha256:
        raise NotFound(N_("This round was sealed before public records were made."))
    return public_file, round_.public_record_sha256


def load(records_dir: Path, round_: Round) -> tuple[ElectionRecord, dict]:
    """A closed round's record and results, checked against its seal."""
    record_file, record_seal = sealed_file(records_dir, round_, "record")
    results_file, results_seal = sealed_file(records_dir, round_, "results")
    return _read(record_file, results_file, record_seal, results_seal)


@lru_cache(maxsize=4)
def _read(
    record_file: Path, results_file: Path, record_seal: str, results_seal: str
) -> tuple[ElectionRecord, dict]:
    """Read once per process (a large record takes seconds to parse); a download still hashes
    the bytes it sends (`sealed_bytes`)."""
    record = parse_record(sealed_bytes(record_file, record_seal))
    return record, json.loads(sealed_bytes(results_file, results_seal))
