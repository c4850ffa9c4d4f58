"""Errors of corpus-kit.

    CorpusKitError            base; `exit_code` is what the CLI returns
    ├── ConfigError           bad configuration or command-line usage (exit 2)
    ├── InputError            an input path cannot be read at all (exit 2)
    ├── SchemaError           a dataset lacks required columns or has wrong types (exit 2)
    ├── ReleaseError          a release is missing, damaged, or would be overwritten (exit 2)
    ├── ValidationError       a dataset failed its expectation suite (exit 1)
    └── PublishError          pushing a release to a hub failed or was refused (exit 2)

A bad *record* is never an exception: it becomes a reject row with a reason code.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """Exit codes of the `corpus-kit` command."""

    OK = 0
    VALIDATION_FAILED = 1
    ERROR = 2


class CorpusKitError(Exception):
    """Base class of every error corpus-kit raises on purpose."""

    exit_code: ExitCode = ExitCode.ERROR


class ConfigError(CorpusKitError, ValueError):
    """The configuration or the command line is invalid."""


class InputError(CorpusKitError, OSError):
    """An input file or folder cannot be read."""


class SchemaError(CorpusKitError, ValueError):
    """A dataset does not have the columns or types corpus-kit needs."""


class ReleaseError(CorpusKitError):
    """A release is missing, damaged, or would be overwritten with different content."""


class ValidationError(CorpusKitError):
    """A dataset failed its expectation suite."""

    exit_code = ExitCode.VALIDATION_FAILED


class PublishError(CorpusKitError):
    """Publishing a release to a hub failed or was refused."""
