"""Answering, generating and listing a project's documents, persisted and audited."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import select

from ..checklist import write_item
from ..errors import BadInput, Conflict
from ..files import safe_stem
from ..permissions import may_change_item
from ..store.models import ChecklistState, DocumentAnswers, GeneratedDocument
from ..views import View
from .assembly import assembly_context
from .checks import check_document
from .context import build_context
from .convert import MEDIA_TYPES, convert
from .markdown import Paragraphs
from .render import render_markdown
from .statutes import STATUTES, statutes_context
from .templates import FORMATS, TemplateCatalog, TemplateMeta

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from ..store.models import Project
    from ..workspace import Workspace


@dataclass(frozen=True)
class QuestionView(View):
    id: str
    label: str
    type: str
    required: bool
    default: Any
    choices: tuple[str, ...]
    help: str
    # Needed only for the final version; answers of other documents used when empty.
    required_final: bool = False
    fallback: tuple[str, ...] = ()


@dataclass(frozen=True)
class TemplateView(View):
    id: str
    title: str
    stage: str
    stage_label: str
    version: str
    output: str
    questions: int
    items: tuple[str, ...]


@dataclass(frozen=True)
class GeneratedView(View):
    id: int
    project: str
    template: str
    template_version: str
    format: str
    path: str
    file_name: str
    checksum: str
    answers_checksum: str
    created_by: str
    created_at: datetime
    checked_items: tuple[str, ...] = ()
    # Texts still to complete ("Budget à compléter."): a skeleton ticks nothing.
    placeholders: tuple[str, ...] = ()
    # The final version (statutes as adopted), and what the founders should reconsider.
    final: bool = False
    warnings: tuple[str, ...] = ()


# `sink(file_name, data)` delivers a document inside the transaction; returns its path.
Sink = Callable[[str, bytes], "str | None"]


@dataclass(frozen=True)
class DocumentFile:
    """A generated document: its suggested file name, media type and bytes, and the record."""

    file_name: str
    media_type: str
    data: bytes
    view: GeneratedView


class RenderedMarkdown(NamedTuple):
    markdown: str
    placeholders: tuple[str, ...]
    answers: dict[str, Any]
    version: int
    warnings: tuple[str, ...] = ()
    final: bool = False


def _is_long(meta: TemplateMeta, question_id: str) -> bool:
    question = meta.question(question_id)
    return question is not None and question.type == "long_text"


def _empty(value: Any) -> bool:
    return value is None or value == ""


def reused_from(meta: TemplateMeta, stored: dict[str, dict[str, Any]],
                own: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    """The answers this template takes from other documents (`fallback:` in `meta.yaml`)
    for the questions it does not answer itself, with the template each comes from: the
    PV's date and place are the convocation's, its siège the statutes'."""
    found: dict[str, tuple[str, Any]] = {}
    for q in meta.questions:
        if not _empty(own.get(q.id)):
            continue
        for template, question in q.sources():
            value = stored.get(template, {}).get(question)
            if not _empty(value):
                found[q.id] = (template, value)
                break
    return found


def reused_answers(meta: TemplateMeta, stored: dict[str, dict[str, Any]],
                   own: dict[str, Any]) -> dict[str, Any]:
    """`reused_from` without the sources: the answers as this template reads them."""
    return {k: value for k, (_, value) in reused_from(meta, stored, own).items()}


def _kept(meta: TemplateMeta, own: dict[str, Any], validated: dict[str, Any],
          reused: dict[str, Any]) -> dict[str, Any]:
    """What a template saves of its validated answers: a question that reuses another
    document's answer is saved only when answered here (the other document stays the
    source), and an answer emptied here stays empty rather than copying the reused one."""
    kept = {}
    for key, value in validated.items():
        question = meta.question(key)
        if question is not None and question.fallback and key not in own:
            continue
        kept[key] = None if key in reused else value
    return kept


def _require_final(meta: TemplateMeta, answers: dict[str, Any]) -> None:
    missing = [q for q in meta.questions if q.required_final and answers.get(q.id) is None]
    if missing:
        raise BadInput(
            f"La version définitive de « {meta.title} » demande une réponse à : "
            + " ; ".join(f"« {q.label} » ({q.id})" for q in missing)
            + ".",
            "Répondez à ces questions, ou produisez le projet (version de travail).",
            topic="unanswered",
            details={"template": meta.id},
        )


def _suggested_name(meta: TemplateMeta, slug: str, fmt: str, final: bool = False) -> str:
    stem = meta.final_output if final and meta.final_output else meta.output
    return f"{safe_stem(stem)}-{safe_stem(slug)}.{fmt}"


_NAME_SEPARATORS = re.compile(r"[\\/:\x00-\x1f]")


def check_file_name(name: str) -> str:
    """A file name chosen by the user: one plain name, no folder, no `..`."""
    if not name.strip() or name.strip(". ") == "" or _NAME_SEPARATORS.search(name):
        raise BadInput(
            f"Nom de fichier de sortie refusé : « {name} ».",
            "Donnez un simple nom de fichier, sans dossier ni « .. ».",
        )
    return name


def checksum(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def answers_checksum(answers: dict[str, Any]) -> str:
    return checksum(json.dumps(answers, sort_keys=True, ensure_ascii=False).encode("utf-8"))


def _generated_view(
    row: GeneratedDocument,
    slug: str,
    checked: tuple[str, ...] = (),
    placeholders: tuple[str, ...] = (),
    rendered: RenderedMarkdown | None = None,
) -> GeneratedView:
    return GeneratedView(
        id=row.id,
        project=slug,
        template=row.template,
        template_version=row.template_version,
        format=row.format,
        path=row.path,
        file_name=Path(row.path).name,
        checksum=row.checksum,
        answers_checksum=row.answers_checksum,
        created_by=row.created_by,
        created_at=row.created_at,
        checked_items=checked,
        placeholders=placeholders,
        final=bool(rendered and rendered.final),
        warnings=rendered.warnings if rendered else (),
    )


class Documents:
    """The document features of a workspace; `template_dirs` adds custom templates."""

    def __init__(self, ws: Workspace, template_dirs: list[Path] | None = None) -> None:
        self.ws = ws
        self.catalog = TemplateCatalog(template_dirs)

    # --- templates and questions -------------------------------------------------------

    def templates(self, stage: str | None = None) -> list[TemplateView]:
        """Templates in workflow order (then by id), optionally those of one stage."""
        definition = self.ws.definition()
        order = {s: i for i, s in enumerate(definition.stage_ids)}
        metas = sorted(
            self.catalog.templates.values(), key=lambda m: (order.get(m.stage, 99), m.id)
        )
        if stage is not None:
            if stage not in order:
                raise BadInput(f"Étape « {stage} » inconnue.", f"Étapes : {', '.join(order)}.")
            metas = [m for m in metas if m.stage == stage]
        return [
            TemplateView(
                id=m.id,
                title=m.title,
                stage=m.stage,
                stage_label=definition.state_label(m.stage) if m.stage in order else m.stage,
                version=m.version,
                output=m.output,
                questions=len(m.questions),
                items=tuple(i.id for s in definition.stages for i in s.items if i.document == m.id),
            )
            for m in metas
        ]

    def template(self, template_id: str) -> TemplateMeta:
        return self.catalog.get(template_id)

    def questions(self, template_id: str) -> list[QuestionView]:
        return [
            QuestionView(
                id=q.id,
                label=q.label,
                type=q.type,
                required=q.required and q.default is None,
                default=q.default,
                choices=q.choices,
                help=q.help,
                required_final=q.required_final,
                fallback=q.fallback,
            )
            for q in self.template(template_id).questions
        ]

    def stored_answers(self, ref: str | int, template_id: str) -> dict[str, Any]:
        meta = self.template(template_id)
        with self.ws.session(read_only=True) as session:
            project = self.ws.get_project(session, ref)
            row = session.get(DocumentAnswers, (project.id, meta.id))
            return dict(row.answers) if row else {}

    def save_answers(
        self, ref: str | int, template_id: str, answers: dict[str, Any]
    ) -> dict[str, Any]:
        """Validate answers (merged over the saved ones) and save them on the project."""
        meta = self.template(template_id)
        if not isinstance(answers, dict):
            raise BadInput("Les réponses doivent être un dictionnaire « question: réponse ».")
        with self.ws.changing(ref, "answer") as (session, project):
            row = session.get(DocumentAnswers, (project.id, meta.id))
            # Each side carried over first: an answer given now under a question's former
            # id wins over the saved answer of its current id.
            own = {**meta.carry_over(row.answers if row else {}), **meta.carry_over(answers)}
            # Reused answers complete the check but stay the other document's.
            reused = reused_answers(meta, self._stored(session, project.id), own)
            merged = _kept(meta, own, meta.validate_answers({**own, **reused}), reused)
            if row is None:
                row = DocumentAnswers(
                    project_id=project.id,
                    template=meta.id,
                    answers=merged,
                    updated_by=self.ws.actor,
                    updated_at=self.ws.now(),
                )
                session.add(row)
            else:
                row.answers, row.updated_by, row.updated_at = merged, self.ws.actor, self.ws.now()
            # Answers may hold personal data: the audit keeps which questions, not the values.
            self.ws.record_event(
                session,
                project,
                "document_answered",
                payload={
                    "template": meta.id,
                    "questions": sorted(answers),
                    "answers_checksum": answers_checksum(merged),
                },
            )
            session.flush()
            return merged

    # --- generation --------------------------------------------------------------------

    def render(
        self,
        ref: str | int,
        template_id: str,
        answers: dict[str, Any] | None = None,
        *,
        final: bool = False,
    ) -> RenderedMarkdown:
        """The Markdown of a document, its placeholders, the validated answers and the
        project version read. `final`: the version adopted by the AG (statutes signed by
        named officers), for templates that have one."""
        meta = self.template(template_id)
        self._check_final(meta, final)
        with self.ws.session(read_only=True) as session:
            project = self.ws.get_project(session, ref)
            stored = self._stored(session, project.id)
            own = {**meta.carry_over(stored.get(meta.id, {})), **meta.carry_over(answers or {})}
            validated = meta.validate_answers({**own, **reused_answers(meta, stored, own)})
            if final:
                _require_final(meta, validated)
            label = self.ws.definition_of(project).state_label(project.stage)
            shown = {
                k: Paragraphs(v) if isinstance(v, str) and _is_long(meta, k) else v
                for k, v in validated.items()
            }
            context = build_context(session, project, label, self.ws.now(), shown)
            shared = {t: self._shared(meta, t, stored) for t in meta.uses}
            context.update(final=final, shared=shared)
            statutes_answers = validated if meta.id == STATUTES else shared.get(STATUTES)
            if statutes_answers is not None:
                context.update(statutes_context(statutes_answers, context))
            warnings = check_document(meta.id, validated, context, stored)
            if meta.id in ("convocation_ag", "pv_ag"):
                context.update(assembly_context(meta.id, validated, context, stored))
            version = project.row_version
        text, placeholders = render_markdown(meta, context)
        return RenderedMarkdown(text, placeholders, validated, version, tuple(warnings), final)

    def _shared(self, meta: TemplateMeta, used: str, stored: dict[str, dict[str, Any]]) -> dict:
        """Another template's saved answers, which this one reads and never asks again."""
        source = self.template(used)
        try:
            return source.validate_answers(stored.get(used, {}))
        except BadInput as exc:
            raise BadInput(
                f"« {meta.title} » reprend les réponses de « {source.title} », incomplètes : "
                f"{exc.message}",
                exc.hint,
                topic="unanswered",
                details={"template": source.id},
            ) from None

    def _check_final(self, meta: TemplateMeta, final: bool) -> None:
        if final and not meta.final_output:
            having = [m.title for m in self.catalog.templates.values() if m.final_output]
            raise BadInput(
                f"Le document « {meta.title} » n'a pas de version définitive.",
                f"Documents qui en ont une : {', '.join(having) or 'aucun'}.",
            )

    def _stored(self, session: Session, project_id: int) -> dict[str, dict[str, Any]]:
        """Every template's saved answers, for the checks across documents."""
        rows = session.scalars(
            select(DocumentAnswers).where(DocumentAnswers.project_id == project_id)
        )
        return {r.template: dict(r.answers) for r in rows}

    def file_name(self, ref: str | int, template_id: str, fmt: str, final: bool = False) -> str:
        """The name a document is suggested under: `statuts-cpts-du-pays-d-aix.docx`
        (`statuts-adoptes-…` for the final version)."""
        meta = self.template(template_id)
        with self.ws.session() as session:
            project = self.ws.get_project(session, ref)
            return _suggested_name(meta, project.slug, fmt, final)

    def generate(
        self,
        ref: str | int,
        template_id: str,
        fmt: str,
        *,
        answers: dict[str, Any] | None = None,
        name: str | None = None,
        sink: Sink | None = None,
        expected_version: int | None = None,
        final: bool = False,
    ) -> DocumentFile:
        """A document as bytes with its file name; the generation is recorded, and the
        checklist items it satisfies ticked unless it still holds placeholders.

        `expected_version`: the project's row version the caller read (a form); a change
        made since then is a `Conflict` and nothing is generated.

        `sink(file_name, data)`, if given, delivers the bytes inside the transaction (the
        CLI writes the file there and returns its path, which is recorded): if delivery
        fails, nothing is recorded. `final`: the version adopted by the AG (see `render`).
        """
        if fmt not in FORMATS:
            raise BadInput(f"Format « {fmt} » inconnu.", f"Formats : {', '.join(FORMATS)}.")
        if name is not None:
            check_file_name(name)
        meta = self.template(template_id)
        rendered = self.render(ref, template_id, answers, final=final)
        if expected_version is not None and rendered.version != expected_version:
            raise Conflict(
                f"Le projet a changé depuis votre lecture (version {rendered.version}, vous "
                f"aviez la {expected_version}) : le document n'a pas été généré.",
                "Rechargez la page puis recommencez.",
            )
        data = convert(rendered.markdown, fmt, meta.title)
        with self.ws.changing(ref, "answer", expected_version=rendered.version) as (session, project):
            file_name = name or _suggested_name(meta, project.slug, fmt, final)
            row = GeneratedDocument(
                project_id=project.id,
                template=meta.id,
                template_version=meta.version,
                format=fmt,
                path=file_name,
                checksum=checksum(data),
                answers_checksum=answers_checksum(rendered.answers),
                created_by=self.ws.actor,
                created_at=self.ws.now(),
            )
            session.add(row)
            checked: tuple[str, ...] = ()
            if not rendered.placeholders:
                proof = rendered.answers.get(meta.evidence_date) if meta.evidence_date else None
                checked = self._tick_items(session, project, meta, file_name, proof)
            self.ws.record_event(
                session,
                project,
                "document_generated",
                payload={
                    "template": meta.id,
                    "template_version": meta.version,
                    "format": fmt,
                    "file_name": file_name,
                    "checksum": row.checksum,
                    "checked_items": list(checked),
                    "placeholders": len(rendered.placeholders),
                    "final": final,
                },
            )
            if sink is not None:
                row.path = sink(file_name, data) or file_name
            session.flush()
            view = _generated_view(row, project.slug, checked, rendered.placeholders, rendered)
            return DocumentFile(
                file_name=file_name, media_type=MEDIA_TYPES[fmt], data=data, view=view
            )

    def _tick_items(
        self,
        session: Session,
        project: Project,
        meta: TemplateMeta,
        file_name: str,
        proof_date: str | None,
    ) -> tuple[str, ...]:
        """Mark done the still-open items that this document satisfies."""
        definition = self.ws.definition_of(project)
        checked = []
        for stage in definition.stages:
            for item in stage.items:
                # An item the account may not tick (a porteur and a chargé de mission's
                # item) stays open for whoever it belongs to.
                if item.document != meta.id or not may_change_item(self.ws.account, item.role):
                    continue
                state = session.scalar(
                    select(ChecklistState.status).where(
                        ChecklistState.project_id == project.id, ChecklistState.item_id == item.id
                    )
                )
                if state is not None and state != "todo":
                    continue
                # A dated item keeps a date as its value (the template's `evidence_date`
                # answer, else the day the document was produced) and names the file in its
                # note; other items hold the file name.
                changes: dict[str, Any] = {"status": "done"}
                if item.evidence == "date":
                    changes["value"] = proof_date or self.ws.now().date().isoformat()
                    changes["note"] = f"Document généré : {file_name}"
                else:
                    changes["value"] = file_name
                write_item(
                    self.ws,
                    session,
                    project,
                    item.id,
                    changes,
                    kind="checked",
                    comment=f"Document généré : {file_name}",
                    payload={"value": changes["value"], "document": meta.id, "automatic": True},
                )
                checked.append(item.id)
        return tuple(checked)

    def generate_many(
        self,
        ref: str | int,
        template_ids: list[str],
        formats: list[str],
        *,
        sink: Sink | None = None,
        progress: Any = None,
        name_for: Any = None,
        final: bool = False,
    ) -> tuple[list[DocumentFile], list[tuple[str, str]]]:
        """Generate several documents; returns those made and (template, error) failures.

        `name_for(template_id, fmt, suggested)`, if given, picks each file's name. `final`
        makes the final version of the templates that have one (the others as usual)."""
        from ..errors import CptsError

        done: list[DocumentFile] = []
        failed: list[tuple[str, str]] = []
        for template_id in template_ids:
            for fmt in formats:
                try:
                    name = None
                    this_final = final and bool(self.template(template_id).final_output)
                    if name_for is not None:
                        suggested = self.file_name(ref, template_id, fmt, this_final)
                        name = name_for(template_id, fmt, suggested)
                    done.append(self.generate(ref, template_id, fmt, name=name, sink=sink,
                                              final=this_final))
                except CptsError as exc:
                    failed.append((template_id, exc.message))
                    break
                finally:
                    if progress is not None:
                        progress(template_id, fmt)
        return done, failed

    def history(self, ref: str | int) -> list[GeneratedView]:
        """Every document generated for a project, oldest first."""
        with self.ws.session(read_only=True) as session:
            project = self.ws.get_project(session, ref)
            rows = session.scalars(
                select(GeneratedDocument)
                .where(GeneratedDocument.project_id == project.id)
                .order_by(GeneratedDocument.id)
            )
            return [_generated_view(r, project.slug) for r in rows]
