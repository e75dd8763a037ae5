"""The voting core: plain code that needs neither a database nor a web framework.

Anything here that an auditor needs to recount a published file imports only the standard library,
so that the count can be re-run with nothing but Python installed.
"""
