"""The database handle: URL resolution, engine, sessions and schema upgrades.

SQLite in the user's data directory by default; `--db URL` or `CPTS_DATABASE_URL` for
another file or a shared PostgreSQL base. Every command brings an older schema up to
date through Alembic, and refuses a base made by a newer program.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import (
    ArgumentError,
    IntegrityError,
    InterfaceError,
    NoSuchModuleError,
    OperationalError,
    SQLAlchemyError,
)
from sqlalchemy.orm import Session, sessionmaker

from ..errors import Conflict, CptsError, DatabaseError
from ..files import os_reason

# Newest Alembic revision this program knows; tests check it matches the scripts.
SCHEMA_HEAD = "0005"
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
        "Vérifiez l'adresse donnée par --db ou CPTS_DATABASE_URL (ex. sqlite:///cpts.db ou "
        "postgresql+psycopg://utilisateur@hote/base)."
    )


class Database:
    """One base: a lazily created engine, sessions, and its schema kept up to date."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or default_url()
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._checked = False

    @property
    def display_url(self) -> str:
        return mask_url(self.url)

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        try:
            url = make_url(self.url)
        except ArgumentError:
            raise DatabaseError(
                f"L'adresse de base « {self.display_url} » n'est pas comprise.", _connect_hint(self.url)
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
            raise
        finally:
            session.close()

    # --- schema ----------------------------------------------------------------------

    def current_revision(self) -> str | None:
        try:
            with self.engine.connect() as conn:
                if not inspect(conn).has_table("alembic_version"):
                    return None
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except OperationalError as exc:
            raise _operational(exc, self) from None

    def ensure_schema(self) -> None:
        """Upgrade an older base; refuse one made by a newer program. Cheap when up to date."""
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
            self.upgrade()
        self._checked = True

    def upgrade(self, revision: str = "head") -> None:
        from alembic import command

        try:
            with self.engine.begin() as conn:
                config = alembic_config()
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
        except OperationalError as exc:
            raise _operational(exc, self) from None
        except SQLAlchemyError as exc:
            raise DatabaseError(
                f"La mise à jour du schéma de la base {self.display_url} a échoué : {exc.__class__.__name__}.",
                "Rien n'a été modifié ; relancez avec --debug pour le détail.",
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


def _operational(exc: OperationalError | InterfaceError, db: Database) -> CptsError:
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
        f"Impossible d'utiliser la base {db.display_url} : {_first_line(text_, db)}.",
        _connect_hint(db.url),
    )


def _first_line(message: str, db: Database) -> str:
    line = message.strip().splitlines()[0] if message.strip() else "erreur inconnue"
    password = make_url(db.url).password if "://" in db.url else None
    return line.replace(str(password), "***") if password else line
