"""A trustee's key file: its ceremony secrets (`ballots.sealed.trustee`) under a passphrase, so
that a copy of the file alone (a lost laptop, a backup) gives nobody a share of a round's key.

The key is argon2id of the passphrase (libsodium's crypto_pwhash, with the salt and the costs
written in the file, so a file locked at any cost opens anywhere); the cipher is libsodium's
secretbox (XSalsa20-Poly1305) with a random nonce. The file's public header (format, round,
trustee) says whose file it is; secretbox authenticates no associated data, so the header is
also inside the encrypted payload, and `unlock` refuses a file whose two headers differ (a file
relabelled as another trustee's or another round's).

    {"format": "awards-trustee-key/1", "context": R, "trustee": i,
     "kdf": {"algorithm": "argon2id", "opslimit": 3, "memlimit": 268435456, "salt": hex16},
     "nonce": hex24, "ciphertext": hex}

The payload is the canonical JSON of {"header": {format, context, trustee}, "secrets": {...}}.
The passphrase is normalised to Unicode NFC first: the same words typed on two systems whose
input methods compose accents or CJK differently open the same file.
"""

import json
import unicodedata
from collections.abc import Mapping
from typing import Any, Literal

import nacl.exceptions
import nacl.pwhash.argon2id
import nacl.secret
import nacl.utils

from ballots.canonical import canonical_json

FORMAT = "awards-trustee-key/1"

_COSTS = {
    "moderate": (nacl.pwhash.argon2id.OPSLIMIT_MODERATE, nacl.pwhash.argon2id.MEMLIMIT_MODERATE),
    "interactive": (
        nacl.pwhash.argon2id.OPSLIMIT_INTERACTIVE,
        nacl.pwhash.argon2id.MEMLIMIT_INTERACTIVE,
    ),
}
# A file cannot ask for more than libsodium's "sensitive" costs (1 GiB, 4 passes): a crafted
# file would otherwise make `unlock` exhaust the trustee's memory.
_MAX_OPSLIMIT = nacl.pwhash.argon2id.OPSLIMIT_SENSITIVE
_MAX_MEMLIMIT = nacl.pwhash.argon2id.MEMLIMIT_SENSITIVE
_FIELDS = {"format", "context", "trustee", "kdf", "nonce", "ciphertext"}


class KeyFileError(ValueError):
    """The key file cannot be opened; the message says why, in words for the trustee."""


def lock(
    secrets: Mapping[str, Any],
    passphrase: str,
    *,
    context: Mapping[str, Any],
    trustee: int,
    cost: Literal["moderate", "interactive"] = "moderate",
) -> dict[str, Any]:
    """The key file holding `secrets` (JSON values). `cost` is libsodium's: "moderate" (3
    passes over 256 MiB, about a second), "interactive" (2 over 64 MiB) for tests only, since
    it makes an attacker's guesses as cheap."""
    if not passphrase:
        raise ValueError("a key file needs a passphrase")
    opslimit, memlimit = _COSTS[cost]
    salt = nacl.utils.random(nacl.pwhash.argon2id.SALTBYTES)
    nonce = nacl.utils.random(nacl.secret.SecretBox.NONCE_SIZE)
    header = {"format": FORMAT, "context": dict(context), "trustee": trustee}
    payload = canonical_json({"header": header, "secrets": dict(secrets)})
    box = nacl.secret.SecretBox(_key(passphrase, salt, opslimit, memlimit))
    return {
        **header,
        "kdf": {
            "algorithm": "argon2id",
            "opslimit": opslimit,
            "memlimit": memlimit,
            "salt": salt.hex(),
        },
        "nonce": nonce.hex(),
        "ciphertext": box.encrypt(payload, nonce).ciphertext.hex(),
    }


def unlock(document: Any, passphrase: str) -> dict[str, Any]:
    """The secrets of a key file. Raises KeyFileError for a file that is not one, for a wrong
    passphrase (which libsodium cannot tell from a damaged file) and for a relabelled file."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise KeyFileError(f"this is not a trustee's key file ({FORMAT})")
    if set(document) != _FIELDS:
        raise KeyFileError(f"a key file has exactly the fields {sorted(_FIELDS)}")
    opslimit, memlimit, salt = _kdf(document["kdf"])
    nonce = _hex(document["nonce"], nacl.secret.SecretBox.NONCE_SIZE, "the nonce")
    ciphertext = _hex(document["ciphertext"], None, "the ciphertext")
    box = nacl.secret.SecretBox(_key(passphrase, salt, opslimit, memlimit))
    try:
        payload = json.loads(box.decrypt(ciphertext, nonce))
    except nacl.exceptions.CryptoError:
        raise KeyFileError("wrong passphrase or damaged file") from None
    header = {key: document[key] for key in ("format", "context", "trustee")}
    if canonical_json(payload["header"]) != canonical_json(header):
        raise KeyFileError(
            "the file's label (round or trustee) is not the one sealed inside it: "
            "it was changed after the file was written"
        )
    secrets: dict[str, Any] = payload["secrets"]
    return secrets


def _key(passphrase: str, salt: bytes, opslimit: int, memlimit: int) -> bytes:
    password = unicodedata.normalize("NFC", passphrase).encode()
    return nacl.pwhash.argon2id.kdf(
        nacl.secret.SecretBox.KEY_SIZE, password, salt, opslimit=opslimit, memlimit=memlimit
    )


def _kdf(value: Any) -> tuple[int, int, bytes]:
    if not isinstance(value, dict) or set(value) != {"algorithm", "opslimit", "memlimit", "salt"}:
        raise KeyFileError("kdf is {algorithm, opslimit, memlimit, salt}")
    if value["algorithm"] != "argon2id":
        raise KeyFileError("the key file's kdf is not argon2id")
    opslimit, memlimit = value["opslimit"], value["memlimit"]
    if type(opslimit) is not int or not (
        nacl.pwhash.argon2id.OPSLIMIT_MIN <= opslimit <= _MAX_OPSLIMIT
    ):
        raise KeyFileError(f"opslimit is an integer from 1 to {_MAX_OPSLIMIT}")
    if type(memlimit) is not int or not (
        nacl.pwhash.argon2id.MEMLIMIT_MIN <= memlimit <= _MAX_MEMLIMIT
    ):
        raise KeyFileError(f"memlimit is an integer up to {_MAX_MEMLIMIT}")
    return opslimit, memlimit, _hex(value["salt"], nacl.pwhash.argon2id.SALTBYTES, "the salt")


def _hex(value: Any, length: int | None, what: str) -> bytes:
    try:
        data = bytes.fromhex(value) if isinstance(value, str) else None
    except ValueError:
        data = None
    if data is None or data.hex() != value or (length is not None and len(data) != length):
        raise KeyFileError(f"{what} is not {length or 'some'} bytes in lowercase hex")
    return data
