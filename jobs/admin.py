"""The queue's own rows (django-tasks' task results) stay out of the admin: people follow their work
on the job pages (/jobs/), which say what each job is, its result and its error, and retry it."""
from django.contrib import admin
from django_tasks_db.models import DBTaskResult

if admin.site.is_registered(DBTaskResult):
    admin.site.unregister(DBTaskResult)
