from django.urls import path

from oversight import apis

urlpatterns = [
    path("anomalies", apis.AnomalyListApi.as_view(), name="oversight-anomalies"),
]
