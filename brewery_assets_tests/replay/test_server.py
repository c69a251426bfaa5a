"""ReplayServer over real HTTP: paging, meta, single breweries, validation errors and the CLI."""

import json
import math
import os
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from brewery_assets.openbrewerydb.fields import BREWERY_FIELDS, MAX_PER_PAGE
from brewery_assets.replay import ReplayServer, generate_breweries, write_dump
from brewery_assets.replay.server import Request, Response, main
from brewery_assets_tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def official_server(official_records: list[dict]) -> Iterator[ReplayServer]:
    with ReplayServer(official_records) as server:
        yield server


@pytest.fixture(scope="module")
def small_server() -> Iterator[ReplayServer]:
    with ReplayServer(generate_breweries(120, seed=4)) as server:
        yield server


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Accept"] = "application/json"
        yield session


def test_pages_through_the_whole_official_dataset(
    official_server: ReplayServer, official_records: list[dict], http: requests.Session
) -> None:
    total = http.get(f"{official_server.url}/breweries/meta").json()["total"]
    pages = math.ceil(total / MAX_PER_PAGE)
    received: list[dict] = []
    for page in range(1, pages + 1):
        params = {"page": page, "per_page": MAX_PER_PAGE}
        response = http.get(f"{official_server.url}/breweries", params=params)
        assert response.status_code == 200
        body = response.json()
        assert len(body) == (MAX_PER_PAGE if page < pages else total - (pages - 1) * MAX_PER_PAGE)
        received += body
    ids = [r["id"] for r in received]
    assert len(ids) == len(set(ids)) == 11_822
    assert received == official_records  # same order, values and float coordinates
    past_end = http.get(f"{official_server.url}/breweries", params={"page": pages + 1, "per_page": 200})
    assert past_end.status_code == 200 and past_end.json() == []
    far_past = http.get(f"{official_server.url}/breweries", params={"page": 10**12})
    assert far_past.json() == []


def test_meta_counts(
    official_server: ReplayServer, official_records: list[dict], http: requests.Session
) -> None:
    response = http.get(f"{official_server.url}/breweries/meta")
    assert response.status_code == 200
    meta = response.json()
    assert list(meta) == ["total", "by_state", "by_country", "by_type", "page", "per_page"]
    assert meta["total"] == 11_822
    assert meta["by_type"] == Counter(r["brewery_type"] for r in official_records)
    assert meta["by_type"]["micro"] == 5840 and meta["by_type"]["brewpub"] == 3931
    assert meta["by_country"]["United States"] == 8224 and meta["by_country"]["Germany"] == 1445
    assert meta["by_state"]["California"] == 919 and meta["by_state"]["Bayern"] == 597
    assert len(meta["by_state"]) == 213  # no region name is shared by two countries
    assert (meta["page"], meta["per_page"]) == (1, 50)
    echoed = http.get(f"{official_server.url}/breweries/meta", params={"page": "3", "per_page": "20"}).json()
    assert (echoed["page"], echoed["per_page"]) == (3, 20)


def test_list_defaults_shape_and_headers(official_server: ReplayServer, http: requests.Session) -> None:
    response = http.get(f"{official_server.url}/breweries")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    pairs = json.loads(response.content, object_pairs_hook=lambda items: items)
    assert len(pairs) == 50
    assert all([key for key, _ in obj] == list(BREWERY_FIELDS) for obj in pairs)
    assert any(value is None for obj in pairs for _, value in obj)  # nulls are kept, not dropped
    for per_page in (1, 200):
        page = http.get(f"{official_server.url}/breweries", params={"per_page": per_page}).json()
        assert len(page) == per_page


def test_unknown_query_parameters_are_ignored(official_server: ReplayServer, http: requests.Session) -> None:
    plain = http.get(f"{official_server.url}/breweries", params={"page": 2}).json()
    noisy = http.get(f"{official_server.url}/breweries", params={"page": 2, "foo": "bar", "utm": "x"}).json()
    assert noisy == plain


@pytest.mark.parametrize("endpoint", ["/breweries", "/breweries/meta"])
@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"page": "0"}, "page"),
        ({"page": "-3"}, "page"),
        ({"page": "1.5"}, "page"),
        ({"per_page": "0"}, "per_page"),
        ({"per_page": "201"}, "per_page"),
        ({"per_page": "501"}, "per_page"),
        ({"per_page": "abc"}, "per_page"),
    ],
)
def test_invalid_paging_is_422(
    official_server: ReplayServer, http: requests.Session, endpoint: str, params: dict, field: str
) -> None:
    response = http.get(f"{official_server.url}{endpoint}", params=params)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert isinstance(body["message"], str) and body["message"]
    assert list(body["errors"]) == [field]
    assert body["errors"][field] and all(isinstance(m, str) for m in body["errors"][field])


def test_422_messages_follow_laravel(official_server: ReplayServer, http: requests.Session) -> None:
    body = http.get(f"{official_server.url}/breweries", params={"page": "x", "per_page": "201"}).json()
    assert body == {
        "message": "The page field must be an integer. (and 1 more error)",
        "errors": {
            "page": ["The page field must be an integer."],
            "per_page": ["The per page field must not be greater than 200."],
        },
    }


def test_single_brewery(
    official_server: ReplayServer, official_records: list[dict], http: requests.Session
) -> None:
    wanted = official_records[1234]
    response = http.get(f"{official_server.url}/breweries/{wanted['id']}")
    assert response.status_code == 200
    assert response.json() == wanted
    assert response.headers["Content-Type"] == "application/json"


def test_unknown_brewery_is_404(official_server: ReplayServer, http: requests.Session) -> None:
    missing = "00000000-0000-4000-8000-000000000000"
    response = http.get(f"{official_server.url}/breweries/{missing}")
    assert response.status_code == 404
    assert response.json() == {"message": f"No query results for model [App\\Models\\Brewery] {missing}"}


@pytest.mark.parametrize("path", ["/nothing", "/breweries/a/b", "/breweries/random", "/breweries/search"])
def test_unknown_routes_are_404_json(small_server: ReplayServer, http: requests.Session, path: str) -> None:
    response = http.get(f"{small_server.url}{path}")
    assert response.status_code == 404
    assert response.headers["Content-Type"] == "application/json"
    assert "message" in response.json()


def test_url_request_count_and_default_bind(small_server: ReplayServer, http: requests.Session) -> None:
    assert small_server.url.startswith("http://127.0.0.1:") and small_server.url.endswith("/v1")
    before = small_server.request_count
    for _ in range(3):
        http.get(f"{small_server.url}/breweries/meta")
    http.get(f"{small_server.url}/nothing")
    assert small_server.request_count == before + 4


def test_concurrent_clients(small_server: ReplayServer) -> None:
    before = small_server.request_count
    failures: list[int] = []

    def client() -> None:
        with requests.Session() as session:
            for page in range(1, 11):
                response = session.get(f"{small_server.url}/breweries", params={"page": page, "per_page": 12})
                if response.status_code != 200 or len(response.json()) != 12:
                    failures.append(page)

    threads = [threading.Thread(target=client) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert small_server.request_count == before + 80


def test_records_get_the_api_shape() -> None:
    loose = [{"name": "B", "id": "b-1", "state_province": "Oregon", "address_1": "1 Main St", "extra": 1}]
    with ReplayServer(loose) as server:
        (body,) = requests.get(f"{server.url}/breweries", timeout=10).json()
    assert list(body) == list(BREWERY_FIELDS)
    assert body["state"] == "Oregon" and body["street"] == "1 Main St" and body["latitude"] is None


def test_before_response_seam() -> None:
    seen: list[Request] = []

    def unavailable(request: Request, response: Response) -> Response:
        seen.append(request)
        if request.number == 2:
            return Response(503, b'{"message":"Service Unavailable"}', {"Retry-After": "1"})
        return response

    server = ReplayServer(generate_breweries(10, seed=1))
    assert server.before_response is None  # no faults unless asked for
    server.before_response = unavailable
    with server:
        first = requests.get(f"{server.url}/breweries", params={"per_page": 5}, timeout=10)
        second = requests.get(f"{server.url}/breweries", timeout=10)
    assert first.status_code == 200 and len(first.json()) == 5
    assert second.status_code == 503 and second.headers["Retry-After"] == "1"
    assert [(r.path, r.query) for r in seen] == [("/v1/breweries", {"per_page": "5"}), ("/v1/breweries", {})]


def test_stop_closes_the_port() -> None:
    server = ReplayServer([]).start()
    url = server.url
    assert requests.get(f"{url}/breweries", timeout=10).json() == []
    server.stop()
    server.stop()  # idempotent
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{url}/breweries", timeout=2)
    with pytest.raises(RuntimeError):
        _ = server.url


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_meta(url: str, process: subprocess.Popen, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early: {process.communicate()}")
        try:
            return requests.get(f"{url}/breweries/meta", timeout=2).json()
        except requests.ConnectionError:
            time.sleep(0.1)
    raise AssertionError(f"no answer from {url} within {timeout} s")


@pytest.mark.parametrize("use_snapshot", [False, True])
def test_cli_serves_in_a_subprocess(tmp_path: Path, use_snapshot: bool) -> None:
    port = _free_port()
    command = [sys.executable, "-m", "brewery_assets.replay.server", "--port", str(port)]
    if use_snapshot:
        snapshot = write_dump(generate_breweries(77, seed=2), tmp_path / "snap.jsonl", "jsonl")
        command += ["--snapshot", str(snapshot)]
    else:
        command += ["--size", "500"]
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    process = subprocess.Popen(
        command, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        meta = _wait_for_meta(f"http://127.0.0.1:{port}/v1", process)
        assert meta["total"] == (77 if use_snapshot else 500)
        assert sum(meta["by_type"].values()) == meta["total"]
    finally:
        process.terminate()
        stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Warning" not in stderr
    assert f"at http://127.0.0.1:{port}/v1" in stdout
    assert f"Serving {77 if use_snapshot else 500} records" in stdout


def test_cli_rejects_a_bad_snapshot(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[{]", encoding="utf-8")
    with pytest.raises(SystemExit) as excinfo:
        main(["--snapshot", str(bad), "--port", "0"])
    assert excinfo.value.code == 2
    assert "bad.json" in capsys.readouterr().err


def test_bodies_are_encoded_like_php_json_encode() -> None:
    records = [{"id": "a-1", "name": "Gassl Bräu", "website_url": "http://www.example.com/beer/",
                "longitude": 36.0, "latitude": -122.5, "city": "AC/DC"}]
    with ReplayServer(records) as server:
        page = requests.get(f"{server.url}/breweries", timeout=10).content
        one = requests.get(f"{server.url}/breweries/a-1", timeout=10).content
    for body in (page, one):
        assert b'"longitude":36,' in body and b'"latitude":-122.5,' in body
        assert b'"website_url":"http:\\/\\/www.example.com\\/beer\\/"' in body and b'"city":"AC\\/DC"' in body
        assert b'"name":"Gassl Br\\u00e4u"' in body
    (decoded,) = json.loads(page)
    assert decoded["longitude"] == 36 and isinstance(decoded["longitude"], int)
    assert decoded["website_url"] == "http://www.example.com/beer/" and decoded["name"] == "Gassl Bräu"


def test_records_are_served_in_insertion_order() -> None:
    records = [{"id": f"id-{i}", "name": name} for i, name in enumerate(["Zed", "Alpha", "Mid"])]
    with ReplayServer(records) as server:
        server.insert_records(1, [{"id": "id-new", "name": "Beta"}])
        served = [r["name"] for r in requests.get(f"{server.url}/breweries", timeout=10).json()]
    assert served == ["Zed", "Beta", "Alpha", "Mid"]


def test_records_are_served_as_stored_even_when_they_are_not_objects() -> None:
    records = [{"id": "a", "name": "A"}, "abc", None, 42, {"id": "b", "state_province": {"name": "Oregon"}}]
    with ReplayServer(records) as server:
        page = requests.get(f"{server.url}/breweries", timeout=10).json()
        meta = requests.get(f"{server.url}/breweries/meta", timeout=10).json()
        assert server.ids() == ["a", None, None, None, "b"]
    assert page[1:4] == ["abc", None, 42]
    assert page[4]["state_province"] == {"name": "Oregon"} and page[4]["state"] == {"name": "Oregon"}
    assert meta["total"] == 5 and meta["by_state"] == {'{"name":"Oregon"}': 1}


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"sort": "rating"}, {"sort": ["The sort contains an invalid sort field. Valid fields are: id, name, "
                                       "brewery_type, type, city, state_province, postal_code, country."]}),
        ({"sort": "name:sideways"}, {"sort": ["The sort direction must be asc or desc."]}),
        ({"sort": "name:asc:x"}, {"sort": ["The sort contains an invalid sort field. Valid fields are: id, name, "
                                           "brewery_type, type, city, state_province, postal_code, country."]}),
        ({"by_city": "ab"}, {"by_city": ["The by city field must be at least 3 characters."]}),
        ({"by_name": "x" * 256}, {"by_name": ["The by name field must not be greater than 255 characters."]}),
        ({"by_type": "micro,brewery"}, {"by_type": ["The by_type contains invalid brewery type: brewery"]}),
        ({"exclude_types": "Micro"}, {"exclude_types": ["The exclude_types contains invalid brewery type: Micro"]}),
        ({"by_dist": "91,10"}, {"by_dist": ["The latitude in by dist must be a number between -90 and 90."]}),
        ({"by_dist": "1"}, {"by_dist": ["The by dist must be a valid coordinate pair (latitude,longitude)."]}),
        ({"by_dist_radius": "0"}, {"by_dist_radius": ["The by dist radius field must be at least 0.1."]}),
        ({"by_dist_unit": "ft"}, {"by_dist_unit": ["The selected by dist unit is invalid."]}),
        ({"page": ""}, {"page": ["The page field is required."]}),
        ({"by_state": " "}, {"by_state": ["The by state field is required."]}),
    ],
)
def test_sort_and_filters_are_validated_like_the_live_api(
    small_server: ReplayServer, http: requests.Session, params: dict, errors: dict
) -> None:
    for endpoint in ("/breweries", "/breweries/meta"):
        response = http.get(f"{small_server.url}{endpoint}", params=params)
        assert response.status_code == 422
        assert response.json() == {"message": next(iter(errors.values()))[0], "errors": errors}


def test_filters_and_sort_select_and_order_rows() -> None:
    records = [
        {"id": "1", "name": "Stone Brewing", "brewery_type": "regional", "city": "Escondido",
         "state_province": "California", "country": "United States", "latitude": 33.1, "longitude": -117.1},
        {"id": "2", "name": "Stone Pillar", "brewery_type": "micro", "city": "Bend", "state_province": "Oregon",
         "country": "United States", "latitude": 44.0, "longitude": -121.3},
        {"id": "3", "name": "Bräu 100%", "brewery_type": "brewpub", "city": "Köln",
         "state_province": "Nordrhein-Westfalen", "country": "Germany"},
        {"id": "4", "name": "abcstone", "brewery_type": "micro", "city": None, "state_province": "California",
         "country": "United States", "latitude": 32.7, "longitude": -117.2},
    ]
    with ReplayServer(records) as server:
        def ids(**params: str) -> list[str]:
            return [r["id"] for r in requests.get(f"{server.url}/breweries", params=params, timeout=10).json()]

        assert ids(by_name="STONE") == ["1", "2", "4"]
        assert ids(by_name="st_ne p") == ["2"]  # `_` is a LIKE wildcard
        assert ids(by_state="calif", by_type="micro") == ["4"]
        assert ids(exclude_types="micro,regional") == ["3"]
        assert ids(by_ids="4, 2,nope") == ["2", "4"]
        assert ids(sort="city") == ["4", "2", "1", "3"]  # a null sorts first
        assert ids(sort="type:desc,name") == ["1", "2", "4", "3"]  # binary collation: "S" before "a"
        assert ids(by_dist="32.7,-117.2") == ["4", "1", "2"]  # nearest first; no coordinates, no row
        assert ids(by_dist="32.7,-117.2", by_dist_radius="100", by_dist_unit="km") == ["4", "1"]
        assert ids(by_country="united", sort="name:desc", per_page="2", page="2") == ["1"]
        meta = requests.get(f"{server.url}/breweries/meta", params={"by_country": "States"}, timeout=10).json()
    assert meta["total"] == 3 and meta["by_type"] == {"micro": 2, "regional": 1}
    assert meta["by_state"] == {"California": 2, "Oregon": 1}
