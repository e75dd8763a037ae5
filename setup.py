"""The one thing pyproject.toml cannot say: the pages, kept in `templates/` at the top of the
repository, are the package `awards.templates` in the wheel (with a package per folder of pages).
pyproject.toml's package discovery finds only folders under their package's own folder, so the
package list is made here; pyproject.toml maps the folder (package-dir) and names the files
(package-data)."""

from setuptools import find_namespace_packages, setup

FOLDERS = find_namespace_packages("templates")
PAGES = ["awards.templates", *(f"awards.templates.{folder}" for folder in FOLDERS)]

setup(packages=[*find_namespace_packages(include=["awards*", "ballots*"]), *PAGES])
