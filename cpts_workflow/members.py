"""Members of a CPTS project: professionals (personnes physiques) and structures
(personnes morales), their collège and their role in the bureau.

Every change records an audit event (`member_added`, `member_updated`,
`member_removed`) whose payload names the member only by `member_id` and
`member_name`, so that an RGPD erasure can find and scrub them.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from . import french, identifiers, limits
from .errors import BadInput, NotFound
from .store.models import Member
from .views import View
from .workflow.guards import PROVIDERS, GuardContext, guard

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from .store.models import Project
    from .workspace import Workspace

# Collège families seen in real CPTS statutes (domain README §4); order = statutes order.
COLLEGES: dict[str, str] = {
    "liberaux": "Professionnels de santé libéraux",
    "structures": "Structures d'exercice coordonné (MSP, centres de santé, ESP)",
    "etablissements": "Établissements sanitaires",
    "medico_social": "Acteurs médico-sociaux et sociaux",
    "usagers": "Usagers et associations d'usagers",
    "partenaires": "Partenaires",
}
ROLES: dict[str, str] = {
    "president": "président·e",
    "vice_president": "vice-président·e",
    "treasurer": "trésorier·ère",
    "secretary": "secrétaire",
    "board": "membre du conseil d'administration",
    "founder": "membre fondateur",
}
# The three offices a loi 1901 bureau needs before the association can contract.
BUREAU_OFFICES = ("president", "treasurer", "secretary")
STRUCTURE_KINDS: dict[str, str] = {
    "msp": "maison de santé pluriprofessionnelle",
    "centre_sante": "centre de santé",
    "esp": "équipe de soins primaires",
    "etablissement": "établissement de santé",
    "medico_social": "établissement ou service médico-social",
    "association_usagers": "association d'usagers",
    "association": "association",
    "collectivite": "collectivité territoriale",
    "autre": "autre structure",
}
MEMBER_LABEL = "adhérent·e"
_UNSET: Any = object()


@dataclass(frozen=True)
class MemberView(View):
    id: int
    project: str
    legal: bool
    name: str
    profession: str | None
    structure_kind: str | None
    structure_kind_label: str | None
    college: str | None
    college_label: str | None
    role: str | None
    role_label: str
    rpps: str | None
    siret: str | None
    finess: str | None
    email: str | None
    phone: str | None
    created_at: datetime
    updated_at: datetime
    erased: bool
    warnings: tuple[str, ...] = ()


def member_view(member: Member, project_slug: str, warnings: tuple[str, ...] = ()) -> MemberView:
    return MemberView(
        id=member.id,
        project=project_slug,
        legal=member.legal,
        name=member.name,
        profession=member.profession,
        structure_kind=member.structure_kind,
        structure_kind_label=STRUCTURE_KINDS.get(member.structure_kind or ""),
        college=member.college,
        college_label=COLLEGES.get(member.college or ""),
        role=member.role,
        role_label=ROLES.get(member.role or "", MEMBER_LABEL),
        rpps=member.rpps,
        siret=member.siret,
        finess=member.finess,
        email=member.email,
        phone=member.phone,
        created_at=member.created_at,
        updated_at=member.updated_at,
        erased=member.erased_at is not None,
        warnings=warnings,
    )


def _spellings(label: str) -> set[str]:
    """How a French label may be typed: « trésorier·ère », « trésorier », « trésorière »."""
    label = label.lower()
    if "·" not in label:
        return {label}
    stem, ending = label.split("·", 1)
    feminine = stem + ending if len(ending) < 2 else stem[: -len(ending) + 1] + ending
    return {label, stem, feminine}


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _choice(value: str | None, allowed: dict[str, str], what: str) -> str | None:  # `what`: a masculine noun
    """A key of `allowed`, given as the key or as its whole French label (never a prefix:
    « t » is no trésorier·ère)."""
    if value is None or value == "":
        return None
    typed = unicodedata.normalize("NFC", value).strip().lower()
    key = typed.replace("-", "_")
    if key in allowed:
        return key
    for k, label in allowed.items():
        if _plain(typed) in {_plain(s) for s in _spellings(label)}:
            return k
    listing = ", ".join(f"{k} ({label})" for k, label in allowed.items())
    raise BadInput(f"{what} « {value} » inconnu.", f"Valeurs possibles : {listing}.")


def _text(value: str | None, what: str, limit: int = limits.NAME) -> str | None:
    return limits.clean_text(value, what, max_length=limit)


def _validate(fields: dict[str, Any]) -> tuple[dict[str, Any], tuple[str, ...]]:
    """Normalise the given fields (only those present); return them and warnings."""
    out: dict[str, Any] = {}
    warnings: list[str] = []
    for key, value in fields.items():
        if value is _UNSET:
            continue
        if key == "name":
            value = _text(value, "Le nom")
            if not value:
                raise BadInput("Le nom du membre est obligatoire.")
        elif key == "college":
            value = _choice(value, COLLEGES, "Collège")
        elif key == "role":
            value = _choice(value, ROLES, "Rôle")
        elif key == "structure_kind":
            value = _choice(value, STRUCTURE_KINDS, "Type de structure")
        elif key in ("profession", "phone"):
            value = (_text(value, "La profession", limits.PERSON) if key == "profession"
                     else _text(value, "Le téléphone", limits.PHONE))
        elif value:
            value = {
                "rpps": identifiers.clean_rpps,
                "siret": identifiers.clean_siret,
                "finess": identifiers.clean_finess,
                "email": identifiers.clean_email,
            }[key](value)
            if key == "rpps" and (warning := identifiers.rpps_warning(value)):
                warnings.append(warning)
        else:
            value = None
        out[key] = value
    return out, tuple(warnings)


def _check_kind(legal: bool, values: dict[str, Any]) -> None:
    if legal and values.get("rpps"):
        raise BadInput(
            "Une personne morale n'a pas de numéro RPPS.",
            "Retirez le numéro RPPS, ou enregistrez une personne physique."
        )
    if not legal and (values.get("siret") or values.get("finess") or values.get("structure_kind")):
        raise BadInput(
            "SIRET, FINESS et type de structure concernent une personne morale.",
            "Enregistrez-la comme personne morale (une structure).",
        )


def _get(session: Session, project: Project, member_id: int | str) -> Member:
    text = str(member_id).strip()
    number = limits.as_id(text)
    member = session.get(Member, number) if number is not None else None
    if member is None or member.project_id != project.id:
        raise NotFound(
            f"Membre n° {text} introuvable dans le projet « {project.slug} ».",
            "La liste des membres du projet donne leurs numéros.",
            topic="unknown_member",
            details={"project": project.slug},
        )
    return member


def add_member(
    ws: Workspace,
    ref: str | int,
    name: str,
    *,
    legal: bool = False,
    profession: str | None = None,
    structure_kind: str | None = None,
    college: str | None = None,
    role: str | None = None,
    rpps: str | None = None,
    siret: str | None = None,
    finess: str | None = None,
    email: str | None = None,
    phone: str | None = None,
) -> MemberView:
    """Record a member; identifiers are checked, the change is audited."""
    values, warnings = _validate(
        dict(
            name=name,
            profession=profession,
            structure_kind=structure_kind,
            college=college,
            role=role,
            rpps=rpps,
            siret=siret,
            finess=finess,
            email=email,
            phone=phone,
        )
    )
    _check_kind(legal, values)
    with ws.changing(ref, "members") as (session, project):
        now = ws.now()
        member = Member(
            project_id=project.id, legal=legal, created_at=now, updated_at=now, **values
        )
        session.add(member)
        session.flush()
        ws.record_event(
            session,
            project,
            "member_added",
            payload={
                "member_id": member.id,
                "member_name": member.name,
                "legal": legal,
                "college": member.college,
                "role": member.role,
            },
        )
        session.flush()
        return member_view(member, project.slug, warnings)


def edit_member(ws: Workspace, ref: str | int, member_id: int | str, **changes: Any) -> MemberView:
    """Change some fields of a member (pass only what changes; `""` clears a field)."""
    allowed = {
        "name",
        "profession",
        "structure_kind",
        "college",
        "role",
        "rpps",
        "siret",
        "finess",
        "email",
        "phone",
    }
    unknown = set(changes) - allowed
    if unknown:
        raise BadInput(f"{french.agree(len(unknown), 'Champ')} {french.agree(len(unknown), 'inconnu')} : "
                       f"{', '.join(sorted(unknown))}.")
    given = {k: v for k, v in changes.items() if v is not None}
    if not given:
        raise BadInput(
            "Rien à modifier.", "Donnez au moins un champ à changer, par exemple le rôle."
        )
    values, warnings = _validate(given)
    with ws.changing(ref, "members") as (session, project):
        member = _get(session, project, member_id)
        if member.erased_at is not None:
            raise BadInput(
                f"Le membre n° {member.id} a été effacé (RGPD) : il ne peut plus être modifié."
            )
        merged = {f: getattr(member, f) for f in allowed} | values
        _check_kind(member.legal, merged)
        changed = sorted(k for k, v in values.items() if getattr(member, k) != v)
        for key in changed:
            setattr(member, key, values[key])
        member.updated_at = ws.now()
        ws.record_event(
            session,
            project,
            "member_updated",
            payload={
                "member_id": member.id,
                "member_name": member.name,
                "fields": changed,
            },
        )
        session.flush()
        return member_view(member, project.slug, warnings)


def remove_member(ws: Workspace, ref: str | int, member_id: int | str) -> MemberView:
    """Delete a member; the audit event keeps its id and name only."""
    with ws.changing(ref, "members") as (session, project):
        member = _get(session, project, member_id)
        view = member_view(member, project.slug)
        ws.record_event(
            session,
            project,
            "member_removed",
            payload={
                "member_id": member.id,
                "member_name": member.name,
            },
        )
        session.delete(member)
        session.flush()
        return view


def project_members(session: Session, project: Project) -> list[Member]:
    """Members of a project (erased ones included), by collège order then name."""
    order = {k: i for i, k in enumerate(COLLEGES)}
    rows = session.scalars(select(Member).where(Member.project_id == project.id)).all()
    return sorted(rows, key=lambda m: (order.get(m.college or "", 99), m.name.lower(), m.id))


def list_members(ws: Workspace, ref: str | int, *, college: str | None = None) -> list[MemberView]:
    """Members of a project, optionally of one collège."""
    wanted = _choice(college, COLLEGES, "Collège") if college else None
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        return [
            member_view(m, project.slug)
            for m in project_members(session, project)
            if wanted is None or m.college == wanted
        ]


def get_member(ws: Workspace, ref: str | int, member_id: int | str) -> MemberView:
    with ws.session(read_only=True) as session:
        project = ws.get_project(session, ref)
        return member_view(_get(session, project, member_id), project.slug)


def missing_offices(session: Session, project: Project) -> list[str]:
    """French labels of the bureau offices nobody holds yet."""
    held = set(
        session.scalars(
            select(Member.role).where(Member.project_id == project.id, Member.erased_at.is_(None))
        )
    )
    return [ROLES[o] for o in BUREAU_OFFICES if o not in held]


@guard("bureau_complete", PROVIDERS["bureau_complete"][1])
def bureau_complete(ctx: GuardContext) -> list[str]:
    """The association has a président·e, a trésorier·ère and a secrétaire among its members."""
    return [f"Bureau : aucun·e {label} parmi les membres."
            for label in missing_offices(ctx.session, ctx.project)]
