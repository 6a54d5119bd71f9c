from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from . import services

router = Router(tags=["账号"])


class TokenIn(Schema):
    login: str
    password: str
    name: str = "API"


class TokenOut(Schema):
    token: str
    name: str


class MeOut(Schema):
    id: int
    username: str
    name: str
    roles: list[dict]


@router.post("/token", auth=None, response={201: TokenOut, 400: dict, 403: dict}, summary="用账号密码换取令牌")
def create_token(request, data: TokenIn):
    try:
        user = services.user_login(request=request, login=data.login, password=data.password)
    except PermissionDenied as exc:
        return Status(403, {"detail": str(exc)})
    except ValidationError as exc:
        return Status(400, {"detail": _("用户名/手机号或密码不正确"), "errors": exc.messages})
    token, key = services.token_create(actor=user, name=data.name)
    return Status(201, {"token": key, "name": token.name})


@router.get("/me", response=MeOut, summary="当前用户及其角色")
def me(request):
    from gongzhi.territory.selectors import active_roles  # territory builds on accounts

    roles = [
        {"role": r.role, "role_label": r.get_role_display(), "target": r.target_label} for r in active_roles(request.user)
    ]
    return {"id": request.user.pk, "username": request.user.username, "name": request.user.name, "roles": roles}
