from pathlib import Path

from django.db import connection
from django.http import HttpResponse, JsonResponse

from core.models import Chip

VERSION = (Path(__file__).resolve().parent.parent.parent / "VERSION").read_text().strip()


def health(request):
    """200 with the release and the schema it sees when the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM django_migrations WHERE app = 'core' ORDER BY id DESC LIMIT 1")
        row = cursor.fetchone()
    return JsonResponse({"status": "ok", "version": VERSION, "chips": Chip.objects.count(), "schema": row[0] if row else None})


def index(request):
    return HttpResponse(f"chip_dashboard {VERSION}\n")
