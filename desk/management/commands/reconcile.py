from django.core.management.base import BaseCommand

from desk.reconcile import find_disagreements, repair


class Command(BaseCommand):
    help = (
        "Report devices whose state (assets database) disagrees with who holds them "
        "(associations database); --fix repairs them from the holdings."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fix", action="store_true", help="repair what can be repaired")

    def handle(self, *args, fix: bool, **options):
        disagreements = find_disagreements()
        for item in disagreements:
            self.stdout.write(str(item))
        if not disagreements:
            self.stdout.write(self.style.SUCCESS("Device states and holdings agree."))
            return
        if fix:
            repaired = repair(disagreements, actor="reconcile")
            self.stdout.write(self.style.SUCCESS(f"Repaired {repaired} of {len(disagreements)}."))
        else:
            self.stdout.write(
                self.style.WARNING(f"{len(disagreements)} disagreement(s); run with --fix.")
            )
            raise SystemExit(1)
