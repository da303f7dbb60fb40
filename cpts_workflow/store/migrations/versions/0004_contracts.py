"""ACI contracts after signature: amounts, payments received, indicators, spending

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def _project_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(['project_id'], ['projects.id'], ondelete='CASCADE')


def upgrade() -> None:
    op.create_table('aci_contracts',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('signed_on', sa.Date(), nullable=False),
    sa.Column('years', sa.Integer(), nullable=False),
    sa.Column('taille', sa.Integer(), nullable=False),
    sa.Column('grid_id', sa.String(length=60), nullable=False),
    sa.Column('operating_cents', sa.BigInteger(), nullable=True),
    sa.Column('operating_status', sa.String(length=20), nullable=False),
    sa.Column('operating_yearly', sa.Boolean(), nullable=False),
    sa.Column('caps', sa.JSON(), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('project_id')
    )
    op.create_table('aci_contract_amounts',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('mission', sa.String(length=40), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('fixed_cents', sa.BigInteger(), nullable=True),
    sa.Column('variable_cents', sa.BigInteger(), nullable=True),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('source', sa.Text(), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('project_id', 'mission', 'year')
    )
    op.create_table('aci_payments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('line_key', sa.String(length=80), nullable=False),
    sa.Column('received_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_aci_payments_project_id', 'aci_payments', ['project_id'])
    op.create_table('aci_indicators',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('mission', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('target', sa.String(length=40), nullable=False),
    sa.Column('rule', sa.String(length=20), nullable=False),
    sa.Column('threshold_percent', sa.Integer(), nullable=True),
    sa.Column('weight_percent', sa.Integer(), nullable=True),
    sa.Column('updated_by', sa.String(length=120), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('project_id', 'mission', 'code')
    )
    op.create_table('aci_indicator_values',
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('mission', sa.String(length=40), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('value', sa.String(length=40), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.Column('evidence', sa.JSON(), nullable=True),
    sa.Column('entered_by', sa.String(length=120), nullable=False),
    sa.Column('entered_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('project_id', 'mission', 'code', 'year')
    )
    op.create_table('aci_spending',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('project_id', sa.Integer(), nullable=False),
    sa.Column('envelope', sa.String(length=40), nullable=False),
    sa.Column('category', sa.String(length=30), nullable=False),
    sa.Column('spent_on', sa.Date(), nullable=False),
    sa.Column('amount_cents', sa.BigInteger(), nullable=False),
    sa.Column('professional', sa.String(length=200), nullable=True),
    sa.Column('label', sa.Text(), nullable=True),
    sa.Column('recorded_by', sa.String(length=120), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    _project_fk(),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_aci_spending_project_id', 'aci_spending', ['project_id'])


def downgrade() -> None:
    op.drop_index('ix_aci_spending_project_id', table_name='aci_spending')
    op.drop_table('aci_spending')
    op.drop_table('aci_indicator_values')
    op.drop_table('aci_indicators')
    op.drop_index('ix_aci_payments_project_id', table_name='aci_payments')
    op.drop_table('aci_payments')
    op.drop_table('aci_contract_amounts')
    op.drop_table('aci_contracts')
