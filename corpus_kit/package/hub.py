"""Publish a release folder to a Hugging Face Hub: one commit, tagged `v<version>`.

The only module that imports `huggingface_hub`. The token is resolved by `huggingface_hub`
(explicit argument, else `HF_TOKEN`, else the saved login) and never appears in messages:
errors from the client are shortened to one line, scrubbed of the token, and re-raised as
`PublishError`.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus_kit.errors import PublishError, ReleaseError

logger = logging.getLogger(__name__)

REPO_TYPE = "dataset"
BRANCH = "main"
#: Files of the repo that a release does not replace (the Hub creates `.gitattributes` with the repo).
KEPT_REPO_FILES = frozenset({".gitattributes"})
_MAX_DETAIL = 300


@dataclass(frozen=True)
class PublishResult:
    """Where a release was published: the repo, its version tag, the commit and a browsable URL."""

    repo_id: str
    tag: str
    commit_sha: str
    url: str


def publish_release(
    release_dir: str | Path,
    repo_id: str,
    *,
    token: str | None = None,
    endpoint: str | None = None,
    private: bool = False,
    validate: Callable[[Path], bool] | None = None,
    progress: bool = False,
) -> PublishResult:
    """Push the release at `release_dir` to the dataset repo `repo_id` as one commit tagged `v<version>`.

    The manifest is verified (`ReleaseError`) and `validate(release_dir)` must return True before
    anything is sent. The repo is created if missing. A version whose tag already exists is refused,
    as published versions are immutable. The commit holds exactly the release: files of the previous
    release that this one lacks are deleted in the same commit, so the tag never mixes versions.

    Args:
        release_dir: a `dist/<name>/<version>` folder written by the packager.
        repo_id: `ORG/NAME` of the dataset repo.
        token: Hub token; default: `HF_TOKEN`, then the `huggingface_hub` login.
        endpoint: Hub URL; default: `HF_ENDPOINT`, then https://huggingface.co.
        private: create the repo private (ignored when it exists).
        validate: the validation gate, called with the release folder.
        progress: show `huggingface_hub`'s upload bars on stderr (the CLI's choice; off by default).
    """
    release = Path(release_dir)
    manifest = _verified_manifest(release)
    version = str(manifest.get("version") or release.name)
    tag = f"v{version}"
    if validate is not None and not validate(release):
        raise PublishError(
            f"{release}: the release fails validation; fix the data and rebuild before publishing"
        )
    files = [*sorted(manifest["files"]), "manifest.json"]
    name = manifest.get("name") or release.parent.name

    from huggingface_hub import HfApi, get_token
    from huggingface_hub.utils import disable_progress_bars

    # Resolve the token once (argument, HF_TOKEN, saved login) so error text can be scrubbed of it.
    api = HfApi(endpoint=endpoint, token=token or get_token())
    bars = contextlib.nullcontext() if progress else disable_progress_bars()
    with bars, _hub_errors(repo_id, api):
        _check_repo_id(repo_id)
        api.create_repo(repo_id, repo_type=REPO_TYPE, private=private, exist_ok=True)
        head = _refuse_existing_tag(api, repo_id, tag)
        operations = _commit_operations(api, repo_id, release, files)
        commit = api.create_commit(
            repo_id,
            operations,
            commit_message=f"Release {name} {version}",
            commit_description=f"corpus-kit release {name} {version} ({len(files)} files).",
            repo_type=REPO_TYPE,
            revision=BRANCH,
            parent_commit=head,
        )
        api.create_tag(
            repo_id, tag=tag, revision=commit.oid, tag_message=f"{name} {version}", repo_type=REPO_TYPE
        )
    logger.info("published %s %s to %s at commit %s", name, tag, repo_id, commit.oid)
    url = f"{api.endpoint}/datasets/{repo_id}/tree/{tag}"
    return PublishResult(repo_id=repo_id, tag=tag, commit_sha=commit.oid, url=url)


def _verified_manifest(release: Path) -> dict:
    from corpus_kit.package.manifest import verify_manifest

    if not release.is_dir():
        raise ReleaseError(f"{release}: no such release folder; pass a dist/<name>/<version> folder")
    verify_manifest(release)
    # Read the file ourselves: the upload must list exactly the files the manifest names.
    return json.loads((release / "manifest.json").read_text(encoding="utf-8"))


def _check_repo_id(repo_id: str) -> None:
    from huggingface_hub.utils import validate_repo_id

    validate_repo_id(repo_id)
    if repo_id.count("/") != 1:
        raise PublishError(f"repo id {repo_id!r} must be ORG/NAME, e.g. my-org/my-corpus")


def _refuse_existing_tag(api, repo_id: str, tag: str) -> str | None:
    """Raise `PublishError` if `tag` exists; return the head commit of the branch (None if absent)."""
    refs = api.list_repo_refs(repo_id, repo_type=REPO_TYPE)
    existing = {ref.name: ref.target_commit for ref in refs.tags}
    if tag in existing:
        raise PublishError(
            f"{repo_id}: tag {tag} already exists (commit {existing[tag][:12]}); published versions are "
            "immutable: set a new dataset.version, rebuild and publish that"
        )
    return next((ref.target_commit for ref in refs.branches if ref.name == BRANCH), None)


def _commit_operations(api, repo_id: str, release: Path, files: list[str]) -> list:
    from huggingface_hub import CommitOperationAdd, CommitOperationDelete

    current = api.list_repo_files(repo_id, repo_type=REPO_TYPE, revision=BRANCH)
    stale = sorted(set(current) - set(files) - KEPT_REPO_FILES)
    deletions = [CommitOperationDelete(path_in_repo=path, is_folder=False) for path in stale]
    additions = [CommitOperationAdd(path_in_repo=path, path_or_fileobj=release / path) for path in files]
    return deletions + additions


@contextlib.contextmanager
def _hub_errors(repo_id: str, api) -> Iterator[None]:
    """Turn client and connection errors into a one-line `PublishError` without the token."""
    import httpx2
    from huggingface_hub.errors import OfflineModeIsEnabled

    try:
        yield
    except PublishError:
        raise
    # ValueError and RuntimeError are how the client reports bad LFS answers, invalid card metadata
    # and failed uploads; HTTPError covers both error answers and connection failures.
    except (httpx2.HTTPError, OfflineModeIsEnabled, ValueError, RuntimeError) as err:
        secrets = [api.token] if isinstance(api.token, str) and api.token else []
        _scrub_chain(err, secrets)  # the chained error shows in tracebacks: clean it too
        detail = _one_line(_scrub(_describe(err), secrets))
        raise PublishError(f"{repo_id} on {api.endpoint}: {detail}") from err


def _describe(err: BaseException) -> str:
    from huggingface_hub.errors import HfHubHTTPError

    if isinstance(err, HfHubHTTPError) and err.response is not None:
        status = err.response.status_code
        request = err.response.request
        text = f"HTTP {status} from {request.method} {request.url.path}"
        text += f": {err.server_message}" if err.server_message else ""
        return text + (f"; {_HINTS[status]}" if status in _HINTS else "")
    return f"{type(err).__name__}: {err}"


_HINTS = {
    401: "check the token (HF_TOKEN or `hf auth login`)",
    403: "the token cannot write to this repo; use a token with write access",
    404: "check the repo id and that the token can see it",
    409: "the repo changed meanwhile; publish again",
    412: "the repo changed meanwhile; publish again",
}


def _scrub(text: str, secrets: list[str]) -> str:
    for secret in secrets:
        text = text.replace(secret, "***")
    return text


def _scrub_chain(err: BaseException | None, secrets: list[str]) -> None:
    seen: set[int] = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        err.args = tuple(_scrub(a, secrets) if isinstance(a, str) else a for a in err.args)
        if isinstance(getattr(err, "server_message", None), str):
            err.server_message = _scrub(err.server_message, secrets)
        err = err.__cause__ or err.__context__


def _one_line(text: str) -> str:
    line = " ".join(text.split())
    return line if len(line) <= _MAX_DETAIL else line[: _MAX_DETAIL - 3] + "..."
