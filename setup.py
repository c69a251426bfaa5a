from setuptools import find_packages, setup

# Direct dependencies, pinned to the versions tested together; constraints.txt pins the rest.
setup(
    name="brewery_assets",
    version="0.1.0",
    description="Dagster code location: a bronze/silver/gold Delta lake of Open Brewery DB data on Spark",
    packages=find_packages(exclude=["brewery_assets_tests*", "benchmarks*"]),
    python_requires=">=3.11,<3.13",
    install_requires=[
        "dagster==1.13.27",
        "dagster-webserver==1.13.27",
        "dagster-dg-cli==1.13.27",
        "dagster-aws==0.29.27",
        "dagster-postgres==0.29.27",
        "dagster-pyspark==0.29.27",
        "dagster-slack==0.29.27",
        "pyspark[connect]==4.2.0",
        "delta-spark==4.4.1",
        "pysail==0.7.2",
        "deltalake==1.6.6",
        "pandera[pyspark]==0.35.0",
        "pandas==2.3.3",
        "pyarrow==26.0.1",
        "requests==2.34.2",
        "matplotlib==3.11.2",
    ],
    extras_require={
        # The benchmark's floor (benchmarks/floor.py); not needed to run or test the pipeline.
        "bench": ["polars==2.1.0"],
        "test": ["pytest==9.2.0", "pytest-timeout==2.4.0", "ruff==0.17.5", "moto[server]==5.2.1", "websockets==17.4"],
    },
    entry_points={
        "console_scripts": [
            "brewery-lake=brewery_assets.cli:main",
            "brewery-replay-server=brewery_assets.replay.server:main",
        ],
    },
)
