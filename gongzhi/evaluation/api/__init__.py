"""JSON API of the evaluation app, mounted at /api/evaluation/."""

from django.utils.translation import gettext_lazy as _l
from ninja import Router

from . import juror, public, staff

router = Router(tags=[_l("积分考评")])
router.add_router("", staff.router)
router.add_router("", juror.router)
router.add_router("", public.router)
