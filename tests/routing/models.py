from django.db import models

from core.databases import ASSETS, ASSOCIATIONS, ENCOUNTERS


class DefaultThing(models.Model):
    name = models.CharField(max_length=20)


class AssetThing(models.Model):
    home_database = ASSETS
    name = models.CharField(max_length=20)


class AssetPart(models.Model):
    """A relation inside one database: allowed."""

    home_database = ASSETS
    thing = models.ForeignKey(AssetThing, on_delete=models.CASCADE)
    labels = models.ManyToManyField("AssetLabel")


class AssetLabel(models.Model):
    home_database = ASSETS
    text = models.CharField(max_length=20)


class AssociationThing(models.Model):
    home_database = ASSOCIATIONS
    name = models.CharField(max_length=20)


class EncounterThing(models.Model):
    home_database = ENCOUNTERS
    name = models.CharField(max_length=20)
