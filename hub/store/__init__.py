"""Stage 2 of the hub: the database. Every SQL statement of the pipeline lives in this package."""

from hub.store.batch import (
    Accepted,
    BatchResult,
    Rejection,
    SchemaOutOfDate,
    StatusUpdate,
    Store,
    SurveyImport,
    alembic_config,
    head_revision,
    make_engine,
    utc,
)

__all__ = ["Accepted", "BatchResult", "Rejection", "SchemaOutOfDate", "StatusUpdate", "Store",
           "SurveyImport", "alembic_config", "head_revision", "make_engine", "utc"]
