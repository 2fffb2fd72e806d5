"""The application factory (one app per settings; tests make one per database)."""
from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, FileSystemLoader
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

from .. import __version__
from ..clinical.errors import problems_from_errors
from ..records import FieldErrors, Forbidden, Locked, NotFound, Records
from ..storage.db import make_engine, make_sessionmaker
from .security import ClientModeActive, CsrfFailed, LoginRequired, PasswordChangeRequired, SessionStore
from .settings import Settings
from .static_files import HashedStaticFiles

HERE = Path(__file__).resolve().parent
PACKAGE = HERE.parent
DESCRIPTION = (
    "Client records and low back pain assessment for manual therapists. "
    "Decision support, not a diagnosis. Log in with POST /api/login; send the "
    "returned csrf_token as the X-CSRF-Token header on every POST, PUT and DELETE. "
    "Every error answer is a JSON object with `detail` (a sentence) and, for input "
    "problems, `problems` (one line per field) or `errors` (field -> message)."
)

# Template folders: the web app's own, and those of the domains that bring pages of their own.
TEMPLATE_DIRS = [HERE / "templates", HERE / "visits" / "templates", HERE / "outcomes" / "templates", HERE / "intake" / "templates",
                 HERE / "treatment" / "templates", HERE / "homecare" / "templates"]


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    sessions, read_sessions = make_sessionmaker(engine), make_sessionmaker(engine, read_only=True)
    records = Records(sessions, read_sessions)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        from .pdf import shutdown, warm

        warm()  # the PDF processes start with the server, not with the first PDF
        _freeze_what_lives_forever()
        yield
        shutdown()
        engine.dispose()

    # The interactive docs are served from local copies of Swagger UI (static/swagger,
    # from the swagger-ui-dist package): a clinic may have no internet access.
    app = FastAPI(title="backcare", version=__version__, description=DESCRIPTION, lifespan=lifespan,
                  docs_url=None, redoc_url=None, openapi_url="/api/openapi.json")
    app.state.settings = settings
    app.state.engine = engine
    app.state.records = records
    app.state.sessions = SessionStore(engine, settings)
    app.state.limiter = _limiter(settings, sessions, read_sessions)
    app.state.wording = _wording(settings)
    app.state.templates = templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.loader = ChoiceLoader([FileSystemLoader(str(d)) for d in TEMPLATE_DIRS])
    templates.env.globals["version"] = __version__
    from .filters import register

    register(templates.env)
    static = HashedStaticFiles(directory=HERE / "static")
    templates.env.globals["static_url"] = static.url
    app.mount("/static", static, name="static")

    from . import account, admin, api, clients, clinic, exchange, homecare, intake, outcomes, records_law, today, treatment, visits

    for module in (api, account, today, clients, visits, outcomes, intake, homecare, exchange, clinic, admin, treatment,
                   records_law):
        app.include_router(module.router)
    app.include_router(outcomes.api_router)
    app.include_router(exchange.api_router)
    _error_handlers(app, templates)
    from .gate import RequestGate, ServerErrors

    # Outermost last: security headers on every answer, then the last word on errors, then the gate.
    app.add_middleware(RequestGate, sessions=app.state.sessions)
    app.add_middleware(ServerErrors)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(Compression)
    return app


class Compression:
    """gzip: pages and scripts at level 6, the JSON API's answers at level 1.

    Pages and scripts shrink about tenfold. A saved visit's answer is 32 KB of
    JSON: level 6 made it 7.8 KB for 0.48 ms of the save's CPU, level 1 makes it
    9.2 KB for 0.18 ms. PDFs are compressed inside already, and a body under a
    kilobyte is not worth the work.
    """

    def __init__(self, app):
        skip = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf")
        self.pages = GZipMiddleware(app, minimum_size=1024, compresslevel=6, exclude_content_types=skip)
        self.api = GZipMiddleware(app, minimum_size=1024, compresslevel=1, exclude_content_types=skip)

    async def __call__(self, scope, receive, send):
        api = scope["type"] == "http" and scope["path"].startswith("/api/")
        await (self.api if api else self.pages)(scope, receive, send)


def _freeze_what_lives_forever() -> None:
    """Keep what the server loads once (code, the knowledge base, the vocabulary) out of the garbage collector's
    full passes. Each full pass walked all of it (some 145,000 objects, 40-70 ms) while every request waited: with
    sixteen therapists saving at once, one such pause was the worst save's delay. Objects made later are collected
    as usual."""
    import gc

    from ..clinical.knowledge.runtime import load_knowledge
    from ..clinical.vocabulary import vocabulary

    load_knowledge()
    vocabulary()
    gc.collect()
    gc.freeze()


def _wording(settings: Settings):
    """The licensed wording of questionnaires a clinic installed (None: backcare's paraphrase); checked at start."""
    if not settings.instrument_wording:
        return None
    from ..outcomes.wording import load_wording

    return load_wording(settings.instrument_wording)


def _limiter(settings: Settings, sessions, read_sessions):
    if settings.redis_url:
        from .ratelimit import RedisLimiter

        return RedisLimiter(settings.redis_url, settings.login_max_failures, settings.login_window_seconds)
    from .ratelimit import DatabaseLimiter

    return DatabaseLimiter(sessions, read_sessions, settings.login_max_failures, settings.login_window_seconds)


# Scripts only from this site (htmx and app.js are served locally); styles may be
# inline (htmx injects its indicator style). The API docs page starts Swagger UI
# with one inline script: its policy allows that script by its hash, nothing else.
CSP = ("default-src 'self'; script-src 'self'{extra}; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
       "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'")
_COMMON = [(b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"), (b"referrer-policy", b"same-origin"),
           # Browsers keep to HTTPS for a year once they have seen this over HTTPS (it is ignored over plain HTTP).
           (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
           # A clinic app needs none of these powerful features: no page or injected script may ask for them.
           (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=()")]


def _docs_page() -> tuple[bytes, str]:
    """The API docs page (local Swagger UI) and its policy, which allows its one inline script by hash (the
    route serves the same page with the assets' hashed names: the inline script does not name them)."""
    import base64
    import hashlib
    import re

    from fastapi.openapi.docs import get_swagger_ui_html

    page = get_swagger_ui_html(openapi_url="/api/openapi.json", title="backcare API",
                               swagger_js_url="/static/swagger/swagger-ui-bundle.js", swagger_css_url="/static/swagger/swagger-ui.css",
                               swagger_favicon_url="/static/favicon.svg").body
    hashes = [base64.b64encode(hashlib.sha256(script).digest()).decode()
              for script in re.findall(rb"<script>(.*?)</script>", page, re.S)]
    return page, CSP.format(extra="".join(f" 'sha256-{h}'" for h in hashes))


_, DOCS_CSP = _docs_page()
PAGE_CSP = CSP.format(extra="")


class SecurityHeaders:
    """Security headers on every answer; pages and API answers are never cached (they hold health data).

    A plain ASGI middleware: Starlette's BaseHTTPMiddleware costs a task per request.
    """

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                headers = [h for h in message.get("headers", []) if h[0].lower() != b"cache-control" or path.startswith("/static/")]
                headers += [h for h in _COMMON if h[0] not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", (DOCS_CSP if path == "/api/docs" else PAGE_CSP).encode()))
                if not path.startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def wants_json(request: Request) -> bool:
    """The API, and the page scripts that ask for JSON (autosave), get JSON errors."""
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _error_handlers(app: FastAPI, templates: Jinja2Templates) -> None:
    def page(request: Request, status: int, title: str, message: str) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": message}, status_code=status)
        from .render import page_context

        context = {**page_context(request), "title": title, "message": message}  # keeps a signed-in user's navigation
        return templates.TemplateResponse(request, "error.html", context, status_code=status)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if wants_json(request):
            message = "Log in first (POST /api/login)." if request.url.path.startswith("/api/") else "Your session has ended; sign in again."
            return JSONResponse({"detail": message}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": "/login"})
        return RedirectResponse(f"/login?next={target}", status_code=303)

    @app.exception_handler(PasswordChangeRequired)
    async def _password(request: Request, exc: PasswordChangeRequired) -> Response:
        if wants_json(request):
            return JSONResponse({"detail": "Choose a new password first (the account's password was reset)."}, status_code=403)
        return RedirectResponse("/account/password", status_code=303)

    @app.exception_handler(ClientModeActive)
    async def _client_mode(request: Request, exc: ClientModeActive) -> Response:
        # Back button, a typed address, the API: whatever is asked, the client sees only their questionnaire.
        if wants_json(request):
            return JSONResponse({"detail": "This session is in client mode; the therapist must unlock it first."}, status_code=403)
        return RedirectResponse("/client-mode", status_code=303)

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
        errors = exc.errors()
        if not wants_json(request):
            # A malformed address (/clients/abc) is simply not a record.
            return page(request, 404, "Not found", "There is no such page or record.")
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"detail": "The request body is not valid JSON."}, status_code=400)
        return JSONResponse({"detail": "Some fields need attention.", "problems": problems_from_errors(errors)}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        titles = {404: "Not found", 405: "Not allowed", 413: "Too large", 429: "Too many attempts"}
        return page(request, exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.get("/api/docs", include_in_schema=False)
    async def _docs() -> HTMLResponse:
        # Assets by their hashed names; the one inline script is the same, so DOCS_CSP's hash still allows it.
        from fastapi.openapi.docs import get_swagger_ui_html

        static_url = templates.env.globals["static_url"]
        return get_swagger_ui_html(openapi_url="/api/openapi.json", title="backcare API",
                                   swagger_js_url=static_url("swagger/swagger-ui-bundle.js"),
                                   swagger_css_url=static_url("swagger/swagger-ui.css"),
                                   swagger_favicon_url=static_url("favicon.svg"))

    @app.get("/healthz", include_in_schema=False, response_class=HTMLResponse)
    async def _health() -> str:
        return "ok"
