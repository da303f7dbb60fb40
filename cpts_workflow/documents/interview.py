"""A guided interview over a template's questions: steps, one step checked and saved at a
time, and a review of every answer with who gave it and when.

Built from the questions of `meta.yaml` alone (any template, any question type): the
questions of one `group` form a step; without groups, a few consecutive questions do.
Each answer is checked alone (`TemplateMeta.validate_answer`), then the step's answers
with the saved ones against the checks across answers and across documents
(`checks.check_document`). A step is saved whole or not at all, in the document's saved
answers (the ones `Documents.save_answers` keeps), and audited (`document_answered`,
naming the questions changed, never the values): who answered what is read back from
the audit trail.

    interview = Interview(Documents(ws), "cpts-du-pays-d-aix", "statuts")
    state = interview.save(1, {"siege": "12 rue des Écoles", ...}, expected_version=7)
    state.errors  # {"question": "message"} — nothing saved when not empty
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from ..errors import BadInput, Conflict, CptsError, NotFound
from ..members import COLLEGES, ROLES
from ..permissions import allowed
from ..store.models import DocumentAnswers, Event
from .checks import check_document
from .context import build_context
from .convert import convert
from .service import DocumentFile, answers_checksum, reused_from
from .templates import Question, TemplateMeta

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.models import Project
    from .service import Documents

# Questions per step when the template does not group them; a long text counts double.
STEP_WEIGHT = 4
# Choice values that name something the product knows (collèges): shown by their label.
CHOICE_LABELS: dict[str, str] = {**COLLEGES}
REQUIRED = "Réponse requise."


@dataclass(frozen=True)
class Step:
    number: int  # from 1
    title: str
    questions: tuple[Question, ...]


def plan_steps(meta: TemplateMeta) -> tuple[Step, ...]:
    """The steps of a template's interview, in the order of its questions.

    Without groups, a step holds a few questions, never splitting two that go together by
    their ids (`ca_membres_min`, `ca_membres_max`): their checks across answers then show
    on the step that asks both."""
    chunks: list[list[Question]] = []
    weight = 0
    for q in meta.questions:
        cost = 2 if q.type == "long_text" else 1
        last = chunks[-1][-1] if chunks else None
        if last is None or q.group or last.group:
            fresh = last is None or q.group != last.group
        else:
            fresh = weight + cost > STEP_WEIGHT and _stem(q.id) != _stem(last.id)
        if fresh:
            chunks.append([])
            weight = 0
        chunks[-1].append(q)
        weight += cost
    steps, first = [], 1
    for number, questions in enumerate(chunks, start=1):
        last_number = first + len(questions) - 1
        if first == last_number:
            numbers = f"Question {first}"
        else:
            joined = "et" if last_number == first + 1 else "à"
            numbers = f"Questions {first} {joined} {last_number}"
        title = questions[0].group or numbers
        steps.append(Step(number=number, title=title, questions=tuple(questions)))
        first = last_number + 1
    return tuple(steps)


def _stem(question_id: str) -> str:
    return question_id.rsplit("_", 1)[0] if "_" in question_id else question_id


def choice_label(value: str) -> str:
    return CHOICE_LABELS.get(value, value)


@dataclass(frozen=True)
class Answered:
    """Who last answered a question, and when."""

    by: str
    at: datetime


@dataclass(frozen=True)
class FieldState:
    """One question of a step as shown: its value, where it comes from, its error."""

    question: Question
    value: Any  # a JSON value (saved, default) or what was typed; None when empty
    # "answer" (saved), "reused" (another document's answer), "default", "typed" (not
    # saved yet), "empty"
    origin: str
    error: str | None = None
    answered: Answered | None = None
    # The title of the document a reused answer comes from.
    source: str | None = None

    @property
    def missing(self) -> bool:
        q = self.question
        return self.value is None and q.required and q.default is None


@dataclass(frozen=True)
class Facts:
    """What the documents take from the project itself (members, territory): shown as such."""

    name: str
    communes: tuple[str, ...]
    population: int | None
    bureau: tuple[tuple[str, str], ...]  # (role label, member name)
    colleges: tuple[tuple[str, int], ...]  # (collège label, members)
    members: int


@dataclass(frozen=True)
class StepState:
    template: TemplateMeta
    steps: tuple[Step, ...]
    step: Step
    fields: tuple[FieldState, ...]
    version: int
    can_answer: bool
    facts: Facts
    # The answers contradict each other or another document (nothing saved).
    cross_error: CptsError | None = None
    saved: bool = False
    changed: tuple[str, ...] = ()

    @property
    def errors(self) -> dict[str, str]:
        found = {f.question.id: f.error for f in self.fields if f.error}
        if self.cross_error is not None:
            found[""] = self.cross_error.message
        return found

    @property
    def next_number(self) -> int | None:
        return self.step.number + 1 if self.step.number < len(self.steps) else None


@dataclass(frozen=True)
class Review:
    template: TemplateMeta
    steps: tuple[Step, ...]
    fields: dict[str, FieldState]
    # Why the document cannot be generated yet (missing answers, checks), if it cannot.
    blocking: CptsError | None
    version: int
    can_answer: bool
    facts: Facts
    updated: Answered | None = None
    incomplete_steps: tuple[int, ...] = field(default=())

    @property
    def ready(self) -> bool:
        return self.blocking is None


@dataclass(frozen=True)
class Draft:
    placeholders: tuple[str, ...]
    answers_checksum: str


@dataclass(frozen=True)
class Progress:
    """How far the interview of one document has gone."""

    template: str
    title: str
    stage: str
    steps: int
    questions: int
    answered: int  # questions with a saved answer
    missing: int  # required answers still missing (no answer, no default)


def progress(docs: Documents, ref: str | int) -> list[Progress]:
    """Every document's interview progress for a project, in workflow order."""
    with docs.ws.session(read_only=True) as session:
        project = docs.ws.get_project(session, ref)
        saved = all_answers(session, project.id)
    found = []
    for view in docs.templates():
        meta = docs.template(view.id)
        answers = saved.get(meta.id, {})
        reused = _titled(docs, reused_from(meta, saved, answers))
        found.append(Progress(
            template=meta.id, title=meta.title, stage=view.stage_label,
            steps=len(plan_steps(meta)), questions=len(meta.questions),
            answered=sum(1 for q in meta.questions if answers.get(q.id) is not None),
            missing=sum(1 for q in meta.questions if _shown(q, answers, {}, reused).missing),
        ))
    return found


class Interview:
    """The guided interview of one document of one project."""

    def __init__(self, docs: Documents, ref: str | int, template_id: str) -> None:
        self.docs = docs
        self.ws = docs.ws
        self.ref = ref
        self.meta = docs.template(template_id)
        self.steps = plan_steps(self.meta)

    def _step(self, number: int) -> Step:
        if not 1 <= number <= len(self.steps):
            raise NotFound(
                f"Le document « {self.meta.title} » n'a pas d'étape {number}.",
                f"Il en compte {len(self.steps)}.",
            )
        return self.steps[number - 1]

    # --- reading ---------------------------------------------------------------------

    def step(self, number: int) -> StepState:
        """A step with its saved answers (or defaults), for someone who may answer."""
        step = self._step(number)
        with self.ws.session(read_only=True) as session:
            project = self.ws.get_project(session, self.ref, "answer")
            saved = self._saved(session, project)
            reused = self._reused(session, project, saved)
            who = answered_by(session, project.id, self.meta.id)
            fields = tuple(_shown(q, saved, who, reused) for q in step.questions)
            return self._state(session, project, step, fields)

    def can_answer(self) -> bool:
        """Whether this account may answer (and generate) this project's documents."""
        with self.ws.session(read_only=True) as session:
            project = self.ws.get_project(session, self.ref)
            return allowed(self.ws.account, "answer", project.id)

    def first_open_step(self) -> int | None:
        """The first step with a required answer still missing, else None."""
        with self.ws.session(read_only=True) as session:
            project = self.ws.get_project(session, self.ref)
            saved = self._saved(session, project)
            reused = self._reused(session, project, saved)
        for step in self.steps:
            if any(_shown(q, saved, {}, reused).missing for q in step.questions):
                return step.number
        return None

    def review(self) -> Review:
        """Every answer with its origin and author, and whether the document can be made."""
        with self.ws.session(read_only=True) as session:
            project = self.ws.get_project(session, self.ref)
            saved = self._saved(session, project)
            reused = self._reused(session, project, saved)
            who = answered_by(session, project.id, self.meta.id)
            row = session.get(DocumentAnswers, (project.id, self.meta.id))
            fields = {q.id: _shown(q, saved, who, reused) for q in self.meta.questions}
            facts = _facts(self._context(session, project, {}))
            version = project.row_version
            can = allowed(self.ws.account, "answer", project.id)
            updated = Answered(row.updated_by, row.updated_at) if row else None
        blocking: CptsError | None = None
        try:
            self.docs.render(self.ref, self.meta.id)
        except BadInput as exc:
            blocking = exc
        incomplete = tuple(
            s.number for s in self.steps if any(fields[q.id].missing for q in s.questions)
        )
        return Review(self.meta, self.steps, fields, blocking, version, can, facts, updated,
                      incomplete)

    def draft(self) -> Draft:
        """What the generated document will say: its passages still to complete and the
        fingerprint of the answers it uses (`BadInput` while answers are missing or wrong)."""
        rendered = self.docs.render(self.ref, self.meta.id)
        return Draft(rendered.placeholders, answers_checksum(rendered.answers))

    def preview_html(self) -> bytes:
        """The document as a standalone HTML page (nothing recorded)."""
        rendered = self.docs.render(self.ref, self.meta.id)
        return convert(rendered.markdown, "html", self.meta.title)

    def generate(self, fmt: str, expected_answers: str | None = None) -> DocumentFile:
        """The document in `fmt`, recorded as any generation; refused when the answers
        changed since the draft the person looked at (`expected_answers`)."""
        if expected_answers is not None and self.draft().answers_checksum != expected_answers:
            raise Conflict(
                f"Les réponses de « {self.meta.title} » ont changé depuis l'aperçu affiché : "
                "rien n'a été produit.",
                "Relisez l'aperçu à jour puis téléchargez à nouveau.",
            )
        return self.docs.generate(self.ref, self.meta.id, fmt)

    # --- checking and saving -----------------------------------------------------------

    def check(self, number: int, raw: Mapping[str, Any]) -> StepState:
        """A step's typed answers checked (alone, then across answers); nothing saved."""
        step = self._step(number)
        with self.ws.session(read_only=True) as session:
            project = self.ws.get_project(session, self.ref, "answer")
            return self._checked(session, project, step, raw)

    def save(
        self, number: int, raw: Mapping[str, Any], expected_version: int | None = None
    ) -> StepState:
        """Check a step's answers; when all are right, save them in one transaction."""
        step = self._step(number)
        with self.ws.changing(self.ref, "answer", expected_version) as (session, project):
            state = self._checked(session, project, step, raw)
            if state.errors:
                return state
            saved = self._saved(session, project)
            values = {f.question.id: f.value for f in state.fields}
            # Emptying an answer that has a default is an answer (`federation` removed); an
            # answer reused from another document, kept as shown, stays that document's.
            changed = tuple(
                f.question.id for f in state.fields
                if f.origin != "reused"
                and (saved[f.question.id] != f.value if f.question.id in saved
                     else f.value is not None or f.question.default is not None)
            )
            if not changed:
                return replace(state, saved=True)
            merged = {**saved, **{k: values[k] for k in changed}}
            row = session.get(DocumentAnswers, (project.id, self.meta.id))
            now = self.ws.now()
            if row is None:
                session.add(DocumentAnswers(project_id=project.id, template=self.meta.id,
                                            answers=merged, updated_by=self.ws.actor,
                                            updated_at=now))
            else:
                row.answers, row.updated_by, row.updated_at = merged, self.ws.actor, now
            # Answers may hold personal data: the audit names the questions, not the values.
            self.ws.record_event(session, project, "document_answered", payload={
                "template": self.meta.id, "questions": sorted(changed), "step": step.number,
                "answers_checksum": answers_checksum(merged),
            })
            session.flush()
            who = Answered(self.ws.actor, now)
            fields = tuple(
                replace(f, origin="answer", answered=who) if f.question.id in changed else f
                for f in state.fields
            )
            return replace(state, fields=fields, saved=True, changed=changed,
                            version=project.row_version)

    # --- helpers -----------------------------------------------------------------------

    def _saved(self, session: Session, project: Project) -> dict[str, Any]:
        row = session.get(DocumentAnswers, (project.id, self.meta.id))
        return dict(row.answers) if row else {}

    def _reused(self, session: Session, project: Project,
                saved: dict[str, Any]) -> dict[str, tuple[str, Any]]:
        """The answers this document takes from others, by question: (source title, value)."""
        return _titled(self.docs, reused_from(self.meta, all_answers(session, project.id), saved))

    def _context(self, session: Session, project: Project, answers: dict[str, Any]) -> dict[str, Any]:
        label = self.ws.definition_of(project).state_label(project.stage)
        return build_context(session, project, label, self.ws.now(), answers)

    def _state(self, session: Session, project: Project, step: Step,
               fields: tuple[FieldState, ...], cross: CptsError | None = None) -> StepState:
        return StepState(
            template=self.meta, steps=self.steps, step=step, fields=fields,
            version=project.row_version, can_answer=allowed(self.ws.account, "answer", project.id),
            facts=_facts(self._context(session, project, {})), cross_error=cross,
        )

    def _checked(self, session: Session, project: Project, step: Step,
                 raw: Mapping[str, Any]) -> StepState:
        saved = self._saved(session, project)
        reused = self._reused(session, project, saved)
        available = self._reused(session, project, {})
        who = answered_by(session, project.id, self.meta.id)
        fields = []
        for q in step.questions:
            typed = raw.get(q.id)
            try:
                value = self.meta.validate_answer(q.id, typed)
            except BadInput as exc:
                fields.append(FieldState(q, typed, "typed", exc.message))
                continue
            # Left empty, a question another document answers takes that answer.
            error = REQUIRED if value is None and q.required and q.id not in available else None
            if value is not None and saved.get(q.id) == value:
                fields.append(FieldState(q, value, "answer", error, who.get(q.id)))
            elif value is not None and q.id in reused and reused[q.id][1] == value:
                fields.append(FieldState(q, value, "reused", source=reused[q.id][0]))
            else:
                fields.append(FieldState(q, value, "typed", error))
        cross = None
        if not any(f.error for f in fields):
            known = {**saved, **{k: v for k, (_, v) in reused.items()}}
            cross = self._cross_error(session, project, known,
                                      {f.question.id: f.value for f in fields})
        return self._state(session, project, step, tuple(fields), cross)

    def _cross_error(self, session: Session, project: Project, saved: dict[str, Any],
                     values: dict[str, Any]) -> CptsError | None:
        """The checks across answers and documents, run on the saved answers with this
        step's over them. A contradiction the step did not bring (it was there before) does
        not hold the step back: the review shows it."""
        defaults = {q.id: q.default for q in self.meta.questions if q.default is not None}
        before = {**defaults, **{k: v for k, v in saved.items() if v is not None}}
        after = {**before, **{k: v for k, v in values.items() if v is not None}}
        stored = all_answers(session, project.id)
        context = self._context(session, project, after)
        found = _failure(self.meta.id, after, context, stored)
        if found is None:
            return None
        earlier = _failure(self.meta.id, before, context, stored)
        return None if earlier is not None and earlier.message == found.message else found


def _failure(template_id: str, answers: dict[str, Any], context: dict[str, Any],
             stored: dict[str, dict[str, Any]]) -> CptsError | None:
    try:
        check_document(template_id, answers, context, stored)
    except BadInput as exc:
        return exc
    return None


def _titled(docs: Documents, reused: dict[str, tuple[str, Any]]) -> dict[str, tuple[str, Any]]:
    return {k: (docs.template(t).title, v) for k, (t, v) in reused.items()}


def _shown(q: Question, saved: dict[str, Any], who: dict[str, Answered],
           reused: dict[str, tuple[str, Any]]) -> FieldState:
    if saved.get(q.id) is not None:
        return FieldState(q, saved[q.id], "answer", answered=who.get(q.id))
    if q.id in reused:
        return FieldState(q, reused[q.id][1], "reused", source=reused[q.id][0])
    if q.id in saved:
        return FieldState(q, None, "empty", answered=who.get(q.id))
    if q.default is not None:
        return FieldState(q, q.default, "default")
    return FieldState(q, None, "empty")


def all_answers(session: Session, project_id: int) -> dict[str, dict[str, Any]]:
    """Every document's saved answers of a project, by template."""
    rows = session.scalars(select(DocumentAnswers).where(DocumentAnswers.project_id == project_id))
    return {r.template: dict(r.answers) for r in rows}


def answered_by(session: Session, project_id: int, template_id: str) -> dict[str, Answered]:
    """Who last answered each question of a document, from the audit trail."""
    rows = session.execute(
        select(Event.actor, Event.at, Event.payload)
        .where(Event.project_id == project_id, Event.kind == "document_answered")
        .order_by(Event.id)
    )
    found: dict[str, Answered] = {}
    for actor, at, payload in rows:
        if isinstance(payload, dict) and payload.get("template") == template_id:
            for question in payload.get("questions") or ():
                found[str(question)] = Answered(actor, at)
    return found


def _facts(context: dict[str, Any]) -> Facts:
    territory = context["territory"]
    bureau = tuple(
        (ROLES[role], member["name"])
        for role, member in context["bureau"].items()
        if member is not None and role in ("president", "vice_president", "treasurer", "secretary")
    )
    return Facts(
        name=context["project"]["name"],
        communes=tuple(c["label"] for c in territory["communes"]),
        population=territory["population"],
        bureau=bureau,
        colleges=tuple((c["label"], len(c["members"])) for c in context["colleges_used"]),
        members=len(context["members"]),
    )
