"""The school calendar: how deadlines count school days, and the manager's pages that edit it."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine

from pbyp.core.models import AuditEvent
from pbyp.schools.calendar import Calendar, easter_sunday, typical_english_year
from pbyp.schools.models import CalendarPeriod, PeriodKind

LONDON = ZoneInfo("Europe/London")

# The autumn term 2026 with its October half-term, and the spring and summer terms after it.
AUTUMN = (date(2026, 9, 3), date(2026, 12, 18))
OCTOBER_HALF_TERM = (date(2026, 10, 26), date(2026, 10, 30))
SPRING = (date(2027, 1, 4), date(2027, 3, 19))
SUMMER = (date(2027, 4, 5), date(2027, 7, 22))
YEAR = Calendar(terms=(AUTUMN, SPRING, SUMMER), holidays=(OCTOBER_HALF_TERM,))


def at(*args) -> datetime:
    return datetime(*args, tzinfo=LONDON)


# --- counting school-day hours ------------------------------------------------------------------


def test_friday_afternoon_plus_48_hours_is_tuesday_afternoon():
    assert YEAR.add_school_hours(at(2026, 10, 16, 15), 48) == at(2026, 10, 20, 15)


def test_work_sent_on_a_saturday_starts_its_clock_on_monday():
    saturday = at(2026, 10, 17, 10, 30)
    assert YEAR.add_school_hours(saturday, 1) == at(2026, 10, 19, 1)
    assert YEAR.add_school_hours(saturday, 48) == at(2026, 10, 21, 0)


def test_a_half_term_week_is_skipped():
    # Friday before half-term (and before the clocks go back): the deadline is the Tuesday after.
    deadline = YEAR.add_school_hours(at(2026, 10, 23, 15), 48)
    assert deadline == at(2026, 11, 3, 15)
    assert deadline.astimezone(LONDON).hour == 15  # 15:00 on the clock, though it is now GMT


def test_the_break_between_terms_is_skipped():
    assert YEAR.add_school_hours(at(2026, 12, 18, 15), 48) == at(2027, 1, 5, 15)


def test_with_no_terms_every_weekday_counts():
    empty = Calendar(terms=(), holidays=())
    assert empty.add_school_hours(at(2026, 8, 7, 15), 48) == at(2026, 8, 11, 15)
    assert empty.is_school_day(date(2026, 8, 10))
    assert not empty.is_school_day(date(2026, 8, 8))


def test_with_no_terms_holidays_still_do_not_count():
    only_holidays = Calendar(terms=(), holidays=(OCTOBER_HALF_TERM,))
    assert only_holidays.add_school_hours(at(2026, 10, 23, 15), 48) == at(2026, 11, 3, 15)


def test_after_the_last_term_weekdays_count():
    # The summer term ends on Thursday 22 July: Friday counts, the weekend doesn't.
    assert not YEAR.is_school_day(date(2027, 4, 1))  # the Easter break, between terms
    assert YEAR.is_school_day(date(2027, 7, 23))
    assert YEAR.add_school_hours(at(2027, 7, 22, 15), 48) == at(2027, 7, 26, 15)


def test_calendar_of_a_school_reads_its_own_periods_in_one_query(cast, django_assert_num_queries):
    CalendarPeriod.objects.create(
        school=cast.school_a,
        kind=PeriodKind.TERM,
        name="Autumn",
        starts_on=AUTUMN[0],
        ends_on=AUTUMN[1],
    )
    CalendarPeriod.objects.create(
        school=cast.school_b,
        kind=PeriodKind.HOLIDAY,
        name="Beacon break",
        starts_on=date(2026, 10, 19),
        ends_on=date(2026, 10, 23),
    )
    with django_assert_num_queries(1):
        calendar = Calendar.of(cast.school_a)
    assert calendar == Calendar(terms=(AUTUMN,), holidays=())


# --- a typical year -----------------------------------------------------------------------------


def test_easter_dates():
    assert [easter_sunday(y) for y in (2024, 2025, 2026, 2027, 2038)] == [
        date(2024, 3, 31),
        date(2025, 4, 20),
        date(2026, 4, 5),
        date(2027, 3, 28),
        date(2038, 4, 25),
    ]


@pytest.mark.parametrize("autumn_year", range(2024, 2040))
def test_a_typical_year_is_three_terms_with_holidays_inside_them(autumn_year):
    periods = typical_english_year(autumn_year)
    terms = [p for p in periods if p.kind == PeriodKind.TERM]
    holidays = [p for p in periods if p.kind == PeriodKind.HOLIDAY]
    assert [t.name.split()[0] for t in terms] == ["Autumn", "Spring", "Summer"]
    assert all(a.ends_on < b.starts_on for a, b in zip(terms, terms[1:], strict=False))
    assert terms[0].starts_on.month == 9 and terms[-1].ends_on.month == 7
    for holiday in holidays:
        assert any(t.starts_on <= holiday.starts_on <= holiday.ends_on <= t.ends_on for t in terms)
    for period in periods:
        assert period.starts_on.weekday() < 5 and period.ends_on.weekday() < 5
    assert periods == sorted(periods, key=lambda p: p.starts_on)


# --- the manager's pages ------------------------------------------------------------------------


def add(school, name="Autumn term", kind=PeriodKind.TERM, starts_on=AUTUMN[0], ends_on=AUTUMN[1]):
    return CalendarPeriod.objects.create(
        school=school, kind=kind, name=name, starts_on=starts_on, ends_on=ends_on
    )


def form(**changes):
    data = {
        "kind": "term",
        "name": "Autumn term",
        "starts_on": "2026-09-03",
        "ends_on": "2026-12-18",
    }
    return {**data, **changes}


def test_only_managers_reach_the_calendar_pages(cast, as_user, client):
    period = add(cast.school_a)
    pages = [
        "/school/calendar/",
        "/school/calendar/add/",
        f"/school/calendar/{period.pk}/",
        f"/school/calendar/{period.pk}/delete/",
    ]
    for url in pages:
        assert client.get(url).status_code == 302, url  # anonymous: sent to sign in
        assert as_user(cast.manager).get(url).status_code == 200, url
        for who in ("learner", "peer", "tutor", "parent"):
            assert as_user(getattr(cast, who)).get(url).status_code == 403, (url, who)
    for who in ("learner", "tutor", "parent"):
        client = as_user(getattr(cast, who))
        assert client.post(f"/school/calendar/{period.pk}/delete/").status_code == 403
        assert client.post("/school/calendar/add/", form(name="Sneaky")).status_code == 403
        assert client.post("/school/calendar/fill/", {"autumn_year": 2026}).status_code == 403
    assert CalendarPeriod.objects.filter(school=cast.school_a).count() == 1


def test_another_schools_manager_sees_404_for_our_periods(cast, as_user):
    period = add(cast.school_a)
    outsider = as_user(cast.outsider)  # a manager at school B
    assert outsider.get(f"/school/calendar/{period.pk}/").status_code == 404
    assert outsider.get(f"/school/calendar/{period.pk}/delete/").status_code == 404
    assert outsider.post(f"/school/calendar/{period.pk}/", form(name="Mine")).status_code == 404
    assert outsider.post(f"/school/calendar/{period.pk}/delete/").status_code == 404
    assert outsider.get("/school/calendar/99999/").status_code == 404
    period.refresh_from_db()
    assert period.name == "Autumn term"
    # Their own calendar page lists only their school's periods.
    assert "Autumn term" not in outsider.get("/school/calendar/").content.decode()


def test_the_calendar_lists_terms_and_holidays_in_date_order_and_explains_deadlines(cast, as_user):
    add(cast.school_a, "Spring term", starts_on=SPRING[0], ends_on=SPRING[1])
    add(cast.school_a, "October half-term", PeriodKind.HOLIDAY, *OCTOBER_HALF_TERM)
    add(cast.school_a, "Autumn term")
    page = as_user(cast.manager).get("/school/calendar/").content.decode()
    assert page.index("Autumn term") < page.index("October half-term") < page.index("Spring term")
    assert "48 school-day hours before going to a teacher" in page
    assert "With no terms entered, every weekday counts." in page
    assert 'href="/school/calendar/"' in page  # the school menu links to it


def test_the_page_says_when_work_sent_now_would_reach_a_teacher(cast, as_user):
    add(cast.school_a, "October half-term", PeriodKind.HOLIDAY, *OCTOBER_HALF_TERM)
    with time_machine.travel(at(2026, 10, 23, 15), tick=False):
        page = as_user(cast.manager).get("/school/calendar/").content.decode()
    assert "Tuesday 3 November 2026, 15:00" in page


def test_an_empty_calendar_says_what_to_do(cast, as_user):
    page = as_user(cast.manager).get("/school/calendar/").content.decode()
    assert "No terms or holidays yet, so every weekday counts as a school day." in page
    assert "Fill in a typical year" in page


def test_add_a_term_then_edit_it(cast, as_user):
    client = as_user(cast.manager)
    response = client.post("/school/calendar/add/", form())
    assert response.status_code == 302 and response.url == "/school/calendar/"
    period = CalendarPeriod.objects.get()
    assert (period.school, period.kind, period.name) == (cast.school_a, "term", "Autumn term")
    assert (period.starts_on, period.ends_on) == AUTUMN
    assert AuditEvent.objects.filter(
        school=cast.school_a, actor=cast.manager, action="calendar.save"
    ).exists()

    edit_page = client.get(f"/school/calendar/{period.pk}/").content.decode()
    assert 'value="2026-09-03"' in edit_page and 'value="Autumn term"' in edit_page
    response = client.post(
        f"/school/calendar/{period.pk}/",
        form(name="Autumn 2026", starts_on="02/09/2026"),  # British typing works too
    )
    assert response.status_code == 302
    period.refresh_from_db()
    assert (period.name, period.starts_on) == ("Autumn 2026", date(2026, 9, 2))
    assert CalendarPeriod.objects.count() == 1


def test_add_sent_twice_saves_once(cast, as_user):
    client = as_user(cast.manager)
    data = form(form_token="calendar-once")
    client.post("/school/calendar/add/", data)
    client.post("/school/calendar/add/", data)
    assert CalendarPeriod.objects.count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"ends_on": "2026-09-01"},
            "The last day is before the first day. Check both dates.",
        ),
        (
            {"ends_on": "2027-12-18"},
            "a term or holiday can be at most 200 days. Check the year in both dates.",
        ),
        ({"name": "  "}, "Give it a name, for example"),
        ({"starts_on": "31/02/2026"}, "Enter a date, for example 3/9/2026."),
        ({"kind": ""}, "Choose whether this is a term or a holiday."),
    ],
)
def test_mistakes_are_explained_and_what_was_typed_is_kept(cast, as_user, changes, message):
    response = as_user(cast.manager).post("/school/calendar/add/", form(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page.replace("&#x27;", "'")
    for field, value in form(**changes).items():
        if field != "kind" and value.strip():
            assert f'value="{value}"' in page, field
    assert not CalendarPeriod.objects.exists()


def test_terms_may_not_overlap_but_holidays_sit_inside_them(cast, as_user):
    add(cast.school_a)
    add(cast.school_b, "Beacon spring", starts_on=date(2026, 11, 2), ends_on=SPRING[1])
    client = as_user(cast.manager)
    response = client.post(
        "/school/calendar/add/",
        form(name="Spring term", starts_on="2026-12-01", ends_on="2027-03-19"),
    )
    page = response.content.decode()
    assert "This overlaps “Autumn term” (3 Sep 2026 to 18 Dec 2026)." in page
    assert "Beacon" not in page  # another school's terms never clash
    response = client.post(
        "/school/calendar/add/",
        form(
            kind="holiday", name="October half-term", starts_on="2026-10-26", ends_on="2026-10-30"
        ),
    )
    assert response.status_code == 302
    # Editing a term does not clash with itself.
    autumn = CalendarPeriod.objects.get(school=cast.school_a, name="Autumn term")
    response = client.post(f"/school/calendar/{autumn.pk}/", form(ends_on="2026-12-17"))
    assert response.status_code == 302


def test_delete_asks_first_then_deletes(cast, as_user):
    period = add(cast.school_a, "October half-term", PeriodKind.HOLIDAY, *OCTOBER_HALF_TERM)
    client = as_user(cast.manager)
    page = client.get(f"/school/calendar/{period.pk}/delete/").content.decode()
    assert "Delete October half-term?" in page
    assert CalendarPeriod.objects.filter(pk=period.pk).exists()  # asking deletes nothing
    response = client.post(f"/school/calendar/{period.pk}/delete/", follow=True)
    assert response.redirect_chain[-1][0] == "/school/calendar/"
    assert "Deleted “October half-term”." in response.content.decode()
    assert not CalendarPeriod.objects.filter(pk=period.pk).exists()
    event = AuditEvent.objects.get(action="calendar.delete")
    assert event.school == cast.school_a and "October half-term" in event.detail


def test_fill_in_a_typical_year(cast, as_user):
    client = as_user(cast.manager)
    with time_machine.travel(at(2026, 12, 4, 12), tick=False):
        page = client.get("/school/calendar/").content.decode()
        assert '<option value="2026">2026 to 2027</option>' in page
        assert '<option value="2027">2027 to 2028</option>' in page
        response = client.post("/school/calendar/fill/", {"autumn_year": 2026}, follow=True)
        assert "Filled in a typical school year, 2026 to 2027." in response.content.decode()
        names = list(
            CalendarPeriod.objects.filter(school=cast.school_a).values_list("name", flat=True)
        )
        assert names == [p.name for p in typical_english_year(2026)]
        # That year is no longer offered, and sending it again adds nothing.
        page = response.content.decode()
        assert '<option value="2026">' not in page and '<option value="2027">' in page
        response = client.post("/school/calendar/fill/", {"autumn_year": 2026}, follow=True)
        assert "already has dates" in response.content.decode()
    assert CalendarPeriod.objects.filter(school=cast.school_a).count() == len(names)
    assert not CalendarPeriod.objects.filter(school=cast.school_b).exists()
    assert AuditEvent.objects.filter(action="calendar.fill", school=cast.school_a).count() == 1


def test_calendar_page_query_count_does_not_grow(cast, as_user, django_assert_num_queries):
    # session + user + memberships (every page), then the school's periods: the deadline and
    # "is today a school day" are worked out from those rows, with no further query.
    client = as_user(cast.manager)
    with django_assert_num_queries(4):
        assert client.get("/school/calendar/").status_code == 200
    for year in range(2020, 2030):
        CalendarPeriod.objects.bulk_create(
            CalendarPeriod(
                school=school, kind=p.kind, name=p.name, starts_on=p.starts_on, ends_on=p.ends_on
            )
            for p in typical_english_year(year)
            for school in (cast.school_a, cast.school_b)
        )
    with django_assert_num_queries(4):
        assert client.get("/school/calendar/").status_code == 200
