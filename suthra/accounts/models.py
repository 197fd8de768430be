"""Staff: the custom user model. Role + geography decide what each person may see (see scope.py)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from suthra.locations.models import City, UnionCouncil


class Role(models.TextChoices):
    AGENT = "AGENT", _("Agent")
    SUPERVISOR = "SUPERVISOR", _("Supervisor")
    MANAGER = "MANAGER", _("Manager")
    HEAD = "HEAD", _("Head office")


# Higher number = more authority; "at least SUPERVISOR" checks compare these.
ROLE_RANK = {Role.AGENT: 1, Role.SUPERVISOR: 2, Role.MANAGER: 3, Role.HEAD: 4}


class StaffManager(BaseUserManager["Staff"]):
    use_in_migrations = True

    def create_user(self, username: str, password: str | None = None, **extra: Any) -> Staff:
        if not username:
            raise ValueError("username is required")
        user = self.model(username=self.model.normalize_username(username), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, username: str, password: str | None = None, **extra: Any) -> Staff:
        extra["role"] = Role.HEAD
        return self.create_user(username, password, **extra)


class Staff(AbstractBaseUser):
    """A staff member. AGENTs work in their ``ucs``; SUPERVISORs in their city (``cities``, one);
    MANAGERs in ``cities`` (all cities when none are assigned); HEAD everywhere."""

    username = models.CharField(
        _("username"), max_length=50, unique=True, validators=[UnicodeUsernameValidator()]
    )
    full_name = models.CharField(_("full name"), max_length=120)
    email = models.EmailField(_("email"), blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.AGENT)
    cities = models.ManyToManyField(City, blank=True, related_name="staff")
    ucs = models.ManyToManyField(UnionCouncil, blank=True, related_name="staff")
    is_active = models.BooleanField(_("active"), default=True)
    must_change_password = models.BooleanField(default=False)
    language = models.CharField(
        _("language"), max_length=5, choices=[("en", "English"), ("ur", "اردو")], default="en"
    )
    date_joined = models.DateTimeField(default=timezone.now)

    objects = StaffManager()

    USERNAME_FIELD = "username"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        ordering = ["username"]
        verbose_name = "staff member"
        verbose_name_plural = "staff"

    def __str__(self) -> str:
        return self.full_name or self.username

    # The Django admin is for HEAD only.
    @property
    def is_staff(self) -> bool:
        return self.is_active and self.role == Role.HEAD

    @property
    def is_superuser(self) -> bool:
        return self.is_staff

    def has_perm(self, perm: str, obj: object = None) -> bool:
        return self.is_staff

    def has_perms(self, perm_list: Any, obj: object = None) -> bool:
        return self.is_staff

    def has_module_perms(self, app_label: str) -> bool:
        return self.is_staff

    @property
    def rank(self) -> int:
        return ROLE_RANK[Role(self.role)]

    def at_least(self, role: str) -> bool:
        return self.rank >= ROLE_RANK[Role(role)]

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.username


class StaffSession(models.Model):
    """One row per logged-in session, so a user's sessions can be ended without scanning the
    session table (the Supabase pooler cannot hold the server-side cursor such a scan needs)."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="sessions")
    session_key = models.CharField(max_length=40, unique=True)
    created_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.staff_id} since {self.created_at:%Y-%m-%d %H:%M}"
