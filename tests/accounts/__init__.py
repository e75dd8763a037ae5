"""Tests of accounts: logins, sessions, passwords, activation, staff roles, two-step login."""
