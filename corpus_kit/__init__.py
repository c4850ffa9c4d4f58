"""corpus-kit: turn raw web documents into a clean, validated, versioned dataset."""

from corpus_kit.api import (
    BuildReport,
    build,
    clean,
    deduplicate,
    detect_language,
    diff,
    ingest,
    package,
    publish,
    validate,
)
from corpus_kit.config import BuildConfig, load_config
from corpus_kit.errors import (
    ConfigError,
    CorpusKitError,
    ExitCode,
    InputError,
    PublishError,
    ReleaseError,
    SchemaError,
    ValidationError,
)
from corpus_kit.schema import DOCUMENT, SCHEMA_VERSION

__all__ = [
    "DOCUMENT",
    "SCHEMA_VERSION",
    "BuildConfig",
    "BuildReport",
    "ConfigError",
    "CorpusKitError",
    "ExitCode",
    "InputError",
    "PublishError",
    "ReleaseError",
    "SchemaError",
    "ValidationError",
    "build",
    "clean",
    "deduplicate",
    "detect_language",
    "diff",
    "ingest",
    "load_config",
    "package",
    "publish",
    "validate",
]
