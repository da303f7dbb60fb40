"""The 18 agences régionales de santé: the postal address of each one's headquarters, by
region code (INSEE COG), for the lettre d'intention.

Source: the « Contact » / « Nous contacter » page of each agency's website
(https://www.<région>.ars.sante.fr, e.g. www.paca.ars.sante.fr), addresses of the siège as
published in 2024-2025. An agency may move (the ARS Île-de-France left Paris for
Saint-Denis): the letter's `adresse_ars` answer replaces this table's address, and the
docs tell porteurs to check it before sending.
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
           ("3 boulevard Joffre", "CS 80071", "54036 Nancy Cedex")),
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


def ars_for(region: str | None) -> dict[str, object] | None:
    """`{"name", "lines"}` of the region's ARS, or None for an unknown region."""
    found = ARS.get(region or "")
    return {"name": found[0], "lines": list(found[1])} if found else None
