"""A small in-memory Hugging Face Hub for tests: the HTTP API that `huggingface_hub` and `datasets` call.

Run it in a thread on 127.0.0.1 with an ephemeral port (`with HubServer() as hub: ...`) and point the
client at `hub.url`. It implements, for model, dataset and space repos:

    POST /api/repos/create                              create a repo (409 if it exists)
    GET  /api/{type}s/{repo}[/revision/{rev}]            repo info (sha, siblings)
    POST /api/validate-yaml                              README metadata check (always accepts)
    POST /api/{type}s/{repo}/preupload/{rev}             upload mode per file (regular or lfs)
    POST /{prefix}{repo}.git/info/lfs/objects/batch      classic LFS batch API (basic transfer)
    PUT  /_lfs/{oid}, POST /_lfs/{oid}/verify           LFS object upload and verify
    POST /api/{type}s/{repo}/commit/{rev}                NDJSON commit (file, lfsFile, deleted file/folder)
    POST /api/{type}s/{repo}/tag/{rev}                   create a tag (409 if it exists)
    GET  /api/{type}s/{repo}/refs                        branches and tags
    GET  /api/{type}s/{repo}/tree/{rev}[/{path}]         tree listing (recursive or not)
    POST /api/{type}s/{repo}/paths-info/{rev}            info on given paths
    GET|HEAD /{prefix}{repo}/resolve/{rev}/{path}        file content, with Range support

Revisions are branch names, tag names or full commit shas. Writes need a token from `tokens`
(`Authorization: Bearer ...`); reading a private repo needs one too. Every request is recorded in
`requests` (method and path, never headers), so tests can check what the client did; requests with
no route go to `unhandled`, and failures of the server itself to `errors` (answered with HTTP 500).
"""

from __future__ import annotations

import base64
import fnmatch
import hashlib
import json
import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

LFS_SUFFIXES = (".parquet", ".arrow", ".bin", ".zst", ".gz", ".npy", ".safetensors", ".pt", ".msgpack")
LFS_MIN_SIZE = 10 * 1024 * 1024  # the Hub stores files above 10 MB in LFS
INITIAL_GITATTRIBUTES = "".join(f"*{suffix} filter=lfs diff=lfs merge=lfs -text\n" for suffix in LFS_SUFFIXES)
_REPO_TYPES = {"models": "model", "datasets": "dataset", "spaces": "space"}
_PREFIXES = {"model": "", "dataset": "datasets/", "space": "spaces/"}
_FIXED_DATE = "2026-01-01T00:00:00.000Z"


def git_blob_oid(content: bytes) -> str:
    """Return the git object id of a blob with `content`."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def lfs_pointer(sha256: str, size: int) -> bytes:
    """Return the git LFS pointer file for an object."""
    return f"version https://git-lfs.github.com/spec/v1\noid sha256:{sha256}\nsize {size}\n".encode()


@dataclass(frozen=True)
class StoredFile:
    """One file of a commit: its git oid and size, and its LFS sha256 when stored in LFS."""

    oid: str
    size: int
    lfs_sha256: str | None = None


@dataclass
class Repo:
    repo_type: str
    repo_id: str
    private: bool
    commits: dict[str, dict[str, StoredFile]] = field(default_factory=dict)
    messages: dict[str, str] = field(default_factory=dict)  # commit sha -> summary
    branches: dict[str, str] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)


class HubError(Exception):
    """An HTTP error answer, with the headers `huggingface_hub` reads to pick its exception class."""

    def __init__(
        self, status: int, message: str, code: str | None = None, body: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.body = body or {}


class HubState:
    """Repos, blobs and LFS objects, guarded by one lock."""

    def __init__(self, tokens: dict[str, str]) -> None:
        self.tokens = tokens
        self.repos: dict[tuple[str, str], Repo] = {}
        self.blobs: dict[str, bytes] = {}  # git oid -> content of regular files
        self.lfs: dict[str, bytes] = {}  # sha256 -> content of LFS objects
        self.lock = threading.Lock()

    def user(self, authorization: str | None) -> str | None:
        if not authorization or not authorization.startswith("Bearer "):
            return None
        return self.tokens.get(authorization.removeprefix("Bearer ").strip())

    def repo(self, repo_type: str, repo_id: str, user: str | None) -> Repo:
        repo = self.repos.get((repo_type, repo_id))
        if repo is None or (repo.private and user is None):
            raise HubError(404, "Repository not found", "RepoNotFound")
        return repo

    def commit_of(self, repo: Repo, revision: str) -> str:
        if revision in repo.branches:
            return repo.branches[revision]
        if revision in repo.tags:
            return repo.tags[revision]
        if revision in repo.commits:
            return revision
        raise HubError(404, f"Invalid rev id: {revision}", "RevisionNotFound")

    def new_commit(self, repo: Repo, parent: str | None, message: str, files: dict[str, StoredFile]) -> str:
        listing = json.dumps(
            [parent, message, sorted((path, f.oid) for path, f in files.items())], separators=(",", ":")
        )
        sha = hashlib.sha1(listing.encode()).hexdigest()
        repo.commits[sha] = dict(files)
        repo.messages[sha] = message
        return sha

    def put_regular(self, content: bytes) -> StoredFile:
        oid = git_blob_oid(content)
        self.blobs[oid] = content
        return StoredFile(oid=oid, size=len(content))

    def content(self, stored: StoredFile) -> bytes:
        if stored.lfs_sha256 is not None:
            return self.lfs[stored.lfs_sha256]
        return self.blobs[stored.oid]


def _tree_entries(files: dict[str, StoredFile], base: str, recursive: bool) -> list[dict[str, Any]]:
    """List the files and folders under `base` ("" for the root), as the Hub's tree API does."""
    prefix = f"{base}/" if base else ""
    entries: dict[str, dict[str, Any]] = {}
    for path in sorted(files):
        if not path.startswith(prefix):
            continue
        parts = path[len(prefix) :].split("/")
        folders = range(1, len(parts)) if recursive else range(1, min(len(parts), 2))
        for depth in folders:
            folder = prefix + "/".join(parts[:depth])
            entries.setdefault(folder, _folder_entry(files, folder))
        if recursive or len(parts) == 1:
            entries[path] = _file_entry(path, files[path])
    return list(entries.values())


def _file_entry(path: str, stored: StoredFile) -> dict[str, Any]:
    entry: dict[str, Any] = {"type": "file", "oid": stored.oid, "size": stored.size, "path": path}
    if stored.lfs_sha256 is not None:
        pointer = lfs_pointer(stored.lfs_sha256, stored.size)
        entry["lfs"] = {"oid": stored.lfs_sha256, "size": stored.size, "pointerSize": len(pointer)}
    return entry


def _folder_entry(files: dict[str, StoredFile], folder: str) -> dict[str, Any]:
    children = sorted((p, f.oid) for p, f in files.items() if p.startswith(folder + "/"))
    oid = hashlib.sha1(json.dumps(children).encode()).hexdigest()
    return {"type": "directory", "oid": oid, "path": folder}


def _is_lfs(path: str, size: int, sample: bytes, gitattributes: str) -> bool:
    patterns = [line.split()[0] for line in gitattributes.splitlines() if "filter=lfs" in line]
    name = path.rsplit("/", 1)[-1]
    matched = any(fnmatch.fnmatch(name, p) or fnmatch.fnmatch(path, p) for p in patterns)
    return matched or size >= LFS_MIN_SIZE or b"\0" in sample


def _parse_range(header: str, size: int) -> tuple[int, int]:
    """Return the inclusive byte range asked by a `Range: bytes=...` header."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header.strip())
    if match is None or match.groups() == ("", ""):
        raise HubError(416, f"unsupported range {header!r}")
    first, last = match.groups()
    if first == "":
        start, end = max(size - int(last), 0), size - 1
    else:
        start = int(first)
        end = min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise HubError(416, f"range {header!r} not satisfiable for {size} bytes")
    return start, end


_REPO = r"(?P<repo>[^/]+/[^/]+|[^/]+)"
_API = rf"^/api/(?P<kind>models|datasets|spaces)/{_REPO}"
_WEB = rf"^/(?:(?P<kind>datasets|spaces)/)?{_REPO}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet: requests are recorded in `HubServer.requests` instead."""

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("HEAD")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    # Plumbing

    def _dispatch(self, method: str) -> None:
        split = urlsplit(self.path)
        self.server.hub.requests.append((method, split.path))
        self._query = parse_qs(split.query)
        self._body = self._read_body()
        try:
            for fail_method, pattern, status, message in self.server.hub.failures:
                if method == fail_method and re.search(pattern, split.path):
                    echoed = message.format(authorization=self.headers.get("Authorization"))
                    # validate-yaml reports a list of errors; every other endpoint one error.
                    body = (
                        {"errors": [{"message": echoed}]}
                        if "validate-yaml" in split.path
                        else {"error": echoed}
                    )
                    self._send_json(body, status=status)
                    return
            for route_method, pattern, handler in _ROUTES:
                match = re.match(pattern, split.path)
                if match and method in route_method:
                    handler(self, **{k: unquote(v) for k, v in match.groupdict().items() if v is not None})
                    return
            self.server.hub.unhandled.append((method, split.path))
            raise HubError(404, f"no route for {method} {split.path}")
        except HubError as err:
            headers = {"X-Error-Message": err.message}
            if err.code:
                headers["X-Error-Code"] = err.code
            self._send_json({"error": err.message, **err.body}, status=err.status, headers=headers)
        except Exception as err:  # a bug in this server answers 500 (and is kept), not a dropped connection
            self.server.hub.errors.append(f"{method} {split.path}: {err!r}")
            self._send_json({"error": f"test hub error: {err!r}"}, status=500)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _send_json(self, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(data).encode()
        self._send(status, body, {"Content-Type": "application/json", **(headers or {})})

    @property
    def _state(self) -> HubState:
        return self.server.hub.state

    @property
    def _user(self) -> str | None:
        return self._state.user(self.headers.get("Authorization"))

    def _writer(self) -> str:
        if self.headers.get("Authorization") and self._user is None:
            raise HubError(401, "Invalid credentials in Authorization header")
        if self._user is None:
            raise HubError(401, "You must be authenticated to write to the Hub")
        return self._user

    def _base(self) -> str:
        return self.server.hub.url

    # API routes

    def create_repo(self) -> None:
        self._writer()
        payload = json.loads(self._body)
        repo_type = payload.get("type") or "model"
        name, organization = payload["name"], payload.get("organization")
        repo_id = f"{organization}/{name}" if organization else f"{self._user}/{name}"
        url = f"{self._base()}/{_PREFIXES[repo_type]}{repo_id}"
        with self._state.lock:
            if (repo_type, repo_id) in self._state.repos:
                raise HubError(409, "You already created this repo", body={"url": url})
            private = payload.get("visibility") == "private" or bool(payload.get("private"))
            repo = Repo(repo_type=repo_type, repo_id=repo_id, private=private)
            files = {".gitattributes": self._state.put_regular(INITIAL_GITATTRIBUTES.encode())}
            repo.branches["main"] = self._state.new_commit(repo, None, "initial commit", files)
            self._state.repos[(repo_type, repo_id)] = repo
        self._send_json({"url": url, "name": repo_id, "id": hashlib.sha1(url.encode()).hexdigest()[:24]})

    def validate_yaml(self) -> None:
        self._send_json({"errors": [], "warnings": []})

    def repo_info(self, kind: str, repo: str, rev: str = "main") -> None:
        hub_repo = self._state.repo(_REPO_TYPES[kind], repo, self._user)
        sha = self._state.commit_of(hub_repo, rev)
        files = hub_repo.commits[sha]
        self._send_json(
            {
                "_id": hashlib.sha1(repo.encode()).hexdigest()[:24],
                "id": repo,
                "author": repo.split("/")[0],
                "sha": sha,
                "private": hub_repo.private,
                "gated": False,
                "disabled": False,
                "downloads": 0,
                "likes": 0,
                "tags": [],
                "lastModified": _FIXED_DATE,
                "createdAt": _FIXED_DATE,
                "siblings": [{"rfilename": path} for path in sorted(files)],
            }
        )

    def preupload(self, kind: str, repo: str, rev: str) -> None:
        self._writer()
        hub_repo = self._state.repo(_REPO_TYPES[kind], repo, self._user)
        files = hub_repo.commits[self._state.commit_of(hub_repo, rev)]
        gitattributes = (
            self._state.content(files[".gitattributes"]).decode() if ".gitattributes" in files else ""
        )
        answer = []
        for item in json.loads(self._body)["files"]:
            sample = base64.b64decode(item["sample"])
            lfs = _is_lfs(item["path"], item["size"], sample, gitattributes)
            existing = files.get(item["path"])
            answer.append(
                {
                    "path": item["path"],
                    "uploadMode": "lfs" if lfs else "regular",
                    "shouldIgnore": False,
                    # As the Hub: the sha256 for LFS files, so the client can skip unchanged files.
                    "oid": (existing.lfs_sha256 or existing.oid) if existing else None,
                }
            )
        self._send_json({"files": answer})

    def lfs_batch(self, repo: str, kind: str = "models") -> None:
        self._writer()
        self._state.repo(_REPO_TYPES[kind], repo, self._user)
        payload = json.loads(self._body)
        objects = []
        for obj in payload["objects"]:
            answer: dict[str, Any] = {"oid": obj["oid"], "size": obj["size"], "authenticated": True}
            if obj["oid"] not in self._state.lfs:
                href = f"{self._base()}/_lfs/{obj['oid']}"
                answer["actions"] = {"upload": {"href": href}, "verify": {"href": f"{href}/verify"}}
            objects.append(answer)
        self._send_json({"transfer": "basic", "objects": objects, "hash_algo": "sha256"})

    def lfs_upload(self, oid: str) -> None:
        if hashlib.sha256(self._body).hexdigest() != oid:
            raise HubError(400, f"uploaded content does not match sha256 {oid}")
        with self._state.lock:
            self._state.lfs[oid] = self._body
        self._send(200, b"", {"ETag": f'"{oid}"'})

    def lfs_verify(self, oid: str) -> None:
        payload = json.loads(self._body)
        stored = self._state.lfs.get(oid)
        if stored is None or len(stored) != payload["size"]:
            raise HubError(404, f"LFS object {oid} not found or wrong size")
        self._send_json({"success": True})

    def commit(self, kind: str, repo: str, rev: str) -> None:
        self._writer()
        hub_repo = self._state.repo(_REPO_TYPES[kind], repo, self._user)
        lines = [json.loads(line) for line in self._body.splitlines() if line.strip()]
        header = next(line["value"] for line in lines if line["key"] == "header")
        with self._state.lock:
            if rev not in hub_repo.branches:
                raise HubError(404, f"Invalid rev id: {rev}", "RevisionNotFound")
            parent = hub_repo.branches[rev]
            if header.get("parentCommit") and not parent.startswith(header["parentCommit"]):
                raise HubError(412, f"A commit has happened since; parent commit is {parent}")
            files = dict(hub_repo.commits[parent])
            for line in lines:
                value = line["value"]
                if line["key"] == "file":
                    files[value["path"]] = self._state.put_regular(base64.b64decode(value["content"]))
                elif line["key"] == "lfsFile":
                    content = self._state.lfs.get(value["oid"])
                    if content is None:
                        raise HubError(
                            422, f"LFS object {value['oid']} of {value['path']} was never uploaded"
                        )
                    pointer = lfs_pointer(value["oid"], len(content))
                    files[value["path"]] = StoredFile(git_blob_oid(pointer), len(content), value["oid"])
                elif line["key"] == "deletedFile":
                    if files.pop(value["path"], None) is None:
                        raise HubError(404, "A file with this name doesn't exist", "EntryNotFound")
                elif line["key"] == "deletedFolder":
                    folder = value["path"].rstrip("/") + "/"
                    files = {p: f for p, f in files.items() if not p.startswith(folder)}
            sha = self._state.new_commit(hub_repo, parent, header["summary"], files)
            hub_repo.branches[rev] = sha
        url = f"{self._base()}/{_PREFIXES[hub_repo.repo_type]}{repo}/commit/{sha}"
        self._send_json({"success": True, "commitOid": sha, "commitUrl": url, "pullRequestUrl": None})

    def create_tag(self, kind: str, repo: str, rev: str) -> None:
        self._writer()
        hub_repo = self._state.repo(_REPO_TYPES[kind], repo, self._user)
        tag = json.loads(self._body)["tag"]
        with self._state.lock:
            if tag in hub_repo.tags:
                raise HubError(409, f"Tag {tag} already exists")
            hub_repo.tags[tag] = self._state.commit_of(hub_repo, rev)
        self._send_json({"name": tag})

    def refs(self, kind: str, repo: str) -> None:
        hub_repo = self._state.repo(_REPO_TYPES[kind], repo, self._user)

        def listing(refs: dict[str, str], kind: str) -> list[dict[str, str]]:
            return [
                {"name": n, "ref": f"refs/{kind}/{n}", "targetCommit": sha} for n, sha in sorted(refs.items())
            ]

        answer = {
            "branches": listing(hub_repo.branches, "heads"),
            "converts": [],
            "tags": listing(hub_repo.tags, "tags"),
        }
        if self._query.get("include_prs"):
            answer["pullRequests"] = []
        self._send_json(answer)

    def tree(self, kind: str, repo: str, rev: str, path: str = "") -> None:
        hub_repo = self._state.repo(_REPO_TYPES[kind], repo, self._user)
        files = hub_repo.commits[self._state.commit_of(hub_repo, rev)]
        path = path.strip("/")
        if path and not any(p.startswith(path + "/") for p in files):
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        recursive = self._query.get("recursive", ["false"])[0].lower() in ("1", "true")
        self._send_json(_tree_entries(files, path, recursive))

    def paths_info(self, kind: str, repo: str, rev: str) -> None:
        hub_repo = self._state.repo(_REPO_TYPES[kind], repo, self._user)
        files = hub_repo.commits[self._state.commit_of(hub_repo, rev)]
        if self.headers.get("Content-Type", "").startswith("application/json"):
            paths = json.loads(self._body)["paths"]
        else:
            paths = parse_qs(self._body.decode())["paths"]
        answer = []
        for path in paths:
            path = path.strip("/")
            if path in files:
                answer.append(_file_entry(path, files[path]))
            elif any(p.startswith(path + "/") for p in files):
                answer.append(_folder_entry(files, path))
        self._send_json(answer)

    def resolve(self, repo: str, rev: str, path: str, kind: str = "models") -> None:
        hub_repo = self._state.repo(_REPO_TYPES[kind], repo, self._user)
        sha = self._state.commit_of(hub_repo, rev)
        stored = hub_repo.commits[sha].get(path)
        if stored is None:
            raise HubError(404, f"Entry not found: {path}", "EntryNotFound")
        content = self._state.content(stored)
        etag = f'"{stored.lfs_sha256 or stored.oid}"'
        headers = {"X-Repo-Commit": sha, "ETag": etag, "Accept-Ranges": "bytes"}
        headers["Content-Type"] = "application/octet-stream"
        if stored.lfs_sha256 is not None:
            headers |= {"X-Linked-Etag": etag, "X-Linked-Size": str(stored.size)}
        range_header = self.headers.get("Range")
        if range_header:
            start, end = _parse_range(range_header, len(content))
            headers["Content-Range"] = f"bytes {start}-{end}/{len(content)}"
            self._send(206, content[start : end + 1], headers)
        else:
            self._send(200, content, headers)


_REV = r"(?P<rev>[^/]+)"
_ROUTES: list[tuple[tuple[str, ...], str, Any]] = [
    (("POST",), r"^/api/repos/create$", _Handler.create_repo),
    (("POST",), r"^/api/validate-yaml$", _Handler.validate_yaml),
    (("POST",), rf"{_API}/preupload/{_REV}$", _Handler.preupload),
    (("POST",), rf"{_API}/commit/{_REV}$", _Handler.commit),
    (("POST",), rf"{_API}/tag/{_REV}$", _Handler.create_tag),
    (("GET",), rf"{_API}/refs$", _Handler.refs),
    (("GET",), rf"{_API}/tree/{_REV}(?:/(?P<path>.+))?$", _Handler.tree),
    (("POST",), rf"{_API}/paths-info/{_REV}$", _Handler.paths_info),
    (("GET",), rf"{_API}(?:/revision/{_REV})?$", _Handler.repo_info),
    (("POST",), rf"{_WEB}\.git/info/lfs/objects/batch$", _Handler.lfs_batch),
    (("PUT",), r"^/_lfs/(?P<oid>[0-9a-f]{64})$", _Handler.lfs_upload),
    (("POST",), r"^/_lfs/(?P<oid>[0-9a-f]{64})/verify$", _Handler.lfs_verify),
    (("GET", "HEAD"), rf"{_WEB}/resolve/{_REV}/(?P<path>.+)$", _Handler.resolve),
]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hub: HubServer


class HubServer:
    """An in-memory Hub on 127.0.0.1, serving in a background thread while the context is open."""

    def __init__(self, tokens: dict[str, str] | None = None) -> None:
        self.state = HubState(tokens if tokens is not None else {})
        self.requests: list[tuple[str, str]] = []
        self.unhandled: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.failures: list[tuple[str, str, int, str]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.hub = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="hub-server", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> HubServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()

    def fail(self, method: str, pattern: str, status: int, message: str) -> None:
        """Answer requests whose path matches `pattern` with an error; `{authorization}` in `message`
        is replaced by the request's Authorization header, as a careless server might echo it.
        `failures.clear()` heals the Hub."""
        self.failures.append((method, pattern, status, message))

    def repo(self, repo_id: str, repo_type: str = "dataset") -> Repo:
        """Return a stored repo (for assertions)."""
        return self.state.repos[(repo_type, repo_id)]

    def files(self, repo_id: str, revision: str = "main", repo_type: str = "dataset") -> dict[str, bytes]:
        """Return the content of every file of a repo at `revision`."""
        repo = self.repo(repo_id, repo_type)
        files = repo.commits[self.state.commit_of(repo, revision)]
        return {path: self.state.content(stored) for path, stored in sorted(files.items())}
