"""Tests of the voting core (ballots/): content, the record, counting, verification."""
