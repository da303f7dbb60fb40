"""The 18 agences régionales de santé: the postal address of each one's headquarters, by
region code (INSEE COG), for the lettre d'intention.

The addresses were first written from the agencies' « Contact » pages as remembered, then
checked on 03/12/2026 against the public sources listed in `CHECKED`: an address found
there is `verified`; the others are kept as written but marked, and the letter's review
notes then say « Adresse à vérifier ». An agency may move (the ARS Occitanie left its
Montpellier building in 2021): the letter's `adresse_ars` answer replaces this table's
address, and the docs tell porteurs to check it before sending.
"""

from __future__ import annotations

# region code → (agency name, address lines)
ARS: dict[str, tuple[str, tuple[str, ...]]] = {
    "01": ("Agence régionale de santé de Guadeloupe, Saint-Martin et Saint-Barthélemy",
           ("Rue des Archives, Bisdary", "97113 Gourbeyre")),
    "02": ("Agence régionale de santé de Martinique",
           ("Centre d'affaires Agora, Pointe des Grives", "CS 80656",
            "97263 Fort-de-France Cedex")),
    "03": ("Agence régionale de santé de Guyane",
           ("66 avenue des Flamboyants", "CS 40696", "97336 Cayenne Cedex")),
    "04": ("Agence régionale de santé La Réunion",
           ("2 bis avenue Georges Brassens", "CS 61002", "97743 Saint-Denis Cedex 9")),
    "06": ("Agence régionale de santé de Mayotte",
           ("Rue Mariazé", "BP 410", "97600 Mamoudzou")),
    "11": ("Agence régionale de santé Île-de-France",
           ("13 rue du Landy", "93200 Saint-Denis")),
    "24": ("Agence régionale de santé Centre-Val de Loire",
           ("Cité Coligny, 131 rue du Faubourg Bannier", "BP 74409", "45044 Orléans Cedex 1")),
    "27": ("Agence régionale de santé Bourgogne-Franche-Comté",
           ("Le Diapason, 2 place des Savoirs", "CS 73535", "21035 Dijon Cedex")),
    "28": ("Agence régionale de santé de Normandie",
           ("Espace Claude Monet, 2 place Jean Nouzille", "CS 55035", "14050 Caen Cedex 4")),
    "32": ("Agence régionale de santé Hauts-de-France",
           ("556 avenue Willy Brandt", "59777 Euralille")),
    "44": ("Agence régionale de santé Grand Est",
           ("3 boulevard Joffre", "54000 Nancy")),
    "52": ("Agence régionale de santé Pays de la Loire",
           ("17 boulevard Gaston Doumergue", "CS 56233", "44262 Nantes Cedex 2")),
    "53": ("Agence régionale de santé Bretagne",
           ("6 place des Colombes", "CS 14253", "35042 Rennes Cedex")),
    "75": ("Agence régionale de santé Nouvelle-Aquitaine",
           ("103 bis rue Belleville", "CS 91704", "33063 Bordeaux Cedex")),
    "76": ("Agence régionale de santé Occitanie",
           ("26-28 Parc Club du Millénaire, 1025 rue Henri Becquerel", "CS 30001",
            "34067 Montpellier Cedex 2")),
    "84": ("Agence régionale de santé Auvergne-Rhône-Alpes",
           ("241 rue Garibaldi", "CS 93383", "69418 Lyon Cedex 03")),
    "93": ("Agence régionale de santé Provence-Alpes-Côte d'Azur",
           ("132 boulevard de Paris", "CS 50039", "13331 Marseille Cedex 03")),
    "94": ("Agence régionale de santé de Corse",
           ("Quartier Saint-Joseph", "CS 13003", "20700 Ajaccio Cedex 9")),
}

# region code → (public source where the address above was found, day it was checked).
# Regions missing here could not be confirmed from a public source that day.
CHECKED: dict[str, tuple[str, str]] = {
    # « ARS Grand Est (siège) … 3, Boulevard Joffre 54000 Nancy » (postal requests); the
    # CS 80071 / 54036 Nancy Cedex form written before is not published there.
    "44": ("https://www.grand-est.ars.sante.fr/acces-aux-documents-administratifs-et-"
           "reutilisation-des-informations-publiques-0", "03/12/2026"),
    # Legal notice of a site published by the ARS Bretagne: « 6 place des Colombes -
    # CS 14253 - 35042 RENNES Cedex ».
    "53": ("https://www.pecheapied-responsable.fr/en/legal-notice", "03/12/2026"),
}


def ars_for(region: str | None) -> dict[str, object] | None:
    """`{"name", "lines", "verified"}` of the region's ARS, or None for an unknown region."""
    found = ARS.get(region or "")
    if found is None:
        return None
    return {"name": found[0], "lines": list(found[1]), "verified": region in CHECKED}
