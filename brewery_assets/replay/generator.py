"""A deterministic, self-contained synthetic Open Brewery DB dataset in the API's record shape.

The regions, their row weights and centres, the per-country type mix, null rates and value formats follow
the 2026-08-02 dataset profile (shared/data/openbrewerydb/PROFILE.md); nothing is read at runtime.
Output depends only on `count` and `seed` (not on PYTHONHASHSEED), and rows come sorted by name.
"""

import math
import random
import unicodedata
from collections import Counter
from collections.abc import Iterator
from functools import cache
from typing import Any

DEFAULT_COUNT = 12_000
DEFAULT_SEED = 20260802

# (state_province, rows in the real dataset, median latitude, median longitude, "city|city|...") per
# country. Centres of the few rows with swapped coordinates were corrected by hand.
_REGIONS: dict[str, tuple[tuple[str, int, float, float, str], ...]] = {
    "United States": (
        ("California", 919, 34.5, -119.29, "San Diego|San Francisco|Los Angeles|Sacramento"),
        ("Washington", 529, 47.63, -122.31, "Seattle|Spokane|Vancouver|Tacoma"),
        ("Colorado", 449, 39.74, -105.05, "Denver|Boulder|Colorado Springs|Fort Collins"),
        ("New York", 419, 42.5, -74.38, "Brooklyn|Buffalo|Rochester|New York"),
        ("Michigan", 375, 42.72, -85.14, "Grand Rapids|Kalamazoo|Detroit|Traverse City"),
        ("Texas", 352, 30.38, -97.13, "Austin|Houston|Dallas|San Antonio"),
        ("Pennsylvania", 345, 40.4, -76.62, "Pittsburgh|Philadelphia|Harrisburg|Erie"),
        ("Florida", 312, 28.02, -81.83, "Tampa|Jacksonville|Miami|Orlando"),
        ("North Carolina", 311, 35.6, -80.25, "Charlotte|Asheville|Raleigh|Wilmington"),
        ("Ohio", 303, 40.16, -82.93, "Cincinnati|Columbus|Cleveland|Akron"),
        ("Oregon", 295, 45.37, -122.69, "Portland|Bend|Eugene|Salem"),
        ("Illinois", 257, 41.86, -88.0, "Chicago|Saint Charles|Oak Park|Peoria"),
        ("Virginia", 255, 37.59, -77.49, "Richmond|Virginia Beach|Leesburg|Manassas"),
        ("Wisconsin", 225, 43.44, -88.88, "Milwaukee|Madison|Green Bay|La Crosse"),
        ("Minnesota", 183, 44.98, -93.27, "Minneapolis|Saint Paul|Duluth|Rochester"),
        ("Massachusetts", 171, 42.32, -71.32, "Boston|Easthampton|Worcester|Somerville"),
        ("Indiana", 162, 39.91, -86.16, "Indianapolis|Fort Wayne|Bloomington|Evansville"),
        ("Maryland", 158, 39.28, -76.69, "Baltimore|Frederick|Gaithersburg|Salisbury"),
        ("Missouri", 141, 38.66, -92.2, "Saint Louis|Kansas City|Springfield|Lees Summit"),
        ("Arizona", 125, 33.45, -111.91, "Tucson|Phoenix|Scottsdale|Flagstaff"),
        ("Tennessee", 116, 35.97, -86.6, "Nashville|Knoxville|Chattanooga|Memphis"),
        ("New Jersey", 115, 40.19, -74.77, "Hackettstown|Hammonton|Rio Grande|Toms River"),
        ("Maine", 114, 44.09, -70.15, "Portland|Bangor|Orono|Bar Harbor"),
        ("New Hampshire", 113, 43.08, -71.49, "Manchester|Portsmouth|Nashua|Londonderry"),
        ("Connecticut", 112, 41.54, -72.81, "Hartford|Branford|New Haven|Bridgeport"),
        ("Georgia", 100, 33.79, -84.36, "Atlanta|Savannah|Athens|Marietta"),
        ("Montana", 92, 46.47, -111.3, "Bozeman|Missoula|Billings|Kalispell"),
        ("Iowa", 91, 41.78, -92.86, "Des Moines|Cedar Rapids|Dubuque|Ames"),
        ("New Mexico", 83, 35.12, -106.61, "Albuquerque|Santa Fe|Las Cruces|Rio Rancho"),
        ("South Carolina", 79, 33.71, -80.89, "Charleston|Greenville|North Charleston|Columbia"),
        ("Idaho", 67, 43.65, -116.23, "Boise|Garden City|Coeur D Alene|Nampa"),
        ("Nebraska", 62, 41.17, -96.72, "Omaha|Lincoln|La Vista|North Platte"),
        ("Alaska", 60, 61.16, -149.44, "Anchorage|Juneau|Fairbanks|Palmer"),
        ("Kentucky", 58, 38.22, -84.71, "Louisville|Lexington|Bellevue|Paducah"),
        ("Vermont", 52, 44.37, -73.08, "Burlington|Stowe|Essex Junction|Bristol"),
        ("Alabama", 52, 33.52, -86.78, "Birmingham|Huntsville|Mobile|Tuscaloosa"),
        ("Wyoming", 52, 42.86, -106.88, "Casper|Cheyenne|Laramie|Cody"),
        ("Nevada", 51, 39.51, -119.77, "Reno|Las Vegas|Henderson|Sparks"),
        ("Kansas", 47, 38.87, -96.68, "Wichita|Lawrence|Olathe|Topeka"),
        ("Utah", 45, 40.73, -111.9, "Salt Lake City|Ogden|Midvale|Park City"),
        ("South Dakota", 45, 43.92, -98.42, "Sioux Falls|Rapid City|Spearfish|Yankton"),
        ("Arkansas", 45, 36.06, -93.93, "Little Rock|Fayetteville|Rogers|Bentonville"),
        ("Oklahoma", 44, 35.57, -97.06, "Oklahoma City|Tulsa|Norman|Edmond"),
        ("Louisiana", 44, 30.39, -90.49, "New Orleans|Shreveport|Baton Rouge|Covington"),
        ("West Virginia", 40, 39.18, -80.0, "Charleston|Fayetteville|Charles Town|Summersville"),
        ("Hawaii", 34, 21.29, -157.77, "Honolulu|Hilo|Kailua Kona|Lahaina"),
        ("Rhode Island", 31, 41.79, -71.42, "Providence|Pawtucket|Cranston|Warwick"),
        ("Delaware", 28, 38.93, -75.45, "Rehoboth Beach|Wilmington|Newark|Smyrna"),
        ("North Dakota", 26, 46.88, -100.4, "Fargo|Bismarck|Grand Forks|Minot"),
        ("District of Columbia", 22, 38.91, -77.0, "Washington"),
        ("Mississippi", 17, 31.69, -89.29, "Hattiesburg|Ocean Springs|Biloxi"),
        ("MIssouri", 1, 38.3, -90.48, "Hillsboro"),
    ),
    "Germany": (
        ("Bayern", 597, 49.2, 11.2, "München|Bamberg|Nürnberg|Augsburg"),
        ("Baden-Württemberg", 195, 48.63, 9.07, "Karlsruhe|Stuttgart|Heidelberg|Offenburg"),
        ("Nordrhein-Westfalen", 145, 51.32, 7.23, "Köln|Düsseldorf|Münster|Bonn"),
        ("Niedersachsen", 79, 52.43, 9.67, "Braunschweig|Hannover|Osnabrück|Jever"),
        ("Hessen", 78, 50.21, 8.82, "Frankfurt am Main|Lauterbach (Hessen)|Fulda|Darmstadt"),
        ("Sachsen", 67, 51.02, 13.19, "Dresden|Leipzig|Chemnitz|Görlitz"),
        ("Rheinland-Pfalz", 58, 49.66, 7.77, "Mainz|Bernkastel-Kues|Grünstadt|Worms"),
        ("Berlin", 41, 52.52, 13.41, "Berlin"),
        ("Thüringen", 37, 50.88, 11.05, "Erfurt|Gotha|Bad Lobenstein|Jena"),
        ("Brandenburg", 36, 52.43, 13.61, "Potsdam|Hohenfinow|Boitzenburger Land|Brandenburg an der Havel"),
        ("Schleswig-Holstein", 28, 54.11, 9.91, "Flensburg|Lübeck|Kiel|Wacken"),
        ("Mecklenburg-Vorpommern", 27, 53.96, 12.57, "Rostock|Barth|Wismar|Waren (Müritz)"),
        ("Sachsen-Anhalt", 25, 51.93, 11.64, "Magdeburg|Colbitz|Bitterfeld-Wolfen|Hötensleben"),
        ("Hamburg", 14, 53.55, 9.96, "Hamburg"),
        ("Saarland", 14, 49.35, 6.99, "Neunkirchen|Saarbrücken|Homburg|Heusweiler"),
        ("Bremen", 4, 53.09, 8.8, "Bremen"),
    ),
    "Australia": (
        ("VIC", 160, -37.81, 144.99, "Brunswick|Keilor Park|Abbotsford|South Melbourne"),
        ("NSW", 144, -33.81, 151.19, "Marrickville|Brookvale|Alexandria|Botany"),
        ("QLD", 81, -27.45, 153.04, "Burleigh Heads|Salisbury|Yeerongpilly|Currumbin Waters"),
        ("SA", 47, -34.92, 138.59, "McLaren Flat|Adelaide|Port Adelaide|Willunga"),
        ("WA", 46, -32.06, 115.8, "Henley Brook|Wilyabrup|Baskerville|Exmouth"),
        ("TAS", 26, -42.27, 147.3, "Hobart|Bicheno|North Hobart|Launceston"),
        ("ACT", 7, -35.32, 149.16, "Fyshwick|Braddon|Gungahlin"),
        ("NT", 3, -12.77, 131.47, "Ross|Coconut Grove|Marrakai"),
    ),
    "Belgium": (
        ("Vlaanderen", 297, 50.99, 4.2, "Gent|Brugge|Antwerpen|Vleteren"),
        ("Région wallonne", 129, 50.49, 4.45, "Liège|Namur|Péruwelz|Thuin"),
        ("Brussels Capital Region", 43, 50.85, 4.35, "Bruxelles|Brussel|Anderlecht|Brussels"),
        ("Wallonia", 3, 50.18, 5.22, "Rochefort|Charleroi"),
        ("Région flamande", 2, 50.8, 4.29, "Sint-Pieters-Leeuw"),
        ("Flanders", 2, 50.9, 4.68, "Hoegaarden|Mechelen"),
        ("Waals Gewest", 2, 50.66, 5.61, "Luik"),
    ),
    "Canada": (
        ("Ontario", 164, 43.66, -79.39, "Toronto|Ottawa|Hamilton|London"),
        ("British Columbia", 119, 49.28, -123.04, "Vancouver|Victoria|Kelowna|North Vancouver"),
    ),
    "New Zealand": (
        ("Auckland", 44, -36.87, 174.76, "Auckland|Warkworth|Silverdale|Helensville"),
        ("Wellington Region", 43, -41.29, 174.78, "Wellington|Upper Hutt|Porirua|Lower Hutt"),
        ("Canterbury Region", 39, -43.53, 172.63, "Christchurch|Amberley|Timaru|Kaikōura"),
        ("Otago Region", 35, -45.1, 169.32, "Dunedin|Queenstown|Wānaka|Oamaru"),
        ("Waikato Region", 20, -37.77, 175.27, "Hamilton|Tamahere|Coromandel|Raglan"),
        ("Hawke's Bay Region", 12, -39.62, 176.84, "Hastings|Napier|Maraekakaho|Bridge Pa"),
        ("Bay of Plenty Region", 11, -37.66, 176.2, "Mount Maunganui|Rotorua|Tauranga|Omanawa"),
        ("Tasman Region", 9, -41.26, 173.01, "Motueka|Richmond|Māpua|Wai-Iti"),
        ("Nelson Region", 7, -41.32, 173.23, "Nelson"),
        ("Taranaki Region", 6, -39.06, 174.11, "New Plymouth|Egmont Village"),
        ("Manawatū-Whanganui Region", 4, -40.12, 175.51, "Palmerston North|Westmere|Ohakune|Mangatainoka"),
        ("Northland Region", 4, -35.28, 174.06, "Haruru|Kerikeri|Waipu"),
        ("Marlborough Region", 3, -41.49, 173.88, "Rapaura|Renwick"),
        ("Southland Region", 2, -46.41, 168.34, "Invercargill"),
        ("West Coast Region", 2, -42.1, 171.4, "Greymouth|Westport"),
        ("Gisborne Region", 1, -38.67, 178.02, "Gisborne"),
        ("Northland", 1, -35.74, 174.27, "Whangarei"),
    ),
    "South Africa": (
        ("Western Cape", 51, -33.91, 18.91, "Cape Town|Somerset West|Paarl|Franschhoek"),
        ("KwaZulu-Natal", 17, -29.66, 30.89, "Durban|Nottingham Road|Balgowan|Ballito"),
        ("Gauteng", 17, -26.0, 28.09, "Pretoria|Johannesburg|Centurion|Arlington"),
        ("Eastern Cape", 9, -33.21, 25.62, "Gqeberha|East London|Jeffreys Bay|Makhanda"),
        ("North West", 3, -25.81, 27.77, "Hartbeespoort|Potchefstroom"),
        ("Mpumalanga", 3, -25.2, 30.55, "Dullstroom|Lydenburg|Sabie"),
        ("Free State", 3, -28.49, 28.19, "Clarens|Fouriesburg|Dewetsdorp"),
        ("Limpopo", 1, -23.88, 29.92, "Haenertsburg"),
    ),
    "Netherlands": (
        ("Noord-Brabant", 20, 51.52, 5.3, "Breda|Lieshout|Eindhoven|Berkel-Enschot"),
        ("Noord-Holland", 18, 52.37, 4.86, "Amsterdam|Zaandijk|Haarlem|Diemen"),
        ("Zuid-Holland", 9, 52.07, 4.45, "Den Haag|Rotterdam|Delft|Bodegraven"),
        ("Limburg", 7, 51.17, 5.89, "Roermond|Wijlre|Weert|Maastricht"),
        ("Gelderland", 6, 51.92, 5.85, "Nijmegen|Ede|Voorthuizen|Winterswijk"),
        ("Utrecht", 5, 52.11, 5.11, "Utrecht|Amersfoort|Everdingen"),
        ("Overijssel", 4, 52.49, 6.39, "Dalfsen|Zwolle|Den Ham|Enschede"),
        ("Groningen", 2, 53.23, 6.55, "Groningen"),
        ("Zeeland", 2, 51.53, 3.68, "Kamperland|Middelburg"),
        ("Drenthe", 1, 53.03, 6.39, "Veenhuizen"),
        ("Friesland", 1, 53.06, 5.53, "Bolsward"),
        ("Flevoland", 1, 52.18, 5.26, "Soest"),
    ),
    "Portugal": (
        ("Lisboa", 18, 38.73, -9.14, "Lisboa|Sintra|Cascais|Estoril"),
        ("Porto", 18, 41.15, -8.61, "Porto|Vila Nova de Gaia|Penafiel|Matosinhos"),
        ("Aveiro", 9, 40.64, -8.54, "Aveiro|Estarreja|Anadia|Mealhada"),
        ("Faro", 6, 37.1, -8.23, "Silves|Faro|Lagos|Algoz"),
        ("Coimbra", 4, 40.2, -8.43, "Coimbra|Santa Clara"),
        ("Portalegre", 3, 39.33, -7.5, "Portalegre|Santo António das Areias"),
        ("Braga", 3, 41.55, -8.47, "Vila Verde|Vila Nova de Famalicão"),
        ("Santarém", 3, 39.27, -8.77, "Santarém|Rio Maior|Ferreira do Zêzere"),
        ("Setúbal", 2, 38.63, -8.9, "Montijo|Setúbal"),
        ("Viseu", 2, 40.69, -8.01, "Vouzela|Viseu"),
        ("Açores", 1, 38.66, -27.21, "Angra do Heroísmo"),
        ("Beja", 1, 38.01, -7.85, "Beja"),
        ("Vila Real", 1, 41.28, -7.71, "Vila Real"),
        ("Leiria", 1, 39.75, -8.8, "Colmeias"),
    ),
    "Ireland": (
        ("Dublin", 16, 53.34, -6.3, "Dublin|Kimmage|Rathcoole|Tallaght"),
        ("Cork", 11, 51.9, -8.48, "Cork|Macroom|Kinsale|Mayfield"),
        ("Donegal", 4, 54.91, -7.69, "Muff|Ballyshannon|Letterkenny|Convoy"),
        ("Galway", 3, 53.28, -8.93, "Oranmore|Clifden"),
        ("Kilkenny", 3, 52.65, -7.25, "Kilkenny"),
        ("Kildare", 3, 53.25, -6.54, "Sallins|Celbridge|Kill"),
        ("Kerry", 3, 52.14, -9.56, "Killarney|Ballyferriter"),
        ("Wicklow", 3, 53.08, -6.11, "Kilcool|Redcross|Bray"),
        ("Laois", 2, 52.93, -7.05, "Killeshin|Stradbally"),
        ("Offaly", 2, 53.14, -7.86, "Banagher|Kinnitty"),
        ("Tipperary", 2, 52.92, -7.97, "Roscrea|Templemore"),
        ("Limerick", 2, 52.67, -8.63, "Limerick"),
        ("Wexford", 2, 52.33, -6.51, "Wexford"),
        ("Waterford", 2, 52.18, -7.38, "Dungarvan|Waterford"),
        ("Sligo", 2, 54.18, -8.49, "Cleveragh|Ballymote"),
        ("Mayo", 2, 53.92, -9.3, "Kilsallagh|Crossmolina"),
        ("Roscommon", 1, 53.74, -8.64, "Ballinlough"),
        ("Monaghan", 1, 53.98, -6.64, "Carrickmacross"),
        ("Meath", 1, 53.57, -6.79, "Trim"),
        ("Clare", 1, 53.03, -9.29, "Lisdoonvarna"),
        ("Louth", 1, 53.99, -6.22, "Carlingford"),
        ("Carlow", 1, 52.7, -6.98, "Bagenalstown"),
        ("Westmeath", 1, 53.42, -7.94, "Athlone"),
        ("Longford", 1, 53.73, -7.78, "Longford"),
    ),
    "Finland": (
        ("Uusimaa", 19, 60.19, 24.98, "Helsinki|Espoo|Kerava|Fiskars"),
        ("Varsinais-Suomi", 8, 60.45, 22.25, "Turku|Kemiö|Piikkiö|Laitila"),
        ("Pirkanmaa", 6, 61.48, 23.75, "Tampere|Narva|Nokia|Laitikkala"),
        ("Päijät-Häme", 5, 61.0, 25.65, "Lahti|Hollola|Vääksy|Heinola"),
        ("South Ostrobothnia", 4, 62.65, 22.76, "Panttila|Seinäjoki|Lapua|Ilvesjoki"),
        ("Kanta-Häme", 4, 61.05, 24.42, "Lammi|Lepaa|Forssa|Hämeenlinna"),
        ("Northern Ostrobothnia", 3, 65.01, 25.45, "Oulu|Hailuoto"),
        ("South Savo", 3, 61.69, 27.27, "Enonkoski|Mäntyharju|Mikkeli"),
        ("Satakunta", 2, 61.31, 21.65, "Pori|Rauma"),
        ("Ostrobothnia", 2, 63.19, 21.33, "Vaasa|Söderudden"),
        ("Central Finland", 2, 62.26, 25.77, "Jyväskylä"),
        ("North Savo", 2, 62.88, 27.69, "Kuopio"),
        ("Lapland", 2, 66.17, 24.93, "Rovaniemi|Tornio"),
        ("Kymenlaakso", 2, 60.72, 27.09, "Kuusankoski|Ravijoki"),
        ("Kainuu", 1, 64.13, 28.32, "Sotkamo"),
        ("Central Ostrobothnia", 1, 63.82, 23.16, "Kokkola"),
        ("South Karelia", 1, 61.06, 28.17, "Lappeenranta"),
        ("Åland", 1, 60.24, 19.98, "Godby"),
    ),
    "England": (
        ("East Sussex", 31, 50.87, 0.03, "Brighton|Lewes|Uckfield|Hastings"),
        ("West Sussex", 31, 50.94, -0.33, "Horsham|Chichester|Pulborough|Hassocks"),
    ),
    "South Korea": (
        ("Seoul", 14, 37.54, 126.99, "Mapo-gu|Yongsan-gu|Gangnam-gu|Jung-gu"),
        ("Busan", 9, 35.2, 129.12, "Suyeong-gu|Haeundae-gu|Gangseo-gu|Gijang-eup"),
        ("Gyeonggido", 9, 37.63, 127.14, "Namyangju-si|Guri-si|Dongducheon-si|Yongin-si"),
        ("Gangwondo", 7, 37.77, 128.54, "Chuncheon-si|Gangneung-si|Sokcho-si|Jeongseon-gun"),
        ("Jeollabukdo", 3, 35.82, 127.14, "Jeonju-si|Jangsu-gun"),
        ("Gyeongsangbukdo", 3, 36.6, 128.53, "Andong-si|Mungyeong-si"),
        ("Jejudo", 3, 33.25, 126.56, "Seogwipo-si|Jeju-si"),
        ("Gyeongsangnamdo", 3, 34.83, 128.4, "Changwon-si|Tongyeong-si|Namhae-gun"),
        ("Chungcheongnamdo", 3, 36.77, 126.71, "Gongju-si|Dangjin-si|Seosan-si"),
        ("Incheon", 2, 37.44, 126.65, "Yeonsu-gu|Jung-gu"),
        ("Deagu", 1, 35.86, 128.61, "Jung-gu"),
        ("Daejeon", 1, 36.31, 127.36, "Seo-gu"),
        ("Chungcheongbukdo", 1, 36.97, 127.92, "Chungju-si"),
        ("Gwangju", 1, 35.22, 126.85, "Gwangsan-gu"),
        ("Jeollanamdo", 1, 34.95, 127.5, "Suncheon-si"),
    ),
    "Poland": (
        ("dolnośląskie", 34, 51.03, 16.73, "Wrocław|Syców|Kąty Wrocławskie|Trzebnica"),
    ),
    "Singapore": (
        ("Singapore", 33, 1.31, 103.91, "Singapore"),
    ),
    "Austria": (
        ("Steiermark", 7, 47.11, 15.43, "Weiz|Kalsdorf bei Graz|Wundschuh|Leoben"),
        ("Kärnten", 3, 46.64, 14.29, "Klagenfurt am Wörthersee|Villach|Wimitz"),
        ("Oberösterreich", 2, 48.27, 13.62, "Engelhartszell|Zipf"),
        ("Niederösterreich", 2, 48.14, 15.81, "Schwechat|Wieselburg"),
        ("Salzburg", 1, 47.79, 13.02, "Salzburg"),
    ),
    "Japan": (
        ("Osaka", 10, 34.71, 135.5, "Osaka|Ibaraki|Takatsuki|Minoh"),
    ),
    "Sweden": (
        ("Blekinge", 6, 56.16, 15.59, "Karlskrona|Karlshamn|Nättraby"),
        ("Halland", 4, 56.9, 12.6, "Halmstad|Veddige|Varberg"),
    ),
    "Scotland": (
        ("Argyll", 4, 56.17, -5.86, "Isle of Colonsay|Cairndow|Isle of Islay|Oban"),
        ("West Dunbartonshire", 4, 55.96, -4.57, "Dumbarton|Alexandria|Clydebank"),
        ("Bute", 1, 55.84, -5.06, "Isle of Bute"),
        ("East Dunbartonshire", 1, 55.94, -4.31, "Milngavie"),
    ),
    "Italy": (
        ("Bolzano", 4, 46.57, 11.29, "Bolzano|Lagundo|Salorno|Chiusa"),
    ),
    "France": (
        ("Bouche du Rhône", 3, 43.29, 5.39, "Marseille|Vitrolles"),
    ),
    "Isle of Man": (
        ("Middle", 2, 54.14, -4.53, "Braddan|Kewaigue"),
    ),
    "Ukraine": (
        ("Dnipropetrovsk Oblast", 1, 48.46, 35.05, "Dnipro"),
    ),
}


def _words(text: str) -> list[str]:
    """Split a word list written as one compact string: on "|" if there is one, else on spaces."""
    return text.split("|") if "|" in text else text.split()


# Every region gets this many extra rows of weight so that rare regions still appear in small samples.
_REGION_SMOOTHING = 2

# Per country: coordinate jitter in degrees around a region centre; shares of rows without coordinates,
# phone, website and address_1; share with an address_2; type mix as "type rows ..."; postal and phone
# patterns ("#" a digit, "A" a capital letter, "|" between alternatives); website TLD; street style;
# name styles as "style weight ...". Shares are the real ones by country.
_COUNTRIES: dict[str, tuple[float, float, float, float, float, float, str, str, str, str, str, str]] = {
    "United States": (
        1.0, .279, .101, .135, .088, .002,
        "micro 4162 brewpub 2416 planning 640 closed 417 regional 211 contract 180 large 73 proprietor 67 "
        "taproom 36 nano 19 bar 2 location 1",
        "US", "US", ".com", "us", "en 1",
    ),
    "Germany": (
        .6, .009, .075, .025, .001, .002, "brewpub 1249 closed 125 micro 55 bar 9 large 4 beergarden 3",
        "#####", "+49 #### ######|+49 ### #######", ".de", "de", "de_prefix 45 de_suffix 45 en 10",
    ),
    "Australia": (
        .5, 0, .138, .045, .014, .185, "micro 491 large 22 regional 1",
        "####", "+61 # #### ####|+61 4## ### ###", ".com.au", "en", "en 1",
    ),
    "Belgium": (
        .3, 0, .146, .086, .036, .027, "micro 441 closed 20 large 11 brewpub 6",
        "####", "+32 ### ## ## ##|+32 # ### ## ##", ".be", "be", "nl_prefix 45 nl_article 15 fr 25 en 15",
    ),
    "Canada": (
        .8, .392, .311, .046, 0, .011, "micro 188 brewpub 73 closed 12 cidery 6 regional 3 large 1",
        "A#A #A#|A#A #A#|A#A #A#|A#A#A#",
        "(###) ###-####|(###) ###-####|##########|##########|##########|##########.0",  # sic: ".0"
        ".ca", "en", "en 1",
    ),
    "New Zealand": (
        .4, 0, .123, .074, .012, .045, "micro 146 closed 61 contract 30 large 6",
        "####", "+64 # ### ####|+64 2# ### ####", ".co.nz", "en", "en 1",
    ),
    "South Africa": (
        .6, 0, .019, .077, .01, .644, "micro 59 brewpub 44 cidery 1",
        "####", "+27 ## ### ####", ".co.za", "en", "en 1",
    ),
    "Netherlands": (
        .25, 0, .118, .066, 0, 0, "micro 57 regional 9 brewpub 5 large 4 closed 1",
        "#### AA", "+31 0## ### ####|+31 06 ########", ".nl", "nl", "nl_prefix 60 nl_article 20 en 20",
    ),
    "Portugal": (
        .3, .208, .847, .306, 0, .25, "micro 43 brewpub 29",
        "####-###", "+351 ## ### ####|+351 9## ### ###", ".pt", "pt", "pt 60 en 40",
    ),
    "Ireland": (
        .25, 0, .129, .086, 0, .786, "micro 49 regional 9 brewpub 9 large 3",
        "A## A#A#", "353#########", ".ie", "en", "en 1",
    ),
    "Finland": (
        .5, 0, 0, 0, 0, 0, "micro 54 brewpub 12 regional 2",
        "#####", "+358 ## #######", ".fi", "fi", "fi 70 en 30",
    ),
    "England": (
        .2, 0, .016, .048, 0, .032, "micro 40 taproom 11 brewpub 10 large 1",
        "AA## #AA|AA# #AA", "1#########|7#########", ".co.uk", "en", "en 1",
    ),
    "South Korea": (
        .3, 0, .016, .016, 0, .279, "brewpub 56 micro 5",
        "#####", "0##-###-####|070-####-####", ".co.kr", "ko", "ko 95 en 5",
    ),
    "Poland": (
        .4, 0, 1, 1, 0, 0, "micro 20 brewpub 11 regional 3",
        "##-###", "+48 ### ### ###", ".pl", "pl", "pl 85 en 15",
    ),
    "Singapore": (
        .05, 0, .03, .424, 0, .303, "bar 28 brewpub 4 large 1",
        "######", "+65 #### ####", ".sg", "en", "en 1",
    ),
    "Austria": (
        .4, 0, 0, .067, 0, 0, "large 10 bar 2 nano 2 brewpub 1",
        "####", "+43##########", ".at", "de", "de_prefix 50 de_suffix 40 en 10",
    ),
    "Japan": (
        .1, 0, .1, 0, 0, 0, "brewpub 6 micro 4",
        "###-####", "81#########", ".jp", "ja", "en 1",
    ),
    "Sweden": (
        .3, .4, .4, .1, 0, .3, "micro 10",
        "### ##", "+46 ###-######", ".se", "sv", "sv 80 en 20",
    ),
    "Scotland": (
        .3, 0, 0, 0, 0, .7, "micro 9 closed 1",
        "AA## #AA|AA# #AA", "1#########|7#########", ".co.uk", "en", "en 1",
    ),
    "Italy": (
        .2, 0, 0, 0, 0, 0, "regional 1 large 1 nano 1 micro 1",
        "#####", "+39 #### ### ###", ".it", "it", "it 50 de_prefix 50",
    ),
    "France": (
        .1, 0, 0, 0, 0, 0, "micro 3",
        "#####", "#########", ".fr", "fr", "fr 80 en 20",
    ),
    "Isle of Man": (
        .05, 0, 0, 0, 0, 0, "micro 2",
        "IM# #AA", "+441624######", ".im", "en", "en 1",
    ),
    "Ukraine": (
        .3, .5, 1, 0, 0, 0, "micro 1",
        "#####", "+380 ## ### ####", ".ua", "ua", "en 1",
    ),
}

# Towns found in many US states; a share of US rows uses one of these instead of the region's cities.
_US_TOWNS = _words(
    "Springfield|Franklin|Greenville|Clinton|Fairview|Salem|Madison|Georgetown|Ashland|Riverside|Oxford|"
    "Jackson|Milford|Dover|Marion|Clayton|Lebanon|Centerville|Auburn|Hudson|Newport|Kingston|Dayton|"
    "Winchester|Arlington|Lexington|Bristol|Chester|Farmington|Burlington"
)
_US_TOWN_SHARE = 0.2

# Street styles: (street names, house number first?, separator, US-style numbers?, Japanese block numbers?)
_EN_STREETS = [
    f"{name} {kind}"
    for name in _words(
        "High|Church|Station|Mill|Victoria|King|Queen|Bridge|Harbour|Beach|Stokes|Milsom|Dundas|Enterprise|"
        "Oxford|Glenmore|Mahana|Princes|George|Albert|Industrial|Wharf|Park|Hill|Second|Old Main|Ocean|Lake"
    )
    for kind in ("Street", "Street", "Road", "Road", "Avenue", "Drive", "Lane", "Terrace", "Parade", "Way")
]
_US_STREETS = [
    f"{name} {kind}"
    for name in _words(
        "Main Oak Maple Washington Market Industrial Commerce Mill Water River Park Church Topeka Fernway "
        "Radam Lake Pine Cedar Elm Broadway 1st 2nd 3rd 4th 5th 18th Union Front Railroad Depot Center "
        "Spring Highland Jefferson Lincoln Franklin Madison Harbor Airport College Grand Central"
    )
    for kind in ("St", "St", "St", "Ave", "Ave", "Rd", "Blvd", "Dr", "Ln", "Way", "Pkwy", "Ct", "Pl", "Hwy")
]
_DE_STREETS = [
    f"{name} {kind.capitalize()}" if name.endswith("er") else f"{name}{kind}"
    for name in _words(
        "Haupt Bahnhof Kirch Schloss Brauhaus Mühlen Berg Markt Dorf Linden Friesener Zirndorfer Bismarck "
        "Goethe Schiller Brunnen Kloster Garten Feldkirchener Ponigler Münchener Rosen"
    )
    for kind in ("straße", "straße", "straße", "straße", "weg", "gasse", "platz", "allee", "ring")
]
_BE_STREETS = [
    f"{name}{kind}"
    for name in _words("Molen Kerk Stations Dorp Brouwerij Hoog Abdij")
    for kind in ("straat", "straat", "laan", "plein", "steenweg")
] + _words(
    "Rue de la Station|Boulevard Anspach|Chaussée de Bruxelles|Place du Marché|Rue du Moulin|"
    "Rue de l'Église|Rue Général Leman|Geelsebaan|Hogebrug"
)
_STREET_STYLES: dict[str, tuple[list[str], bool, str, bool, bool]] = {
    "us": (_US_STREETS, True, " ", True, False),
    "en": (_EN_STREETS, True, " ", False, False),
    "de": (_DE_STREETS, False, " ", False, False),
    "be": (_BE_STREETS, True, " ", False, False),
    "nl": (
        _words("Molendijk|Funenkade|Grote Voort|Heuvel|Kerkstraat|Dorpsstraat|Havenweg|Marktplein|"
               "Stationsweg|Brouwerijstraat|Kanaaldijk|Veemarkt"),
        False, " ", False, False,
    ),
    "pt": (
        _words("R. Angelina Vidal|Av. da Liberdade|Rua do Comércio|Rua da Fábrica|Travessa do Carmo|"
               "Estrada Nacional 109|R. Bernardim Ribeiro|Largo da Sé|Avenida da República|Rua de São João|"
               "Rua Cândido dos Reis"),
        False, " ", False, False,
    ),
    "fi": (
        _words("Mallaskatu Antinkatu Erkkilänkatu Gerbyntie Hämeenkatu Satamakatu Tehtaankatu Kauppakatu "
               "Panimotie Myllytie Yliopistonkatu Pyhäjärventie"),
        False, " ", False, False,
    ),
    "pl": (
        _words("Broniewskiego|Milicka|1 Maja|Świdnicka|Wrocławska|Kościuszki|Mickiewicza|Rynek|Łąkowa|"
               "Zamkowa|Żeromskiego|Ogrodowa"),
        False, " ", False, False,
    ),
    "ko": (
        _words("Yeoksam-ro Uiam-ro Gwangwang-ro Mungyeong-daero Hongik-ro Itaewon-ro Haeundae-ro Jungang-ro "
               "Dosan-daero Wausan-ro"),
        True, ", ", False, False,
    ),
    "ja": (
        _words("Futabacho Kawaramachi Sangenyanishi Ukida Umeda Namba Tenjinbashi Shinsaibashi Kitahama "
               "Nishitenma"),
        True, " ", False, True,
    ),
    "sv": (
        _words("Alamedan|Västra Kajen|Syllinge|Storgatan|Kungsgatan|Drottninggatan|Hamngatan|Bryggaregatan|"
               "Södra Vägen|Ronnebygatan"),
        False, " ", False, False,
    ),
    "it": (
        _words("Via Andreas Hofer|Via Venosta|Via Aldo Moro|Via Conciatori|Via Roma|Via Garibaldi|"
               "Piazza Walther|Via dei Portici|Via Museo|Via Brennero"),
        False, " ", False, False,
    ),
    "fr": (
        _words("Rue Saint Pierre|Blvd de l'Europe|Cours Gouffé|Rue de la République|Avenue du Prado|"
               "Rue Paradis|Boulevard Baille|Rue d'Aubagne|Chemin du Littoral|Place Castellane"),
        True, " ", False, False,
    ),
    "ua": (
        _words("Prospekt Pratsi|Vulytsia Shevchenka|Prospekt Yavornytskoho|Vulytsia Tytova"),
        False, ", ", False, False,
    ),
}
_ADDRESS_2 = _words(
    "Unit 1|Unit 2|Unit 5|Unit 14|Suite 100|Suite 200|Ste 110|#A|#100|Level 2|Building B|Shop 3"
)
_ADDRESS_3 = _words(
    "Westpoint Business Park|Enterprise Centre|Riverside Industrial Estate|Harbour Quarter|Old Mill Yard"
)

# Name styles: a name is "<first word> <rest>", which lets rows be produced in name order one first word
# at a time. First words carry weights; rests are drawn uniformly.
_EN_FIRST = (
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
_EN_FIRST_WEIGHTS = {"The": 8.0, "Murphy’s": 0.1, "Bushy’s": 0.1, "O’Brien’s": 0.1, "Paddy’s": 0.1,
                     "Duncan's": 0.5, "Lister's": 0.5}
_EN_SECOND = _words(
    "Barrel Bear Bend Bird Bluff Branch Bridge Brook Canyon Cat City Coast County Creek Crown Dog Eagle "
    "Elephant Falls Farm Field Fork Fox Goat Grove Harbor Hill Hollow Hop Horse Island Kettle Lake Lantern "
    "Leaf Lion Mill Moose Mountain Oak Owl Peak Pine Point Raven Ridge River Road Rock Rooster Saint Sands "
    "Shore Spring Star Stone Tree Valley Water Wave Wolf Wood Yard"
)
_EN_SUFFIX = {
    "Brewing Company": 20, "Brewing Co": 16, "Brewery": 16, "Brewing Co.": 8, "Brewing": 8, "Beer Company": 3,
    "Beer Co": 2, "Brewhouse": 3, "Ales": 3, "Aleworks": 2, "Brewing Co., LLC": 1, "Craft Brewery": 2,
    "Taproom": 1, "Cider Co": 1, "Brewery & Distillery": 1, "Brewpub": 1, "Beer Works": 1,
    "Brewing Company Ltd": 1, "Brewers": 1, "Fermentation Co.": 1,
}
_EN_NO_SECOND = 0.45
_DE_NAMES = _words(
    "Müller Hofmann Schäffler Göller Zehendner Rittmayer Stöttner Weißenoher Mönchshof Kühbacher Löwen "
    "Schönramer Gräfenberger Zötler Höss Sünner Päffgen Früh Eichhorn Knoblach Hümmer Fässla Keesmann "
    "Greif Kundmüller Wagner Hetzel Friedmann Reh Krug Meister Grüner Dorn Schwarz Engel Adler Hirsch "
    "Krone Ritter Schneider Ayinger Tegernseer Andechser Weltenburger Distelhäuser Rothaus Wernesgrüner "
    "Köstritzer Störtebeker Flötzinger Gutmann Maisel Riegele Zwönitzer Einsiedler"
)
_NAME_STYLES: dict[str, tuple[dict[str, float], list[str]]] = {
    "en": ({}, []),  # built below from the word lists above
    "de_prefix": (
        {"Brauerei": 12, "Brauhaus": 4, "Privatbrauerei": 3, "Klosterbrauerei": 2, "Hausbrauerei": 1,
         "Landbrauerei": 1, "Gasthausbrauerei": 1, "Bierbrauerei": 1},
        _DE_NAMES + ["zum Löwen", "Gasthof Krone", "am Markt", "zur Post", "Weißes Rössl", "am Dom",
                     "im Füchschen", "Schönbuch", "Höfen", "Tucher"],
    ),
    "de_suffix": (
        dict.fromkeys(_DE_NAMES, 1.0),
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
        dict.fromkeys(_words("Mallaskosken Nokian Kanavan Laitilan Pyynikin Hämeen Vakka-Suomen Päijänteen "
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
        dict.fromkeys(_words("Karlskrona Halmstads Byaregårdens Nättraby Carlskrona Göteborgs Varbergs "
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
_KO_WORDS = {
    "서울": "Seoul", "부산": "Busan", "강릉": "Gangneung", "고릴라": "Gorilla", "와일드": "Wild Wave",
    "아톤": "Aton", "제주": "Jeju", "플레이그라운드": "Playground", "크래머리": "Kraemerlee",
    "바이젠하우스": "WeizenHouse", "동두천": "Dongducheon", "어메이징": "Amazing", "갈매기": "Galmegi",
    "더부스": "The Booth", "맥파이": "Magpie", "세븐브로이": "7Brau", "카브루": "Ka-Brew",
    "핸드앤몰트": "Hand and Malt", "구미": "Gumi", "춘천": "Chuncheon",
}
_KO_RESTS = (
    "브루어리 ({} Brewery)", "브루잉 ({} Brewing)", "양조장 ({} Brewery)", "브루잉 컴퍼니 ({} Brewing Co.)",
)
# Precision of coordinates: 64 slots of decimal digits (0 = a float artefact such as 51.17625779999999),
# about the real shares of 4, 5, 6, 7 and 8 decimals and 14-16-digit artefacts.
_COORD_DIGITS = [4] * 2 + [5] * 2 + [6] * 10 + [7] * 28 + [8] * 18 + [0] * 4
_SCALES = {d: float(10**d) for d in range(4, 9)}
_TABLE_BITS = 14  # region and type tables have 2**14 slots: fine enough for a 1-in-12,000 region
_POOL_BITS = {"United States": 14}  # per-country pools of addresses, postal codes and phone numbers
_DEFAULT_POOL_BITS = 10
_CITY_BITS = 6
# Where the 32 hex digits of a UUID go in its 36-character text, and the RFC 4122 variant digit (8-b).
_UUID_LAYOUT = [(d + (d > 7) + (d > 11) + (d > 15) + (d > 19), d) for d in range(32)]
_UUID_VARIANT = bytes.maketrans(b"0123456789abcdef", b"89ab89ab89ab89ab")


def generate_breweries(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> list[dict[str, Any]]:
    """Return `count` synthetic breweries in the API shape (16 keys in order), sorted by name.

    The same `count` and `seed` always give the same records; ids are UUID v4 text drawn from
    `random.Random(seed)`.
    """
    records: list[dict[str, Any]] = []
    for group in _groups(count, seed):
        records += group
    return records


def iter_breweries(count: int = DEFAULT_COUNT, seed: int = DEFAULT_SEED) -> Iterator[dict[str, Any]]:
    """Yield the records of `generate_breweries(count, seed)` one at a time, in the same order.

    Names are "<first word> <rest>"; rows are made one first word at a time, in name order, so memory
    stays bounded by the largest such group (a few percent of `count`).
    """
    for group in _groups(count, seed):
        yield from group


def _groups(count: int, seed: int) -> Iterator[list[dict[str, Any]]]:
    """The rows in name order, as one list per first word of the name."""
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    rng = random.Random(seed)
    # How many names start with each first word: one draw per row, counted in chunks.
    counts: Counter[int] = Counter()
    remaining = count
    while remaining:
        k = min(remaining, 1 << 16)
        counts.update(rng.choices(_TOKEN_IDS, cum_weights=_TOKEN_CUM, k=k))
        remaining -= k
    for token_id in _TOKEN_IDS:
        n = counts.get(token_id)
        if n:
            yield _group(rng, token_id, n)


def uuid4_batch(rng: random.Random, n: int) -> list[str]:
    """`n` UUID v4 strings, each `str(uuid.UUID(int=<128 random bits>, version=4))`, built in bulk."""
    if n <= 0:
        return []
    digits = f"{rng.getrandbits(128 * n):0{32 * n}x}".encode("ascii")
    # 37 bytes per id (36 characters and a newline), filled column by column with strided copies.
    text = bytearray(b"-" * (37 * n))
    for target, source in _UUID_LAYOUT:
        text[target::37] = digits[source::32]
    text[14::37] = b"4" * n
    text[19::37] = digits[16::32].translate(_UUID_VARIANT)
    text[36::37] = b"\n" * n
    return text[:-1].decode("ascii").split("\n")


def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits of `text`, for website host names."""
    text = text.replace("ß", "ss").replace("ł", "l").replace("Ł", "l").replace("œ", "oe")
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return "".join(ch for ch in folded if ch.isalnum())


def _weights(spec: str) -> list[tuple[str, float]]:
    """Parse "name weight name weight ..." (names without spaces)."""
    parts = spec.split()
    return [(parts[i], float(parts[i + 1])) for i in range(0, len(parts), 2)]


def _cumulative(weights: list[float]) -> list[float]:
    total, out = 0.0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _table(items: list[Any], weights: list[float], bits: int) -> list[Any]:
    """A lookup table of 2**bits slots, each item taking a share of slots proportional to its weight.

    Every item with a positive weight gets at least one slot; largest remainders fill the rest.
    """
    size, total = 1 << bits, sum(weights)
    exact = [w * size / total for w in weights]
    slots = [max(1, int(x)) if w > 0 else 0 for x, w in zip(exact, weights, strict=True)]
    by_remainder = sorted(range(len(items)), key=lambda i: (slots[i] - exact[i], i))
    i = 0
    while sum(slots) < size:
        slots[by_remainder[i % len(items)]] += 1
        i += 1
    while sum(slots) > size:  # only when many tiny items were rounded up to one slot
        biggest = max(range(len(items)), key=lambda j: (slots[j], -j))
        slots[biggest] -= 1
    return [item for item, n in zip(items, slots, strict=True) for _ in range(n)]


def _fill(pattern: str, rng: random.Random) -> str:
    """Replace "#" with a random digit and "A" with a random capital letter."""
    letters = "ABCDEFGHJKLMNPRSTUVWXY"
    return "".join(
        str(rng.randrange(10)) if ch == "#" else rng.choice(letters) if ch == "A" else ch for ch in pattern
    )


def _by_casefold(rests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return sorted(rests, key=lambda rest: rest[0].casefold())


def _build_tokens() -> list[tuple[str, str, float, str, list[tuple[str, str]]]]:
    """(first word, its slug, weight, style, rests as (text, slug) sorted by casefold) for all styles."""
    suffixes = [s for s, w in _EN_SUFFIX.items() for _ in range(w)]
    with_second = [(f"{w} {s}", _slug(w) + _slug(s.split()[0])) for w in _EN_SECOND for s in suffixes]
    alone = [(s, _slug(s.split()[0])) for s in suffixes]
    # Repeat the one-word rests so that about _EN_NO_SECOND of English names have no second word.
    repeat = round(_EN_NO_SECOND * len(with_second) / ((1 - _EN_NO_SECOND) * len(alone)))
    en_rests = _by_casefold(with_second + alone * repeat)
    en_weights = dict.fromkeys(_EN_FIRST.split(), 1.0) | _EN_FIRST_WEIGHTS
    # "The" alone before a suffix ("The Brewery") would repeat too often: it always takes a second word.
    the_rests = _by_casefold(with_second)
    tokens = [(t, _slug(t), w, "en", the_rests if t == "The" else en_rests) for t, w in en_weights.items()]
    for style, (words, rests) in _NAME_STYLES.items():
        pairs = _by_casefold([(r, _slug(r)) for r in rests])
        tokens += [(t, _slug(t), w, style, pairs) for t, w in words.items()]
    for word, roman in _KO_WORDS.items():
        rests = [(r.format(roman), "brewing" if "Brewing" in r else "brewery") for r in _KO_RESTS]
        tokens.append((word, _slug(roman), 1.0, "ko", _by_casefold(rests)))
    folded = [t[0].casefold() for t in tokens]
    if len(set(folded)) != len(folded) or any(" " in f for f in folded):
        raise RuntimeError("name first words must be unique single words")  # a broken word list
    # Names sort by casefold. Every name is "<first word> <rest>", so ordering first words by
    # casefold(word + " ") and, within a word, rests by casefold orders all names.
    tokens.sort(key=lambda t: t[0].casefold() + " ")
    return tokens


_TOKENS = _build_tokens()


class _Country:
    """Per-country generation parameters, unpacked from _COUNTRIES once at import."""

    __slots__ = (
        "name", "jitter", "no_coords", "no_phone", "no_website", "no_address_1", "address_2", "types",
        "postal", "phone", "tld", "streets", "styles",
    )

    def __init__(self, name: str, spec: tuple) -> None:
        (self.jitter, self.no_coords, self.no_phone, self.no_website, self.no_address_1, self.address_2,
         types, self.postal, self.phone, self.tld, street_style, styles) = spec
        self.name = name
        self.types = _weights(types)
        self.streets = _STREET_STYLES[street_style]
        total = sum(w for _, w in _weights(styles))
        self.styles = {style: w / total for style, w in _weights(styles)}


_COUNTRY = {name: _Country(name, spec) for name, spec in _COUNTRIES.items()}


def _region_weights() -> list[tuple[_Country, str, float, float, str, float]]:
    """(country, state, latitude, longitude, cities, weight) for every region."""
    return [
        (_COUNTRY[country], state, lat, lon, cities, rows + _REGION_SMOOTHING)
        for country, entries in _REGIONS.items()
        for state, rows, lat, lon, cities in entries
    ]


def _token_weights() -> tuple[list[int], list[float]]:
    """First-word ids and their cumulative weights: P(style) * P(word | style)."""
    style_mass: Counter[str] = Counter()
    for country, _state, _lat, _lon, _cities, weight in _region_weights():
        for style, share in country.styles.items():
            style_mass[style] += weight * share
    style_words: Counter[str] = Counter()
    for _t, _s, w, style, _r in _TOKENS:
        style_words[style] += w
    weights = [style_mass[style] * w / style_words[style] for _t, _s, w, style, _r in _TOKENS]
    return list(range(len(_TOKENS))), _cumulative(weights)


_TOKEN_IDS, _TOKEN_CUM = _token_weights()


@cache
def _pools(country_name: str) -> tuple[list[str], list[str], list[str], int]:
    """Address, postal-code and phone pools for a country (2**bits values each) and `bits`.

    Built once per process from a fixed seed; rows pick from them with the run's own generator.
    """
    country = _COUNTRY[country_name]
    rng = random.Random(f"brewery-pools:{country_name}")
    bits = _POOL_BITS.get(country_name, _DEFAULT_POOL_BITS)
    size = 1 << bits
    streets, number_first, sep, us_numbers, block_numbers = country.streets
    addresses = []
    for _ in range(size):
        if us_numbers:
            number = str(int(10 ** (rng.random() * 4.4)))
        elif block_numbers:
            number = f"{rng.randint(1, 9)}-{rng.randint(1, 30)}"
        else:
            number = str(1 + int(rng.random() ** 2 * 180))
        street = rng.choice(streets)
        addresses.append(f"{number}{sep}{street}" if number_first else f"{street}{sep}{number}")
    if country_name == "United States":
        # ZIP+4 most of the time, plain ZIP, and the odd dangling hyphen of the real data.
        postal = []
        for _ in range(size):
            zip5, kind = f"{rng.randint(1_000, 99_950):05d}", rng.random()
            plus4 = f"-{rng.randrange(10_000):04d}" if kind < 0.8 else "" if kind < 0.99 else "-"
            postal.append(zip5 + plus4)
        phones = [str(rng.randint(2_010_000_000, 9_899_999_999)) for _ in range(size)]
    else:
        postal_options, phone_options = country.postal.split("|"), country.phone.split("|")
        postal = [_fill(rng.choice(postal_options), rng) for _ in range(size)]
        phones = [_fill(rng.choice(phone_options), rng) for _ in range(size)]
    return addresses, postal, phones, bits


@cache
def _type_table(country_name: str) -> list[str]:
    types = _COUNTRY[country_name].types
    return _table([t for t, _ in types], [w for _, w in types], _TABLE_BITS)


@cache
def _style_table(style: str) -> list[tuple]:
    """2**_TABLE_BITS region slots for a name style, in proportion to P(region) * P(style | country)."""
    regions, weights = [], []
    for index, (country, state, lat, lon, cities, weight) in enumerate(_region_weights()):
        share = country.styles.get(style, 0.0)
        if share:
            regions.append(_region_entry(index, country, state, lat, lon, cities))
            weights.append(weight * share)
    return _table(regions, weights, _TABLE_BITS)


def _region_entry(index: int, country: _Country, state: str, lat: float, lon: float, cities: str) -> tuple:
    """Everything a row of one region needs, flattened into a tuple for fast unpacking."""
    names = cities.split("|")
    size = 1 << _CITY_BITS
    if country.name == "United States":
        # Every fifth row is in a common town name, the rest in the region's own cities.
        towns = round(size * _US_TOWN_SHARE)
        city_table = [names[i % len(names)] for i in range(size - towns)]
        city_table += [_US_TOWNS[(index + i) % len(_US_TOWNS)] for i in range(towns)]
    else:
        city_table = [names[i % len(names)] for i in range(size)]
    addresses, postal, phones, bits = _pools(country.name)
    # Coordinates are uniform in a box around the region centre, wider in longitude away from the equator.
    lon_jitter = country.jitter / max(math.cos(math.radians(lat)), 0.3)
    return (
        country.name, state, city_table, _type_table(country.name), country.no_address_1, addresses, bits,
        country.address_2, postal, country.no_coords, lat - country.jitter, 2 * country.jitter,
        lon - lon_jitter, 2 * lon_jitter, country.no_phone, phones, country.no_website, country.tld,
    )


def _group(rng: random.Random, token_id: int, n: int) -> list[dict[str, Any]]:
    """`n` rows whose names start with first word `token_id`, in name order."""
    token, token_slug, _weight, style, rests = _TOKENS[token_id]
    table = _style_table(style)
    rnd, bits = rng.random, rng.getrandbits
    table_bits, city_bits, coord_digits, scales = _TABLE_BITS, _CITY_BITS, _COORD_DIGITS, _SCALES
    more_addresses, business_parks = _ADDRESS_2, _ADDRESS_3
    n_rests, n_a2, n_a3 = len(rests), len(_ADDRESS_2), len(_ADDRESS_3)
    # Rests are sorted, so drawing their positions and sorting those yields the rows in name order.
    picks = [int(rnd() * n_rests) for _ in range(n)]
    picks.sort()
    out = []
    append = out.append
    for pick, brewery_id in zip(picks, uuid4_batch(rng, n), strict=True):
        rest, rest_slug = rests[pick]
        (country, state, cities, types, no_address_1, addresses, pool_bits, address_2_share, postal,
         no_coords, lat_low, lat_span, lon_low, lon_span, no_phone, phones, no_website, tld) = table[
            bits(table_bits)
        ]
        address_1 = None if rnd() < no_address_1 else addresses[bits(pool_bits)]
        address_2 = address_3 = None
        r = rnd()
        if r < address_2_share:
            u = r / address_2_share  # a fresh uniform in [0, 1): saves a draw for a rare branch
            address_2 = cities[int(u * 64)] if u < 0.4 else more_addresses[int(u * 7919) % n_a2]
            if u * 1009 % 1 < 0.12:
                address_3 = business_parks[int(u * 7919) % n_a3]

        r = rnd()
        if r < no_coords:
            latitude = longitude = None
        else:
            digits = coord_digits[int((r - no_coords) / (1 - no_coords) * 64)]
            if digits:
                # An integer over a power of ten prints with at most `digits` decimals, and is cheaper
                # than round(x, digits).
                scale = scales[digits]
                latitude = round((lat_low + rnd() * lat_span) * scale) / scale
                longitude = round((lon_low + rnd() * lon_span) * scale) / scale
            else:
                latitude = round((lat_low + rnd() * lat_span) * 1e7) / 1e7 + 1e-14
                longitude = round((lon_low + rnd() * lon_span) * 1e7) / 1e7 - 1e-14

        r = rnd()
        if r < no_website:
            website_url = None
        else:
            u = (r - no_website) / (1 - no_website)
            scheme = "http://www." if u < 0.8 else "https://www." if u < 0.93 else "https://"
            website_url = f"{scheme}{token_slug}{rest_slug}{tld}"

        append({
            "id": brewery_id,
            "name": f"{token} {rest}",
            "brewery_type": types[bits(table_bits)],
            "address_1": address_1,
            "address_2": address_2,
            "address_3": address_3,
            "city": cities[bits(city_bits)],
            "state_province": state,
            "postal_code": postal[bits(pool_bits)],
            "country": country,
            "longitude": longitude,
            "latitude": latitude,
            "phone": None if rnd() < no_phone else phones[bits(pool_bits)],
            "website_url": website_url,
            "state": state,
            "street": address_1,
        })
    return out
