"""Batch bodies and answers: each item is the single endpoint's body plus its id.

A batch whose shape breaks the schema is refused whole (422 naming
items.N.field). A well-formed item that cannot be applied (an unknown
customer, an invalid phone number, a time in the future) is answered 422 at
its index and writes nothing; the other items go in.
"""

from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.fields import ResourceId
from api.schemas import AssetIn, CustomerIn, FieldErrorOut, OrderIn
from crm.services import MAX_BATCH, ItemResult


class CustomerBatchItem(CustomerIn):
    external_id: ResourceId


class OrderBatchItem(OrderIn):
    external_id: ResourceId


class AssetBatchItem(AssetIn):
    external_id: ResourceId


def _batch_of() -> Any:
    return Field(
        description=f"1 to {MAX_BATCH} items; more is a 413",
        json_schema_extra={"maxItems": MAX_BATCH},
        min_length=1,
    )


class _Batch(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CustomerBatchIn(_Batch):
    items: list[CustomerBatchItem] = _batch_of()


class OrderBatchIn(_Batch):
    items: list[OrderBatchItem] = _batch_of()


class AssetBatchIn(_Batch):
    items: list[AssetBatchItem] = _batch_of()


class ItemOut(BaseModel):
    index: int
    external_id: str
    status: Literal[200, 201, 422] = Field(
        description="201 created, 200 updated, 422 rejected (see errors)"
    )
    errors: list[FieldErrorOut]


class BatchOut(BaseModel):
    created: int
    updated: int
    rejected: int
    results: list[ItemOut]


def batch_out(results: Sequence[ItemResult]) -> dict[str, Any]:
    counts = {status: 0 for status in (201, 200, 422)}
    for result in results:
        counts[result.status] += 1
    return {
        "created": counts[201],
        "updated": counts[200],
        "rejected": counts[422],
        "results": [
            {
                "index": r.index,
                "external_id": r.external_id,
                "status": r.status,
                "errors": [
                    {"field": f, "message": m}
                    for f, messages in r.errors.items()
                    for m in messages
                ],
            }
            for r in results
        ],
    }
