"""Publishing releases with the real `huggingface_hub` client against the in-process test Hub.

Release rows are paragraphs of the repository's seed documents (seeds/*.txt), with every column
of the release schema filled, so nested types (`removed_lines`) also make the round trip.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import logging
import os
import traceback
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from corpus_kit import schema
from corpus_kit.config import BuildConfig, DatasetConfig, QualityConfig
from corpus_kit.errors import PublishError, ReleaseError
from corpus_kit.package.card import ReleaseStats, SplitInfo, render_card
from corpus_kit.package.hub import PublishResult, publish_release
from corpus_kit.stages.quality import compute_quality_signals
from tests.conftest import SEEDS
from tests.hub_server import HubServer

# huggingface_hub's LFS upload passes a file object as `data=`, which httpx2 deprecates.
pytestmark = pytest.mark.filterwarnings("ignore:Use 'content=<...>':DeprecationWarning")
pytest_plugins = ["tests.fixtures_hub"]  # `hub`, `hub_env`; harmless once conftest imports them too
REPO = "corpus-kit-org/web-corpus"
WRITES = ("/preupload/", "/commit/", "/tag/", "/info/lfs/", "/_lfs/")


def seed_rows(first: int, count: int) -> list[dict]:
    """Return `count` release rows from the seed paragraphs, starting at paragraph `first`."""
    paragraphs = []
    for path in sorted(SEEDS.glob("*.txt")):
        text = path.read_text(encoding="utf-8")
        paragraphs += [(path.name, p.strip()) for p in text.split("\n\n") if len(p.strip()) > 80]
    rows = []
    for record, (source, text) in enumerate(paragraphs[first : first + count], start=first):
        removed = [{"line": 0, "text": "Skip to content", "reason": schema.LINE_NAV_MENU, "score": None}]
        rows.append(
            {
                "id": hashlib.sha256(text.encode()).hexdigest()[:16],
                "text": text,
                "source": source,
                "record": record,
                "url": f"https://example.org/{record}",
                "title": None,
                "n_chars": len(text),
                "removed_lines": removed if record % 3 == 0 else [],
                "lang": "en",
                "lang_prob": 0.5 + record / 100,
                "lang_mix": 0.0,
                "dup_cluster": None,
                "is_duplicate": False,
                "duplicate_of": None,
                "split": "train",
            }
        )
    assert len(rows) == count, "the seeds have fewer paragraphs than the test needs"
    return rows


def write_release(root: Path, version: str, rows: list[dict], shards: int) -> Path:
    """Write a release folder in the packager's layout: shards, card, changelog, manifest."""
    release = root / "web-corpus" / version
    (release / "data").mkdir(parents=True)
    features = schema.release_features()
    metadata = {b"huggingface": json.dumps({"info": {"features": features.to_dict()}}).encode()}
    # The quality signals are computed by the real stage, as a build would.
    table = compute_quality_signals(pa.Table.from_pylist(rows), QualityConfig())
    table = table.select(schema.RELEASE.names).cast(schema.RELEASE.with_metadata(metadata))
    size = -(-len(rows) // shards)
    names = tuple(f"data/train-{index:05d}-of-{shards:05d}.parquet" for index in range(shards))
    for index, name in enumerate(names):
        pq.write_table(table.slice(index * size, size), release / name, compression="zstd")
    # Root-level files as the packager writes them: they must not leak into the train split.
    ids = pa.table({"id": table.column("id"), "dup_cluster": table.column("dup_cluster")})
    pq.write_table(ids, release / "dedup_index.parquet", compression="zstd")
    (release / "rejects.jsonl").write_text('{"reason": "empty", "source": "x.txt"}\n', encoding="utf-8")
    changes = f"## {version}\n\n{len(rows)} documents.\n"
    cfg = BuildConfig(dataset=DatasetConfig(name="web-corpus", version=version))
    stats = ReleaseStats(splits=(SplitInfo("train", names, len(rows), table.nbytes),), documents_in=len(rows))
    (release / "README.md").write_text(render_card(cfg, stats, changes), encoding="utf-8")
    (release / "CHANGELOG.md").write_text(changes, encoding="utf-8")
    files = {
        path.relative_to(release).as_posix(): {
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
            "bytes": path.stat().st_size,
        }
        for path in sorted(release.rglob("*"))
        if path.is_file()
    }
    manifest = {"schema_version": "1", "name": "web-corpus", "version": version, "files": files}
    (release / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    return release


def local_rows(release: Path) -> list[dict]:
    return [
        row
        for path in sorted((release / "data").glob("*.parquet"))
        for row in pq.read_table(path).to_pylist()
    ]


def local_files(release: Path) -> dict[str, bytes]:
    return {
        p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file()
    }


@pytest.fixture
def release(tmp_path: Path) -> Path:
    return write_release(tmp_path / "dist", "0.1.0", seed_rows(0, 24), shards=2)


def test_publish_creates_repo_uploads_one_commit_and_tags(hub_env: HubServer, release: Path) -> None:
    result = publish_release(release, REPO)

    repo = hub_env.repo(REPO)
    assert result == PublishResult(
        repo_id=REPO,
        tag="v0.1.0",
        commit_sha=repo.branches["main"],
        url=f"{hub_env.url}/datasets/{REPO}/tree/v0.1.0",
    )
    assert repo.tags == {"v0.1.0": result.commit_sha}
    assert repo.private is False
    assert sorted(repo.messages.values()) == ["Release web-corpus 0.1.0", "initial commit"]
    published = hub_env.files(REPO, revision="v0.1.0")
    assert published.pop(".gitattributes").startswith(b"*.parquet filter=lfs")
    assert published == local_files(release)
    stored = repo.commits[result.commit_sha]
    assert sorted(p for p, f in stored.items() if f.lfs_sha256) == [
        "data/train-00000-of-00002.parquet",
        "data/train-00001-of-00002.parquet",
        "dedup_index.parquet",
    ]
    assert (hub_env.unhandled, hub_env.errors) == ([], [])


def test_publish_creates_private_repo(hub_env: HubServer, release: Path) -> None:
    publish_release(release, REPO, private=True)

    assert hub_env.repo(REPO).private is True


@pytest.mark.parametrize("streaming", [False, True], ids=["download", "streaming"])
def test_load_dataset_by_tag_gives_the_local_rows(hub_env: HubServer, release: Path, streaming: bool) -> None:
    import datasets

    publish_release(release, REPO)

    loaded = datasets.load_dataset(REPO, revision="v0.1.0", streaming=streaming)

    assert list(loaded) == ["train"]
    assert list(loaded["train"]) == local_rows(release)
    assert loaded["train"].features == schema.release_features()
    assert (hub_env.unhandled, hub_env.errors) == ([], [])


def test_new_version_replaces_the_previous_files(hub_env: HubServer, tmp_path: Path) -> None:
    import datasets

    old = write_release(tmp_path / "dist", "0.1.0", seed_rows(0, 24), shards=2)
    new = write_release(tmp_path / "dist", "0.2.0", seed_rows(10, 9), shards=1)
    publish_release(old, REPO)

    result = publish_release(new, REPO)

    published = hub_env.files(REPO, revision="v0.2.0")
    del published[".gitattributes"]
    assert published == local_files(new)
    assert sorted(hub_env.repo(REPO).tags) == ["v0.1.0", "v0.2.0"]
    assert result.commit_sha == hub_env.repo(REPO).branches["main"]
    assert list(datasets.load_dataset(REPO, revision="v0.1.0", split="train")) == local_rows(old)
    assert list(datasets.load_dataset(REPO, revision="v0.2.0", split="train")) == local_rows(new)


def test_existing_tag_is_refused_and_nothing_uploaded(hub_env: HubServer, release: Path) -> None:
    first = publish_release(release, REPO)
    hub_env.requests.clear()

    with pytest.raises(PublishError) as caught:
        publish_release(release, REPO)

    message = str(caught.value)
    assert message == (
        f"{REPO}: tag v0.1.0 already exists (commit {first.commit_sha[:12]}); published versions are "
        "immutable: set a new dataset.version, rebuild and publish that"
    )
    assert caught.value.exit_code == 2
    assert not [path for _, path in hub_env.requests if any(w in path for w in WRITES)]
    assert len(hub_env.repo(REPO).commits) == 2


def test_publish_after_a_failed_tag_completes_without_a_new_commit(hub_env: HubServer, release: Path) -> None:
    hub_env.fail("POST", r"/tag/", 503, "tags are read-only for maintenance")
    with pytest.raises(PublishError, match=r"HTTP 503 .*: tags are read-only for maintenance$"):
        publish_release(release, REPO)
    committed = hub_env.repo(REPO).branches["main"]
    hub_env.failures.clear()

    result = publish_release(release, REPO)

    assert result.commit_sha == committed
    assert hub_env.repo(REPO).tags == {"v0.1.0": committed}
    assert len(hub_env.repo(REPO).commits) == 2


def test_card_metadata_refused_by_the_hub_stops_before_any_upload(hub_env: HubServer, release: Path) -> None:
    hub_env.fail("POST", r"/api/validate-yaml$", 400, '"license" must be one of the known licenses')

    with pytest.raises(PublishError) as caught:
        publish_release(release, REPO)

    assert str(caught.value) == (
        f"{REPO} on {hub_env.url}: ValueError: Invalid metadata in README.md. "
        '- "license" must be one of the known licenses'
    )
    assert not [path for _, path in hub_env.requests if any(w in path for w in WRITES)]


def test_failed_validation_is_refused_before_any_request(hub_env: HubServer, release: Path) -> None:
    seen: list[Path] = []

    def failing_gate(path: Path) -> bool:
        seen.append(path)
        return False

    with pytest.raises(PublishError, match=r"fails validation; fix the data and rebuild"):
        publish_release(release, REPO, validate=failing_gate)

    assert seen == [release]
    assert hub_env.requests == []


def test_passing_validation_publishes(hub_env: HubServer, release: Path) -> None:
    result = publish_release(release, REPO, validate=lambda path: path == release)

    assert result.tag == "v0.1.0"


def test_damaged_release_is_refused_before_any_request(hub_env: HubServer, release: Path) -> None:
    shard = release / "data" / "train-00001-of-00002.parquet"
    shard.write_bytes(shard.read_bytes()[:-1] + b"\0")

    with pytest.raises(ReleaseError, match=r"train-00001-of-00002\.parquet"):
        publish_release(release, REPO)

    assert hub_env.requests == []


def test_missing_release_folder_is_refused(hub_env: HubServer, tmp_path: Path) -> None:
    with pytest.raises(ReleaseError, match="no such release folder"):
        publish_release(tmp_path / "dist" / "web-corpus" / "9.9.9", REPO)


@pytest.mark.parametrize("repo_id", ["no-namespace", "a/b/c", "bad..name/x"])
def test_malformed_repo_id_is_refused_before_any_request(
    hub_env: HubServer, release: Path, repo_id: str
) -> None:
    with pytest.raises(PublishError, match=repo_id.replace(".", r"\.")):
        publish_release(release, repo_id)

    assert hub_env.requests == []


def test_wrong_token_is_an_error_without_the_token(
    hub_env: HubServer, release: Path, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "hf_WrongTokenThatMustNeverBeShown42"
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PublishError) as caught:
        publish_release(release, REPO, token=wrong)

    message = str(caught.value)
    assert message.startswith(f"{REPO} on {hub_env.url}: HTTP 401 from POST /api/repos/create")
    assert message.endswith("check the token (HF_TOKEN or `hf auth login`)")
    assert "\n" not in message
    assert isinstance(caught.value.__cause__, Exception)
    assert wrong not in caplog.text
    assert REPO not in hub_env.state.repos


def test_token_echoed_by_the_server_is_scrubbed(
    hub_env: HubServer, release: Path, caplog: pytest.LogCaptureFixture
) -> None:
    hub_env.fail("POST", r"/commit/", 500, "commit failed for {authorization}")
    caplog.set_level(logging.DEBUG)

    with pytest.raises(PublishError) as caught:
        publish_release(release, REPO)

    where = f"{REPO} on {hub_env.url}: HTTP 500 from POST /api/datasets/{REPO}/commit/main"
    assert str(caught.value) == f"{where}: commit failed for Bearer ***"
    token = os.environ["HF_TOKEN"]  # set by `hub_env`, accepted by the test Hub
    assert token.startswith("hf_")
    assert token not in "".join(traceback.format_exception(caught.value))
    assert token not in caplog.text
    assert hub_env.repo(REPO).tags == {}


def test_successful_publish_logs_no_token(
    hub_env: HubServer, release: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)

    result = publish_release(release, REPO)

    assert f"published web-corpus v0.1.0 to {REPO} at commit {result.commit_sha}" in caplog.messages
    assert os.environ["HF_TOKEN"].startswith("hf_")
    assert os.environ["HF_TOKEN"] not in caplog.text


def test_no_token_anywhere_is_an_authentication_error(
    hub_env: HubServer, release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HF_TOKEN")

    with pytest.raises(PublishError, match=r"HTTP 401 .*check the token"):
        publish_release(release, REPO)


def test_saved_login_token_is_used_without_hf_token(
    hub_env: HubServer, release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    token = os.environ["HF_TOKEN"]
    monkeypatch.delenv("HF_TOKEN")
    Path(huggingface_hub.constants.HF_TOKEN_PATH).parent.mkdir(parents=True, exist_ok=True)
    Path(huggingface_hub.constants.HF_TOKEN_PATH).write_text(token, encoding="utf-8")

    result = publish_release(release, REPO)

    assert hub_env.repo(REPO).tags == {"v0.1.0": result.commit_sha}


def test_explicit_endpoint_wins_over_hf_endpoint(
    hub_env: HubServer, release: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import huggingface_hub.constants

    with HubServer() as other:  # HF_ENDPOINT points at a Hub that would refuse every write
        monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", other.url)
        result = publish_release(release, REPO, endpoint=hub_env.url)

    assert result.url == f"{hub_env.url}/datasets/{REPO}/tree/v0.1.0"
    assert other.requests == []
    assert hub_env.repo(REPO).tags == {"v0.1.0": result.commit_sha}


def test_unreachable_hub_is_a_publish_error(hub_env: HubServer, release: Path) -> None:
    with HubServer() as gone:
        dead_url = gone.url  # the port is closed once the server stops

    with pytest.raises(PublishError) as caught:
        publish_release(release, REPO, endpoint=dead_url)

    assert str(caught.value).startswith(f"{REPO} on {dead_url}: ConnectError: ")
    assert "\n" not in str(caught.value)


def test_upload_bars_show_only_when_asked(
    hub_env: HubServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(importlib.import_module("huggingface_hub.utils.tqdm"), "progress_bar_states", {})
    publish_release(write_release(tmp_path, "0.1.0", seed_rows(0, 24), shards=2), REPO)
    assert capsys.readouterr().err == ""

    publish_release(write_release(tmp_path, "0.2.0", seed_rows(1, 24), shards=2), REPO, progress=True)

    assert "Upload 3 LFS files" in capsys.readouterr().err


class _Passed:
    success = True


def test_cli_prints_the_result_then_refuses_the_same_version(
    hub_env: HubServer, release: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus_kit import api, cli

    # The expectation suite itself is tested in tests/validate; here only the hub path matters.
    monkeypatch.setattr(api, "validate", lambda path, suite=None: _Passed())
    assert cli.main(["-q", "publish", str(release), "--repo", REPO]) == 0
    printed = json.loads(capsys.readouterr().out)
    sha = hub_env.repo(REPO).tags["v0.1.0"]
    url = f"{hub_env.url}/datasets/{REPO}/tree/v0.1.0"
    assert printed == {"repo_id": REPO, "tag": "v0.1.0", "commit_sha": sha, "url": url}

    assert cli.main(["-q", "publish", str(release), "--repo", REPO]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert "Traceback" not in captured.err
    assert captured.err.strip().splitlines()[-1] == (
        f"corpus-kit: PublishError: {REPO}: tag v0.1.0 already exists (commit {sha[:12]}); "
        "published versions are immutable: set a new dataset.version, rebuild and publish that"
    )


def test_cli_refuses_a_release_that_fails_validation(
    hub_env: HubServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from corpus_kit import cli

    rows = seed_rows(0, 6)
    rows[1]["id"] = rows[0]["id"]  # the release suite requires unique ids
    release = write_release(tmp_path, "0.1.0", rows, shards=1)

    assert cli.main(["-q", "publish", str(release), "--repo", REPO]) == 2

    err = capsys.readouterr().err
    assert err.strip().splitlines()[-1] == (
        f"corpus-kit: PublishError: {release}: the release fails validation; fix the data and rebuild before "
        "publishing"
    )
    assert hub_env.requests == []
