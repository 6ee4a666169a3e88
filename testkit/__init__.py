"""Generators for tests, benchmarks and evaluation scripts (synthetic register pages, the
privacy scorer). Not part of the installed package."""
