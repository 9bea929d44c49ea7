"""A deterministic sample of hostile input (``benchmarks/load.py`` runs thousands): every update and
every upload is handled without an unexpected error, no reply holds a traceback or a server path,
nothing indexed is lost, and the bot still answers afterwards."""

from __future__ import annotations

import random
from pathlib import Path

from tests import fuzz
from tests.engines import WEIHAI_QUOTE, make_engine
from tests.fake_bot_api import Call, FakeBotAPI, make_settings, running_bot


def _user_facing(calls: list[Call]) -> list[str]:
    texts = []
    for call in calls:
        texts.append(str(call.params.get("text") or ""))
        for result in call.params.get("results") or []:
            texts.append(str((result.get("input_message_content") or {}).get("message_text", "")))
    return texts


def _errors(runner_data: object) -> float:
    metrics = runner_data.metrics  # type: ignore[attr-defined]
    return sum(s.value for f in metrics.errors.collect() for s in f.samples if s.name.endswith("_total"))


def test_fuzzed_updates_and_uploads(api: FakeBotAPI, tmp_path: Path) -> None:
    rng = random.Random(20261127)
    engine = make_engine(tmp_path / "articles")
    before = {a.article_id for a in engine.articles()}
    settings = make_settings(tmp_path, admins=[fuzz.ADMIN], max_upload_mb=1, request_timeout=2,
                             rate_limit={"messages": 10_000, "per_seconds": 1})  # fmt: skip
    admin = api.user(fuzz.ADMIN)
    admin_chat = api.private_chat(admin)
    with running_bot(api, settings, engine) as runner:
        ids = [api.push(fuzz.update(rng, api)) for _ in range(150)]
        for update_id in ids:
            runner.wait_processed(update_id, timeout=30)
        for _ in range(12):
            name, data = fuzz.upload(rng, scale=0.02)
            runner.wait_processed(api.send_document(admin_chat, admin, name, data)[0], timeout=60)
        user = api.user(5)
        chat = api.private_chat(user)
        mark = api.mark()
        api.send_text(chat, user, "威海书记说了什么")
        (canary,) = api.sent(chat["id"], mark)
        errors = _errors(runner.data)
    assert WEIHAI_QUOTE in canary.result["text"]
    assert errors == 0
    replies = _user_facing(api.calls)
    assert not any("Traceback" in t or 'File "' in t or str(tmp_path) in t for t in replies)
    assert before <= {a.article_id for a in engine.articles()}
