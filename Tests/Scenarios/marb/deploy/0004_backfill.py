"""backfill remits from claims (fails: a column that does not exist)"""
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade():
    op.execute("INSERT INTO remits (claim_id, paid) SELECT id, paid_amount FROM claims")


def downgrade():
    op.execute("DELETE FROM remits")
