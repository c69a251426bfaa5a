"""Properties of the production deployment files under deploy/.

    deploy/docker/docker-compose.yml   postgres, pgbouncer, code location (gRPC), webserver, daemon
    deploy/dagster.yaml                the production instance
    deploy/terraform/*.tf              buckets, KMS key, EMR Serverless application, IAM, log group

Only PyYAML and plain text reading: Terraform is checked as text (blocks found by brace matching),
and checkov runs only when the CHECKOV environment variable names its executable.
"""

import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from brewery_assets.definitions import ASSETS
from brewery_assets.deployments import production_lake

REPO_ROOT = Path(__file__).resolve().parents[2]
DEPLOY = REPO_ROOT / "deploy"
DOCKER = DEPLOY / "docker"
TERRAFORM = DEPLOY / "terraform"

LAYERS = ("bronze", "silver", "gold")
DAGSTER_SERVICES = ("code-location", "webserver", "daemon")
SECRET_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|ACCESS_KEY", re.IGNORECASE)
# A compose interpolation and nothing else: ${VAR}, ${VAR:-default}, ${VAR:?message}.
INTERPOLATION = re.compile(r"^\$\{[A-Z][A-Z0-9_]*(:?[-?][^}]*)?\}$")


# --- helpers -------------------------------------------------------------------------------------


def _yaml(path: Path) -> dict:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def _compose() -> dict:
    return _yaml(DOCKER / "docker-compose.yml")


def _environment(service: dict) -> dict[str, str]:
    """A service's environment as a dict, whether written as a mapping or as a list."""
    env = service.get("environment") or {}
    if isinstance(env, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


def _tf(name: str) -> str:
    return (TERRAFORM / name).read_text(encoding="utf-8")


def _all_tf() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(TERRAFORM.glob("*.tf")))


def _block_at(text: str, start: int) -> str:
    """The text from `start` to the brace closing the first `{` after it."""
    open_at = text.index("{", start)
    depth = 0
    for index in range(open_at, len(text)):
        if text[index] == "{":
            depth += 1
        elif text[index] == "}":
            depth -= 1
            if depth == 0:
                return text[start : index + 1]
    raise AssertionError(f"unbalanced braces after offset {start}")


def _blocks(text: str, header: str) -> list[str]:
    """Every block whose header line matches the regular expression `header`."""
    return [_block_at(text, match.start()) for match in re.finditer(rf"(?m)^[ \t]*{header}[ \t]*\{{", text)]


def _block(text: str, header: str) -> str:
    found = _blocks(text, header)
    assert len(found) == 1, f"expected one block {header!r}, found {len(found)}"
    return found[0]


def _resource(kind: str, name: str) -> str:
    return _block(_all_tf(), rf'resource "{kind}" "{name}"')


def _strings(block: str, attribute: str) -> list[str]:
    """The string literals of a list attribute (`attribute = [ ... ]`) of a block."""
    match = re.search(rf"(?m)^\s*{attribute}\s*=\s*\[(.*?)\]\s*$", block, re.DOTALL)
    return re.findall(r'"([^"]*)"', match.group(1)) if match else []


def _code(block: str) -> str:
    """A block without its comments."""
    return re.sub(r"(?m)#.*$", "", block)


# --- docker compose ------------------------------------------------------------------------------


def test_compose_parses_and_has_the_five_services():
    services = _compose()["services"]
    assert set(services) == {"postgres", "pgbouncer", *DAGSTER_SERVICES}


def test_postgres_is_16_with_healthcheck_and_volume():
    postgres = _compose()["services"]["postgres"]
    assert postgres["image"].split(":")[1].startswith("16")
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert any(str(volume).endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])
    assert "postgres-data" in _compose()["volumes"]


def test_dagster_reaches_postgres_only_through_pgbouncer():
    services = _compose()["services"]
    pgbouncer = services["pgbouncer"]
    assert pgbouncer["build"]["context"] == "pgbouncer"
    assert pgbouncer["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert _environment(pgbouncer)["PGBOUNCER_SERVER_HOST"] == "postgres"
    assert "6432" in [str(port) for port in pgbouncer["expose"]]
    for name in DAGSTER_SERVICES:
        env = _environment(services[name])
        assert (env["DAGSTER_POSTGRES_HOSTNAME"], env["DAGSTER_POSTGRES_PORT"]) == ("pgbouncer", "6432"), name
        assert "postgres" not in services[name]["depends_on"], name
        assert services[name]["depends_on"]["pgbouncer"]["condition"] == "service_healthy", name

    image = (DOCKER / "pgbouncer" / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"(?m)^FROM debian:bookworm-slim$", image)
    assert re.search(r"pgbouncer=\d[\w.+~-]*", image), "the Debian package is pinned"
    users = re.findall(r"(?m)^USER (\S+)$", image)
    assert users and users[-1] not in ("root", "0")
    script = (DOCKER / "pgbouncer" / "start-pgbouncer.sh").read_text(encoding="utf-8")
    # Session pooling keeps the session settings a client makes (the webserver's statement_timeout).
    assert "pool_mode = session" in script
    assert "auth_type = ${PGBOUNCER_AUTH_TYPE:-md5}" in script


def test_only_the_webserver_is_published_and_only_on_loopback():
    services = _compose()["services"]
    assert services["webserver"]["ports"] == ["127.0.0.1:3000:3000"]
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), f"{name} publishes {port} beyond loopback"
    assert [name for name, service in services.items() if service.get("ports")] == ["webserver"]


def test_code_location_serves_grpc_on_4000_and_the_workspace_points_at_it():
    code_location = _compose()["services"]["code-location"]
    assert code_location["build"]["dockerfile"] == "deploy/docker/Dockerfile"
    assert "4000" in [str(port) for port in code_location["expose"]]
    assert "grpc-health-check" in code_location["healthcheck"]["test"]

    workspace = _yaml(DOCKER / "workspace.yaml")
    [entry] = workspace["load_from"]
    assert entry["grpc_server"] == {"host": "code-location", "port": 4000, "location_name": "brewery_assets"}

    dockerfile = (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    assert (
        'CMD ["dagster", "code-server", "start", "-h", "0.0.0.0", "-p", "4000", '
        '"-m", "brewery_assets.definitions"]' in dockerfile
    )


def test_webserver_and_daemon_wait_for_the_database_and_the_code_location():
    services = _compose()["services"]
    assert services["webserver"]["command"][0] == "dagster-webserver"
    assert services["daemon"]["command"][:2] == ["dagster-daemon", "run"]
    for name in ("webserver", "daemon"):
        depends = services[name]["depends_on"]
        assert depends["pgbouncer"]["condition"] == "service_healthy"
        assert depends["code-location"]["condition"] == "service_healthy"


def test_environment_is_passed_through_to_every_dagster_service():
    services = _compose()["services"]
    for name in DAGSTER_SERVICES:
        env = _environment(services[name])
        assert env["DAGSTER_DEPLOYMENT"] == "prod", name
        for key in ("USER", "PASSWORD", "HOSTNAME", "DB", "PORT"):
            assert f"DAGSTER_POSTGRES_{key}" in env, (name, key)
        assert "AWS_REGION" in env, name
    code_env = _environment(services["code-location"])
    assert "SLACK_BOT_TOKEN" in code_env
    assert any(key.startswith("BREWERY_") for key in code_env)


def test_no_literal_secret_values_in_compose():
    services = _compose()["services"]
    for name, service in services.items():
        for key, value in _environment(service).items():
            if SECRET_NAME.search(key):
                assert INTERPOLATION.match(value), f"{name}: {key} must come from the environment"
    # The secrets without which nothing may start are required (${VAR:?...}), never defaulted.
    for name, key, source in [
        ("postgres", "POSTGRES_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"),
        ("pgbouncer", "DAGSTER_POSTGRES_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"),
        ("code-location", "DAGSTER_POSTGRES_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"),
        ("code-location", "SLACK_BOT_TOKEN", "SLACK_BOT_TOKEN"),
        ("webserver", "DAGSTER_POSTGRES_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"),
        ("daemon", "DAGSTER_POSTGRES_PASSWORD", "DAGSTER_POSTGRES_PASSWORD"),
    ]:
        assert _environment(services[name])[key].startswith("${" + source + ":?"), (name, key)


def test_no_credentials_in_any_deploy_file():
    patterns = [
        re.compile(r"AKIA[0-9A-Z]{16}"),  # AWS access key id
        re.compile(r"xox[abposr]-[0-9A-Za-z-]{10,}"),  # Slack token
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----"),
    ]
    for path in DEPLOY.rglob("*"):
        # .terraform/ (providers) and state files exist only where `terraform init` ran; never committed.
        if path.is_file() and ".terraform" not in path.parts and ".tfstate" not in path.name:
            text = path.read_text(encoding="utf-8", errors="replace")
            for pattern in patterns:
                assert not pattern.search(text), f"{path.relative_to(REPO_ROOT)} contains {pattern.pattern}"


def test_compose_passes_every_variable_terraform_outputs():
    output = _block(_tf("outputs.tf"), r'output "dagster_environment"')
    names = re.findall(r"(?m)^\s*([A-Z][A-Z0-9_]+)\s*=", output)
    assert "DAGSTER_COMPUTE_LOGS_BUCKET" in names and "BREWERY_EMR_APPLICATION_ID" in names
    code_env = _environment(_compose()["services"]["code-location"])
    assert sorted(set(names) - set(code_env)) == []


def test_images_are_slim_python_and_run_as_a_non_root_user():
    for name in ("Dockerfile", "Dockerfile.dagster"):
        text = (DOCKER / name).read_text(encoding="utf-8")
        assert re.search(r"(?m)^FROM python:3\.11-slim$", text), name
        users = re.findall(r"(?m)^USER (\S+)$", text)
        assert users and users[-1] not in ("root", "0"), name
        assert text.index("\nUSER ") < text.index("\nCMD "), name
        assert re.search(r"pip install -c \S*constraints\.txt", text), name
    assert "pip install -c constraints.txt ." in (DOCKER / "Dockerfile").read_text(encoding="utf-8")
    dagster_image = (DOCKER / "Dockerfile.dagster").read_text(encoding="utf-8")
    for pin in (
        "dagster==1.13.27",
        "dagster-webserver==1.13.27",
        "dagster-postgres==0.29.27",
        "dagster-aws==0.29.27",
    ):
        assert pin in dagster_image


# --- deploy/dagster.yaml -------------------------------------------------------------------------


def _instance() -> dict:
    return _yaml(DEPLOY / "dagster.yaml")


def _env_references(value) -> list[str]:
    """Every `env:` reference in a config tree."""
    if isinstance(value, dict):
        if set(value) == {"env"}:
            return [value["env"]]
        return [name for item in value.values() for name in _env_references(item)]
    if isinstance(value, list):
        return [name for item in value for name in _env_references(item)]
    return []


def test_instance_stores_everything_in_postgres_from_the_environment():
    postgres_db = _instance()["storage"]["postgres"]["postgres_db"]
    assert postgres_db == {
        "username": {"env": "DAGSTER_POSTGRES_USER"},
        "password": {"env": "DAGSTER_POSTGRES_PASSWORD"},
        "hostname": {"env": "DAGSTER_POSTGRES_HOSTNAME"},
        "db_name": {"env": "DAGSTER_POSTGRES_DB"},
        "port": {"env": "DAGSTER_POSTGRES_PORT"},
    }


@pytest.mark.parametrize("config", [REPO_ROOT / "deploy" / "dagster.yaml", REPO_ROOT / "dagster.yaml"])
def test_both_instances_let_one_step_write_each_lake_table_at_a_time(config):
    instance = yaml.safe_load(config.read_text())
    assert instance["concurrency"]["pools"]["default_limit"] == 1
    assert instance["concurrency"]["runs"]["max_concurrent_runs"] >= 1
    assert instance["run_monitoring"]["enabled"] is True
    assert instance["run_monitoring"]["free_slots_after_run_end_seconds"] > 0
    # Every asset that writes a Delta table is in a pool of its own, named after the table.
    pools = {definition.key.to_user_string(): definition.op.pool for definition in ASSETS}
    assert pools == {
        "bronze_breweries": None,
        "silver_breweries": "lake_silver_breweries",
        "silver_breweries_anonymized": "lake_silver_breweries_anonymized",
        "gold_brewery_counts": "lake_gold_brewery_counts",
        "silver_brewery_history": "lake_silver_brewery_history",
        "gold_brewery_changes": "lake_gold_brewery_changes",
        "gold_brewery_counts_daily": "lake_gold_brewery_counts_daily",
    }


def test_production_retries_crashed_runs_but_not_failed_steps():
    instance = _instance()
    assert instance["run_retries"] == {"enabled": True, "max_retries": 2, "retry_on_asset_or_op_failure": False}
    assert instance["telemetry"] == {"enabled": False}


def test_instance_keeps_compute_logs_in_s3_under_logs():
    compute_logs = _instance()["compute_logs"]
    assert compute_logs["module"] == "dagster_aws.s3.compute_log_manager"
    assert compute_logs["class"] == "S3ComputeLogManager"
    assert compute_logs["config"]["prefix"] == "logs/"
    assert compute_logs["config"]["bucket"] == {"env": "DAGSTER_COMPUTE_LOGS_BUCKET"}
    # The Dagster policy grants exactly this prefix of the logs bucket.
    assert 'compute_logs_prefix = "logs/"' in _tf("s3.tf")


def test_every_variable_the_instance_reads_is_set_for_every_dagster_service():
    needed = set(_env_references(_instance()))
    assert "DAGSTER_POSTGRES_PASSWORD" in needed
    services = _compose()["services"]
    for name in DAGSTER_SERVICES:
        assert sorted(needed - set(_environment(services[name]))) == [], name


# --- Terraform -----------------------------------------------------------------------------------


def test_one_bucket_per_layer_plus_artifacts_and_logs():
    locals_block = _block(_tf("s3.tf"), "locals")
    for name in (*LAYERS, "artifacts"):
        default_name = f'coalesce(var.{name}_bucket_name, "${{var.name_prefix}}-{name}")'
        assert re.search(rf"(?m)^\s*{name}\s*= {re.escape(default_name)}$", locals_block), name
    assert "for_each = local.lake_bucket_names" in _resource("aws_s3_bucket", "lake")
    assert "bucket = local.logs_bucket_name" in _resource("aws_s3_bucket", "logs")


@pytest.mark.parametrize(
    "kind",
    [
        "aws_s3_bucket_versioning",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_ownership_controls",
        "aws_s3_bucket_policy",
        "aws_s3_bucket_lifecycle_configuration",
    ],
)
def test_every_bucket_has(kind):
    for name in ("lake", "logs"):
        _resource(kind, name)


def test_buckets_are_versioned_private_and_encrypted():
    tf = _all_tf()
    for block in _blocks(tf, r'resource "aws_s3_bucket_versioning" "\w+"'):
        assert 'status = "Enabled"' in block
    for block in _blocks(tf, r'resource "aws_s3_bucket_public_access_block" "\w+"'):
        for setting in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"):
            assert re.search(rf"{setting}\s*=\s*true", block), setting
    for block in _blocks(tf, r'resource "aws_s3_bucket_ownership_controls" "\w+"'):
        assert '"BucketOwnerEnforced"' in block
    lake_sse = _resource("aws_s3_bucket_server_side_encryption_configuration", "lake")
    assert '"aws:kms"' in lake_sse and "aws_kms_key.lake.arn" in lake_sse
    assert re.search(r"enable_key_rotation\s*=\s*true", _resource("aws_kms_key", "lake"))
    logging = _resource("aws_s3_bucket_logging", "lake")
    assert "for_each = aws_s3_bucket.lake" in logging and "aws_s3_bucket.logs.id" in logging


def test_bucket_policies_deny_requests_without_tls():
    for name in ("lake_bucket", "logs_bucket"):
        policy = _block(_tf("s3.tf"), rf'data "aws_iam_policy_document" "{name}"')
        deny = next(block for block in _blocks(policy, "statement") if re.search(r'effect\s*=\s*"Deny"', block))
        assert _strings(deny, "actions") == ["s3:*"]
        assert '"aws:SecureTransport"' in deny and _strings(deny, "values") == ["false"]


def test_bronze_moves_to_infrequent_access_then_to_an_archive_class():
    bronze = _resource("aws_s3_bucket_lifecycle_configuration", "bronze")
    assert 'aws_s3_bucket.lake["bronze"]' in bronze
    transitions = _blocks(bronze, "transition")
    assert len(transitions) == 2
    assert "var.bronze_infrequent_access_after_days" in transitions[0] and '"STANDARD_IA"' in transitions[0]
    assert "var.bronze_archive_after_days" in transitions[1]
    assert "var.bronze_archive_storage_class" in transitions[1]

    archive_class = _block(_tf("variables.tf"), r'variable "bronze_archive_storage_class"')
    assert '["GLACIER", "DEEP_ARCHIVE"]' in archive_class
    for days in ("bronze_infrequent_access_after_days", "bronze_archive_after_days"):
        assert re.search(rf'variable "{days}"', _tf("variables.tf")), days


def test_every_lifecycle_configuration_expires_old_versions_and_aborts_uploads():
    blocks = _blocks(_all_tf(), r'resource "aws_s3_bucket_lifecycle_configuration" "\w+"')
    assert len(blocks) == 3  # bronze, the other lake buckets, logs
    for block in blocks:
        assert "noncurrent_version_expiration" in block
        assert "var.noncurrent_version_expiration_days" in block
        assert "abort_incomplete_multipart_upload" in block


def test_emr_serverless_application_starts_and_stops_by_itself():
    app = _resource("aws_emrserverless_application", "spark")
    assert re.search(r'type\s*=\s*"spark"', app, re.IGNORECASE)
    assert "release_label = var.emr_release_label" in app
    assert re.search(r"enabled\s*=\s*true", _block(app, "auto_start_configuration"))
    auto_stop = _block(app, "auto_stop_configuration")
    assert re.search(r"enabled\s*=\s*true", auto_stop)
    assert "idle_timeout_minutes = var.emr_idle_timeout_minutes" in auto_stop
    capacity = _block(app, "maximum_capacity")
    assert "var.emr_max_cpu" in capacity and "var.emr_max_memory" in capacity
    assert 'dynamic "network_configuration"' in app
    release = _block(_tf("variables.tf"), r'variable "emr_release_label"')
    assert 'default     = "emr-7.13.0"' in release


def test_job_role_is_trusted_by_emr_serverless_for_this_application_only():
    trust = _block(_tf("iam.tf"), r'data "aws_iam_policy_document" "emr_job_trust"')
    assert _strings(trust, "identifiers") == ["emr-serverless.amazonaws.com"]
    assert '"aws:SourceArn"' in trust and "local.emr_application_arn" in trust


def test_dagster_may_pass_only_the_job_role_and_only_to_emr_serverless():
    dagster = _block(_tf("iam.tf"), r'data "aws_iam_policy_document" "dagster"')
    [pass_role] = [block for block in _blocks(dagster, "statement") if '"iam:PassRole"' in block]
    assert "resources = [aws_iam_role.emr_job.arn]" in pass_role
    assert '"iam:PassedToService"' in pass_role and '"emr-serverless.amazonaws.com"' in pass_role
    emr_statements = [block for block in _blocks(dagster, "statement") if "emr-serverless:" in block]
    for block in emr_statements:
        assert "local.emr_application_arn" in block


def _statements() -> list[tuple[str, str]]:
    """Every IAM policy statement (plain or dynamic) of every policy document, with its document."""
    return [
        (document, statement)
        for document in _blocks(_all_tf(), r'data "aws_iam_policy_document" "\w+"')
        for statement in _blocks(document, r'(?:statement|dynamic "statement")')
    ]


def test_no_unjustified_wildcard_in_iam_statements():
    statements = _statements()
    assert len(statements) > 20
    checked = 0
    for document, statement in statements:
        if re.search(r'effect\s*=\s*"Deny"', statement):
            continue  # a broad deny (TLS only) is the point of the statement
        wildcard_actions = [action for action in _strings(statement, "actions") if "*" in action]
        wildcard_resources = [resource for resource in _strings(statement, "resources") if resource == "*"]
        if wildcard_actions or wildcard_resources:
            checked += 1
            assert "# Wildcard:" in statement, f"unjustified wildcard {wildcard_actions or wildcard_resources}"
        if wildcard_resources:
            assert "#checkov:skip=" in document, "a '*' resource must also carry its checkov skip"
    assert checked >= 1  # the key policy has them, justified
    assert not re.search(r'"?Action"?\s*[=:]\s*"\*"', _code(_all_tf()))


def test_every_checkov_skip_is_inline_with_a_reason():
    skips = re.findall(r"#checkov:skip=([A-Z0-9_]+):(.*)", _all_tf())
    assert skips
    for check_id, reason in skips:
        assert re.fullmatch(r"CKV2?_AWS_\d+", check_id), check_id
        assert len(reason.strip()) >= 40, f"{check_id}: reason too short: {reason!r}"


def test_outputs_give_what_the_deployment_needs():
    outputs = set(re.findall(r'(?m)^output "(\w+)"', _tf("outputs.tf")))
    assert {
        "bucket_names",
        "emr_application_id",
        "emr_job_role_arn",
        "dagster_role_arn",
        "emr_log_group_name",
        "dagster_environment",
    } <= outputs
    log_group = _resource("aws_cloudwatch_log_group", "emr")
    assert "retention_in_days = var.log_retention_days" in log_group
    assert "kms_key_id        = aws_kms_key.lake.arn" in log_group


def test_terraform_files_are_laid_out_like_terraform_fmt():
    for path in [*sorted(TERRAFORM.glob("*.tf")), TERRAFORM / "terraform.tfvars.example"]:
        text = path.read_text(encoding="utf-8")
        assert text.endswith("\n") and not text.endswith("\n\n"), path.name
        for number, line in enumerate(text.split("\n"), 1):
            assert "\t" not in line, f"{path.name}:{number}: tab"
            assert line == line.rstrip(), f"{path.name}:{number}: trailing whitespace"
            indent = len(line) - len(line.lstrip(" "))
            assert indent % 2 == 0, f"{path.name}:{number}: odd indentation"
        assert text.count("{") == text.count("}"), path.name
    assert re.search(r'required_version = ">= 1\.6"', _tf("versions.tf"))
    assert re.search(r'version = "~> 5\.\d+"', _tf("versions.tf"))


def test_checkov_passes():
    checkov = os.environ.get("CHECKOV")
    if not checkov:
        pytest.skip("CHECKOV is not set: point it at a checkov executable to scan deploy/terraform")
    if not (Path(checkov).is_file() and os.access(checkov, os.X_OK)):
        pytest.skip(f"CHECKOV={checkov} is not an executable file")
    result = subprocess.run(
        # --skip-download: no request to the vendor's API for guideline links.
        [checkov, "-d", "deploy/terraform", "--quiet", "--compact", "--skip-download"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "Failed checks: 0" in result.stdout


# --- Query catalog (Glue, Athena) ----------------------------------------------------------------

# Each Glue table and the LakeLayout property of the Delta table it must point at.
QUERYABLE_TABLES = {
    "silver_breweries": "silver_breweries",
    "silver_brewery_history": "silver_brewery_history",
    "gold_brewery_counts": "gold_brewery_counts",
    "gold_brewery_changes": "gold_brewery_changes",
    "gold_brewery_counts_daily": "gold_brewery_counts_daily",
}


def _catalog_tables() -> dict[str, tuple[str, str]]:
    """(layer, path) of each table of `local.catalog_tables` in catalog.tf."""
    tables = _block(_block(_tf("catalog.tf"), "locals"), r"catalog_tables\s*=")
    tables = tables[tables.index("{") + 1:]
    return {
        name: (re.search(r'layer\s*=\s*"(\w+)"', body).group(1), re.search(r'path\s*=\s*"([\w/]+)"', body).group(1))
        for name, body in re.findall(r"(?m)^\s*(\w+)\s*=\s*(\{[^}]*\})", tables)
    }


def test_glue_declares_each_queryable_table_as_delta_where_the_deployment_writes_it(monkeypatch):
    from brewery_assets.deployments import production_lake

    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    buckets = {"bronze": "the-bronze-bucket", "silver": "the-silver-bucket", "gold": "the-gold-bucket"}
    lake, missing = production_lake({f"BREWERY_{layer.upper()}_BUCKET": name for layer, name in buckets.items()})
    assert missing == []
    tables = _catalog_tables()
    assert set(tables) == set(QUERYABLE_TABLES)
    for name, prop in QUERYABLE_TABLES.items():
        layer, path = tables[name]
        # catalog.tf's location of the table: s3://<layer bucket>/<path>/
        assert f"s3://{buckets[layer]}/{path}" == getattr(lake.layout, prop), name
    locations = _block(_block(_tf("catalog.tf"), "locals"), r"catalog_table_locations\s*=")
    assert '"s3://${aws_s3_bucket.lake[table.layer].id}/${table.path}/"' in locations

    glue = _resource("aws_glue_catalog_table", "lake")
    assert "for_each = local.catalog_tables" in glue
    assert "database_name = aws_glue_catalog_database.lake.name" in glue
    assert re.search(r'table_type\s*=\s*"EXTERNAL_TABLE"', glue)
    parameters = _blocks(glue, r"parameters\s*=")[0]  # the table's (the second is its SerDe's)
    assert re.search(r'(?m)^\s*table_type\s*=\s*"DELTA"$', parameters)
    assert re.search(r'(?m)^\s*"spark\.sql\.sources\.provider"\s*=\s*"delta"$', parameters)
    assert re.search(r'(?m)^\s*EXTERNAL\s*=\s*"TRUE"$', parameters)
    storage = _block(glue, "storage_descriptor")
    assert "location = local.catalog_table_locations[each.key]" in storage
    assert "path = local.catalog_table_locations[each.key]" in _block(storage, "ser_de_info")


def test_athena_workgroup_reads_delta_and_encrypts_its_results_with_the_lake_key():
    workgroup = _resource("aws_athena_workgroup", "lake")
    assert re.search(r"enforce_workgroup_configuration\s*=\s*true", workgroup)
    assert '"Athena engine version 3"' in _block(workgroup, "engine_version")
    encryption = _block(workgroup, "encryption_configuration")
    assert '"SSE_KMS"' in encryption and "aws_kms_key.lake.arn" in encryption
    assert "${aws_s3_bucket.logs.id}/${local.athena_results_prefix}" in _block(workgroup, "result_configuration")


def test_the_query_policy_grants_the_workgroup_the_catalog_tables_and_their_files_only():
    policy = _block(_tf("catalog.tf"), r'data "aws_iam_policy_document" "lake_query"')
    statements = {re.search(r'sid\s*=\s*"(\w+)"', block).group(1): block for block in _blocks(policy, "statement")}
    assert "resources = [aws_athena_workgroup.lake.arn]" in statements["RunQueriesInTheWorkgroup"]
    assert "[for table in aws_glue_catalog_table.lake : table.arn]" in statements["ReadTheCatalogTables"]
    assert ('resources = [for table in local.catalog_tables : "${aws_s3_bucket.lake[table.layer].arn}/${table.path}/*"]'
            in statements["ReadTheTables"])
    assert _strings(statements["ReadTheTables"], "actions") == ["s3:GetObject"]
    assert '"s3:prefix"' in statements["ListTheTables"] and '"s3:prefix"' in statements["ListQueryResults"]
    assert '"kms:ViaService"' in statements["UseLakeKeyThroughS3"]
    for block in statements.values():
        assert not [resource for resource in _strings(block, "resources") if resource == "*"]
    assert re.search(r'(?m)^output "lake_query_policy_arn"', _tf("outputs.tf"))


def test_iam_grants_each_layer_where_the_deployment_writes_it():
    """Production writes each layer at its bucket's root (s3://<silver bucket>/breweries/...)."""
    iam = _tf("iam.tf")
    assert 'layer_object_arns = { for layer in local.layers : layer => "${aws_s3_bucket.lake[layer].arn}/*" }' in iam
    lake = production_lake({"BREWERY_BRONZE_BUCKET": "b", "BREWERY_SILVER_BUCKET": "s", "BREWERY_GOLD_BUCKET": "g"})[0]
    assert lake.layout.silver_breweries == "s3://s/breweries" and lake.layout.bronze_root == "s3://b/breweries"
