from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l
from ninja import Router, Schema, Status

from . import services

router = Router(tags=[_l("账号")])


class TokenIn(Schema):
    login: str
    password: str
    name: str = "API"


class TokenOut(Schema):
    token: str
    name: str


class TokenErrorOut(Schema):
    detail: str
    code: str = ""


@router.post(
    "/token", auth=None, response={201: TokenOut, 400: TokenErrorOut, 403: TokenErrorOut, 429: TokenErrorOut},
    summary=_l("用账号密码换取令牌"),
    description=_l("令牌有效期默认 90 天；修改密码、停用账号后失效。同一地址连续失败多次将暂停登录（429）。"),
)
def create_token(request, data: TokenIn):
    try:
        user = services.user_login(request=request, login=data.login, password=data.password)
    except PermissionDenied as exc:
        if getattr(request, "axes_locked_out", False):
            return Status(429, {"detail": str(exc), "code": "locked_out"})
        return Status(403, {"detail": str(exc), "code": "delayed"})
    except ValidationError:
        return Status(400, {"detail": _("用户名/手机号或密码不正确"), "code": "bad_login"})
    if services.password_expired(user):
        return Status(403, {"detail": _("密码已过期，请先登录网页修改密码"), "code": "password_expired"})
    token, key = services.token_create(actor=user, name=data.name)
    return Status(201, {"token": key, "name": token.name})

