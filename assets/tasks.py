from celery import shared_task

from assets.imports import device_import_run as run


@shared_task(name="assets.device_import_run")
def device_import_run(import_id: int) -> str:
    """Run a device list uploaded in the admin (assets.imports.device_import_start)."""
    return run(import_id=import_id).status
