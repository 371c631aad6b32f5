from django.urls import path

from risk import apis as risk_apis

urlpatterns = [
    path("dp3t", risk_apis.DP3TScoreApi.as_view(), name="risk-dp3t"),
    path("rssi", risk_apis.RssiScoreApi.as_view(), name="risk-rssi"),
    path("aggregate", risk_apis.AggregateApi.as_view(), name="risk-aggregate"),
]
