"""Database passwords are never printed: in messages, in `--debug`, wherever they sit in
the URL and whatever characters they hold."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from sqlalchemy.engine import make_url

from cpts_workflow.store.database import mask_url, redact

# Passwords holding what breaks a naive parse of a URL.
PASSWORDS = ["s3cr3t-Mot", "p@ss:w/rd%x", "a@b@c", "::://", "100%", "ÉtéGrün"]


def _forms(password: str) -> set[str]:
    return {password, quote(password, safe=""), quote(password, safe="").lower()}


def _assert_hidden(text: str, password: str) -> None:
    for form in _forms(password):
        assert form not in text, (form, text)


@pytest.mark.parametrize("password", PASSWORDS)
def test_password_in_userinfo_is_hidden(password):
    url = f"postgresql+psycopg://cpts:{quote(password, safe='')}@db.example.fr:5432/cpts"
    assert make_url(url).password == password  # the URL really carries it
    shown = mask_url(url)
    _assert_hidden(shown, password)
    assert shown == "postgresql+psycopg://cpts:***@db.example.fr:5432/cpts"


@pytest.mark.parametrize("password", PASSWORDS)
def test_password_in_query_string_is_hidden(password):
    url = (f"postgresql+psycopg://cpts@db.example.fr/cpts?sslmode=require"
           f"&password={quote(password, safe='')}")
    shown = mask_url(url)
    _assert_hidden(shown, password)
    assert shown == "postgresql+psycopg://cpts@db.example.fr/cpts?sslmode=require&password=***"
    only = mask_url(f"postgresql+psycopg://cpts@h/cpts?password={quote(password, safe='')}")
    assert only == "postgresql+psycopg://cpts@h/cpts?password=***"


def test_both_places_and_other_secret_parameters():
    url = "postgresql+psycopg://u:one%40@h/db?sslpassword=two&PASSWORD=three&application_name=x"
    shown = mask_url(url)
    for secret in ("one", "two", "three"):
        assert secret not in shown
    assert "application_name=x" in shown and "u:***@h" in shown


def test_unreadable_url_shows_nothing_of_it():
    assert mask_url("postgresql+psycopg//cpts:secret@h/db") == "<URL illisible>"


def test_redact_traceback_text():
    url = "postgresql+psycopg://cpts:p%40ss%3Aw@h/db?password=q%2Fx"
    text = (f"Traceback …\nArgumentError: Could not parse '{url}'\n"
            "psycopg said: password 'p@ss:w' and 'q/x' refused")
    out = redact(text, [url])
    for secret in ("p@ss:w", "p%40ss%3Aw", "q/x", "q%2Fx"):
        assert secret not in out, out
    assert "postgresql+psycopg://cpts:***@h/db?password=***" in out


@pytest.mark.parametrize("password", PASSWORDS)
@pytest.mark.parametrize("where", ["userinfo", "query"])
@pytest.mark.parametrize("debug", [False, True])
def test_cli_error_never_prints_the_password(cpts, password, where, debug):
    """A base that cannot be reached (nothing listens on port 1): the message names it,
    masked, in French; `--debug` adds the traceback, masked as well."""
    secret = quote(password, safe="")
    url = (f"postgresql+psycopg://cpts:{secret}@127.0.0.1:1/x" if where == "userinfo"
           else f"postgresql+psycopg://cpts@127.0.0.1:1/x?password={secret}")
    result = cpts(*(["--debug"] if debug else []), "--db", url, "list")
    assert result.exit_code == 1, result.output
    assert "Impossible d'utiliser la base postgresql+psycopg://cpts" in result.stderr
    _assert_hidden(result.output, password)
    assert ("Traceback" in result.stderr) == debug
    assert "***" in result.stderr


def test_cli_unreadable_url_with_debug(cpts):
    result = cpts("--debug", "--db", "postgresql+psycopg//cpts:Secr3tPw@h/db", "list")
    assert result.exit_code == 1
    assert "Secr3tPw" not in result.output
    assert "n'est pas comprise" in result.stderr


@pytest.mark.postgresql
@pytest.mark.parametrize("where", ["userinfo", "query"])
def test_postgres_messages_hide_the_real_password(cpts, pg_url, where):
    url = make_url(pg_url)
    password = url.password
    assert password
    if where == "query":
        url = url.set(password=None).update_query_dict({"password": password})
    text = url.render_as_string(hide_password=False)
    result = cpts("--db", text, "init")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Base prête : postgresql+psycopg://")
    assert f":{password}@" not in result.stdout and f"password={password}" not in result.stdout
    assert "***" in result.stdout
    # A wrong password: the server refuses it; neither password is printed.
    wrong = "Wr0ng%40pass"
    bad = (url.set(password="Wr0ng@pass") if where == "userinfo"
           else url.update_query_dict({"password": "Wr0ng@pass"}))
    result = cpts("--debug", "--db", bad.render_as_string(hide_password=False), "list")
    assert result.exit_code == 1
    assert "Wr0ng@pass" not in result.output and wrong not in result.output


def test_redact_leaves_text_without_secrets_as_written():
    for text in ("Vérifiez --db (ex. sqlite:///cpts.db ou postgresql+psycopg://utilisateur@hote/base).",
                 "La base sqlite:///home/élise/données/cpts.db est prête.",
                 "Voir https://sqlalche.me/e/21/e3q8)"):
        assert redact(text) == text
    assert mask_url("sqlite:////home/élise/cpts.db") == "sqlite:////home/élise/cpts.db"


def test_short_password_does_not_blank_ordinary_words(cpts, tmp_path):
    """The password « cpts » must not turn « cpts-workflow » into « ***-workflow »."""
    url = f"sqlite:///{tmp_path / 'dossier-fichier'}/x.db"
    (tmp_path / "dossier-fichier").write_text("")
    result = cpts("--db", url, "list")
    assert result.exit_code == 1
    assert "***" not in result.stderr
    result = cpts("--db", "postgresql+psycopg://cpts:cpts@127.0.0.1:1/cpts", "list")
    assert "postgresql+psycopg://cpts:***@127.0.0.1:1/cpts" in result.stderr
    assert "--db ou CPTS_DATABASE_URL" in result.stderr
