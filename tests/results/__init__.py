"""Tests of results: publication by disclosure level and the announcement."""
