"""Stage 2 of the hub: the database. Every SQL statement of the pipeline lives in this package.

:class:`Store` is the one object the other stages hold: its writers are split by job (a batch of
messages, the registry, survey imports, alerts, the notification outbox; each in its own
module) and its reads are ``Store.read`` (hub/store/queries.py).
"""

from hub.store.actions import ActionWriter
from hub.store.alerts import AlertWriter
from hub.store.batch import Accepted, BatchResult, Rejection, StatusUpdate
from hub.store.batch import BatchWriter as _BatchWriter
from hub.store.engine import SchemaOutOfDate, alembic_config, head_revision, make_engine, utc
from hub.store.notify import NotifyWriter
from hub.store.registry import RegistryWriter
from hub.store.surveys import Respondent, SurveyFile, SurveyImport, SurveyWriter


class Store(_BatchWriter, SurveyWriter, RegistryWriter, AlertWriter, NotifyWriter,
            ActionWriter):
    """The hub's database: ``write_batch`` for the ingest, the registry, survey imports and
    alerts for the rest, ``read`` for every query."""


__all__ = ["Accepted", "BatchResult", "Rejection", "Respondent", "SchemaOutOfDate",
           "StatusUpdate", "Store", "SurveyFile", "SurveyImport", "alembic_config",
           "head_revision", "make_engine", "utc"]
