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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
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

from ..errors import BadInput, Conflict, CptsError, DatabaseError, SchemaOutdated
from ..files import os_reason

# Newest Alembic revision this program knows; tests check it matches the scripts.
SCHEMA_HEAD = "0003"
MIGRATIONS_DIR = Path(__file__).parent / "migrations"
APP_NAME = "cpts-workflow"


def default_url() -> str:
    """`CPTS_DATABASE_URL`, else a SQLite file in the platform's user data directory."""
    env = os.environ.get("CPTS_DATABASE_URL")
    if env:
        return env
    from platformdirs import user_data_path

    return f"sqlite:///{user_data_path(APP_NAME) / 'cpts.db'}"


def mask_url(url: str) -> str:
    """The URL with its password hidden, for every message and log."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<URL illisible>"


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

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
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
            path = Path(url.database).expanduser()
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise DatabaseError(
                    f"Impossible de créer le dossier de la base {path.parent} ({os_reason(exc)})."
                ) from None
        try:
            engine = create_engine(url, future=True)
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
            event.listen(engine, "connect", _sqlite_pragmas)
            event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any error."""
        self.ensure_schema()
        if self._sessions is None:
            with self._lock:
                if self._sessions is None:
                    self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        session = self._sessions()
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

    # --- schema ----------------------------------------------------------------------

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table("alembic_version"):
                    return None
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except DriverError as exc:
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


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # Autocommit at the driver level; SQLAlchemy's "begin" event issues BEGIN IMMEDIATE so
    # that two writers serialize instead of failing half-way (pysqlite's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _sqlite_begin_immediate(conn) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE")


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
        return Conflict(
            "La base est occupée par une autre opération ; votre modification n'a pas été "
            "enregistrée.",
            "Réessayez dans un instant.",
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
