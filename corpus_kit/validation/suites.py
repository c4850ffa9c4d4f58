"""Load expectation suites from JSON and turn them into Great Expectations suites, loudly.

A suite file is GX's suite JSON (`name`, `expectations: [{type, kwargs, meta}]`) with every parameter
written out. An expectation's `meta.parameters` maps a kwarg to a run parameter the caller may pass
(`{"allowed_languages": "langid.languages"}`): the value in the file is used unless the caller
passes that parameter. The build passes `params_from_config(cfg)`, so a release is checked with the
thresholds it was built with. Loading fails when a type is unknown, a kwarg is unknown or was not kept by
GX, or GX built a different number of expectations than the file lists.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from corpus_kit.config import BuildConfig
from corpus_kit.errors import ConfigError

logger = logging.getLogger(__name__)

#: Suite names resolve to `expectations/<name>.json` in the working directory, then to the copy
#: shipped in the package (kept identical to the repository's `expectations/` by a test).
SUITE_DIR = Path("expectations")
PACKAGED_SUITES = "suite_files"  # folder inside corpus_kit/validation/


@dataclass(frozen=True)
class Suite:
    """A suite as read from its file, with run parameters applied."""

    name: str
    path: str
    expectations: tuple[dict[str, Any], ...]


def _packaged():
    return resources.files("corpus_kit.validation") / PACKAGED_SUITES


def resolve_suite(suite: str | Path) -> Path:
    """Return the file of `suite`: a path to a JSON file, or a name found in `expectations/`."""
    candidate = Path(suite)
    if candidate.suffix == ".json" or candidate.parent != Path("."):
        if not candidate.is_file():
            raise ConfigError(f"suite file {candidate} not found")
        return candidate
    local = SUITE_DIR / f"{suite}.json"
    if local.is_file():
        return local
    packaged = _packaged() / f"{suite}.json"
    if packaged.is_file():
        return Path(str(packaged))
    known = sorted(p.name.removesuffix(".json") for p in _packaged().iterdir())
    close = difflib.get_close_matches(str(suite), known, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else f"; known suites: {', '.join(known)}"
    raise ConfigError(f"suite {str(suite)!r} not found in {SUITE_DIR}/ or the packaged suites{hint}")


def load_suite(suite: str | Path, params: Mapping[str, Any] | None = None) -> Suite:
    """Read a suite file and apply the run `params` its expectations declare in `meta.parameters`."""
    path = resolve_suite(suite)
    params = _short_names(params or {})
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ConfigError(f"{path}: cannot read suite JSON: {err}") from err
    if not isinstance(data, dict) or not isinstance(data.get("expectations"), list) or not data.get("name"):
        raise ConfigError(f"{path}: a suite is an object with 'name' and an 'expectations' list")
    expectations = []
    declared: set[str] = set()
    for index, entry in enumerate(data["expectations"]):
        where = f"{path}: expectations[{index}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise ConfigError(f"{where}: expected an object with a 'type'")
        kwargs = entry.get("kwargs")
        if not isinstance(kwargs, dict):
            raise ConfigError(f"{where} ({entry['type']}): 'kwargs' must be an object")
        meta = copy.deepcopy(entry.get("meta") or {})
        kwargs = copy.deepcopy(kwargs)
        for kwarg, name in (meta.get("parameters") or {}).items():
            declared.add(name)
            if kwarg not in kwargs:
                raise ConfigError(f"{where}: meta.parameters names {kwarg!r}, which is not in kwargs")
            if name in params:
                value = params[name]
                kwargs[kwarg] = list(value) if isinstance(value, tuple) else value
        expectations.append({"type": entry["type"], "kwargs": kwargs, "meta": meta})
    _check_param_names(params, declared, path)
    return Suite(name=str(data["name"]), path=str(path), expectations=tuple(expectations))


#: Short parameter names accepted for the dotted ones.
SHORT_NAMES = {"languages": "langid.languages"}


def _short_names(params: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(params)
    for short, full in SHORT_NAMES.items():
        if short in out:
            if full in out:
                raise ConfigError(f"validation parameters {short!r} and {full!r} are the same; pass one")
            out[full] = out.pop(short)
    return out


def _check_param_names(params: Mapping[str, Any], declared: set[str], path: Path) -> None:
    """Refuse a parameter neither the suite nor a build config knows: a typo would be ignored."""
    known = declared | set(params_from_config(BuildConfig()))
    for name in sorted(set(params) - known):
        close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.5)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ConfigError(f"unknown validation parameter {name!r} for suite {path}{hint}")


def params_from_config(cfg: BuildConfig) -> dict[str, Any]:
    """Return the run parameters of a build: every `boilerplate.*`, `dedup.*` and `langid.*` setting."""
    params: dict[str, Any] = {}
    for section in ("boilerplate", "dedup", "langid"):
        for key, value in dataclasses.asdict(getattr(cfg, section)).items():
            params[f"{section}.{key}"] = list(value) if isinstance(value, tuple) else value
    return params


def build_gx_suite(suite: Suite):
    """Return the `great_expectations` suite of `suite`, checking GX kept every expectation and kwarg."""
    import great_expectations.exceptions as gx_exceptions
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.expectations.registry import _registered_expectations

    from corpus_kit.validation import expectations as custom  # registers the custom types

    built = []
    for index, entry in enumerate(suite.expectations):
        where = f"{suite.path}: expectations[{index}] ({entry['type']})"
        cls = _registered_expectations.get(entry["type"])
        if cls is None:
            close = difflib.get_close_matches(
                entry["type"], [*custom.CUSTOM_TYPES, *_registered_expectations], n=1
            )
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise ConfigError(f"{where}: unknown expectation type{hint}")
        unknown = sorted(set(entry["kwargs"]) - set(cls.__fields__))
        if unknown:
            raise ConfigError(f"{where}: unknown parameters {unknown}; known: {sorted(cls.__fields__)}")
        # Required fields and every key that decides success: GX would otherwise fill in defaults.
        needed = {k for k, f in cls.__fields__.items() if f.required} | set(cls.success_keys)
        missing = sorted(needed - set(entry["kwargs"]))
        if missing:
            raise ConfigError(f"{where}: missing parameters {missing}; write every parameter in the file")
        try:
            expectation = cls(**entry["kwargs"], meta=entry["meta"] or None)
        except (gx_exceptions.GreatExpectationsError, ValueError, TypeError) as err:
            message = " ".join(str(err).split())
            raise ConfigError(f"{where}: invalid parameters: {message}") from err
        for key, value in entry["kwargs"].items():
            if getattr(expectation, key) != value:
                raise ConfigError(f"{where}: GX changed {key}={value!r} to {getattr(expectation, key)!r}")
        built.append(expectation)
    gx_suite = ExpectationSuite(name=suite.name, expectations=built)
    for index, expectation in enumerate(gx_suite.expectations):
        expectation.id = f"{index:04d}"  # ties GX's results (in its own order) back to the file's order
    if len(gx_suite.expectations) != len(suite.expectations):
        raise ConfigError(
            f"{suite.path}: GX built {len(gx_suite.expectations)} expectations, "
            f"the file lists {len(suite.expectations)}"
        )
    return gx_suite
