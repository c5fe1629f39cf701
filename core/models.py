"""Geography and organisations: the tenant tree every other app hangs under.

City → District → Subdistrict → Community; service centres with counters; departments at city or
district level. A City is the tenant: nothing in the code names a particular city.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class City(models.Model):
    code = models.CharField(_("administrative code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    case_prefix = models.CharField(
        _("case number prefix"), max_length=4, unique=True, help_text=_("Two to four capital letters, e.g. XA")
    )

    class Meta:
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class District(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="districts")
    code = models.CharField(_("administrative code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["city", "name"], name="district_unique_name_in_city")]

    def __str__(self) -> str:
        return self.name


class Subdistrict(models.Model):
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="subdistricts")
    code = models.CharField(_("code"), max_length=12, unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("subdistrict")
        verbose_name_plural = _("subdistricts")
        ordering = ["code"]
        constraints = [models.UniqueConstraint(fields=["district", "name"], name="subdistrict_unique_name_in_district")]

    def __str__(self) -> str:
        return self.name


class CommunityQuerySet(models.QuerySet["Community"]):
    def in_city(self, city: City) -> "CommunityQuerySet":
        return self.filter(subdistrict__district__city=city)


class Community(models.Model):
    subdistrict = models.ForeignKey(Subdistrict, on_delete=models.PROTECT, related_name="communities")
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=50)

    objects = CommunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("community")
        verbose_name_plural = _("communities")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["subdistrict", "name"], name="community_unique_name_in_subdistrict")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def district(self) -> District:
        return self.subdistrict.district

    @property
    def full_name(self) -> str:
        return f"{self.subdistrict.district.name} {self.subdistrict.name} {self.name}"


class Department(models.Model):
    class Level(models.TextChoices):
        CITY = "city", _("city level")
        DISTRICT = "district", _("district level")

    class Kind(models.TextChoices):
        CIVIL_AFFAIRS = "civil_affairs", _("Civil affairs")
        HUMAN_RESOURCES = "human_resources", _("Human resources and social security")
        HEALTHCARE_SECURITY = "healthcare_security", _("Healthcare security")
        HOUSING = "housing", _("Housing and urban-rural development")
        DISABLED_PERSONS = "disabled_persons", _("Disabled persons' federation")
        HEALTH = "health", _("Health commission")
        VETERANS = "veterans", _("Veterans affairs")
        PUBLIC_SECURITY = "public_security", _("Public security")
        OTHER = "other", _("Other")

    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="departments")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="departments", null=True, blank=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    name_en = models.CharField(_("English name"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["city", "level", "code"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(level="city", district__isnull=True) | Q(level="district", district__isnull=False)),
                name="department_level_matches_district",
            ),
            models.UniqueConstraint(
                fields=["city", "kind"], condition=Q(district__isnull=True), name="department_one_kind_per_city"
            ),
            models.UniqueConstraint(
                fields=["district", "kind"],
                condition=Q(district__isnull=False),
                name="department_one_kind_per_district",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ServiceCentre(models.Model):
    city = models.ForeignKey(City, on_delete=models.PROTECT, related_name="service_centres")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="service_centres")
    subdistrict = models.ForeignKey(
        Subdistrict, on_delete=models.PROTECT, related_name="service_centres", null=True, blank=True
    )
    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    address = models.CharField(_("address"), max_length=200)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    opening_hours = models.JSONField(
        _("opening hours"),
        default=dict,
        help_text=_('Per ISO weekday (1 = Monday) a list of ["HH:MM", "HH:MM"] periods'),
    )

    class Meta:
        verbose_name = _("service centre")
        verbose_name_plural = _("service centres")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Counter(models.Model):
    centre = models.ForeignKey(ServiceCentre, on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("number"))
    label = models.CharField(_("label"), max_length=40, blank=True)
    is_open = models.BooleanField(_("open"), default=True)

    class Meta:
        verbose_name = _("counter")
        verbose_name_plural = _("counters")
        ordering = ["centre", "number"]
        constraints = [models.UniqueConstraint(fields=["centre", "number"], name="counter_unique_number")]

    def __str__(self) -> str:
        return f"{self.centre.name} {self.number}"


class HolidayCalendar(models.Model):
    """One year's national public holidays and make-up working days (法定节假日 and 调休).

    The State Council publishes each year's calendar in November, so the calendar is data, loaded
    by `manage.py load_holidays` or edited in the admin; the SLA clock reads it through core.workdays.
    Holidays are national: the calendar belongs to no city.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    source = models.CharField(_("source"), max_length=255, help_text=_("The notice that published this calendar"))
    # auto_now: an admin edit counts as a new load, so other processes see their cached calendar is stale.
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("holiday calendar")
        verbose_name_plural = _("holiday calendars")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """A date that departs from the Monday-to-Friday week: a public holiday, or a make-up working day."""

    class Kind(models.TextChoices):
        DAY_OFF = "day_off", _("day off")
        WORKDAY = "workday", _("make-up working day")

    calendar = models.ForeignKey(HolidayCalendar, on_delete=models.CASCADE, related_name="days")
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("holiday"), max_length=50, help_text=_("e.g. 国庆节"))
    name_en = models.CharField(_("English name"), max_length=80, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("calendar days")
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=["day_off", "workday"]), name="calendarday_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.name} ({self.get_kind_display()})"

    def clean(self) -> None:
        # Shared by the admin's forms and the loader service, so the rules are written once.
        # Imported here so that this section stays appended to the module without touching its head.
        from django.core.exceptions import ValidationError

        try:
            year: int | None = self.calendar.year
        except HolidayCalendar.DoesNotExist:
            year = None
        if self.date is None:
            return
        if year is not None and self.date.year != year:
            raise ValidationError(
                {"date": _("%(date)s is not in %(year)s.") % {"date": self.date.isoformat(), "year": year}}
            )
        if self.kind == self.Kind.WORKDAY and self.date.weekday() < 5:
            raise ValidationError(
                {
                    "date": _("%(date)s is a weekday: a make-up working day must be a Saturday or a Sunday.")
                    % {"date": self.date.isoformat()}
                }
            )
