"""A trustee's key file: it opens with its passphrase only, and refuses every change to it."""

import json
import unicodedata
from typing import Any

import nacl.pwhash.argon2id
import pytest

from ballots.sealed.keyfile import KeyFileError, lock, unlock

ROUND = {"season": "2026", "round": "final"}
SECRETS = {"share": "ab" * 32, "coefficients": ["01" * 32, "02" * 32]}
PASSPHRASE = "correct horse battery staple 评审"


@pytest.fixture(scope="module")
def locked() -> dict[str, Any]:
    return lock(SECRETS, PASSPHRASE, context=ROUND, trustee=2, cost="interactive")


def test_the_passphrase_opens_it(locked: dict[str, Any]) -> None:
    assert unlock(json.loads(json.dumps(locked)), PASSPHRASE) == SECRETS
    assert {k: locked[k] for k in ("format", "context", "trustee")} == {
        "format": "awards-trustee-key/1",
        "context": ROUND,
        "trustee": 2,
    }
    assert "ab" * 32 not in json.dumps(locked)


def test_a_wrong_passphrase_is_refused_in_words(locked: dict[str, Any]) -> None:
    with pytest.raises(KeyFileError, match=r"^wrong passphrase or damaged file$"):
        unlock(locked, PASSPHRASE + " ")


def test_the_same_words_composed_otherwise_open_it() -> None:
    composed = "café 評審"
    document = lock(SECRETS, composed, context=ROUND, trustee=1, cost="interactive")
    decomposed = unicodedata.normalize("NFD", composed)
    assert decomposed != composed
    assert unlock(document, decomposed) == SECRETS


def test_each_lock_draws_its_own_salt_and_nonce(locked: dict[str, Any]) -> None:
    again = lock(SECRETS, PASSPHRASE, context=ROUND, trustee=2, cost="interactive")
    assert again["kdf"]["salt"] != locked["kdf"]["salt"]
    assert again["nonce"] != locked["nonce"]


def test_the_default_cost_is_libsodiums_moderate() -> None:
    document = lock(SECRETS, PASSPHRASE, context=ROUND, trustee=1)
    assert (document["kdf"]["opslimit"], document["kdf"]["memlimit"]) == (
        nacl.pwhash.argon2id.OPSLIMIT_MODERATE,
        nacl.pwhash.argon2id.MEMLIMIT_MODERATE,
    )
    assert unlock(document, PASSPHRASE) == SECRETS


def test_an_empty_passphrase_is_refused() -> None:
    with pytest.raises(ValueError, match="needs a passphrase"):
        lock(SECRETS, "", context=ROUND, trustee=1, cost="interactive")


def _flipped(text: str) -> str:
    return ("1" if text[0] == "0" else "0") + text[1:]


# Each change, and what the refusal says. The label's changes (trustee, context) are caught by
# the copy of the header sealed inside; the kdf's change the key, so the cipher refuses.
TAMPERINGS = [
    ("trustee", lambda d: 3, "label"),
    ("context", lambda d: {**ROUND, "round": "shortlist"}, "label"),
    ("format", lambda d: "awards-trustee-key/2", "not a trustee's key file"),
    ("nonce", lambda d: _flipped(d["nonce"]), "wrong passphrase"),
    ("ciphertext", lambda d: _flipped(d["ciphertext"]), "wrong passphrase"),
    ("ciphertext", lambda d: d["ciphertext"][:-2], "wrong passphrase"),
    ("kdf", lambda d: {**d["kdf"], "salt": _flipped(d["kdf"]["salt"])}, "wrong passphrase"),
    ("kdf", lambda d: {**d["kdf"], "opslimit": 3}, "wrong passphrase"),
    ("kdf", lambda d: {**d["kdf"], "memlimit": 2**30 + 1}, "memlimit"),
    ("kdf", lambda d: {**d["kdf"], "opslimit": 0}, "opslimit"),
    ("kdf", lambda d: {**d["kdf"], "opslimit": True}, "opslimit"),
    ("kdf", lambda d: {**d["kdf"], "algorithm": "scrypt"}, "not argon2id"),
    ("nonce", lambda d: d["nonce"].upper(), "lowercase hex"),
    ("extra", lambda d: 1, "exactly the fields"),
]


@pytest.mark.parametrize(
    ("field", "change", "message"),
    TAMPERINGS,
    ids=[f"{field}-{n}" for n, (field, *_) in enumerate(TAMPERINGS)],
)
def test_every_change_is_refused(
    locked: dict[str, Any], field: str, change: Any, message: str
) -> None:
    document = {**locked, field: change(locked)}
    with pytest.raises(KeyFileError, match=message):
        unlock(document, PASSPHRASE)
