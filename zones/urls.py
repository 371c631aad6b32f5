from django.urls import path

from zones import apis

urlpatterns = [
    path("donation-codes", apis.DonationCodeIssueApi.as_view(), name="zones-donation-codes"),
    path("coordinates", apis.CoordinatesDonateApi.as_view(), name="zones-coordinates"),
    path("exposure", apis.AreaExposureApi.as_view(), name="zones-exposure"),
    path("decoy-model", apis.DecoyModelApi.as_view(), name="zones-decoy-model"),
]
