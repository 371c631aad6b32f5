from django.urls import path

from assets import apis

urlpatterns = [
    path("stock", apis.StockOverviewApi.as_view(), name="assets-stock"),
]
