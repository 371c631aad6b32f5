from django.urls import path

from assets import apis

urlpatterns = [
    path("inventory-checks", apis.InventoryCheckListCreateApi.as_view(), name="inventory-checks"),
    path("stock", apis.StockOverviewApi.as_view(), name="assets-stock"),
]
