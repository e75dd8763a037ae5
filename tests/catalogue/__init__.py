"""Tests of the catalogue: seasons, categories, dramas, nominees and their files."""
