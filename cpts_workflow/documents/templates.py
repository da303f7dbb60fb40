"""Template metadata (`meta.yaml`) and the answers model built from its questions."""

from __future__ import annotations

import re
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)

from .. import limits, safe_yaml
from ..errors import BadInput, NotFound
from ..resources import templates_dir
from ..yaml_lines import french_error

FORMATS = ("md", "html", "docx", "odt", "pdf")
QuestionType = Literal[
    "text", "long_text", "integer", "number", "date", "time", "boolean", "choice", "multi_choice"
]
TYPE_LABELS = {
    "text": "texte",
    "long_text": "texte long",
    "integer": "nombre entier",
    "number": "nombre",
    "date": "date",
    "time": "heure",
    "boolean": "oui/non",
    "choice": "choix",
    "multi_choice": "choix multiple",
}
_PY_TYPES: dict[str, Any] = {
    "text": str,
    "long_text": str,
    "integer": int,
    "number": float,
    "date": date,
    "time": str,
    "boolean": bool,
    "choice": str,
    "multi_choice": list[str],
}


class Question(BaseModel):
    """One answer a template needs."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str
    type: QuestionType = "text"
    required: bool = True
    default: Any = None
    choices: tuple[str, ...] = ()
    help: str = ""
    # Bounds of a number (a mandate of −2 years or 0 proxies is refused).
    min: float | None = None
    max: float | None = None
    # The step of a guided interview (web) the question belongs to: consecutive questions
    # of one group are asked together; without groups, a few questions per step.
    group: str = ""
    # Needed only by the final version of a document (the date its statutes were adopted).
    required_final: bool = False
    # A text answer with a known shape, checked when answered (`email`).
    format: Literal["email"] | None = None
    # Answers other documents already hold, used while this one has none, first found
    # wins: `pv_ag.date_ag`, or a bare `statuts` for the same question there. The same
    # fact is asked once; a reused answer stays the other document's (never saved here),
    # an answer given here wins over it.
    fallback: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _fallback(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        data = dict(data)
        sources = data.pop("fallback", None) or []
        sources = [sources] if isinstance(sources, str) else list(sources)
        # `shared: convocation_ag`, written by templates made before `fallback` took every
        # source, is the same as `fallback: convocation_ag`.
        if data.get("shared"):
            sources.append(data["shared"])
        data.pop("shared", None)
        data["fallback"] = tuple(
            s if not isinstance(s, str) or "." in s else f"{s}.{data.get('id')}" for s in sources
        )
        return data

    @field_validator("fallback")
    @classmethod
    def _sources(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for source in value:
            if not re.fullmatch(r"[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*", source):
                raise ValueError(f"« {source} » : attendu modele.question (par exemple pv_ag.date_ag)")
        return value

    def sources(self) -> tuple[tuple[str, str], ...]:
        """The (template, question) pairs whose answer this question reuses, in order."""
        return tuple((s.partition(".")[0], s.partition(".")[2]) for s in self.fallback)

    @field_validator("choices", mode="before")
    @classmethod
    def _choices(cls, value: Any) -> Any:
        return tuple(str(v) for v in value) if isinstance(value, list) else value


class Renamed(BaseModel):
    """A question asked under another id by an earlier version of the template: its saved
    answer is carried over (`usagers_voix_deliberative: non` → `voix_usagers: consultative`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    to: str
    # Old answer (`oui`, `non`, a choice) → new answer; absent: the answer is kept as is.
    values: dict[str, str] = {}


class TemplateMeta(BaseModel):
    """What `meta.yaml` declares about a template."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title: str
    stage: str
    version: str
    output: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    description: str = ""
    # The date answer that proves a dated checklist item (e.g. the AG's date for its PV).
    evidence_date: str | None = None
    questions: tuple[Question, ...] = ()
    # A final version exists (statutes as adopted by the AG), written under this name.
    final_output: str | None = Field(default=None, pattern=r"^[a-z0-9][a-z0-9_-]*$")
    # Templates whose saved answers this one reads (`shared.statuts`), never asks again.
    uses: tuple[str, ...] = ()
    renamed: dict[str, Renamed] = {}
    folder: Path = Field(exclude=True)

    @property
    def source(self) -> Path:
        return self.folder / "template.md.j2"

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    @cached_property
    def answers_model(self) -> type[BaseModel]:
        """A pydantic model of the answers: types, required ones, defaults, choices."""
        fields: dict[str, Any] = {}
        for q in self.questions:
            py = _PY_TYPES[q.type]
            if q.default is not None:
                # An optional answer with a default can still be removed (`federation: ""`).
                fields[q.id] = (py if q.required else py | None, q.default)
            elif q.required:
                fields[q.id] = (py, ...)
            else:
                fields[q.id] = (py | None, None)
        return create_model(f"Answers_{self.id}", __config__=ConfigDict(extra="forbid"), **fields)

    def carry_over(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Answers saved under a question's former id, moved to its current id."""
        moved = dict(answers)
        for old, new in self.renamed.items():
            if old not in moved:
                continue
            value = moved.pop(old)
            key = _as_text(value)
            if new.to not in answers:
                moved[new.to] = new.values.get(key, value) if key is not None else value
        return moved

    def validate_answers(self, answers: dict[str, Any]) -> dict[str, Any]:
        """Validated answers as JSON-ready values, or `BadInput` naming the questions."""
        answers = self.carry_over(answers)
        cleaned = {}
        for key, value in answers.items():
            try:
                cleaned[key] = _normalise(self.question(key), value)
            except BadInput as exc:
                question = self.question(key)
                raise BadInput(f"« {question.label if question else key} » ({key}) : "
                               f"{exc.message[0].lower()}{exc.message[1:]}", exc.hint) from None
        for key, value in list(cleaned.items()):
            question = self.question(key)
            # An emptied required answer falls back to its default (or is missing).
            if value is None and question is not None and question.required:
                del cleaned[key]
        try:
            model = self.answers_model.model_validate(cleaned)
        except ValidationError as exc:
            raise BadInput(
                f"Réponses invalides pour « {self.title} » : "
                + " ; ".join(self._explain(e) for e in exc.errors())
                + ".",
                "Corrigez les réponses ; la liste des questions du document dit ce qui est attendu.",
                topic="unanswered",
                details={"template": self.id},
            ) from None
        data = model.model_dump(mode="json")
        for q in self.questions:
            problem = answer_problem(q, data.get(q.id))
            if problem is not None:
                raise BadInput(f"« {q.label} » ({q.id}) : {problem[0]}", problem[1])
        return data

    def validate_answer(self, question_id: str, value: Any) -> Any:
        """One answer checked alone (a step of a guided interview): its JSON value, `None`
        when left empty, or `BadInput` whose message does not repeat the question."""
        question = self.question(question_id)
        if question is None:
            raise NotFound(f"Question « {question_id} » inconnue pour « {self.title} ».")
        value = _normalise(question, value)
        if value is None or value == []:
            return None
        adapter: TypeAdapter[Any] = TypeAdapter(_PY_TYPES[question.type])
        try:
            data = adapter.dump_python(adapter.validate_python(value), mode="json")
        except ValidationError:
            raise BadInput(f"Attendu : {TYPE_LABELS[question.type]}.") from None
        problem = answer_problem(question, data)
        if problem is not None:
            raise BadInput(problem[0][0].upper() + problem[0][1:], problem[1])
        return data

    def _explain(self, error: Any) -> str:
        key = str(error["loc"][0]) if error["loc"] else ""
        q = self.question(key)
        if q is None:
            return f"question inconnue « {key} »"
        kind = error["type"]
        if kind == "missing":
            why = "réponse manquante"
        elif q.type in ("integer", "number", "date", "boolean"):
            why = f"attendu : {TYPE_LABELS[q.type]}"
        else:
            why = "valeur invalide"
        return f"« {q.label} » ({q.id}) : {why}"


def _as_text(value: Any) -> str | None:
    """A yes/no or choice answer as the text `renamed` maps: `True` → `oui`."""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, str):
        low = value.strip().lower()
        return {"true": "oui", "vrai": "oui", "1": "oui", "false": "non", "faux": "non",
                "0": "non"}.get(low, low)
    return None


def answer_problem(q: Question, value: Any) -> tuple[str, str | None] | None:
    """What is wrong with a typed answer (out of its bounds, not a choice), as a message
    without the question's name and a hint; `None` when nothing is."""
    if q.choices and value is not None:
        values = value if isinstance(value, list) else [value]
        wrong = [v for v in values if v not in q.choices]
        if wrong:
            return f"« {wrong[0]} » n'est pas un choix possible.", f"Choix : {', '.join(q.choices)}."
    if not isinstance(value, (int, float)) or isinstance(value, bool):
        return None
    if value != value or value in (float("inf"), float("-inf")):
        return "un nombre fini est attendu.", None
    from .. import french

    def shown(bound: float) -> str:
        return french.number(bound, 0 if float(bound).is_integer() else 2)

    if q.min is not None and value < q.min or q.max is not None and value > q.max:
        if q.min is not None and q.max is not None:
            expected = f"entre {shown(q.min)} et {shown(q.max)}"
        elif q.min is not None:
            expected = f"au moins {shown(q.min)}"
        else:
            expected = f"au plus {shown(q.max)}"  # type: ignore[arg-type]
        return f"{shown(value)} n'est pas possible ; attendu {expected}.", f"Corrigez la réponse « {q.id} »."
    return None


_TIME = re.compile(r"^(\d{1,2})\s*(?:h|H|:)\s*(\d{2})?$")


def parse_time(text: str) -> str:
    """`19h30`, `19:30`, `19 h 30`, `9 h` → `19 h 30`, `9 h`; `25 h 99` refused."""
    found = _TIME.match(text.strip())
    hours, minutes = (int(found.group(1)), int(found.group(2) or 0)) if found else (99, 99)
    if hours > 23 or minutes > 59:
        raise BadInput(
            f"Heure « {text} » invalide.", "Écrivez par exemple 19 h 30, 19h30 ou 19:30."
        )
    return f"{hours} h {minutes:02d}" if minutes else f"{hours} h"


_QUOTED = re.compile(r'"\s*([^"\n]+?)\s*"|“\s*([^”\n]+?)\s*”')


def french_quotes(text: str) -> str:
    """Quoted text in French quotes: `"Bien vieillir"` and `“Bien vieillir”` → `« Bien
    vieillir »` (a lone quote is left as typed)."""
    return _QUOTED.sub(lambda m: f"« {m.group(1) or m.group(2)} »", text)


def _normalise(question: Question | None, value: Any) -> Any:
    """Accept what people type: `01/09/2026`, `oui`, `1 500`, `a, b`."""
    if question is None or value is None:
        return value
    if question.type in ("integer", "number") and isinstance(value, int | float | str):
        if isinstance(value, str) and not value.strip():
            return None
        return limits.parse_number(value, integer=question.type == "integer", example="1500")
    if isinstance(value, list):
        return [limits.clean_text(v, "Un choix") if isinstance(v, str) else v for v in value]
    if isinstance(value, str):
        text = limits.clean_text(value, "La réponse") or ""
        if text == "":
            return None
        if question.type == "date":
            from ..french import parse_date

            return parse_date(text)
        if question.type == "time":
            return parse_time(text)
        if question.format == "email":
            from ..identifiers import clean_email

            return clean_email(text)
        if question.type in ("text", "long_text"):
            text = french_quotes(text)
        if question.type == "text":
            # One line: a line break would end the table row or list item it sits in.
            return " ".join(text.split())
        if question.type == "boolean":
            low = text.lower()
            if low in ("oui", "o", "yes", "y", "vrai", "true", "1"):
                return True
            if low in ("non", "n", "no", "faux", "false", "0"):
                return False
        if question.type == "multi_choice":
            return [v.strip() for v in text.split(",") if v.strip()]
        return text
    return value


def _load(folder: Path) -> TemplateMeta:
    path = folder / "meta.yaml"
    try:
        raw, _ = safe_yaml.load(safe_yaml.read_file(path, what="modèle"), str(path), what="modèle")
        if not isinstance(raw, dict):
            raise BadInput(f"{path} : le fichier doit décrire un modèle (title, stage, version…).")
        meta = TemplateMeta.model_validate({"id": folder.name, **raw, "folder": folder})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise BadInput(f"{path} : {where} : {french_error(dict(first))}") from None
    if not meta.source.is_file():
        raise BadInput(f"{folder} : template.md.j2 manquant.")
    return meta


class TemplateCatalog:
    """The shipped templates, plus folders of custom ones (a custom id overrides)."""

    def __init__(self, extra_dirs: list[Path] | None = None) -> None:
        self.dirs = [templates_dir(), *(Path(d) for d in extra_dirs or [])]
        self._templates: dict[str, TemplateMeta] | None = None

    @property
    def templates(self) -> dict[str, TemplateMeta]:
        if self._templates is None:
            found: dict[str, TemplateMeta] = {}
            for base in self.dirs:
                if not base.is_dir():
                    raise BadInput(f"Dossier de modèles introuvable : {base}.")
                for folder in sorted(base.iterdir()):
                    if (folder / "meta.yaml").is_file():
                        found[folder.name] = _load(folder)
            self._templates = found
        return self._templates

    def get(self, template_id: str) -> TemplateMeta:
        try:
            return self.templates[template_id]
        except KeyError:
            raise NotFound(
                f"Modèle de document « {template_id} » inconnu.",
                f"Modèles : {', '.join(self.templates)}.",
            ) from None
