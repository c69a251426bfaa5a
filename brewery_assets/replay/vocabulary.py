"""What the synthetic breweries are called and where their doors are: town, street and name vocabularies
per country style, written to match the shapes found in the 2026-08-02 dataset."""

from brewery_assets.replay.regions import split_words

# Towns found in many US states; a share of US rows uses one of these instead of the region's cities.
US_TOWNS = split_words(
    "Springfield|Franklin|Greenville|Clinton|Fairview|Salem|Madison|Georgetown|Ashland|Riverside|Oxford|"
    "Jackson|Milford|Dover|Marion|Clayton|Lebanon|Centerville|Auburn|Hudson|Newport|Kingston|Dayton|"
    "Winchester|Arlington|Lexington|Bristol|Chester|Farmington|Burlington"
)
US_TOWN_SHARE = 0.2

# Street styles: (street names, house number first?, separator, US-style numbers?, Japanese block numbers?)
EN_STREETS = [
    f"{name} {kind}"
    for name in split_words(
        "High|Church|Station|Mill|Victoria|King|Queen|Bridge|Harbour|Beach|Stokes|Milsom|Dundas|Enterprise|"
        "Oxford|Glenmore|Mahana|Princes|George|Albert|Industrial|Wharf|Park|Hill|Second|Old Main|Ocean|Lake"
    )
    for kind in ("Street", "Street", "Road", "Road", "Avenue", "Drive", "Lane", "Terrace", "Parade", "Way")
]
US_STREETS = [
    f"{name} {kind}"
    for name in split_words(
        "Main Oak Maple Washington Market Industrial Commerce Mill Water River Park Church Topeka Fernway "
        "Radam Lake Pine Cedar Elm Broadway 1st 2nd 3rd 4th 5th 18th Union Front Railroad Depot Center "
        "Spring Highland Jefferson Lincoln Franklin Madison Harbor Airport College Grand Central"
    )
    for kind in ("St", "St", "St", "Ave", "Ave", "Rd", "Blvd", "Dr", "Ln", "Way", "Pkwy", "Ct", "Pl", "Hwy")
]
DE_STREETS = [
    f"{name} {kind.capitalize()}" if name.endswith("er") else f"{name}{kind}"
    for name in split_words(
        "Haupt Bahnhof Kirch Schloss Brauhaus Mühlen Berg Markt Dorf Linden Friesener Zirndorfer Bismarck "
        "Goethe Schiller Brunnen Kloster Garten Feldkirchener Ponigler Münchener Rosen"
    )
    for kind in ("straße", "straße", "straße", "straße", "weg", "gasse", "platz", "allee", "ring")
]
BE_STREETS = [
    f"{name}{kind}"
    for name in split_words("Molen Kerk Stations Dorp Brouwerij Hoog Abdij")
    for kind in ("straat", "straat", "laan", "plein", "steenweg")
] + split_words(
    "Rue de la Station|Boulevard Anspach|Chaussée de Bruxelles|Place du Marché|Rue du Moulin|"
    "Rue de l'Église|Rue Général Leman|Geelsebaan|Hogebrug"
)
STREET_STYLES: dict[str, tuple[list[str], bool, str, bool, bool]] = {
    "us": (US_STREETS, True, " ", True, False),
    "en": (EN_STREETS, True, " ", False, False),
    "de": (DE_STREETS, False, " ", False, False),
    "be": (BE_STREETS, True, " ", False, False),
    "nl": (
        split_words("Molendijk|Funenkade|Grote Voort|Heuvel|Kerkstraat|Dorpsstraat|Havenweg|Marktplein|"
               "Stationsweg|Brouwerijstraat|Kanaaldijk|Veemarkt"),
        False, " ", False, False,
    ),
    "pt": (
        split_words("R. Angelina Vidal|Av. da Liberdade|Rua do Comércio|Rua da Fábrica|Travessa do Carmo|"
               "Estrada Nacional 109|R. Bernardim Ribeiro|Largo da Sé|Avenida da República|Rua de São João|"
               "Rua Cândido dos Reis"),
        False, " ", False, False,
    ),
    "fi": (
        split_words("Mallaskatu Antinkatu Erkkilänkatu Gerbyntie Hämeenkatu Satamakatu Tehtaankatu Kauppakatu "
               "Panimotie Myllytie Yliopistonkatu Pyhäjärventie"),
        False, " ", False, False,
    ),
    "pl": (
        split_words("Broniewskiego|Milicka|1 Maja|Świdnicka|Wrocławska|Kościuszki|Mickiewicza|Rynek|Łąkowa|"
               "Zamkowa|Żeromskiego|Ogrodowa"),
        False, " ", False, False,
    ),
    "ko": (
        split_words("Yeoksam-ro Uiam-ro Gwangwang-ro Mungyeong-daero Hongik-ro Itaewon-ro Haeundae-ro Jungang-ro "
               "Dosan-daero Wausan-ro"),
        True, ", ", False, False,
    ),
    "ja": (
        split_words("Futabacho Kawaramachi Sangenyanishi Ukida Umeda Namba Tenjinbashi Shinsaibashi Kitahama "
               "Nishitenma"),
        True, " ", False, True,
    ),
    "sv": (
        split_words("Alamedan|Västra Kajen|Syllinge|Storgatan|Kungsgatan|Drottninggatan|Hamngatan|Bryggaregatan|"
               "Södra Vägen|Ronnebygatan"),
        False, " ", False, False,
    ),
    "it": (
        split_words("Via Andreas Hofer|Via Venosta|Via Aldo Moro|Via Conciatori|Via Roma|Via Garibaldi|"
               "Piazza Walther|Via dei Portici|Via Museo|Via Brennero"),
        False, " ", False, False,
    ),
    "fr": (
        split_words("Rue Saint Pierre|Blvd de l'Europe|Cours Gouffé|Rue de la République|Avenue du Prado|"
               "Rue Paradis|Boulevard Baille|Rue d'Aubagne|Chemin du Littoral|Place Castellane"),
        True, " ", False, False,
    ),
    "ua": (
        split_words("Prospekt Pratsi|Vulytsia Shevchenka|Prospekt Yavornytskoho|Vulytsia Tytova"),
        False, ", ", False, False,
    ),
}
ADDRESS_2 = split_words(
    "Unit 1|Unit 2|Unit 5|Unit 14|Suite 100|Suite 200|Ste 110|#A|#100|Level 2|Building B|Shop 3"
)
ADDRESS_3 = split_words(
    "Westpoint Business Park|Enterprise Centre|Riverside Industrial Estate|Harbour Quarter|Old Mill Yard"
)

# Name styles: a name is "<first word> <rest>", which lets rows be produced in name order one first word
# at a time. First words carry weights; rests are drawn uniformly.
EN_FIRST = (
    "Alpine Amber Anchor Angry Ancient Arrow Atlas Backyard Bad Badger Barrel Bear Big Black Blind Blue "
    "Bold Boulder Brass Brick Broken Buffalo Burnt Canyon Cascade Cedar Coastal Cold Copper Country Crooked "
    "Crow Cypress Dark Dead Deep Devil's Dirty Dog Double Dragon Driftwood Dry Eagle East Echo Electric Elk "
    "Empire Evil Falls Fat Fire Flying Forest Fox Free Frontier Ghost Giant Golden Good Granite Gravity "
    "Green Grey Half Happy Harbor Hidden High Highland Hop Hopworks Horse Humble Iron Island Jackalope "
    "Kettle King Lake Last Liberty Little Local Lone Lost Lucky Mad Maple Mighty Mill Moon Mountain Mystic "
    "New Night Noble North Oak Ocean Odd Old Open Orchard Pale Pioneer Prairie Quarry Rabbit Railroad Raven "
    "Red Ridge River Rock Rogue Rusty Salt Second Seven Shady Silver Sleeping Smoky South Southern Stone "
    "Storm Sun Tall Third Three Thunder Timber Tin Top Triple Twin Two Union Urban Valley Village West "
    "Whistle White Wicked Wild Willow Wolf Wooden Yellow 10 12 21st 3 7 1000 (405) 5 Duncan's Lister's"
)
# Rare first words: "The" is common; curly apostrophes occur in about 0.3% of real names.
EN_FIRST_WEIGHTS = {"The": 8.0, "Murphy’s": 0.1, "Bushy’s": 0.1, "O’Brien’s": 0.1, "Paddy’s": 0.1,
                     "Duncan's": 0.5, "Lister's": 0.5}
EN_SECOND = split_words(
    "Barrel Bear Bend Bird Bluff Branch Bridge Brook Canyon Cat City Coast County Creek Crown Dog Eagle "
    "Elephant Falls Farm Field Fork Fox Goat Grove Harbor Hill Hollow Hop Horse Island Kettle Lake Lantern "
    "Leaf Lion Mill Moose Mountain Oak Owl Peak Pine Point Raven Ridge River Road Rock Rooster Saint Sands "
    "Shore Spring Star Stone Tree Valley Water Wave Wolf Wood Yard"
)
EN_SUFFIX = {
    "Brewing Company": 20, "Brewing Co": 16, "Brewery": 16, "Brewing Co.": 8, "Brewing": 8, "Beer Company": 3,
    "Beer Co": 2, "Brewhouse": 3, "Ales": 3, "Aleworks": 2, "Brewing Co., LLC": 1, "Craft Brewery": 2,
    "Taproom": 1, "Cider Co": 1, "Brewery & Distillery": 1, "Brewpub": 1, "Beer Works": 1,
    "Brewing Company Ltd": 1, "Brewers": 1, "Fermentation Co.": 1,
}
EN_NO_SECOND = 0.45
DE_NAMES = split_words(
    "Müller Hofmann Schäffler Göller Zehendner Rittmayer Stöttner Weißenoher Mönchshof Kühbacher Löwen "
    "Schönramer Gräfenberger Zötler Höss Sünner Päffgen Früh Eichhorn Knoblach Hümmer Fässla Keesmann "
    "Greif Kundmüller Wagner Hetzel Friedmann Reh Krug Meister Grüner Dorn Schwarz Engel Adler Hirsch "
    "Krone Ritter Schneider Ayinger Tegernseer Andechser Weltenburger Distelhäuser Rothaus Wernesgrüner "
    "Köstritzer Störtebeker Flötzinger Gutmann Maisel Riegele Zwönitzer Einsiedler"
)
NAME_STYLES: dict[str, tuple[dict[str, float], list[str]]] = {
    "en": ({}, []),  # built below from the word lists above
    "de_prefix": (
        {"Brauerei": 12, "Brauhaus": 4, "Privatbrauerei": 3, "Klosterbrauerei": 2, "Hausbrauerei": 1,
         "Landbrauerei": 1, "Gasthausbrauerei": 1, "Bierbrauerei": 1},
        DE_NAMES + ["zum Löwen", "Gasthof Krone", "am Markt", "zur Post", "Weißes Rössl", "am Dom",
                     "im Füchschen", "Schönbuch", "Höfen", "Tucher"],
    ),
    "de_suffix": (
        dict.fromkeys(DE_NAMES, 1.0),
        ["Bräu", "Bräu", "Brauerei", "Brauerei", "Brauhaus", "Bräu GmbH", "Brauerei GmbH & Co. KG",
         "Bräustüberl", "Brauereigasthof"],
    ),
    "nl_prefix": (
        {"Brouwerij": 10, "Bierbrouwerij": 2, "Stadsbrouwerij": 2, "Dorpsbrouwerij": 1, "Ambachtelijke": 1,
         "Museumbrouwerij": 1, "Huisbrouwerij": 1},
        ["De Molen", "Het Anker", "De Halve Maan", "De Kemphaan", "De Natte Gijt", "de Pimpelmeesch",
         "de Roos", "de Pelgrim", "’t Hofbrouwerijke", "’t Kroontje", "Het Sas", "Boelens", "Dilewyns",
         "Verhaeghe", "Loterbol", "Bosteels", "Van Steenberge", "Het IJ", "’t Verzet", "Sint-Bernardus",
         "De Brabandere", "Oijen", "Lindeboom", "Van Eecke", "Strubbe", "De Ranke", "Timmermans", "Vechtdal"],
    ),
    "nl_article": (
        {"De": 4, "Het": 2, "’t": 1},
        ["Molen", "Kroon", "Anker", "Verzet", "Drankorgel", "Hoppeschuur", "Natte Gijt", "Koperen Ketel",
         "Dikke Mathile", "Sas", "Gouden Boom", "Zwarte Ruiter", "Kleine Beer", "Oude Brouwerij", "Hommelhof",
         "Pakhuis", "Kapittel", "Leite", "Glazen Toren", "Plukker"],
    ),
    "fr": (
        {"Brasserie": 10, "Bière": 1},
        ["de la Senne", "Dupont", "Cantillon", "de Rochefort", "Lefebvre", "de l'Abbaye", "St-Feuillien",
         "des Légendes", "de la Plaine", "Zoumaï", "Minot", "du Bocq", "Caracole", "d'Achouffe",
         "Millevertus", "de Bouillon", "de Val-Dieu", "de Silly", "des Fagnes", "de Blaugies", "Dubuisson",
         "de Brunehaut", "Lupulus", "de la Lesse", "Artisanale de Namur", "des Carrières", "du Château"],
    ),
    "pl": (
        {"Browar": 10},
        ["Złoty Pies", "Stu Mostów", "Wielka Sowa", "Jamrozowa Polana", "Profesja", "Lwówek", "Świdnica",
         "Książ", "Miedzianka", "Śląski", "Łomnica", "Zdrój", "Rzemieślniczy Jauer", "Widawa", "Kormoran",
         "Sobótka", "Spiż", "Mały Rynek", "Górski", "Karkonosze"],
    ),
    "fi": (
        dict.fromkeys(split_words("Mallaskosken Nokian Kanavan Laitilan Pyynikin Hämeen Vakka-Suomen Päijänteen "
                      "Olarin Saimaan Lammin Teerenpelin Ålands Kuopion Oulun Tornion"), 1.0),
        ["Panimo", "Panimo", "Käsityöläispanimo", "Panimo Oy", "Panimoravintola", "Brewing Co",
         "Wirvoitusjuomatehdas", "Oluttehdas", "Bryggeri"],
    ),
    "pt": (
        {"Cervejaria": 6, "Cerveja": 3, "Fábrica": 1},
        ["Dois Corvos", "Letra", "Oitava Colina", "Marafada", "Sovina", "Musa", "Lince", "Alvoreada",
         "Praxis", "Mean Sardine", "Quatro Torres", "Artesanal do Algarve", "Bela", "Epicura", "Maldita",
         "Passarola", "Toira", "da Ribeira", "Açoriana", "do Minho"],
    ),
    "sv": (
        dict.fromkeys(split_words("Karlskrona Halmstads Byaregårdens Nättraby Carlskrona Göteborgs Varbergs "
                      "Ronneby Sölvesborgs Karlshamns Falkenbergs"), 1.0),
        ["Brygghus", "Bryggeri", "Bryggeri AB", "Mikrobryggeri", "Kvartersbryggeri", "Hantverksbryggeri"],
    ),
    "it": (
        {"Birrificio": 6, "Birra": 2},
        ["Forst", "Batzen", "Floribunda", "Gassl", "Pfefferlechner", "Altavia", "del Bosco", "Dolomiti",
         "Val Venosta", "Ritten", "Brunico", "Merano"],
    ),
    "ko": ({}, []),  # built below: the rest repeats the first word's romanisation
}
# Hangul first words and their romanisation, written like the real `서울 브루어리 (Seoul Brewery)`.
KO_WORDS = {
    "서울": "Seoul", "부산": "Busan", "강릉": "Gangneung", "고릴라": "Gorilla", "와일드": "Wild Wave",
    "아톤": "Aton", "제주": "Jeju", "플레이그라운드": "Playground", "크래머리": "Kraemerlee",
    "바이젠하우스": "WeizenHouse", "동두천": "Dongducheon", "어메이징": "Amazing", "갈매기": "Galmegi",
    "더부스": "The Booth", "맥파이": "Magpie", "세븐브로이": "7Brau", "카브루": "Ka-Brew",
    "핸드앤몰트": "Hand and Malt", "구미": "Gumi", "춘천": "Chuncheon",
}
KO_RESTS = (
    "브루어리 ({} Brewery)", "브루잉 ({} Brewing)", "양조장 ({} Brewery)", "브루잉 컴퍼니 ({} Brewing Co.)",
)
