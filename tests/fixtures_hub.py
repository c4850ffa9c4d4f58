"""Fixtures that route `huggingface_hub` and `datasets` to an in-process test Hub.

`hub` starts a `HubServer` on 127.0.0.1; `hub_env` also points both libraries at it and at a
temporary `HF_HOME`, with a test token in `HF_TOKEN`. Both libraries copy environment variables
into module constants at import time, so setting the variables is not enough: the constants that
the upload and download code paths read are patched too.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.hub_server import HubServer

HUB_TOKEN = "hf_CorpusKitTestToken0123456789abcdef"
HUB_USER = "corpus-kit-tester"


@pytest.fixture
def hub() -> Iterator[HubServer]:
    """A fresh in-memory Hub that accepts `HUB_TOKEN` for writes; fails the test if the Hub itself failed."""
    with HubServer(tokens={HUB_TOKEN: HUB_USER}) as server:
        yield server
    assert server.errors == [], f"the test Hub failed: {server.errors}"


@pytest.fixture
def hub_env(hub: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HubServer]:
    """Send every Hub call of `huggingface_hub` and `datasets` to `hub`; return it."""
    import datasets.config
    import huggingface_hub.constants as hf_constants
    from huggingface_hub import HfFileSystem

    # Both packages re-export a `tqdm` class over their `utils.tqdm` module name.
    hf_bars = importlib.import_module("huggingface_hub.utils.tqdm")
    datasets_bars = importlib.import_module("datasets.utils.tqdm")

    home = tmp_path / "hf_home"
    env = {
        "HF_ENDPOINT": hub.url,
        "HF_HOME": str(home),
        "HF_TOKEN": HUB_TOKEN,
        "HF_HUB_DISABLE_XET": "1",
        "HF_HUB_DISABLE_TELEMETRY": "1",
        "HF_UPDATE_DOWNLOAD_COUNTS": "0",
    }
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for name in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "HUGGING_FACE_HUB_TOKEN", "HF_OIDC_RESOURCE"):
        monkeypatch.delenv(name, raising=False)

    constants = {
        "ENDPOINT": hub.url,
        "HUGGINGFACE_CO_URL_TEMPLATE": hub.url + "/{repo_id}/resolve/{revision}/{filename}",
        "HF_URL_HOSTS": hf_constants.HF_URL_HOSTS | {"127.0.0.1"},
        "HF_HUB_DISABLE_XET": True,  # the classic LFS upload path, which the test Hub implements
        "HF_HUB_DISABLE_TELEMETRY": True,
        "HF_HUB_OFFLINE": False,
        "HF_HOME": str(home),
        "HF_HUB_CACHE": str(home / "hub"),
        "HF_ASSETS_CACHE": str(home / "assets"),
        "HF_XET_CACHE": str(home / "xet"),
        "HF_TOKEN_PATH": str(home / "token"),
        "HF_STORED_TOKENS_PATH": str(home / "stored_tokens"),
    }
    for name, value in constants.items():
        monkeypatch.setattr(hf_constants, name, value)
    settings = {
        "HF_ENDPOINT": hub.url,
        "HUB_DATASETS_URL": hub.url + "/datasets/{repo_id}/resolve/{revision}/{path}",
        "HF_UPDATE_DOWNLOAD_COUNTS": False,
        "USE_PARQUET_EXPORT": False,  # else `datasets` asks the dataset viewer for a Parquet export
        "HF_HUB_OFFLINE": False,
        "HF_DATASETS_OFFLINE": False,
        "HF_CACHE_HOME": str(home),
        "HF_DATASETS_CACHE": home / "datasets",
        "HF_MODULES_CACHE": home / "modules",
        "DOWNLOADED_DATASETS_PATH": home / "datasets" / "downloads",
        "EXTRACTED_DATASETS_PATH": home / "datasets" / "downloads" / "extracted",
    }
    for name, value in settings.items():
        monkeypatch.setattr(datasets.config, name, value)
    monkeypatch.setattr(hf_bars, "progress_bar_states", {"_global": False})
    monkeypatch.setattr(datasets_bars, "_hf_datasets_progress_bars_disabled", True)
    # fsspec keeps one HfFileSystem per endpoint, with its listing cache: start and end clean.
    HfFileSystem.clear_instance_cache()
    yield hub
    HfFileSystem.clear_instance_cache()
