"""The sealed box: ballots encrypted to a key that the round's trustees share and nobody holds
whole, shuffled with proofs, decrypted by a threshold of trustees, verified by anyone
(docs/election-record.md, "The sealed annex"). Needs coincurve (the curve) besides the standard
library; the trustee's key file also needs PyNaCl."""
