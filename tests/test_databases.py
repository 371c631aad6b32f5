"""The four databases: every table in its home and nowhere else; no relation across homes."""

import pytest
from django.apps import apps
from django.db import connections, models, router
from django.test.utils import isolate_apps

from core.databases import (
    ALIASES,
    ASSETS,
    ENCOUNTERS,
    cross_database_relation_errors,
    home_of,
)
from tests.routing.guard import WrongDatabase
from tests.routing.models import AssetLabel, AssetPart, AssetThing, EncounterThing

pytestmark = pytest.mark.django_db(databases="__all__")


def test_each_alias_is_its_own_postgresql_database():
    seen = set()
    for alias in ALIASES:
        assert connections[alias].vendor == "postgresql"
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT current_database()")
            seen.add(cursor.fetchone()[0])
    assert len(seen) == len(ALIASES)


def test_every_model_has_its_table_in_its_home_database_and_in_no_other():
    tables = {alias: set(connections[alias].introspection.table_names()) for alias in ALIASES}
    homes_seen = set()
    for model in apps.get_models(include_auto_created=True):
        if not model._meta.managed or model._meta.proxy:
            continue
        home = home_of(model)
        homes_seen.add(home)
        table = model._meta.db_table
        assert table in tables[home], f"{model.__name__} has no table {table} in {home}"
        for other in set(ALIASES) - {home}:
            assert table not in tables[other], (
                f"{model.__name__}'s table {table} leaked into {other}"
            )
    # Otherwise the loop above could pass without looking at any database but one.
    assert homes_seen == set(ALIASES)


def test_reads_and_writes_go_only_to_the_home_database():
    AssetThing.objects.create(name="tag-1")
    for alias in ALIASES:
        with connections[alias].cursor() as cursor:
            table = AssetThing._meta.db_table
            if table in connections[alias].introspection.table_names():
                cursor.execute(f"SELECT count(*) FROM {table}")
                assert cursor.fetchone()[0] == (1 if alias == ASSETS else 0)
    assert router.db_for_read(AssetThing) == ASSETS
    assert AssetThing.objects.all().db == ASSETS


def test_a_query_sent_to_the_wrong_database_raises_in_every_test():
    """The guard of tests/routing/guard.py is on every connection of the suite."""
    assert AssetThing.objects.using(ASSETS).count() == 0  # the home: fine
    with pytest.raises(WrongDatabase, match="lives in 'assets'"):
        AssetThing.objects.using(ENCOUNTERS).count()  # the ORM, told the wrong alias
    with (
        pytest.raises(WrongDatabase, match="lives in 'encounters'"),
        connections["default"].cursor() as cursor,
    ):
        cursor.execute("SELECT count(*) FROM tracing_encounter")  # raw SQL too
    # Another table's name inside a longer word is not that table.
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 'tracing_encounter_p20261120x'")


def test_a_many_to_many_table_lives_beside_its_owner():
    through = AssetPart.labels.through
    assert home_of(through) == ASSETS
    part = AssetPart.objects.create(thing=AssetThing.objects.create(name="a"))
    part.labels.add(AssetLabel.objects.create(text="spare"))
    assert part.labels.count() == 1


def test_the_router_refuses_a_relation_between_two_databases():
    asset = AssetThing.objects.create(name="a")
    encounter = EncounterThing.objects.create(name="e")
    assert router.allow_relation(asset, AssetThing(name="b")) is True
    assert router.allow_relation(asset, encounter) is False


def test_a_foreign_key_across_databases_fails_the_system_check():
    with isolate_apps("tests.routing"):

        class Leaky(models.Model):
            home_database = ENCOUNTERS
            thing = models.ForeignKey(AssetThing, on_delete=models.CASCADE)

            class Meta:
                app_label = "routing_test"

        errors = cross_database_relation_errors([Leaky, AssetPart])
    assert [error.id for error in errors] == ["proximeter.E001"]
    assert "encounters" in errors[0].msg and "assets" in errors[0].msg


def test_the_project_has_no_cross_database_relation():
    assert cross_database_relation_errors(apps.get_models()) == []
