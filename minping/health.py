"""`/healthz`: what a load balancer and a monitor ask of one app server.

200 while this server reaches the database; 503 (with Retry-After) when it does not, so the load
balancer sends citizens elsewhere. The settling backlog is reported as a word, not a count: a live
count of pending ballots would tell a watcher the moment somebody votes.
"""
from django.conf import settings
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from surveys.models import PendingBallot


@never_cache
@require_GET
def healthz(request):
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        backlog = PendingBallot.objects.count()
    except DatabaseError:
        response = JsonResponse({"status": "down", "database": "unreachable"}, status=503)
        response["Retry-After"] = "30"
        return response
    behind = backlog > settings.MINPING_HEALTH_MAX_PENDING
    return JsonResponse({"status": "degraded" if behind else "ok", "database": "ok",
                         "settling": "behind" if behind else "ok"})
