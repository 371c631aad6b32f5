"""The four databases and the router that keeps every model in its own.

Pseudonymisation rests on this split (docs/adr/0001-database-split.md): no
single database links a person to an encounter. A model states its home with
one class attribute::

    class Device(models.Model):
        home_database = ASSETS

Models without it (Django's own, allauth's, the portal's accounts) live in
`default`. Reads, writes and migrations go only to the home database, and a
relation between models of two homes is refused, at run time by the router
and at start-up by a system check.
"""

from django.apps import apps
from django.core import checks
from django.db import models, transaction

DEFAULT = "default"
ASSETS = "assets"
ASSOCIATIONS = "associations"
ENCOUNTERS = "encounters"

ALIASES = (DEFAULT, ASSETS, ASSOCIATIONS, ENCOUNTERS)

# Streaming replicas (read-only), configured or not: their alias -> the primary they follow.
# Only reads inside core.replicas.replica_reads go to them; nothing is migrated on them.
ENCOUNTERS_REPLICA = "encounters_replica"
ASSOCIATIONS_REPLICA = "associations_replica"
REPLICAS = {ENCOUNTERS: ENCOUNTERS_REPLICA, ASSOCIATIONS: ASSOCIATIONS_REPLICA}
PRIMARY_OF = {replica: primary for primary, replica in REPLICAS.items()}

# Models that moved to another app keep their table; the old app's migrations still create
# them, under the old name, and must do so in the model's home: (old app, model) -> home.
MOVED_MODELS = {
    ("tracing", "encounter"): ENCOUNTERS,  # now encounters.Encounter
    ("stats", "purgerecord"): DEFAULT,  # now retention.PurgeRecord
}


def home_of(model: type[models.Model]) -> str:
    """The alias a model lives in: its `home_database`, else `default`."""
    # Migrations hand the router historical models, which lose custom class
    # attributes; the registered model of the same name carries the answer.
    if model._meta.auto_created:
        # The hidden table of a many-to-many field lives beside its owner.
        model = model._meta.auto_created
    alias = getattr(model, "home_database", None)
    if alias is None:
        try:
            registered = apps.get_model(model._meta.app_label, model._meta.model_name)
        except LookupError:
            registered = None
        alias = getattr(registered, "home_database", DEFAULT)
    if alias not in ALIASES:
        raise ValueError(f"{model.__name__}.home_database={alias!r} is not one of {ALIASES}")
    return alias


class HomeDatabaseRouter:
    """Routes each model to its home database and nowhere else."""

    def db_for_read(self, model, **hints):
        from core.replicas import read_alias  # it reads this module's names

        return read_alias(home_of(model))

    def db_for_write(self, model, **hints):
        return home_of(model)

    def allow_relation(self, obj1, obj2, **hints):
        return home_of(type(obj1)) == home_of(type(obj2))

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if db in PRIMARY_OF:
            return False  # a replica replays its primary's schema
        if model_name is None:
            # RunPython/RunSQL without a model: they must name their target.
            return db == hints.get("home_database", DEFAULT)
        try:
            model = apps.get_model(app_label, model_name)
        except LookupError:
            # A model moved or deleted from the code: its new home, or the migration's hints.
            home = MOVED_MODELS.get((app_label, model_name))
            return db == (home or hints.get("home_database", DEFAULT))
        return db == home_of(model)


@checks.register(checks.Tags.models, checks.Tags.database)
def check_no_cross_database_relations(app_configs=None, **kwargs):
    return cross_database_relation_errors(apps.get_models())


def cross_database_relation_errors(model_classes) -> list[checks.Error]:
    """A foreign key or many-to-many between two homes can never work: refuse it."""
    errors = []
    for model in model_classes:
        try:
            home = home_of(model)
        except ValueError as exc:
            errors.append(checks.Error(str(exc), obj=model, id="proximeter.E002"))
            continue
        for field in model._meta.get_fields(include_hidden=True):
            target = getattr(field, "related_model", None)
            # Forward relations only (reverse ones are the other side's field).
            if not field.is_relation or field.auto_created or target is None:
                continue
            target_home = home_of(target)
            if target_home != home:
                errors.append(
                    checks.Error(
                        f"{model.__name__}.{field.name} relates {home!r} to "
                        f"{target.__name__} in {target_home!r}; store the other "
                        "database's identifier as a plain value instead.",
                        obj=model,
                        id="proximeter.E001",
                    )
                )
    return errors


def delete_in_batches(queryset, *, batch: int) -> int:
    """Delete what `queryset` selects, `batch` rows per transaction in its model's home.

    Returns how many rows of the queryset's own model went (cascades are not counted).
    The queryset's own filter is kept: on a partitioned table it prunes the partitions.
    """
    model = queryset.model
    removed = 0
    while True:
        ids = list(queryset.values_list("pk", flat=True)[:batch])
        if not ids:
            return removed
        with transaction.atomic(using=home_of(model)):
            _, per_model = queryset.filter(pk__in=ids).delete()
        removed += per_model.get(model._meta.label, 0)
