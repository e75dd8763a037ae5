"""Sealed rounds: the trustees, their key ceremony, the encrypted ballot box, and the count
that a threshold of trustees decrypts offline (`ballots.sealed` holds the cryptography)."""
