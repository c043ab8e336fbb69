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
        self.assertEqual(set(result["p95"]), set(PAGES))
        for name in PAGES:
            self.assertGreaterEqual(result["p95"][name], result["p50"][name], name)
            # Each page's SQL time is part of its time, and its slowest query is named.
            self.assertLessEqual(result["sql_p50"][name], result["p50"][name], name)
            self.assertIn("SELECT", result["slowest"][name][1], name)


class PercentileTests(TestCase):
    def test_nearest_rank(self) -> None:
        from reporting.benchmarks.pages import _percentile

        values = [float(n) for n in range(1, 21)]  # 1..20
        self.assertEqual((_percentile(values, 50), _percentile(values, 95), _percentile(values, 100)), (10.0, 19.0, 20.0))
        self.assertEqual(_percentile([3.0], 95), 3.0)
