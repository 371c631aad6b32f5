from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.module_loading import import_string

# The demo loaders, in dependency order. The demo person's steps (simulation/demo_person.py)
# stand where what they need is there: the device before the recall's invitations and the
# simulated encounters, the booking after the recall, the consultation after the demo cases.
DEMO_LOADERS = (
    "simulation.demo_accounts.load_demo_accounts",
    "simulation.demo_registration.load_demo_registration",
    "simulation.demo_person.load_demo_person_device",
    "simulation.demo_appointments.load_demo_appointments",
    "simulation.demo_person.load_demo_person_booking",
    "simulation.demo_encounters.load_demo_encounters",
    "simulation.demo_cases.load_demo_cases",
    "simulation.demo_person.load_demo_person_consultation",
    "simulation.demo_zones.load_demo_zones",
)


class Command(BaseCommand):
    help = "Load the demo data where it is missing. Demo mode only (PORTAL_DEMO=1)."

    def handle(self, *args, **options):
        if not settings.DEMO_MODE:
            raise CommandError(
                "Demo data has well-known passwords: it is only loaded in demo mode (PORTAL_DEMO=1)"
            )
        for loader in DEMO_LOADERS:
            import_string(loader)(stdout=self.stdout)
