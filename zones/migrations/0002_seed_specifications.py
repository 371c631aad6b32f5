"""The geo-zone specifications: the seed's two squares, and H3 hexagons (its "Future Considerations").

IDs follow the seed's example, where `geoZoneSpecId: 4` answers with
`latRange: 0.0001`; each fine grid nests in the coarse one of its shape.
"""

from decimal import Decimal

from django.core.management.color import no_style
from django.db import migrations

SPECIFICATIONS = [
    # pk, name, shape, size in degrees, H3 resolution, parent
    (1, "Square 0.01° (~1.1 km)", "square", Decimal("0.01"), None, None),
    (2, "Hexagon H3 resolution 9 (~0.1 km²)", "hexagon", None, 9, None),
    (3, "Hexagon H3 resolution 12 (~300 m²)", "hexagon", None, 12, 2),
    (4, "Square 0.0001° (~11 m)", "square", Decimal("0.0001"), None, 1),
]


def seed(apps, schema_editor):
    Specification = apps.get_model("zones", "GeoZoneSpecification")
    alias = schema_editor.connection.alias
    for pk, name, shape, size, resolution, parent in SPECIFICATIONS:
        Specification.objects.using(alias).update_or_create(
            pk=pk,
            defaults={
                "name": name,
                "shape": shape,
                "size_degrees": size,
                "h3_resolution": resolution,
                "parent_id": parent,
                "active": True,
            },
        )
    # Explicit IDs: move the sequence past them for specifications added later.
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Specification]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("zones", "0001_initial")]

    operations = [
        migrations.RunPython(
            seed, migrations.RunPython.noop, hints={"home_database": "encounters"}
        ),
    ]
