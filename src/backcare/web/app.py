"""The application factory (one app per settings; tests make one per database)."""
from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..errors import problems_from_errors
from ..records import FieldErrors, Forbidden, Locked, NotFound, Records
from ..storage.db import make_engine, make_sessionmaker
from .security import CsrfFailed, LoginLimiter, LoginRequired, SessionStore
from .settings import Settings

HERE = Path(__file__).resolve().parent
DESCRIPTION = (
    "Client records and low back pain assessment for manual therapists. "
    "Decision support, not a diagnosis. Log in with POST /api/login; send the "
    "returned csrf_token as the X-CSRF-Token header on every POST, PUT and DELETE."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    sessions = make_sessionmaker(engine)
    records = Records(sessions)

    # The interactive docs are served from local copies of Swagger UI (static/swagger,
    # from the swagger-ui-dist package): a clinic may have no internet access.
    app = FastAPI(title="backcare", version=__version__, description=DESCRIPTION,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.engine = engine
    app.state.records = records
    app.state.sessions = SessionStore(sessions, records, settings)
    app.state.limiter = LoginLimiter(settings.login_max_failures, settings.login_window_seconds)
    app.state.templates = templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals["version"] = __version__
    from .filters import register

    register(templates.env)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    from . import admin, api, pages, visits

    app.include_router(api.router)
    app.include_router(pages.router)
    app.include_router(visits.router)
    app.include_router(admin.router)
    _error_handlers(app, templates)
    _security_headers(app)
    return app


# Scripts only from this site (htmx and app.js are served locally); styles may be
# inline (htmx injects its indicator style). The API docs page starts Swagger UI
# with an inline script, so it alone goes without this policy.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")


def _security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if request.url.path != "/api/docs":
            response.headers.setdefault("Content-Security-Policy", CSP)
        if not request.url.path.startswith("/static/"):
            # Pages and API answers hold health data: never keep them in a shared or back/forward cache.
            response.headers["Cache-Control"] = "no-store"
        return response


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    def page(request: Request, status: int, title: str, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": message}, status_code=status)
        session = getattr(request.state, "session", None)  # keep the navigation for a signed-in user
        context = {"title": title, "message": message, "user": session.actor if session else None,
                   "csrf_token": session.csrf_token if session else ""}
        return templates.TemplateResponse(request, "error.html", context, status_code=status)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if _wants_json(request):
            return JSONResponse({"detail": "Log in first (POST /api/login)."}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return page(request, 403, "Request refused", "The form was out of date or not sent by backcare. Reload the page and try again.")

    @app.exception_handler(NotFound)
    async def _not_found(request: Request, exc: NotFound) -> Response:
        return page(request, 404, "Not found", "There is no such record.")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        return page(request, 403, "Not allowed", f"Not allowed: {exc}.")

    @app.exception_handler(Locked)
    async def _locked(request: Request, exc: Locked) -> Response:
        return page(request, 409, "Signed note", "This note is signed and can no longer be edited; add an amendment instead.")

    @app.exception_handler(FieldErrors)
    async def _fields(request: Request, exc: FieldErrors) -> Response:
        return JSONResponse({"detail": "Some fields need attention.", "errors": exc.errors}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        if any(e.get("type") == "json_invalid" for e in exc.errors()):
            return JSONResponse({"detail": "The request body is not valid JSON."}, status_code=400)
        return JSONResponse({"detail": "Some fields need attention.", "problems": problems_from_errors(exc.errors())}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Not allowed", 429: "Too many attempts"}
        return page(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.get("/api/docs", include_in_schema=False)
    async def _docs() -> HTMLResponse:
        from fastapi.openapi.docs import get_swagger_ui_html

        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="backcare API",
                                   swagger_js_url="/static/swagger/swagger-ui-bundle.js",
                                   swagger_css_url="/static/swagger/swagger-ui.css",
                                   swagger_favicon_url="/static/favicon.svg")

    @app.get("/healthz", include_in_schema=False, response_class=HTMLResponse)
    async def _health() -> str:
        return "ok"
