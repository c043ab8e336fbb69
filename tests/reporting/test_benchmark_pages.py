"""The `pages` benchmark's measuring child, at a tiny size (the real run is a command)."""

from __future__ import annotations

from django.test import TestCase, override_settings

from reporting.benchmarks.pages import PAGES, child_pages
from reporting.management.commands.benchmark import BENCHMARKS


class PagesBenchmarkTests(TestCase):
    def test_it_is_registered(self) -> None:
        self.assertIn("pages", BENCHMARKS)

    @override_settings(ALLOWED_HOSTS=["testserver"])
    def test_the_child_times_and_counts_each_page(self) -> None:
        result = child_pages(30, 2)
        self.assertEqual(set(result["p50"]), set(PAGES))
        self.assertEqual(result["query_total"], sum(result["queries"].values()))
        self.assertGreater(result["round_p50"], 0)
