"""The database handle: URL resolution, engine, sessions and schema upgrades.

SQLite in the user's data directory by default; `--db URL` or `CPTS_DATABASE_URL` for
another file or a shared PostgreSQL base. A user's own SQLite base is brought up to date
through Alembic by any use; a shared PostgreSQL base is created on first use but upgraded
only on request (`Database.ensure_schema(upgrade=True)`), since other server processes may
still run the previous program on it. A base made by a newer program is refused.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import (
    ArgumentError,
    DataError,
    IntegrityError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.exc import DatabaseError as DriverError
from sqlalchemy.orm import Session, sessionmaker

from .. import french
from ..errors import BadInput, Busy, Conflict, CptsError, DatabaseError, SchemaOutdated

# Newest Alembic revision this program knows; tests check it matches the scripts.
SCHEMA_HEAD = "0008"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
APP_NAME = "cpts-workflow"
# How long a SQLite writer waits for another one before saying the base is busy.
DEFAULT_BUSY_SECONDS = 10.0
POOL_SIZE, POOL_OVERFLOW = 15, 5  # PostgreSQL connections kept per process, and opened on top


def default_url() -> str:
    """`CPTS_DATABASE_URL`, else a SQLite file in the platform's user data directory."""
    env = os.environ.get("CPTS_DATABASE_URL")
    if env:
        return env
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path(APP_NAME) / 'cpts.db'}"


# Query-string parameters whose value is a secret (libpq's `password`, `sslpassword`…).
_SECRET_WORDS = ("pass", "secret", "token")


def _is_secret_key(key: str) -> bool:
    return any(word in key.lower() for word in _SECRET_WORDS)


def mask_url(url: str | URL) -> str:
    """The URL with its password hidden, for every message and log.

    SQLAlchemy renders it (`hide_password`), whatever characters the password holds; a
    password given in the query string (`?password=…`) is hidden as well.
    """
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        return "<URL illisible>"
    hidden = sorted(k for k in parsed.query if _is_secret_key(k))
    if isinstance(url, str) and parsed.password is None and not hidden:
        return url  # nothing to hide: as typed (SQLAlchemy would %-encode an accented path)
    shown = parsed.difference_update_query(hidden).render_as_string(hide_password=True)
    if not hidden:
        return shown
    return shown + ("&" if parsed.query.keys() - set(hidden) else "?") + "&".join(
        f"{key}=***" for key in hidden
    )


def url_secrets(url: str | URL) -> set[str]:
    """The secrets a URL holds (password, secret query values), as written and decoded."""
    from urllib.parse import quote, quote_plus

    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError, TypeError):
        return set()
    values = [parsed.password] if parsed.password else []
    for key, value in parsed.query.items():
        if _is_secret_key(key):
            values += [value] if isinstance(value, str) else list(value)
    found = set()
    for value in values:
        if value:
            found |= {str(value), quote(str(value), safe=""), quote_plus(str(value))}
    return found


def _masked_token(token: str) -> str:
    """A URL found in a text, masked when it holds a secret, else left as written."""
    try:
        parsed = make_url(token)
    except (ArgumentError, ValueError, TypeError):
        return "<URL illisible>" if "@" in token else token
    if parsed.password is None and not any(_is_secret_key(k) for k in parsed.query):
        return token
    return mask_url(parsed)


def redact(text: str, urls: Iterable[str | URL] = ()) -> str:
    """`text` (an error message, a traceback) without any secret of `urls`.

    Every database URL written in it is rendered again through `mask_url`; then any
    password left (quoted by a driver, say) is blanked out.
    """
    import re

    text = re.sub(r"\b[a-z][a-z0-9+.-]*://[^\s'\"<>]+", lambda m: _masked_token(m.group(0)), text)
    secrets = set().union(*(url_secrets(u) for u in urls)) if urls else set()
    for secret in sorted(secrets, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def _connect_hint(url: str) -> str:
    return (
        "Vérifiez l'adresse de la base (ex. sqlite:///cpts.db ou "
        "postgresql+psycopg://utilisateur@hote/base)."
    )


class Database:
    """One base: a lazily created engine, sessions, and its schema kept up to date.

    Safe to share between threads: the engine, the session factory and the schema check
    are made once, under a lock.
    """

    def __init__(self, url: str | None = None, *, busy_seconds: float | None = None) -> None:
        self.url = url or default_url()
        self.busy_seconds = busy_seconds if busy_seconds is not None else _busy_seconds()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._readers: sessionmaker[Session] | None = None
        self._checked = False
        self._lock = threading.RLock()

    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._create_engine()
        return self._engine

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def _create_engine(self) -> Engine:
        try:
            url = make_url(self.url)
        except ArgumentError:
            raise DatabaseError(
                f"L'adresse de base « {self.display_url} » n'est pas comprise.", _connect_hint(self.url),
                topic="database_url",
            ) from None
        is_sqlite = url.get_backend_name() == "sqlite"
        if is_sqlite and url.database and url.database != ":memory:":
            from .filemodes import create_private_base

            create_private_base(Path(url.database).expanduser())
        # A server process answers up to 40 requests at once (anyio's thread pool): keep
        # connections open for most of them instead of opening one per request past the
        # default 5 (a PostgreSQL connection costs a process on the server). At most 20 per
        # process: `cpts serve --workers 4` stays under PostgreSQL's default 100.
        pool = {} if is_sqlite else {"pool_size": POOL_SIZE, "max_overflow": POOL_OVERFLOW}
        try:
            engine = create_engine(url, future=True, **pool)
        except NoSuchModuleError:
            raise DatabaseError(
                f"Le type de base « {url.drivername} » n'est pas pris en charge.",
                "Utilisez sqlite:///chemin.db ou postgresql+psycopg://utilisateur@hote/base.",
            ) from None
        except ModuleNotFoundError as exc:
            raise DatabaseError(
                f"Le pilote de base « {url.drivername} » n'est pas installé ({exc}).",
                "Pour PostgreSQL : pip install 'cpts-workflow[postgresql]'.",
            ) from None
        if is_sqlite:
            busy_ms = max(0, int(self.busy_seconds * 1000))
            event.listen(engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, busy_ms))
            event.listen(engine, "begin", _sqlite_begin)
        return engine

    @contextmanager
    def session(self, *, read_only: bool = False) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error.

        `read_only=True` for a transaction that only reads: on SQLite it starts with a plain
        `BEGIN` and reads the last committed state (WAL) without waiting for a writer; a
        writing one starts with `BEGIN IMMEDIATE` and waits its turn.
        """
        self.ensure_schema()
        session = self._maker(read_only)()
        try:
            with session.begin():
                yield session
        except (OperationalError, InterfaceError) as exc:
            raise _operational(exc, self) from None
        except IntegrityError as exc:
            if _is_unique_violation(exc):
                # Two people created the same thing at once (a slug, an item state): the
                # loser's transaction is rolled back whole and can simply be replayed.
                raise Conflict(
                    "Une autre modification a enregistré la même donnée au même moment ; "
                    "la vôtre n'a pas été enregistrée.",
                    "Relancez la commande : elle s'appliquera à la version à jour.",
                ) from None
            raise DatabaseError(
                "La base refuse cette modification (une référence entre données ne tient "
                "pas) ; rien n'a été enregistré.",
                "Faites vérifier l'intégrité de la base.",
            ) from None
        except DataError:
            # PostgreSQL checks lengths and ranges the limits should have caught first.
            raise BadInput(
                "La base refuse une valeur (trop longue, hors limites ou caractère interdit) ; "
                "rien n'a été enregistré.",
                "Raccourcissez ou corrigez le texte ou le nombre donné.",
            ) from None
        except DriverError as exc:  # « file is not a database », a truncated file…
            raise _operational(exc, self) from None
        finally:
            session.close()

    def _maker(self, read_only: bool) -> sessionmaker[Session]:
        with self._lock:  # server threads may ask for the first time together
            if read_only:
                if self._readers is None:
                    bind = self.engine.execution_options(cpts_read_only=True)
                    self._readers = sessionmaker(bind, expire_on_commit=False)
                return self._readers
            if self._sessions is None:
                self._sessions = sessionmaker(self.engine, expire_on_commit=False)
            return self._sessions

    # --- schema ----------------------------------------------------------------------

    def current_revision(self) -> str | None:
        try:
            with self.engine.execution_options(cpts_read_only=True).connect() as conn:
                if not inspect(conn).has_table("alembic_version"):
                    return None
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (DriverError, InterfaceError) as exc:
            raise _operational(exc, self) from None

    def ensure_schema(self, *, upgrade: bool = False) -> None:
        """Create an empty base, upgrade an older one (always for SQLite, on request for
        PostgreSQL), refuse one made by a newer program. Cheap when up to date."""
        if self._checked:
            return
        with self._lock:
            if self._checked:
                return
            revision = self.current_revision()
            if revision != SCHEMA_HEAD:
                if revision is not None and revision not in known_revisions():
                    raise DatabaseError(
                        f"La base {self.display_url} a été créée par une version plus récente de "
                        f"cpts-workflow (schéma « {revision} »).",
                        "Mettez à jour le programme : pip install --upgrade cpts-workflow.",
                    )
                if revision is not None and not (upgrade or self.is_sqlite):
                    raise SchemaOutdated(
                        f"Le schéma de la base partagée {self.display_url} est en retard sur le "
                        f"programme (« {revision} », attendu « {SCHEMA_HEAD} »).",
                        "Une personne qui administre la base doit la mettre à jour, une fois, "
                        "avant toute autre utilisation.",
                    )
                self.upgrade()
            self._checked = True

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        try:
            with self.engine.begin() as conn:
                config = alembic_config()
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
        except (DriverError, InterfaceError) as exc:
            raise _operational(exc, self) from None
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"La mise à jour du schéma de la base {self.display_url} a échoué.",
                "Rien n'a été modifié ; le détail technique s'affiche en mode débogage.",
            ) from exc

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


def alembic_config():  # -> alembic.config.Config, imported lazily
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def _busy_seconds() -> float:
    """`CPTS_BUSY_TIMEOUT` (seconds), else 10: how long a writer waits on SQLite."""
    try:
        value = float(os.environ.get("CPTS_BUSY_TIMEOUT") or DEFAULT_BUSY_SECONDS)
    except ValueError:
        return DEFAULT_BUSY_SECONDS
    return value if 0 <= value <= 3600 else DEFAULT_BUSY_SECONDS


def _sqlite_pragmas(dbapi_connection, busy_ms: int) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" event issues BEGIN (IMMEDIATE)
    # itself, so that two writers serialize instead of failing half-way (pysqlite's recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    # WAL: readers see the last committed state while a writer works, and never wait.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin(conn) -> None:
    # A reader's deferred BEGIN takes no lock; a writer takes the write lock first, so
    # that what it read cannot be changed by another writer before it writes.
    read_only = conn.get_execution_options().get("cpts_read_only")
    conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


# PostgreSQL SQLSTATEs meaning "someone else holds or changed this; replay the transaction".
_RETRYABLE_SQLSTATES = {
    "40001": "conflit de sérialisation",
    "40P01": "interblocage",
    "55P03": "verrou indisponible",
}


def _is_unique_violation(exc: IntegrityError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    return sqlstate == "23505" or "UNIQUE constraint failed" in str(exc.orig)


def _operational(exc: DriverError | InterfaceError, db: Database) -> CptsError:
    """A driver error as one French sentence: busy or serialization → `Conflict`."""
    text_ = str(exc.orig) if exc.orig else str(exc)
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate in _RETRYABLE_SQLSTATES:
        return Conflict(
            "Une autre personne modifiait les mêmes données au même moment "
            f"({_RETRYABLE_SQLSTATES[sqlstate]}) ; votre modification n'a pas été enregistrée.",
            "Relancez la commande : elle s'appliquera à la version à jour.",
        )
    if "locked" in text_ or "busy" in text_:
        return Busy(
            "Base occupée : une autre opération (un import, une autre commande) y écrit "
            f"depuis plus de {french.plural(round(db.busy_seconds), 'seconde')} ; votre modification n'a pas "
            "été enregistrée.",
            "Réessayez quand elle sera terminée (les lectures restent possibles).",
            topic="busy",
        )
    return DatabaseError(
        f"Impossible d'utiliser la base {db.display_url} : {_french_reason(text_)}.",
        _connect_hint(db.url),
        topic="database_url",
    )


# What drivers say, in English, as French words; the driver's own text is shown with
# --debug only (it may quote a password).
_DRIVER_REASONS = (
    ("file is not a database", "ce fichier n'est pas une base SQLite"),
    ("malformed", "base endommagée (fichier tronqué ou corrompu)"),
    ("unable to open database file", "fichier de base impossible à ouvrir (dossier absent "
                                     "ou droits insuffisants)"),
    ("disk i/o error", "erreur d'entrée-sortie du disque"),
    ("database or disk is full", "disque plein"),
    ("readonly database", "base en lecture seule"),
    ("no such table", "schéma incomplet (base endommagée ?)"),
    ("password authentication failed", "authentification refusée (utilisateur ou mot de passe)"),
    ("does not exist", "base ou utilisateur inexistant sur le serveur"),
    ("connection refused", "connexion refusée par le serveur"),
    ("could not translate host name", "serveur introuvable"),
    ("name or service not known", "serveur introuvable"),
    ("timeout", "délai de connexion dépassé"),
    ("timed out", "délai de connexion dépassé"),
    ("server closed the connection", "le serveur a fermé la connexion"),
    ("ssl", "échec de la connexion chiffrée (SSL)"),
)


def _french_reason(message: str) -> str:
    low = message.lower()
    return next((fr for en, fr in _DRIVER_REASONS if en in low), "le pilote de base a refusé "
                "l'opération (détail technique en mode débogage)")
