"""Voting rounds: their lifecycle and schedule, the ballot sheet, secret casting, trackers,
turnout, and the close that seals the election record."""
