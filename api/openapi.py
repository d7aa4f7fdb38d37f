"""What ninja does not write into the OpenAPI schema by itself: the links.

Links tell a client (and schemathesis' stateful tests) how one answer leads to
the next request: a customer written by PUT can be read back by GET, and so can
the customer an order, asset or ticket belongs to.
"""

from typing import Any

GET_CUSTOMER = "api_routes_get_customer"
# operationId: (link name, the external id's runtime expression)
_LINKS = {
    "api_routes_put_customer": ("GetCustomer", "$request.path.external_id"),
    "api_routes_put_order": ("GetOrderCustomer", "$response.body#/customer"),
    "api_routes_put_asset": ("GetAssetCustomer", "$response.body#/customer"),
    "api_routes_put_ticket": ("GetTicketCustomer", "$response.body#/customer"),
    "api_routes_post_customers": (
        "GetFirstCustomer",
        "$response.body#/results/0/external_id",
    ),
}


def add_links(schema: dict[str, Any]) -> None:
    for path_item in schema.get("paths", {}).values():
        for operation in path_item.values():
            link = _LINKS.get(operation.get("operationId"))
            if link is None:
                continue
            name, expression = link
            for status in (200, 201):
                # ninja keys the responses by int until the schema is serialised
                responses = operation["responses"]
                response = responses.get(status, responses.get(str(status)))
                if response is not None:
                    response["links"] = {
                        name: {
                            "operationId": GET_CUSTOMER,
                            "parameters": {"external_id": expression},
                        }
                    }
