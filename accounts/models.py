from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A portal account (default database).

    `person_id` is the organisation's person number as the identity provider
    states it; it is what MY DATA is about, and it never comes from a request.
    """

    person_id = models.CharField(
        verbose_name=_("person number"),
        max_length=32,
        blank=True,
        db_index=True,
        help_text=_("The organisation's person number, from the identity provider's claims."),
    )

    language = models.CharField(
        verbose_name=_("language"),
        max_length=8,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("The language the person chose in the portal; blank: their browser's."),
    )

    @property
    def display_name(self) -> str:
        return self.get_full_name() or self.username


class RemovedSubject(models.Model):
    """A person removed from the portal: their identity provider's subject stays out.

    Deleting an account in the admin would otherwise be undone at the next
    request: a valid token (or sign-in) of the same subject makes a new
    account. The subject stays refused until this row is deleted (the admin),
    when the directory says the person may use the portal again.
    """

    sub = models.CharField(
        verbose_name=_("subject"),
        max_length=255,
        unique=True,
        help_text=_("The provider's subject."),
    )
    username = models.CharField(
        verbose_name=_("username"), max_length=150, help_text=_("The account that was removed.")
    )
    removed_at = models.DateTimeField(verbose_name=_("removed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("removed subject")
        verbose_name_plural = _("removed subjects")
        ordering = ["-removed_at"]

    def __str__(self) -> str:
        return f"{self.username} ({self.sub})"
