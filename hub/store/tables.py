"""The hub's tables (SQLAlchemy Core). Alembic migrations in ``hub/store/migrations`` create them.

Rows are the truth (``responses``); the ``rollup_*`` tables are daily sums per office, counter,
officer, questionnaire, channel and question, updated in the same transaction as the rows so that
scores read from them never disagree with the rows. Ratings from kiosks have the channel
``kiosk``; respondents of an imported survey (``survey_imports``) carry its channel.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)

metadata = MetaData()

# A missing officer is stored as "" so it can be part of a primary key.
NO_OFFICER = ""
# The channel of every rating that came from a kiosk; imported surveys name their own.
KIOSK_CHANNEL = "kiosk"
# The hub's own mobile questionnaire (docs/web-channel.md): a signed link bound to a dossier,
# or a counter poster bound to none.
WEB_CHANNEL = "web"
POSTER_CHANNEL = "web-poster"
WEB_CHANNELS = (WEB_CHANNEL, POSTER_CHANNEL)
# The stage key of a rollup cell whose responses do not say which moment of the dossier they
# rate (kiosks before stages, surveys): "" rather than NULL, as it is part of a primary key.
NO_STAGE = ""

offices = Table(
    "offices", metadata,
    Column("id", String(63), primary_key=True),
    Column("name", Text, nullable=False, default=""),
    Column("province", String(63), nullable=False, default=""),
    Column("timezone", String(64), nullable=False, default=""),
    Column("kind", String(16), nullable=False, default="admin"),
    Column("registered", Boolean, nullable=False, default=False),
    Column("first_seen", DateTime(timezone=True)),
    Column("gating", Boolean, nullable=False, default=False, server_default=false()),
)

counters = Table(
    "counters", metadata,
    Column("office", String(63), primary_key=True),
    Column("label", String(64), primary_key=True),
    Column("name", Text, nullable=False, default=""),
    Column("registered", Boolean, nullable=False, default=True),
)

officers = Table(
    "officers", metadata,
    Column("office", String(63), primary_key=True),
    Column("code", String(64), primary_key=True),
    Column("name", Text, nullable=False, default=""),
    Column("registered", Boolean, nullable=False, default=True),
)

kiosks = Table(
    "kiosks", metadata,
    Column("office", String(63), primary_key=True),
    Column("kiosk", String(63), primary_key=True),
    Column("registered", Boolean, nullable=False, default=False),
    Column("counter", String(64), nullable=False, default=""),
    Column("max_seq", Integer, nullable=False, default=0),
    Column("received", Integer, nullable=False, default=0),
    Column("first_seen", DateTime(timezone=True)),
    Column("last_seen", DateTime(timezone=True)),
    Column("state", String(8), nullable=False, default="unknown"),
    Column("state_since", DateTime(timezone=True)),
    Column("version", String(64), nullable=False, default=""),
    Column("questionnaire", String(100), nullable=False, default=""),
    Column("outbox", Integer, nullable=False, default=0),
    Column("outbox_oldest", DateTime(timezone=True)),
    Column("scanner", String(8), nullable=False, default=""),
    Column("clock_skew", Float),
    Column("config_version", String(64)),
    Column("config_state", String(16)),
    Column("config_error", Text),
    # The last seq the kiosk says it created (its status): what it has not delivered yet.
    Column("status_seq", Integer),
    Column("rejected", Integer, nullable=False, default=0, server_default="0"),
    # The kiosk's outbox cannot store ratings ("full" disk, or another "error"), so it has
    # paused taking them; null while storing works (the status's optional ``storage``).
    Column("storage", String(8)),
)

# Ranges of seqs below a kiosk's max_seq that have not arrived (see hub/store/seqgaps.py).
kiosk_gaps = Table(
    "kiosk_gaps", metadata,
    Column("office", String(63), primary_key=True),
    Column("kiosk", String(63), primary_key=True),
    Column("first", Integer, primary_key=True),
    Column("last", Integer, nullable=False),
)

responses = Table(
    "responses", metadata,
    Column("id", String(36), primary_key=True),
    Column("office", String(63), nullable=False),
    Column("kiosk", String(63), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("counter", String(64), nullable=False),
    Column("officer", String(64), nullable=False, default=NO_OFFICER),
    Column("trigger", String(8), nullable=False),
    Column("questionnaire", String(100), nullable=False),
    Column("lang", String(2), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("submitted_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    # The office-local day the response counts under (see docs/protocol.md on clock skew).
    Column("day", Date, nullable=False),
    Column("complete", Boolean, nullable=False),
    # Keyed hash only: the key lives on the kiosks, so the hub cannot recover the dossier code.
    Column("receipt_h", String(64)),
    Column("receipt_unit", String(64)),
    Column("receipt_date", Date),
    Column("answers", Text, nullable=False),
    # SHA-256 of the payload as received: the same id with other content is a conflict.
    Column("digest", String(64), nullable=False),
    Column("flags", String(200), nullable=False, default=""),
    Column("channel", String(16), nullable=False, default=KIOSK_CHANNEL,
           server_default=KIOSK_CHANNEL),
    # The moment of the dossier rated ("receive" or "result"), NULL when the response says none.
    Column("stage", String(8)),
    # Imported survey respondents: their import (for undo) and the survey's own reference.
    Column("import_id", Integer),
    Column("respondent", String(64)),
    Index("ix_responses_office_day", "office", "day"),
    Index("ix_responses_kiosk_seq", "office", "kiosk", "seq"),
    # A dossier rated already (the web channel's "one rating per dossier and stage"; 0800).
    Index("ix_responses_receipt", "receipt_h", sqlite_where=text("receipt_h IS NOT NULL"),
          postgresql_where=text("receipt_h IS NOT NULL")),
    # Partial: kiosk responses (nearly every row) have no import and cost the index nothing.
    Index("ix_responses_import", "import_id", sqlite_where=text("import_id IS NOT NULL"),
          postgresql_where=text("import_id IS NOT NULL")),
)


def _cell_columns() -> list[Column[object]]:
    return [
        Column("office", String(63), primary_key=True),
        Column("day", Date, primary_key=True),
        Column("counter", String(64), primary_key=True),
        Column("officer", String(64), primary_key=True),
        Column("questionnaire", String(100), primary_key=True),
        Column("channel", String(16), primary_key=True, default=KIOSK_CHANNEL,
               server_default=KIOSK_CHANNEL),
        Column("stage", String(8), primary_key=True, default=NO_STAGE, server_default=NO_STAGE),
    ]


rollup_responses = Table(
    "rollup_responses", metadata, *_cell_columns(),
    Column("n", Integer, nullable=False, default=0),
    Column("complete", Integer, nullable=False, default=0),
    # Responses of the cell carrying each credibility flag (see hub/ingest/ingest.py).
    Column("skewed", Integer, nullable=False, default=0, server_default="0"),
    Column("ungated", Integer, nullable=False, default=0, server_default="0"),
    Column("unknown", Integer, nullable=False, default=0, server_default="0"),
)

rollup_ratings = Table(
    "rollup_ratings", metadata, *_cell_columns(),
    Column("question", String(63), primary_key=True),
    Column("n", Integer, nullable=False, default=0),
    Column("total", Integer, nullable=False, default=0),
    Column("d1", Integer, nullable=False, default=0),
    Column("d2", Integer, nullable=False, default=0),
    Column("d3", Integer, nullable=False, default=0),
    Column("d4", Integer, nullable=False, default=0),
    Column("d5", Integer, nullable=False, default=0),
)

rollup_choices = Table(
    "rollup_choices", metadata, *_cell_columns(),
    Column("question", String(63), primary_key=True),
    Column("choice", String(63), primary_key=True),
    Column("n", Integer, nullable=False, default=0),
)

rejected = Table(
    "rejected", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False, index=True),
    Column("topic", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("truncated", Boolean, nullable=False, default=False),
    Column("response_id", String(64)),
)

alerts = Table(
    "alerts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office", String(63), nullable=False),
    Column("counter", String(64), nullable=False),
    Column("question", String(63), nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("window_from", DateTime(timezone=True), nullable=False),
    Column("window_to", DateTime(timezone=True), nullable=False),
    Column("n", Integer, nullable=False),
    Column("low", Integer, nullable=False),
    Column("closed_at", DateTime(timezone=True)),
    Column("note", Text, nullable=False, default=""),
    # When it was first acknowledged (revision 0600); who and why is in alert_events.
    Column("acked_at", DateTime(timezone=True)),
    Index("ix_alerts_office_opened", "office", "opened_at"),
    # One open alert per counter: a second worker (or a repeat) cannot open another.
    Index("ux_alerts_open", "office", "counter", unique=True,
          sqlite_where=text("closed_at IS NULL"), postgresql_where=text("closed_at IS NULL")),
)

# Who acknowledged or closed an alert, when, with what note (revision 0600): the alert's history.
alert_events = Table(
    "alert_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("office", String(63), nullable=False),
    Column("action", String(8), nullable=False),  # ack or close
    Column("actor", String(64), nullable=False),  # the user's (or token's) name
    Column("actor_kind", String(8), nullable=False),  # user or token
    Column("note", Text, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("ix_alert_events_alert", "alert_id", "at"),
)

# Notifications of opened alerts waiting to go out, sent, folded or given up (revision 0600):
# written in the alert's own transaction, sent by hub/notify/sender.py; one row per alert,
# channel and recipient, so nothing is queued twice.
notify_outbox = Table(
    "notify_outbox", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("alert_id", Integer, nullable=False),
    Column("office", String(63), nullable=False),
    Column("kind", String(63), nullable=False),  # the alert's kind: the question it watches
    Column("channel", String(8), nullable=False),  # email or webhook
    Column("recipient", Text, nullable=False),  # an e-mail address, or the webhook's URL
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),  # the mail's text, or the webhook's JSON
    Column("state", String(8), nullable=False),  # pending, sent, failed or folded
    Column("attempts", Integer, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", Text, nullable=False),
    UniqueConstraint("alert_id", "channel", "recipient", name="ux_notify_once"),
    Index("ix_notify_due", "state", "next_at"),
    Index("ix_notify_office_kind", "office", "kind", "created_at"),
)

# Dossiers received per office and day (CSV import or API): the response rate's denominator.
dossier_counts = Table(
    "dossier_counts", metadata,
    Column("office", String(63), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("count", Integer, nullable=False),
)

# Integrity answers (docs/protocol.md): counts per office, day and channel only, never tied to a
# response, a receipt, a counter, an officer or a time of day.
integrity_counts = Table(
    "integrity_counts", metadata,
    Column("office", String(63), primary_key=True),
    Column("day", Date, primary_key=True),
    Column("channel", String(16), primary_key=True),
    Column("question", String(63), primary_key=True),
    Column("answer", String(63), primary_key=True),
    Column("n", Integer, nullable=False),
)

# One imported survey file (paper, phone, postal, web …): who, when, what; undone ones are kept.
survey_imports = Table(
    "survey_imports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # SHA-256 of the file: the same file is imported once (until that import is undone).
    Column("digest", String(64), nullable=False),
    Column("file_name", Text, nullable=False),
    Column("channels", Text, nullable=False),
    Column("offices", Text, nullable=False),
    Column("rows", Integer, nullable=False),
    Column("first_day", Date, nullable=False),
    Column("last_day", Date, nullable=False),
    Column("imported_by", String(64), nullable=False),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("undone_by", String(64)),
    Column("undone_at", DateTime(timezone=True)),
    Index("ux_survey_imports_digest", "digest", unique=True,
          sqlite_where=text("undone_at IS NULL"), postgresql_where=text("undone_at IS NULL")),
)

# An office's plan of actions (docs/dashboard.md): a problem (a reason, a factor or an alert),
# the measure taken, who answers for it (free text), when, and how it ended. ``done_at`` is when
# it was marked done: the month the public page and the kiosks tell citizens about.
actions = Table(
    "actions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("office", String(63), nullable=False),
    Column("problem_kind", String(8), nullable=False),
    Column("problem_ref", String(63), nullable=False),
    Column("problem", Text, nullable=False),
    Column("measure", Text, nullable=False),
    Column("responsible", Text, nullable=False),
    Column("due", Date, nullable=False),
    Column("status", String(12), nullable=False),
    Column("result", Text, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("created_by", String(64), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("updated_by", String(64), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    Index("ix_actions_office_due", "office", "due"),
)
