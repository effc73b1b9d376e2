import pytest
from django.utils import translation

from embassy.common.errors import NotFound
from embassy.geo.models import Country
from embassy.geo.selectors import country_get, country_list
from embassy.geo.services import countries_sync


@pytest.mark.django_db
def test_countries_sync_is_idempotent(django_assert_max_num_queries):
    with django_assert_max_num_queries(5):
        first = countries_sync()
    second = countries_sync()
    assert first == second == Country.objects.count()
    assert first >= 249
    indonesia = Country.objects.get(code="ID")
    assert (indonesia.alpha3, indonesia.numeric, indonesia.calling_code) == ("IDN", "360", "62")
    assert indonesia.has_boundary
    assert Country.objects.get(code="XK").has_boundary
    assert not Country.objects.get(code="BQ").has_boundary  # Caribbean Netherlands: part of the NL feature


@pytest.mark.django_db
def test_countries_sync_repairs_edited_rows():
    countries_sync()
    Country.objects.filter(code="DE").update(name_id="x", has_boundary=False)
    countries_sync()
    germany = Country.objects.get(code="DE")
    assert (germany.name_id, germany.has_boundary) == ("Jerman", True)


@pytest.mark.django_db
def test_name_follows_the_active_language():
    countries_sync()
    netherlands = country_get("nld")
    with translation.override("en"):
        assert str(netherlands) == "Netherlands"
        assert netherlands.name() == "Netherlands"
    with translation.override("id"):
        assert str(netherlands) == "Belanda"


@pytest.mark.django_db
def test_selectors():
    countries_sync()
    names = list(country_list().values_list("name_en", flat=True)[:3])
    assert names == sorted(names)
    assert country_get("360").code == "ID"
    with pytest.raises(NotFound):
        country_get("ZZ")
    Country.objects.filter(code="AQ").delete()
    with pytest.raises(NotFound):
        country_get("AQ")
