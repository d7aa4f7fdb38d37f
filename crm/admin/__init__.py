"""The crm admin: customers (with their whole story), products, orders, assets, logs.

Other apps extend the customer page through `CustomerAdmin.add_story_section`
(see CustomerAdmin's docstring); crm imports none of them.
"""

from crm.admin.customers import CustomerAdmin, CustomerForm
from crm.admin.filters import RecentValuesFilter
from crm.admin.paging import BigListAdmin, BigTablePaginator
from crm.admin.records import (
    AssetAdmin,
    BrowseEventAdmin,
    ConsentAdmin,
    OrderAdmin,
    ProductAdmin,
    ReadOnlyAdmin,
    ReadOnlyMixin,
)
from crm.admin.search import ExactSearchMixin, phone_search_term, search_exact
from crm.admin.story import StorySection, changelist_url

__all__ = [
    "AssetAdmin",
    "BigListAdmin",
    "BigTablePaginator",
    "BrowseEventAdmin",
    "ConsentAdmin",
    "CustomerAdmin",
    "CustomerForm",
    "ExactSearchMixin",
    "OrderAdmin",
    "ProductAdmin",
    "ReadOnlyAdmin",
    "ReadOnlyMixin",
    "RecentValuesFilter",
    "StorySection",
    "changelist_url",
    "phone_search_term",
    "search_exact",
]
