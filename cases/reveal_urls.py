from django.urls import path

from cases import reveal_apis

# /api/reveals itself (the waiting list) and asking (the trace's author, at
# /api/tracing/traces/<id>/reveal) are in proximeter/urls.py: no trailing slash.

urlpatterns = [
    path("mine", reveal_apis.RevealMineApi.as_view(), name="reveals-mine"),
    path("break-glass", reveal_apis.BreakGlassListApi.as_view(), name="reveals-break-glass"),
    path("<int:reveal_id>", reveal_apis.RevealDetailApi.as_view(), name="reveal"),
    path("<int:reveal_id>/decide", reveal_apis.RevealDecideApi.as_view(), name="reveal-decide"),
    path("<int:reveal_id>/review", reveal_apis.BreakGlassReviewApi.as_view(), name="reveal-review"),
]
