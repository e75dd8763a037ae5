"""Accounts of jurors and staff: logins, sessions, passwords, one-time activation codes, staff
roles and two-step login, and the limits on guessing."""
