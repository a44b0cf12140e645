#!/bin/bash
# Builds the chip scenario's "origin": a bare git repository with the release tags the deploy tests use, from
# app/ (v1.0.0) and the changes below. Runs inside the sandbox (populate.sh), as the app's user.
#
#   make-origin.sh BARE_DIR
#
#   v1.0.0  the app, migration core.0001
#   v1.0.1  only VERSION changes: a no-op deploy (same requirements, no migrations)
#   v1.1.0  migration core.0002 (Chip.price)
#   v1.2.0  (from v1.1.0) migration core.0003 (Chip.note) and a /health that answers 500: a bad release
#   v1.3.0  (from v1.1.0) migration core.0003 (Tag table) that succeeds, then core.0004 that fails: a migration
#           failing halfway
#   v1.4.0  (from v1.1.0) deploy/nginx.conf (the nginx site, linked from sites-enabled) adds a header
#   v1.5.0  (from v1.1.0) deploy/nginx.conf with a syntax error: nginx -t fails
#   v1.6.0  (from v1.1.0) migration core.0003 drops Chip.price, which 1.1.0 reads: the release declares its migrations
#           incompatible (.steward/incompatible-migrations), so blue-green falls back to stop-migrate-start
#   main    v1.1.0 plus one untagged commit
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bare=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

git init -q --bare "$bare"
git -C "$bare" symbolic-ref HEAD refs/heads/main
cp -a "$here/app/." "$work/"
cd "$work"
git init -q -b main
git config user.name "Chip Dev"
git config user.email "dev@chip.example"
commit() { git add -A && git commit -q -m "$1" && { [[ -z ${2:-} ]] || git tag -a "$2" -m "release $2"; }; }
version() { echo "$1" >VERSION; }
commit "chip_dashboard 1.0.0" v1.0.0

version 1.0.1
commit "1.0.1: wording" v1.0.1

version 1.1.0
cat >chip_dashboard/core/models.py <<'PY'
from django.db import models


class Chip(models.Model):
    name = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    price = models.IntegerField(default=0)
PY
cat >chip_dashboard/core/migrations/0002_chip_price.py <<'PY'
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.AddField(model_name="chip", name="price", field=models.IntegerField(default=0))]
PY
commit "1.1.0: chip prices" v1.1.0

# v1.2.0: a new column, and a health endpoint that fails.
git checkout -q -b bad v1.1.0
version 1.2.0
cat >chip_dashboard/core/migrations/0003_chip_note.py <<'PY'
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0002_chip_price")]
    operations = [migrations.AddField(model_name="chip", name="note", field=models.TextField(default=""))]
PY
sed -i 's/    price = models.IntegerField(default=0)/    price = models.IntegerField(default=0)\n    note = models.TextField(default="")/' chip_dashboard/core/models.py
sed -i 's/^def health(request):/def health(request):\n    return JsonResponse({"status": "broken", "version": VERSION, "error": "KeyError: PRICING_URL"}, status=500)\n\n\ndef _health(request):/' chip_dashboard/core/views.py
commit "1.2.0: pricing service (broken)" v1.2.0

# v1.3.0: one migration that works, then one that fails.
git checkout -q -b failmig v1.1.0
version 1.3.0
cat >chip_dashboard/core/migrations/0003_tag.py <<'PY'
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("core", "0002_chip_price")]
    operations = [
        migrations.CreateModel(
            name="Tag",
            fields=[("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                    ("label", models.CharField(max_length=50))],
        ),
    ]
PY
cat >chip_dashboard/core/migrations/0004_backfill.py <<'PY'
from django.db import migrations


def backfill(apps, schema_editor):
    raise ValueError("Related model 'core.customuser' cannot be resolved")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_tag")]
    operations = [migrations.RunPython(backfill)]
PY
cat >>chip_dashboard/core/models.py <<'PY'


class Tag(models.Model):
    label = models.CharField(max_length=50)
PY
commit "1.3.0: tags" v1.3.0

# v1.4.0: the nginx site (deploy/nginx.conf) adds a header; v1.5.0: a broken nginx site.
git checkout -q -b nginx v1.1.0
version 1.4.0
sed -i 's|        proxy_pass http://127.0.0.1:8001;|        proxy_pass http://127.0.0.1:8001;\n        add_header X-Chip-Release 1.4.0 always;|' deploy/nginx.conf
commit "1.4.0: release header" v1.4.0
git checkout -q -b nginx-broken v1.1.0
version 1.5.0
sed -i 's|        proxy_pass http://127.0.0.1:8001;|        proxy_pass http://127.0.0.1:8001\n        add_header X-Chip-Release 1.5.0 always;|' deploy/nginx.conf
commit "1.5.0: release header (missing semicolon)" v1.5.0

# v1.6.0: a contract migration the running release cannot run on, declared as such.
git checkout -q -b contract v1.1.0
version 1.6.0
sed -i '/price = models.IntegerField(default=0)/d' chip_dashboard/core/models.py
cat >chip_dashboard/core/migrations/0003_remove_chip_price.py <<'PY'
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("core", "0002_chip_price")]
    operations = [migrations.RemoveField(model_name="chip", name="price")]
PY
mkdir -p .steward
echo "0003 drops chip.price, which 1.1.0 reads" >.steward/incompatible-migrations
commit "1.6.0: prices go (contract)" v1.6.0

git checkout -q main
echo "# work in progress" >>chip_dashboard/core/views.py
commit "wip on main"
git push -q --tags "$bare" main
