"""The shape of an Open Brewery DB v1 brewery object (see the API spec's "Brewery object")."""

# The 16 keys in the order the API emits them; every key is always present, missing values are null.
BREWERY_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "brewery_type",
    "address_1",
    "address_2",
    "address_3",
    "city",
    "state_province",
    "postal_code",
    "country",
    "longitude",
    "latitude",
    "phone",
    "website_url",
    "state",
    "street",
)

# Columns of the official dataset's CSV (breweries.csv), in file order. `state` and `street` are
# not in the file: the API derives them (state = state_province, street = address_1).
CSV_FIELDS: tuple[str, ...] = (
    "id",
    "name",
    "brewery_type",
    "address_1",
    "address_2",
    "address_3",
    "city",
    "state_province",
    "postal_code",
    "country",
    "phone",
    "website_url",
    "longitude",
    "latitude",
)

# Values the API accepts for brewery_type (app/Enums/BreweryType.php), case-sensitive.
BREWERY_TYPES: tuple[str, ...] = (
    "bar",
    "beergarden",
    "brewpub",
    "cidery",
    "closed",
    "contract",
    "large",
    "micro",
    "nano",
    "planning",
    "proprietor",
    "regional",
    "taproom",
    "unknown",
    "location",
)

MAX_PER_PAGE = 200
