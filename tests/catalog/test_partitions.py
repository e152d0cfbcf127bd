"""Partitions and regions known offline: botocore's partitions.json unioned with the bundled snapshot."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from policy_lint.catalog import partitions
from policy_lint.catalog.partitions import merge_partitions

SNAPSHOT = Path(partitions.__file__).with_name("data") / "partitions.json"


def test_the_commercial_partition_has_every_region_incl_the_newest() -> None:
    aws = partitions.regions("aws")
    assert len(aws) >= 36
    assert {"us-east-1", "eu-central-2", "ap-southeast-7", "mx-central-1", "me-west-1", "sa-west-1"} <= aws
    assert "aws-global" not in aws  # an endpoint pseudo-region, never in an ARN


@pytest.mark.parametrize(
    ("region", "partition"),
    [
        ("cn-north-1", "aws-cn"),
        ("cn-northwest-1", "aws-cn"),
        ("us-gov-west-1", "aws-us-gov"),
        ("us-iso-east-1", "aws-iso"),
        ("us-isob-east-1", "aws-iso-b"),
        ("eusc-de-east-1", "aws-eusc"),
        ("eu-west-1", "aws"),
        ("me-west-1", "aws"),
    ],
)
def test_partition_of_region(region: str, partition: str) -> None:
    assert partitions.partition_of_region(region) == partition
    assert partitions.is_known_region(region, partition)
    assert not partitions.is_known_region(region, "aws-cn" if partition != "aws-cn" else "aws")


def test_unknown_regions_unless_asked_to_go_by_the_naming_pattern() -> None:
    assert partitions.partition_of_region("us-east-7") is None
    assert partitions.partition_of_region("ap-southeast-9", by_pattern=True) == "aws"
    assert partitions.partition_of_region("cn-south-9", by_pattern=True) == "aws-cn"
    assert partitions.partition_of_region("mars-1", by_pattern=True) is None


def test_partition_ids_and_lookups() -> None:
    ids = partitions.partition_ids()
    assert ids[0] == "aws"
    assert set(ids) >= {
        "aws",
        "aws-cn",
        "aws-us-gov",
        "aws-iso",
        "aws-iso-b",
        "aws-iso-e",
        "aws-iso-f",
        "aws-eusc",
    }
    assert partitions.is_known_partition("aws-cn")
    assert not partitions.is_known_partition("AWS")  # ARNs are case-sensitive
    assert partitions.regions("yolo") == frozenset()
    assert partitions.dns_suffix("aws-cn") == "amazonaws.com.cn"
    assert partitions.dns_suffix("aws-eusc") == "amazonaws.eu"
    assert partitions.region_description("me-west-1") == "Middle East (Saudi Arabia)"
    china = partitions.get_partition("aws-cn")
    assert china is not None and china.name == "AWS China" and china.matches_region_pattern("cn-west-7")


def test_snapshot_fills_in_regions_an_older_botocore_lacks() -> None:
    old_botocore = [
        {
            "id": "aws",
            "outputs": {"dnsSuffix": "amazonaws.com"},
            "regionRegex": r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$",
            "regions": {
                "us-east-1": {"description": "US East (N. Virginia)"},
                "aws-global": {"description": "x"},
            },
        }
    ]
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))["partitions"]
    merged = merge_partitions(snapshot, old_botocore)
    assert {"us-east-1", "me-west-1", "sa-west-1"} <= merged["aws"].regions
    assert "aws-global" not in merged["aws"].regions
    # and a region only botocore knows is kept too
    newer = [dict(old_botocore[0], regions={"ap-southeast-9": {"description": "Asia Pacific (New)"}})]
    assert "ap-southeast-9" in merge_partitions(snapshot, newer)["aws"].regions


def test_snapshot_records_its_provenance() -> None:
    raw = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert "botocore" in raw["_provenance"] and "docs/aws-facts.md" in raw["_provenance"]
    aws = next(p for p in raw["partitions"] if p["id"] == "aws")
    assert len(aws["regions"]) == 36


def test_botocore_is_read_as_data_not_imported() -> None:
    code = (
        "import sys; from policy_lint.catalog import partitions as p; "
        "p.botocore_partitions_file(); p.regions('aws'); "
        "print('botocore' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
