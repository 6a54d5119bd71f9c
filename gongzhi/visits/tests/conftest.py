import pytest

from gongzhi.tickets.testing import ensure_catalogue


@pytest.fixture
def catalogue(db):
    return ensure_catalogue()
