"""claims (the table the app was created with)"""
from alembic import op

revision = "0001"
down_revision = None


def upgrade():
    op.execute("""CREATE TABLE IF NOT EXISTS claims (
        id serial PRIMARY KEY, claim_number text NOT NULL UNIQUE, payer text NOT NULL,
        amount numeric(10,2) NOT NULL, status text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())""")


def downgrade():
    op.execute("DROP TABLE claims")
