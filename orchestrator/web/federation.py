"""The province's interface to the cities running their own installation (JSON, under
``/api/v1/federation``): each city, with an API token of one of its accounts at the province,
fetches the signed CAP messages of its orders, acknowledges what it applied, and sends its
signed report-backs. A token answers for its own city only."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, HTTPException
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from orchestrator.accounts.model import Permission, User, allowed, holders
from orchestrator.accounts.service import Accounts
from orchestrator.clock import Clock
from orchestrator.region.exchange import ProvinceExchange
from orchestrator.region.federation import Signed
from orchestrator.web.console.base import Id

_bearer = HTTPBearer(auto_error=False)


def federation_router(exchange: ProvinceExchange, accounts: Accounts, clock: Clock) -> APIRouter:
    router = APIRouter(prefix="/api/v1/federation", tags=["federation"])
    cities = set(exchange.office.federated)

    def city_of(permission: Permission) -> Callable[..., str]:
        def dependency(
            credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        ) -> str:
            if credentials is None or credentials.scheme.lower() != "bearer":
                raise HTTPException(
                    401,
                    "缺少API令牌（Authorization: Bearer …）",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            user: User | None = accounts.token_user(credentials.credentials, now=clock.now())
            if user is None:
                raise HTTPException(
                    401, "API令牌无效或已吊销", headers={"WWW-Authenticate": "Bearer"}
                )
            if user.region not in cities:
                raise HTTPException(403, "该令牌不属于运行独立系统的市，无权使用平台间接口")
            if not allowed(user.role, permission):
                raise HTTPException(
                    403, f"角色（{user.role_label}）无权进行此操作，仅限：{holders(permission)}"
                )
            assert user.region is not None
            return user.region

        return dependency

    Reader = Annotated[str, Depends(city_of(Permission.VIEW))]
    Writer = Annotated[str, Depends(city_of(Permission.DAILY))]

    @router.get("/orders", summary="本市的调度令（签名的CAP消息）")
    async def orders(city: Reader) -> dict[str, Any]:
        found = await run_in_threadpool(exchange.feed, city)
        return {"orders": [m.to_json() for m in found]}

    @router.post("/orders/{ref}/acknowledge", summary="确认已受理调度令（或其解除）")
    async def acknowledge(
        ref: Id, city: Writer, lift: Annotated[bool, Body(embed=True)] = False
    ) -> dict[str, Any]:
        await run_in_threadpool(
            lambda: exchange.acknowledged(city, ref, lift=lift, now=clock.now())
        )
        return {"ref": ref, "lift": lift, "acknowledged": True}

    @router.post("/reports", summary="报送启动情况或落实情况（签名）")
    async def reports(
        city: Writer,
        data: Annotated[str, Body(max_length=200_000)],
        signature: Annotated[str, Body(max_length=200)],
    ) -> dict[str, Any]:
        verdict = await run_in_threadpool(
            lambda: exchange.take_report(
                city, Signed(data.encode("utf-8"), signature), now=clock.now()
            )
        )
        return {"verdict": verdict.value, "message": verdict.label}

    return router
