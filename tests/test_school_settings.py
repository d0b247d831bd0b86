"""Managers set their school's upload limits and peer-assessment rules (SPEC §6)."""

import pytest
from django.core.exceptions import ValidationError

from pbyp.core.models import AuditEvent
from pbyp.schools.services import school_settings_update

PEER_FIELDS = (
    "peer_consensus",
    "peer_deadline_hours",
    "lease_hours",
    "spot_check_percent",
    "older_assess_younger",
    "in_network",
)


def settings_form(**changes):
    data = {
        "max_file_mb": 20,
        "max_submission_mb": 50,
        "peer_consensus": 1,
        "peer_deadline_hours": 72,
        "lease_hours": 12,
        "spot_check_percent": 25,
        "older_assess_younger": "on",
        "in_network": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def peer_settings(school):
    school.refresh_from_db()
    return {name: getattr(school, name) for name in PEER_FIELDS}


def test_the_page_shows_current_settings_with_plain_help(cast, as_user):
    cast.school_a.peer_deadline_hours = 60
    cast.school_a.save(update_fields=["peer_deadline_hours"])
    page = as_user(cast.manager).get("/school/settings/").content.decode()
    assert 'name="peer_deadline_hours" value="60"' in page
    assert 'value="2" id="id_peer_consensus_1" checked' in page
    assert "Suits primary schools" in page
    assert "weekends and the holidays in your school calendar" in page
    assert "They never see names." in page


def test_manager_saves_peer_settings(cast, as_user):
    response = as_user(cast.manager).post("/school/settings/", settings_form())
    assert response.status_code == 302
    assert peer_settings(cast.school_a) == {
        "peer_consensus": 1,
        "peer_deadline_hours": 72,
        "lease_hours": 12,
        "spot_check_percent": 25,
        "older_assess_younger": True,
        "in_network": True,
    }
    event = AuditEvent.objects.get(action="school.settings", school=cast.school_a)
    assert event.actor == cast.manager
    assert event.detail.startswith("20/50 MB; peers 1, deadline 72 h, lease 12 h, spot checks 25%")
    assert "older assess younger yes, network yes" in event.detail
    # Unticking the boxes turns them off again.
    as_user(cast.manager).post(
        "/school/settings/", settings_form(older_assess_younger=None, in_network=None)
    )
    settings = peer_settings(cast.school_a)
    assert not settings["older_assess_younger"] and not settings["in_network"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"peer_consensus": 4}, "Choose 1, 2 or 3."),
        ({"peer_deadline_hours": 7}, "Choose a number from 8 to 240."),
        ({"peer_deadline_hours": 241}, "Choose a number from 8 to 240."),
        ({"lease_hours": 0}, "Choose a number from 1 to 72."),
        ({"lease_hours": 73}, "Choose a number from 1 to 72."),
        ({"spot_check_percent": 101}, "Choose a number from 0 to 100."),
        ({"spot_check_percent": "ten"}, "Choose a number from 0 to 100."),
    ],
)
def test_out_of_range_values_are_explained_and_kept(cast, as_user, changes, message):
    before = peer_settings(cast.school_a)
    response = as_user(cast.manager).post("/school/settings/", settings_form(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    ((field, value),) = changes.items()
    if field != "peer_consensus":
        assert f'name="{field}" value="{value}"' in page
    assert 'name="lease_hours" value="' in page
    assert peer_settings(cast.school_a) == before


def test_an_empty_number_goes_back_to_the_usual_value(cast, as_user):
    school = cast.school_a
    school.peer_consensus, school.peer_deadline_hours, school.spot_check_percent = 3, 100, 50
    school.save(update_fields=["peer_consensus", "peer_deadline_hours", "spot_check_percent"])
    as_user(cast.manager).post(
        "/school/settings/",
        settings_form(peer_consensus="", peer_deadline_hours="", spot_check_percent=""),
    )
    settings = peer_settings(school)
    assert (settings["peer_consensus"], settings["peer_deadline_hours"]) == (2, 48)
    assert settings["spot_check_percent"] == 10


def test_other_roles_and_schools_cannot_change_settings(cast, as_user):
    before = peer_settings(cast.school_a)
    for who in ("learner", "peer", "tutor", "parent"):
        client = as_user(getattr(cast, who))
        assert client.get("/school/settings/").status_code == 403
        assert client.post("/school/settings/", settings_form()).status_code == 403
    # The outsider manages school B: their change lands on school B only.
    assert as_user(cast.outsider).post("/school/settings/", settings_form()).status_code == 302
    assert peer_settings(cast.school_a) == before
    assert peer_settings(cast.school_b)["peer_consensus"] == 1


def test_the_service_checks_limits_and_keeps_what_it_is_not_given(cast):
    school = cast.school_a
    with pytest.raises(ValidationError) as error:
        school_settings_update(
            school=school, max_file_mb=20, max_submission_mb=50, lease_hours=100, by=cast.manager
        )
    assert error.value.message_dict == {"lease_hours": ["Choose a number from 1 to 72."]}
    school_settings_update(
        school=school, max_file_mb=30, max_submission_mb=60, peer_consensus=1, by=cast.manager
    )
    settings = peer_settings(school)
    assert settings["peer_consensus"] == 1
    assert settings["peer_deadline_hours"] == 48 and settings["lease_hours"] == 24
    assert (school.max_file_mb, school.max_submission_mb) == (30, 60)
