"""claims.denial_reason"""
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade():
    op.execute("ALTER TABLE claims ADD COLUMN denial_reason text")


def downgrade():
    op.execute("ALTER TABLE claims DROP COLUMN denial_reason")
