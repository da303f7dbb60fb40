"""index the stage changes of the audit trail

Portfolio reports read, for every project, when it entered and left each stage: the
events with a `to_stage`, a few per cent of the trail. A partial index on them turns a
scan of every event (≈ 0.7 s for 200 000 events) into a few milliseconds.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None

WHERE = sa.text("to_stage IS NOT NULL")


def upgrade() -> None:
    op.create_index("ix_events_stage_changes", "events", ["project_id", "at"],
                    sqlite_where=WHERE, postgresql_where=WHERE)


def downgrade() -> None:
    op.drop_index("ix_events_stage_changes", table_name="events")
