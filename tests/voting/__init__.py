"""Tests of voting: the round's lifecycle and schedule, casting, secrecy, the close, its files."""
