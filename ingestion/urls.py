from django.urls import path

from ingestion import views

urlpatterns = [
    path("tts", views.tts_webhook, name="ingest-tts"),
    path("chirpstack", views.chirpstack_webhook, name="ingest-chirpstack"),
]
