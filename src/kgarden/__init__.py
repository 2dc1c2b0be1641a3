"""kgarden: a knowledge garden for research literature.

    from kgarden import Garden
    with Garden.create("garden.db") as garden:
        garden.ingest(["papers.bib"])
"""

from kgarden.errors import (
    ConfigError,
    CurationError,
    DependencyError,
    EmptyInputError,
    EncodingError,
    GardenError,
    GardenNotFoundError,
    InputError,
    KgardenError,
    NotAGardenError,
    NotFoundError,
    ParseError,
    QueryError,
    SchemaVersionError,
    UnknownFormatError,
)

__version__ = "0.1.0"

# Imported after __version__: the store records it in every extraction run.
from kgarden.garden import Garden, GardenStatus
from kgarden.models import Paper, make_paper
from kgarden.pipeline.ingest import IngestReport
from kgarden.settings import Settings, load_settings
from kgarden.sources import read_file, read_files

__all__ = [
    "ConfigError",
    "CurationError",
    "DependencyError",
    "EmptyInputError",
    "EncodingError",
    "Garden",
    "GardenError",
    "GardenNotFoundError",
    "GardenStatus",
    "IngestReport",
    "InputError",
    "KgardenError",
    "NotAGardenError",
    "NotFoundError",
    "Paper",
    "ParseError",
    "QueryError",
    "SchemaVersionError",
    "Settings",
    "UnknownFormatError",
    "__version__",
    "load_settings",
    "make_paper",
    "read_file",
    "read_files",
]
