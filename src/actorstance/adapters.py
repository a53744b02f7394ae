"""Readers for public stance data sets as their authors publish them (see the benchmark issue)."""
