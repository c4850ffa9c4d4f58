"""Suite files: loaded completely or refused loudly; run parameters; the packaged copies."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from corpus_kit.config import BoilerplateConfig, DedupConfig, LangidConfig, config_from_dict
from corpus_kit.errors import ConfigError
from corpus_kit.validation.suites import build_gx_suite, load_suite, params_from_config, resolve_suite

ROOT = Path(__file__).resolve().parents[2]
PACKAGED = ROOT / "corpus_kit" / "validation" / "suite_files"


def _write_suite(path: Path, expectations: list[dict]) -> Path:
    path.write_text(json.dumps({"name": "custom", "expectations": expectations}), encoding="utf-8")
    return path


def test_packaged_suites_are_identical_to_repository_suites() -> None:
    repo = sorted(p.name for p in (ROOT / "expectations").glob("*.json"))
    assert repo == ["corpus.json", "release.json"]
    assert sorted(p.name for p in PACKAGED.glob("*.json")) == repo
    for name in repo:
        assert (PACKAGED / name).read_bytes() == (ROOT / "expectations" / name).read_bytes(), name


@pytest.mark.parametrize(("name", "count"), [("corpus", 12), ("release", 14)])
def test_shipped_suites_build_every_expectation(name: str, count: int) -> None:
    suite = load_suite(name)
    gx_suite = build_gx_suite(suite)
    file = json.loads((ROOT / "expectations" / f"{name}.json").read_text(encoding="utf-8"))
    assert len(file["expectations"]) == len(suite.expectations) == len(gx_suite.expectations) == count
    # Every kwarg written in the file is what GX holds, defaults included.
    for entry, expectation in zip(file["expectations"], gx_suite.expectations, strict=True):
        assert expectation.expectation_type == entry["type"]
        for key, value in entry["kwargs"].items():
            assert getattr(expectation, key) == value, (entry["type"], key)


def test_unknown_expectation_type_fails_loudly(tmp_path: Path) -> None:
    path = _write_suite(
        tmp_path / "s.json",
        [
            {"type": "expect_column_to_exist", "kwargs": {"column": "id", "column_index": None}, "meta": {}},
            {
                "type": "expect_column_values_to_have_no_boilerplate_line",
                "kwargs": {"column": "text"},
                "meta": {},
            },
        ],
    )
    with pytest.raises(ConfigError) as err:
        build_gx_suite(load_suite(path))
    assert str(err.value) == (
        f"{path}: expectations[1] (expect_column_values_to_have_no_boilerplate_line): "
        "unknown expectation type; did you mean 'expect_column_values_to_have_no_boilerplate_lines'?"
    )


def test_unknown_parameter_fails_loudly(tmp_path: Path) -> None:
    path = _write_suite(
        tmp_path / "s.json",
        [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "id", "mostly": 1.0, "mosty": 1},
            }
        ],
    )
    with pytest.raises(
        ConfigError,
        match=r"expectations\[0\] \(expect_column_values_to_not_be_null\): unknown parameters \['mosty'\]",
    ):
        build_gx_suite(load_suite(path))


def test_missing_required_parameter_fails(tmp_path: Path) -> None:
    path = _write_suite(
        tmp_path / "s.json", [{"type": "expect_column_values_to_match_regex", "kwargs": {"column": "text"}}]
    )
    with pytest.raises(
        ConfigError, match=r"match_regex\): missing parameters \['mostly', 'regex'\]; write every"
    ):
        build_gx_suite(load_suite(path))


def test_run_parameters_replace_declared_values_only() -> None:
    suite = load_suite("release", {"langid.languages": ("de", "fr"), "min_chars": 50, "dedup.exact": False})
    by_type = {e["type"]: e["kwargs"] for e in suite.expectations}
    assert by_type["expect_column_values_to_be_in_languages"]["allowed_languages"] == ["de", "fr"]
    assert by_type["expect_column_values_to_be_in_languages"]["mostly"] == 0.95
    assert by_type["expect_column_value_lengths_to_be_between"]["min_value"] == 50
    assert by_type["expect_column_value_lengths_to_be_between"]["max_value"] == 1000000
    assert load_suite("release").expectations[0] == suite.expectations[0]


def test_build_config_reaches_the_stage_expectations() -> None:
    cfg = config_from_dict({"langid": {"languages": ["de"], "min_prob": 0.7}, "dedup": {"threshold": 0.8}})
    params = params_from_config(cfg)
    assert params["langid.languages"] == ["de"]
    by_type = {e["type"]: e["kwargs"] for e in load_suite("release", params).expectations}
    assert by_type["expect_column_values_to_be_in_languages"]["allowed_languages"] == ["de"]
    assert by_type["expect_column_values_to_be_in_languages"]["min_prob"] == 0.7
    assert by_type["expect_column_values_to_not_be_near_duplicates"]["threshold"] == 0.8
    assert by_type["expect_column_pair_values_to_not_leak_across_splits"]["threshold"] == 0.8
    # `languages` is the short name of `langid.languages`; a misspelt name is refused.
    assert load_suite("release", {"languages": ["de"]}) == load_suite("release", {"langid.languages": ["de"]})
    with pytest.raises(ConfigError, match=r"parameter 'langid.language' .*did you mean 'langid.languages'"):
        load_suite("release", {"langid.language": ["de"]})
    # Validation's own choices stay: a template line is on 5 % of the whole dataset.
    assert by_type["expect_column_values_to_have_no_boilerplate_lines"]["template_min_share"] == 0.05


def test_parameter_must_name_a_kwarg(tmp_path: Path) -> None:
    path = _write_suite(
        tmp_path / "s.json",
        [
            {
                "type": "expect_column_values_to_not_be_null",
                "kwargs": {"column": "id", "mostly": 1.0},
                "meta": {"parameters": {"most": "share"}},
            }
        ],
    )
    with pytest.raises(ConfigError, match=r"meta.parameters names 'most', which is not in kwargs"):
        load_suite(path)


def test_suite_names_resolve_in_working_directory_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_suite("corpus") == PACKAGED / "corpus.json"
    (tmp_path / "expectations").mkdir()
    local = _write_suite(tmp_path / "expectations" / "corpus.json", [])
    assert resolve_suite("corpus").resolve() == local
    with pytest.raises(ConfigError, match=r"suite 'relase' not found .*; did you mean 'release'\?"):
        resolve_suite("relase")
    with pytest.raises(ConfigError, match=r"suite file nothere.json not found"):
        resolve_suite("nothere.json")


@pytest.mark.parametrize(
    ("expectation_type", "config", "left_out"),
    [
        ("expect_column_values_to_have_no_boilerplate_lines", BoilerplateConfig, {"enabled"}),
        ("expect_column_values_to_not_be_near_duplicates", DedupConfig, {"exact", "near"}),
        ("expect_column_pair_values_to_not_leak_across_splits", DedupConfig, {"exact", "near"}),
        ("expect_column_values_to_be_in_languages", LangidConfig, {"languages", "mix_min_chars"}),
    ],
)
def test_stage_expectations_write_every_config_field(
    expectation_type: str, config: type, left_out: set[str]
) -> None:
    """A new stage config field must be added to the suites, or the validator silently uses its default."""
    kwargs = next(e["kwargs"] for e in load_suite("release").expectations if e["type"] == expectation_type)
    fields = {f.name for f in dataclasses.fields(config)}
    assert fields - left_out <= set(kwargs)
