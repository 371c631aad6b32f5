from django.urls import path

from stats import apis

urlpatterns = [
    path("daily", apis.StatsApi.as_view(), name="stats-daily"),
    path("daily.csv", apis.StatsCsvApi.as_view(), name="stats-daily-csv"),
    path("policy-what-if", apis.PolicyWhatIfApi.as_view(), name="stats-policy-what-if"),
    path("transparency", apis.TransparencyApi.as_view(), name="transparency"),
    path("purges", apis.PurgeLogApi.as_view(), name="purge-log"),
]
