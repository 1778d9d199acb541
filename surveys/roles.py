"""The two staff roles, as Django groups, and who counts as what."""
from django.core.exceptions import PermissionDenied

# Group names are stable identifiers (stored in the database).
EVALUATION_STAFF = "evaluation_staff"
UNIT_CONTACTS = "unit_contacts"

# Evaluation staff do all campaign work; ballots and audit events they may only view. Reference data
# goes in and out of django-import-export's screens only with the "import"/"export" permissions
# (settings.IMPORT_EXPORT_*_PERMISSION_CODE), which only this role holds.
STAFF_MODEL_PERMISSIONS = {
    "region": ("add", "change", "delete", "view", "import", "export"),
    "unit": ("add", "change", "delete", "view", "import", "export"),
    "unitcontact": ("add", "change", "delete", "view"),
    "questionnaire": ("add", "change", "delete", "view"),
    "question": ("add", "change", "delete", "view"),
    "option": ("add", "change", "delete", "view"),
    "campaign": ("add", "change", "delete", "view"),
    "evaluatorgroup": ("add", "change", "delete", "view"),
    "censusmargin": ("add", "change", "delete", "view", "import", "export"),
    "rosterentry": ("add", "change", "delete", "view", "import", "export"),
    "paperimport": ("add", "view"),
    "invitation": ("view",),
    "ballot": ("view",),
    "answer": ("view",),
    "auditevent": ("view",),
}
# Unit contacts need no admin at all: their results pages check UnitContact rows, not permissions.
# A contact who is given `is_staff` by mistake therefore finds nothing to see or change there.
CONTACT_MODEL_PERMISSIONS: dict[str, tuple[str, ...]] = {}


def is_evaluation_staff(user) -> bool:
    return user.is_active and (user.is_superuser or user.groups.filter(name=EVALUATION_STAFF).exists())


def require_evaluation_staff(user) -> None:
    """The gate of every staff page outside the admin (results, publishing, jobs): 403 for anyone else."""
    if not is_evaluation_staff(user):
        raise PermissionDenied


def ensure_roles():
    """Create or update the role groups with their permissions (idempotent)."""
    from django.contrib.auth.models import Group, Permission

    for role, model_perms in ((EVALUATION_STAFF, STAFF_MODEL_PERMISSIONS), (UNIT_CONTACTS, CONTACT_MODEL_PERMISSIONS)):
        group, _created = Group.objects.get_or_create(name=role)
        codenames = [f"{action}_{model}" for model, actions in model_perms.items() for action in actions]
        perms = Permission.objects.filter(content_type__app_label="surveys", codename__in=codenames)
        group.permissions.set(perms)
