"""Prometheus metrics of one running bot: questions, latency, not-found rate, errors, drops, index generation.

Each application has its own registry, so two bots in one process (tests) never share counts; the
webhook server exposes it at ``/metrics``.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.questions = Counter(
            "quotebot_questions", "Questions by outcome: found, not_found, refused, rate_limited, busy.",
            ["outcome"], registry=self.registry,
        )  # fmt: skip
        self.latency = Histogram(
            "quotebot_answer_seconds", "From a question's arrival to its answer being sent.",
            buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0), registry=self.registry,
        )  # fmt: skip
        self.errors = Counter(
            "quotebot_errors", "Unexpected errors while handling an update, by exception type.",
            ["kind"], registry=self.registry,
        )  # fmt: skip
        self.dropped = Counter(
            "quotebot_sends_dropped", "Bot API calls given up on, by method and reason.",
            ["method", "reason"], registry=self.registry,
        )  # fmt: skip
        self.retries = Counter(
            "quotebot_send_retries", "Bot API calls retried after a server error or a dropped connection.",
            ["method"], registry=self.registry,
        )  # fmt: skip
        self.skipped_updates = Counter(
            "quotebot_skipped_updates", "Updates Telegram sent that could not be parsed, skipped.",
            registry=self.registry,
        )  # fmt: skip
        self.generation = Gauge(
            "quotebot_index_generation", "The generation of the index being served.", registry=self.registry
        )
        self.searching = Gauge(
            "quotebot_searches_in_flight", "Questions being searched or waiting for a search slot.",
            registry=self.registry,
        )  # fmt: skip

    def value(self, name: str, **labels: str) -> float:
        """One sample's value (0 when it was never counted), for /stats, tests and the load benchmark."""
        found = self.registry.get_sample_value(name, labels)
        return float(found) if found is not None else 0.0

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
