"""remits table"""
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade():
    op.execute("CREATE TABLE remits (id serial PRIMARY KEY, claim_id integer NOT NULL, paid numeric(10,2) NOT NULL)")


def downgrade():
    op.execute("DROP TABLE remits")
