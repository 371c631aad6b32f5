from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequiredMiddleware
from rest_framework.views import APIView


class LoginRequiredMiddleware(DjangoLoginRequiredMiddleware):
    """Default deny for pages: anonymous visitors go to the sign-in page.

    API views are left to Django REST framework, whose default permission
    denies too, and which also knows bearer tokens (a session-only check here
    would turn a valid token into a redirect).
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        view_class = getattr(view_func, "cls", None)
        if isinstance(view_class, type) and issubclass(view_class, APIView):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
