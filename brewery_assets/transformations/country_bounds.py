"""Where each country's breweries can be: boxes of longitude and latitude around its territory.

A pair of coordinates inside the +-90/+-180 ranges can still be wrong: latitude and longitude
exchanged (a Connecticut brewery at latitude -72.6, longitude 41.8) or a sign lost (an Irish one at
longitude +9.7). Silver compares each located pair with its country's boxes
(`transformations.silver`). The boxes are generous (about half a degree beyond the coast or border)
and include the outlying islands and territories a country's breweries may report, so a true
position is never flagged; they only need to be tight enough to tell a swap or a lost sign. A
country that is not listed is not checked.

Each box is (west longitude, south latitude, east longitude, north latitude), west <= east: a
territory across the antimeridian has a box on each side.
"""

Box = tuple[float, float, float, float]

COUNTRY_BOXES: dict[str, tuple[Box, ...]] = {
    "United States": (
        (-180.0, 17.5, -64.5, 72.0),  # the states, Alaska, Hawaii, Puerto Rico and the Virgin Islands
        (172.0, 51.0, 180.0, 53.5),  # the Aleutians west of the antimeridian
        (144.5, 13.0, 146.5, 20.7),  # Guam and the Northern Mariana Islands
        (-171.5, -14.8, -168.0, -10.8),  # American Samoa
    ),
    "Canada": ((-141.5, 41.5, -52.5, 84.0),),
    "Germany": ((5.5, 47.0, 15.5, 55.3),),
    "Austria": ((9.3, 46.2, 17.3, 49.2),),
    "Belgium": ((2.3, 49.3, 6.6, 51.7),),
    "Netherlands": (
        (3.2, 50.6, 7.4, 53.8),
        (-70.2, 11.9, -62.8, 18.2),  # Aruba, Curaçao, Sint Maarten, the Caribbean Netherlands
    ),
    "France": (
        (-5.5, 41.2, 9.8, 51.3),  # metropolitan France and Corsica
        (-63.3, 14.2, -60.7, 18.2),  # Guadeloupe, Martinique, Saint-Martin, Saint-Barthélemy
        (-54.8, 2.0, -51.4, 6.0),  # French Guiana
        (55.0, -21.6, 56.0, -20.7),  # Réunion
        (44.8, -13.2, 45.5, -12.5),  # Mayotte
    ),
    "Italy": ((6.4, 35.3, 18.8, 47.3),),
    "Portugal": (
        (-9.8, 36.8, -6.0, 42.4),
        (-31.6, 36.7, -24.7, 40.0),  # the Azores
        (-17.5, 29.9, -15.7, 33.3),  # Madeira and the Savage Islands
    ),
    "Ireland": ((-10.9, 51.2, -5.4, 55.6),),
    "England": ((-6.7, 49.7, 2.1, 56.0),),
    "Scotland": ((-8.9, 54.5, -0.5, 61.0),),
    "Isle of Man": ((-5.0, 53.9, -4.2, 54.6),),
    "Poland": ((13.9, 48.8, 24.4, 55.1),),
    "Sweden": ((10.8, 55.1, 24.4, 69.3),),
    "Finland": ((18.5, 59.5, 31.8, 70.3),),
    "Ukraine": ((22.0, 44.2, 40.4, 52.5),),
    "South Africa": ((16.2, -35.0, 33.1, -22.0),),
    "South Korea": ((124.4, 32.9, 132.0, 38.8),),
    "Japan": ((122.5, 20.0, 154.2, 45.8),),
    "Singapore": ((103.5, 1.1, 104.2, 1.6),),
    "Australia": (
        (112.5, -44.0, 154.0, -9.0),  # the mainland, Tasmania and the Torres Strait
        (158.8, -31.9, 159.4, -31.3),  # Lord Howe Island
        (167.7, -29.3, 168.2, -28.9),  # Norfolk Island
        (105.4, -10.7, 105.9, -10.3),  # Christmas Island
    ),
    "New Zealand": (
        (165.8, -47.6, 179.0, -33.8),
        (-177.2, -44.6, -175.8, -43.6),  # the Chatham Islands
    ),
}


def inside(boxes: tuple[Box, ...], longitude: float, latitude: float) -> bool:
    """Whether a position is in one of the boxes (the plain Python form of silver's check)."""
    return any(west <= longitude <= east and south <= latitude <= north for west, south, east, north in boxes)
