"""`manage.py mqtt_consume`: ChirpStack's uplinks from an MQTT broker into the inbox
(ingestion/mqtt.py; settings MQTT_*, docs/network-servers.md).

SIGINT and SIGTERM stop it after the message in hand, which is acknowledged first.
"""

import signal
import threading

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from core.metrics import serve_worker_metrics
from ingestion import mqtt


class Command(BaseCommand):
    help = (
        "Take ChirpStack's uplinks from an MQTT broker into the inbox: QoS 1, a persistent "
        "session, each message acknowledged once the inbox took it."
    )

    def handle(self, *args, **options):
        try:
            broker = mqtt.broker_from_settings()
        except ImproperlyConfigured as error:
            raise CommandError(str(error)) from error
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        serve_worker_metrics()
        consumer = mqtt.Consumer(broker, stop)
        consumer.run()
        if consumer.fatal:
            raise CommandError(consumer.fatal)
