"""The admin benchmark runs in its tiny mode: every crm list page it times
answers to a view-only staff user."""


def test_it_times_every_crm_list_page_of_a_tiny_shop(run_benchmark, postgres_too):
    database = "both" if postgres_too else "sqlite"
    figures = run_benchmark("admin.py", "--tiny", "--database", database)
    for vendor in ["postgres", "sqlite"] if postgres_too else ["sqlite"]:
        pages = figures[vendor]["pages"]
        listed = {page["page"].split("?")[0] for page in pages}
        assert len(listed) == 6  # customers, orders, assets, products, views, consents
        assert all(page["queries"] > 0 and page["seconds"] > 0 for page in pages)
