"""An officer's daily work: old slugs, journal notes, contacts, partners, deleted projects

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def _project_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('project_slugs',
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('replaced_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('slug')
    )
    op.create_index('ix_project_slugs_project_id', 'project_slugs', ['project_id'])
    op.create_table('journal_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('noted_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('participants', sa.Text(), nullable=True),
    sa.Column('next_step', sa.Text(), nullable=True),
    sa.Column('next_date', sa.Date(), nullable=True),
    sa.Column('written_by', sa.String(length=120), nullable=False),
    sa.Column('written_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_journal_notes_project_id', 'journal_notes', ['project_id'])
    op.create_table('contacts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('email', sa.String(length=200), nullable=True),
    sa.Column('phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('erased_at', sa.DateTime(timezone=True), nullable=True),
    _project_fk(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_contacts_project_id', 'contacts', ['project_id'])
    op.create_table('partners',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('state', sa.String(length=30), nullable=False),
    sa.Column('state_date', sa.Date(), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_partners_project_id', 'partners', ['project_id'])
    op.create_table('deleted_projects',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_number', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('deleted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=120), nullable=False),
    sa.Column('account_login', sa.String(length=80), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('forced', sa.Boolean(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('slug', 'deleted_at')
    )


def downgrade() -> None:
    op.drop_table('deleted_projects')
    op.drop_index('ix_partners_project_id', table_name='partners')
    op.drop_table('partners')
    op.drop_index('ix_contacts_project_id', table_name='contacts')
    op.drop_table('contacts')
    op.drop_index('ix_journal_notes_project_id', table_name='journal_notes')
    op.drop_table('journal_notes')
    op.drop_index('ix_project_slugs_project_id', table_name='project_slugs')
    op.drop_table('project_slugs')
